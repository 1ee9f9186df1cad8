#pragma once
// What a running tool has done so far, summed over its process group (child_process starts every tool as the leader
// of a group of its own, so a wrapper script and whatever it runs count together), from /proc/PID/stat (CPU time,
// with the children each waited for) and /proc/PID/io (bytes read and written through system calls): the samples
// of core/activity_watch.hpp. A child that exits moves its CPU time into its parent's: any change counts.
// I/O layer.

#include <optional>

#include "mysql_agent/core/activity_watch.hpp"

namespace mysql_agent {

/// The group `pgid` (its leader's pid); nullopt when the leader cannot be read (gone). /proc/PID/io is readable for
/// processes of the same user; where it is not, the byte counts stay 0 and CPU time alone shows activity.
std::optional<process_activity> read_group_activity(int pgid);

}  // namespace mysql_agent
