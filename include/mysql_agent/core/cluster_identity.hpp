#pragma once
// The cluster's identity: a UUID the ordinal-0 sidecar records once in a small schema, which replicates to every
// replica and travels in every clone. A replica follows a primary only while it carries the same identity: an
// empty primary started by hand, or any server from another history, carries none or another one (MariaDB GTID
// positions alone cannot tell a new history from an old one with the same domain and server id). Pure: the
// statements and how to read them; io runs them.
//
//   CREATE DATABASE IF NOT EXISTS mysql_agent
//   CREATE TABLE IF NOT EXISTS mysql_agent.cluster (id TINYINT UNSIGNED PRIMARY KEY, identity CHAR(36) NOT NULL,
//                                                   created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)
//   INSERT IGNORE INTO mysql_agent.cluster (id, identity) VALUES (1, '<uuid>')

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/sql_types.hpp"

namespace mysql_agent {

inline constexpr std::string_view identity_schema = "mysql_agent";

/// The query that reads the identity (one row, one column; no row, or error 1146/1049: none).
std::string identity_query();

/// Whether `identity` has a UUID's form (36 characters, hex and '-'): it is then safe inside a quoted SQL literal.
bool is_identity(std::string_view identity) noexcept;

/// The statement that gives a cluster whose table holds an identity a new one: a point-in-time restore starts a new
/// history (the transactions after the point are discarded, and the restored primary reuses their GTIDs), and what
/// the old history left (backups, archived binlogs, replicas that hold its later transactions) must not be mixed
/// with it. Run only when identity_query found one. An error when `identity` is not a UUID.
result<sql_statement> replace_identity_statement(std::string_view identity);

/// The statements that record `identity` when the cluster has none. Run only when identity_query found none.
/// `identity` must be a UUID (36 characters, hex and '-'): an error otherwise.
result<std::vector<sql_statement>> record_identity_statements(std::string_view identity);

/// A new identity from 16 random bytes (RFC 4122 version 4), formatted "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string identity_from_random(const unsigned char (&bytes)[16]);

}  // namespace mysql_agent
