#pragma once
// What a running process has done so far, from /proc/PID/stat (CPU time, with the children it waited for) and
// /proc/PID/io (bytes read and written through system calls): the samples of core/activity_watch.hpp.
// I/O layer.

#include <optional>

#include "mysql_agent/core/activity_watch.hpp"

namespace mysql_agent {

/// nullopt when /proc/PID/stat cannot be read (the process is gone). /proc/PID/io is readable for a child of the
/// same user; where it is not, the byte counts stay 0 and CPU time alone shows activity.
std::optional<process_activity> read_process_activity(int pid);

}  // namespace mysql_agent
