#pragma once
// One clone at a time per datadir: an exclusive flock(2) on the datadir directory itself, held for the whole
// clone or init (classification, extraction, prepare, commit). The kernel releases it when the process dies,
// however it dies, so a lock never outlives its holder. I/O layer.

#include <filesystem>
#include <string>

#include "mysql_agent/core/errors.hpp"

namespace mysql_agent {

class datadir_lock {
public:
    /// Creates the datadir when it is missing, then takes the lock without waiting. Throws datadir_busy_error
    /// naming the datadir and the holder's pid (from /proc/locks) when another run holds it, file_error when
    /// the datadir cannot be opened.
    explicit datadir_lock(const std::filesystem::path& datadir);
    ~datadir_lock();
    datadir_lock(const datadir_lock&) = delete;
    datadir_lock& operator=(const datadir_lock&) = delete;

    /// This run's identity, for the commit journal: "<host>/<pid>/<start, RFC 3339 UTC>/<8 hex digits>".
    const std::string& run() const noexcept { return run_; }

private:
    int fd_ = -1;
    std::string run_;
};

}  // namespace mysql_agent
