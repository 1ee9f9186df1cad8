#include "mysql_agent/io/rate_limiter.hpp"

namespace mysql_agent {
namespace {

std::chrono::nanoseconds now() { return std::chrono::steady_clock::now().time_since_epoch(); }

}  // namespace

rate_limiter::rate_limiter(std::uint64_t bytes_per_second, backup_counters& counters) : counters_(counters) {
    counters_.max_rate.store(bytes_per_second);
    if (bytes_per_second > 0) bucket_.emplace(bytes_per_second, token_bucket::default_burst(bytes_per_second), now());
}

std::chrono::nanoseconds rate_limiter::reserve(std::size_t n) {
    if (!bucket_) return std::chrono::nanoseconds::zero();
    std::chrono::nanoseconds wait;
    {
        std::lock_guard lock(mutex_);
        wait = bucket_->take(n, now());
    }
    counters_.throttled_micros.fetch_add(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(wait).count()));
    return wait;
}

}  // namespace mysql_agent
