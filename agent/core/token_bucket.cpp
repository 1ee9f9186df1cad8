#include "mysql_agent/core/token_bucket.hpp"

#include <algorithm>

namespace mysql_agent {

token_bucket::token_bucket(std::uint64_t rate, std::uint64_t burst, duration now)
    : rate_(std::max<std::uint64_t>(rate, 1)), burst_(static_cast<double>(burst)), tokens_(burst_), last_(now) {}

token_bucket::duration token_bucket::take(std::uint64_t n, duration now) {
    if (now > last_) {
        const double elapsed = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min(burst_, tokens_ + elapsed * static_cast<double>(rate_));
        last_ = now;
    }
    tokens_ -= static_cast<double>(n);
    if (tokens_ >= 0) return duration::zero();
    const double seconds = -tokens_ / static_cast<double>(rate_);
    return std::chrono::duration_cast<duration>(std::chrono::duration<double>(seconds));
}

std::uint64_t token_bucket::default_burst(std::uint64_t rate) { return std::max<std::uint64_t>(rate / 10, 64 * 1024); }

}  // namespace mysql_agent
