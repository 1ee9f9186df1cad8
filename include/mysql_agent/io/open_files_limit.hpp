#pragma once
// The process's open-files limit (RLIMIT_NOFILE), read and raised: the sidecar raises its soft limit to the hard one
// at start, so that the backup tools it runs inherit it (core/open_files.hpp says why). I/O layer.

#include <cstdint>

namespace mysql_agent {

struct open_files_limits {
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
};

/// The current limits (RLIM_INFINITY reads as UINT64_MAX).
open_files_limits current_open_files_limits() noexcept;

/// Raises the soft limit to the hard one; returns the limits before and after (unchanged when it could not).
struct raised_limits {
    open_files_limits before;
    open_files_limits after;
};
raised_limits raise_open_files_limit() noexcept;

}  // namespace mysql_agent
