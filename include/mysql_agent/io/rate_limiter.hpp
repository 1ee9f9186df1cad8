#pragma once
// `sidecar --max-rate`: one token bucket (token_bucket.hpp) shared by every backup stream of the server, since
// what the limit protects (the donor's disk and network, which also serve its own clients) is shared too: two
// concurrent clones get the rate between them, not each. Reads the steady clock and counts the time streams are
// held back for /metrics; the waiting itself is the stream's (backup_stream.cpp), raced against the client going
// away and the shutdown.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

#include "mysql_agent/core/backup_counters.hpp"
#include "mysql_agent/core/token_bucket.hpp"

namespace mysql_agent {

class rate_limiter {
public:
    /// `bytes_per_second` 0: unlimited. Publishes the limit in `counters` (mysql_agent_backup_max_rate_bytes_per_second).
    rate_limiter(std::uint64_t bytes_per_second, backup_counters& counters);

    bool limited() const noexcept { return bucket_.has_value(); }

    /// Reserves `n` bytes of the shared rate: how long the caller must wait before sending them (zero when
    /// unlimited), counted in mysql_agent_backup_throttled_seconds_total. Safe from any thread.
    std::chrono::nanoseconds reserve(std::size_t n);

private:
    std::mutex mutex_;
    std::optional<token_bucket> bucket_;
    backup_counters& counters_;
};

}  // namespace mysql_agent
