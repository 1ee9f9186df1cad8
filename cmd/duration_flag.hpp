#pragma once
// Duration flags: every time flag of every subcommand is a number of seconds (fractions allowed), checked here
// at the edge so that no value can overflow the clock arithmetic behind it.

#include <chrono>
#include <string_view>

namespace mysql_agent::cmd {

/// The longest duration any flag takes: 10^7 s (about 115 days), far beyond any clone, and far below where
/// steady_clock arithmetic in nanoseconds overflows.
inline constexpr double max_flag_seconds = 1e7;

enum class zero_is { invalid, allowed };

/// `seconds` given to `flag`, as milliseconds. Throws config_error (exit 3) naming the flag when it is not a
/// finite number in (0, max_flag_seconds], or [0, ...] when zero is allowed (it then means "no limit").
std::chrono::milliseconds duration_flag(std::string_view flag, double seconds, zero_is zero = zero_is::invalid);

}  // namespace mysql_agent::cmd
