#pragma once
// The cluster's members, as the cluster itself records them: a row per member in mysql_agent.members, written by
// the primary's sidecar (itself, and every replica it sees in SHOW SLAVE HOSTS / SHOW REPLICAS, whose Host is the
// report-host init writes into server-id.cnf: `<hostname>.<service>`), replicated to every replica and carried by
// every clone. A re-seed asks every member it knows, not only the names DNS offers: a name that does not resolve
// (a Pending pod, CoreDNS down) is no proof that the member and its data are gone (init_plan.hpp). Pure: the
// statements and how to read the rows; io runs them (io/member_registry.hpp).
//
//   CREATE TABLE IF NOT EXISTS mysql_agent.members (name VARCHAR(253) PRIMARY KEY, server_id INT UNSIGNED NOT NULL,
//       first_seen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, last_seen TIMESTAMP NOT NULL DEFAULT ...)
//   INSERT INTO mysql_agent.members (name, server_id) VALUES ('mysql-2.mysql', 102)
//       ON DUPLICATE KEY UPDATE server_id = VALUES(server_id), last_seen = CURRENT_TIMESTAMP

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/server_version.hpp"
#include "mysql_agent/core/sql_types.hpp"

namespace mysql_agent {

/// At most this many members are read, recorded and carried in GET /position (a bound on what the network sends).
inline constexpr std::size_t max_members = 64;

/// Whether `name` may name a member: a DNS name (RFC 1123 labels of 1-63 lower-case letters, digits and '-', not
/// starting or ending with '-', separated by '.'), at most 253 characters. Names come from the network and go into
/// statements and logs: anything else is refused.
bool is_member_name(std::string_view name) noexcept;

/// One member: its DNS name (report-host) and server id.
struct member {
    std::string name;
    std::uint32_t server_id = 0;
    bool operator==(const member&) const = default;
};

/// The query that reads the members (columns `name`, `server_id`; error 1146/1049: none recorded yet).
std::string members_query();

/// Which statement lists the replicas connected to this primary: MySQL 8.0.22+ SHOW REPLICAS, else SHOW SLAVE HOSTS.
std::string replica_hosts_query(const server_version& server);

/// The members in rows of members_query(); rows whose name is not a member name (is_member_name) are skipped, and
/// at most max_members are kept.
std::vector<member> members_from_rows(const std::vector<sql_row>& rows);

/// The replicas in rows of SHOW SLAVE HOSTS / SHOW REPLICAS (Server_id, Host): those whose Host is a member name.
/// A replica without report-host shows an empty Host (MySQL) or is not listed (MariaDB): it is not a member here.
std::vector<member> replicas_from_rows(const std::vector<sql_row>& rows);

/// The statements that record `seen` (the primary itself and its replicas) in the table holding `known`: the
/// table's creation, then one upsert per member that is new or whose server id changed. Nothing when every member
/// seen is known as it is (a primary that polls writes no binlog event while nothing changes).
std::vector<sql_statement> record_members_statements(const std::vector<member>& known, const std::vector<member>& seen);

/// The names of `a` and `b`, each once, sorted.
std::vector<std::string> union_of_names(const std::vector<std::string>& a, const std::vector<std::string>& b);

}  // namespace mysql_agent
