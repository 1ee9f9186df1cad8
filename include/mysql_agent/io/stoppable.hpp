#pragma once
// Background work on a std::jthread that must stop at once when asked (SIGTERM drains the sidecar): waits that a
// stop request cuts short immediately, not at the next poll, and the one retry loop every such thread uses.
// (Work on the io_context races its waits against timers and the server's stop signal instead; see
// io/until_signal.hpp and the backup server.)

#include <algorithm>
#include <chrono>
#include <optional>
#include <stop_token>

namespace mysql_agent {

/// Waits `d`, less when `stop` is requested; returns false when it was (at once, however long `d` is).
bool wait_unless_stopped(std::stop_token stop, std::chrono::milliseconds d);

/// Pauses between attempts: `first`, doubled after every failed attempt, never more than `cap`.
struct backoff_policy {
    std::chrono::milliseconds first{1000};
    std::chrono::milliseconds cap{30'000};
};

/// Calls `attempt(n, next_pause)` (n = 1, 2, ...) until it returns a value, pausing between attempts as `policy`
/// says; returns nullopt when `stop` is requested first. An attempt that must not be retried throws; one that may
/// be returns nullopt (after logging why, with `next_pause` to say when the next try comes).
template <class Attempt>
auto retry_until_stopped(std::stop_token stop, backoff_policy policy, Attempt attempt)
    -> decltype(attempt(1U, policy.first)) {
    auto pause = policy.first;
    for (unsigned n = 1; !stop.stop_requested(); ++n) {
        if (auto done = attempt(n, pause)) return done;
        if (!wait_unless_stopped(stop, pause)) break;
        pause = std::min(pause * 2, policy.cap);
    }
    return std::nullopt;
}

}  // namespace mysql_agent
