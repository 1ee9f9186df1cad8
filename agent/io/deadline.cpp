#include "mysql_agent/io/deadline.hpp"

#include <fmt/format.h>

#include "mysql_agent/io/progress.hpp"

namespace mysql_agent {

std::string seconds_text(std::chrono::milliseconds d) {
    return d.count() % 1000 == 0 ? fmt::format("{} s", d.count() / 1000) : fmt::format("{:.1f} s", d.count() / 1000.0);
}

std::string deadlines::overall_text() const {
    return format_duration(std::chrono::duration_cast<std::chrono::seconds>(overall_budget_));
}

}  // namespace mysql_agent
