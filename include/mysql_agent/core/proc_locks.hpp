#pragma once
// Who holds a lock, read from the text of /proc/locks (proc(5)): so that a second clone on a busy datadir can
// say which process to wait for. Pure.

#include <cstdint>
#include <optional>
#include <string_view>

namespace mysql_agent {

/// The pid of the process holding a FLOCK lock on the file with this device (major, minor) and inode, in the
/// text of /proc/locks ("1: FLOCK  ADVISORY  WRITE 4711 fd:01:1311868 0 EOF"; the device's numbers are hex,
/// the inode decimal). Waiters ("1: -> FLOCK ...") are skipped. nullopt when no line matches.
std::optional<std::int64_t> flock_holder(std::string_view proc_locks, unsigned major, unsigned minor,
                                         std::uint64_t inode);

}  // namespace mysql_agent
