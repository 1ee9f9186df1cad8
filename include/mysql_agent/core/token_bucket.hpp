#pragma once
// A token bucket for `sidecar --max-rate`: how long to hold back bytes so that, over any stretch longer than a
// burst, no more than `rate` bytes per second go out. Pure: the caller passes the time and does the waiting
// (rate_limiter.hpp), so a test drives it with made-up clocks.
//
// Debt, not refusal: a take larger than the tokens left is granted with a wait for the deficit, and the bucket
// goes negative, so that later takers queue behind it. Chunks of any size (a 256 KiB chunk against a 64 KiB/s
// limit) therefore keep the long-run rate exact, and concurrent streams sharing one bucket share the rate.

#include <chrono>
#include <cstdint>

namespace mysql_agent {

class token_bucket {
public:
    using duration = std::chrono::nanoseconds;

    /// `rate` bytes per second (> 0); at most `burst` bytes go out without waiting after an idle spell; full at
    /// `now`.
    token_bucket(std::uint64_t rate, std::uint64_t burst, duration now);

    /// Takes `n` bytes at `now` (a monotonic clock): how long the caller must wait before sending them (zero:
    /// send at once). A `now` earlier than a previous one counts as that one.
    duration take(std::uint64_t n, duration now);

    std::uint64_t rate() const noexcept { return rate_; }

    /// The burst for a `rate`: a tenth of a second of it, at least 64 KiB (one read of the tool's pipe).
    static std::uint64_t default_burst(std::uint64_t rate);

private:
    std::uint64_t rate_;
    double burst_;
    double tokens_;  ///< negative: the bytes already promised beyond the rate
    duration last_;
};

}  // namespace mysql_agent
