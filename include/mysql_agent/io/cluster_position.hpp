#pragma once
// Where the local server stands (GET /position, position_report.hpp) and the cluster identity it carries
// (cluster_identity.hpp). I/O: blocking MySQL calls on one connection.

#include <optional>
#include <string>

#include "mysql_agent/core/position_report.hpp"
#include "mysql_agent/io/mysql_client.hpp"

namespace mysql_agent {

/// The identity recorded in mysql_agent.cluster; nullopt when the schema, the table or the row is missing.
/// Throws mysql_error for anything else.
std::optional<std::string> read_cluster_identity(mysql_client& client);

/// A new random identity (16 bytes of /dev/urandom, core identity_from_random). Throws file_error.
std::string new_cluster_identity();

/// Records a new random identity unless one exists (sql_log_bin stays on: it must reach every replica).
/// Returns the identity the server now carries. Throws mysql_error.
std::string ensure_cluster_identity(mysql_client& client);

/// The server's answer to GET /position. Throws mysql_error.
position_report gather_position(mysql_client& client, bool is_primary);

}  // namespace mysql_agent
