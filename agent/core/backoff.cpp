#include "mysql_agent/core/backoff.hpp"

#include <algorithm>

namespace mysql_agent {

std::chrono::milliseconds full_jitter_backoff(unsigned attempt, std::chrono::milliseconds first,
                                              std::chrono::milliseconds cap, double unit) {
    // first * 2^(attempt-1), computed without overflowing for large attempt numbers.
    auto ceiling = first;
    for (unsigned i = 1; i < attempt && ceiling < cap; ++i) ceiling *= 2;
    ceiling = std::min(ceiling, cap);
    const double u = std::clamp(unit, 0.0, 1.0);
    return std::chrono::milliseconds(
        static_cast<std::chrono::milliseconds::rep>(static_cast<double>(ceiling.count()) * u));
}

}  // namespace mysql_agent
