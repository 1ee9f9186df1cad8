#pragma once
// Whether a local tool that prints nothing is working or stuck. `mariabackup --prepare` of a large datadir may run for
// hours, so no total timeout bounds it by default (a fixed one is always a guess: moco's 120 s clone timeout, Percona's
// operator timing out clones over 100 GB); instead it must show activity - CPU time, or bytes read or written - within
// every --idle-timeout. io/process_activity reads the samples from /proc; this decides.

#include <chrono>
#include <cstdint>
#include <optional>

namespace mysql_agent {

/// What /proc says a process has done so far. Any field that grows is activity.
struct process_activity {
    std::uint64_t cpu_ticks = 0;      ///< utime + stime, with the children it waited for
    std::uint64_t read_bytes = 0;     ///< rchar: bytes read through any system call (disk, pipes, page cache)
    std::uint64_t written_bytes = 0;  ///< wchar
    bool operator==(const process_activity&) const = default;
};

class idle_watch {
public:
    using clock = std::chrono::steady_clock;

    /// Idle means: no change for longer than `limit` (> 0).
    explicit idle_watch(std::chrono::milliseconds limit) : limit_(limit) {}

    /// Takes the sample read at `now` (nullopt: it could not be read, which counts as activity: never give up on a
    /// process for what cannot be seen). True once the samples have not changed for longer than the limit.
    bool idle_at(clock::time_point now, const std::optional<process_activity>& sample);

    /// How long the samples have not changed, as of the last sample.
    std::chrono::milliseconds unchanged_for() const noexcept { return unchanged_; }

private:
    std::chrono::milliseconds limit_;
    std::optional<process_activity> last_;
    clock::time_point since_{};
    std::chrono::milliseconds unchanged_{0};
};

}  // namespace mysql_agent
