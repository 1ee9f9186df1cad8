#pragma once
// One place that configures spdlog for every subcommand: log lines go to stderr so that stdout stays
// clean for what a command prints (JSON, SQL).

namespace mysql_agent {

/// Sends the default spdlog logger to stderr with an ISO-8601 UTC timestamp and the level.
void setup_logging();

}  // namespace mysql_agent
