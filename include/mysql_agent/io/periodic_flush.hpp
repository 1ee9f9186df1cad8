#pragma once
// Writes back what an extraction writes while it writes, instead of all of it at the commit: a thread that flushes
// the filesystem holding a directory (syncfs) every interval until it is stopped. The kernel would otherwise keep
// a whole restored datadir dirty in the page cache (a machine with 24 GiB holds 2.4 GiB before background writeback
// starts) and the commit's flush, which must reach the disk before the marker says the datadir is complete, would
// write all of it at once while nothing else runs: measured 0.9-1.1 s of a 1 GB restore. Flushing as the stream
// arrives uses the disk while the download and the decoding use the CPU. Failures are ignored here: the commit's own
// flush is the one that counts. I/O layer (a thread).

#include <atomic>
#include <chrono>
#include <filesystem>

#include "mysql_agent/io/periodic_task.hpp"

namespace mysql_agent {

/// How often a clone's or a restore's staging dir is flushed while its stream is extracted.
inline constexpr std::chrono::milliseconds extraction_flush_interval{500};

class periodic_flush {
public:
    periodic_flush(std::filesystem::path dir, std::chrono::milliseconds interval);
    /// Stops and joins (a flush in progress finishes first).
    ~periodic_flush();
    periodic_flush(const periodic_flush&) = delete;
    periodic_flush& operator=(const periodic_flush&) = delete;

    /// How many flushes ran.
    unsigned flushes() const;

private:
    void flush_once() noexcept;

    std::filesystem::path dir_;
    std::atomic<unsigned> flushes_{0};
    periodic_task task_;  ///< last: started once everything it uses exists
};

}  // namespace mysql_agent
