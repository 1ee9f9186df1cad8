#include "duration_flag.hpp"

#include <cmath>

#include <fmt/format.h>

#include "mysql_agent/core/errors.hpp"

namespace mysql_agent::cmd {

std::chrono::milliseconds duration_flag(std::string_view flag, double seconds, zero_is zero) {
    const bool zero_ok = zero == zero_is::allowed;
    if (!std::isfinite(seconds) || seconds > max_flag_seconds || seconds < 0 || (seconds == 0 && !zero_ok))
        throw config_error(fmt::format("{} {}: expected a number of seconds {} {:.0f}{}", flag, seconds,
                                       zero_ok ? "from 0 to" : "above 0 and at most", max_flag_seconds,
                                       zero_ok ? " (0: no limit)" : ""));
    return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(std::llround(seconds * 1000.0)));
}

}  // namespace mysql_agent::cmd
