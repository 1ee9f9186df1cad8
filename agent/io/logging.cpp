#include "mysql_agent/logging.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace mysql_agent {

void setup_logging() {
    auto logger = spdlog::stderr_logger_mt("mysql-agent");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
    spdlog::set_default_logger(logger);
    spdlog::flush_on(spdlog::level::info);
}

}  // namespace mysql_agent
