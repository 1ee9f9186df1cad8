#pragma once
// How long to wait before the next attempt. Pure: the random draw comes in as a number.

#include <chrono>

namespace mysql_agent {

/// Full-jitter exponential backoff (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/):
/// a delay uniform in [0, min(cap, first * 2^(attempt-1))), `unit` being a uniform draw in [0, 1).
/// Spreads the retries of many replicas cloning from one donor instead of making them arrive together.
std::chrono::milliseconds full_jitter_backoff(unsigned attempt, std::chrono::milliseconds first,
                                              std::chrono::milliseconds cap, double unit);

}  // namespace mysql_agent
