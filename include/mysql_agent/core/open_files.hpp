#pragma once
// The backup tool's open files (issue 23): xtrabackup/mariabackup open every InnoDB tablespace at once, so a datadir
// with more `.ibd` files than the process may open fails before the first byte ("Cannot open './db/t17840.ibd'",
// "Failed to validate first page ... error 61"). Containers often start with a low soft limit under a high hard
// one: the sidecar raises its soft limit to the hard one at start (its backup tools inherit it, and get
// --open-files-limit), and a backup of a datadir that needs more than that is refused before the tool starts,
// saying how many it needs and what to raise. Pure.

#include <cstdint>
#include <string>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// Files the tool holds besides the tablespaces: the system and undo tablespaces, the redo log, the binlog index,
/// Aria and MyISAM files being copied, sockets, pipes, the libraries. Measured: mariabackup 10.11 on an empty datadir
/// holds about 40.
inline constexpr std::uint64_t open_files_margin = 256;

/// The open-files limit a backup of a datadir with `tablespaces` .ibd files needs.
std::uint64_t open_files_needed(std::uint64_t tablespaces) noexcept;

/// Ok when `limit` (the soft RLIMIT_NOFILE the tool starts with) is enough for `tablespaces`; else the error for the
/// peer and the log: the count, the limit, what to raise (`hard`: the hard limit, which only the container runtime
/// or a privileged parent can raise).
status check_open_files(std::uint64_t tablespaces, std::uint64_t limit, std::uint64_t hard);

}  // namespace mysql_agent
