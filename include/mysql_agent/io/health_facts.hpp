#pragma once
// Gathers the facts behind the liveness and readiness verdicts (readiness.hpp) from the local mysqld and
// the datadir. Used by `mysql-agent probe` and by the sidecar's /healthz and /readyz.

#include <filesystem>

#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/core/readiness.hpp"

namespace mysql_agent {

/// Connects and pings. Never throws: a failure is a fact (answers = false, with the error).
liveness_facts gather_liveness(const mysql_connection& connection);

/// Liveness, then (when it answers) @@read_only, the clone marker and applied record in `datadir`, and the
/// default channel's replica status with its lag. Never throws: an unexpected failure becomes a not-answering fact.
readiness_facts gather_readiness(const mysql_connection& connection, const std::filesystem::path& datadir,
                                 bool is_primary, std::uint64_t max_lag);

}  // namespace mysql_agent
