#pragma once
// What a sidecar answers on GET /position: where its server stands, so that an ordinal 0 that lost its data (or a
// member asked to re-seed) clones from the most advanced peer (gtid_position.hpp choose_most_advanced). Pure.
//
//   {"flavor": "mariadb", "version": "10.11.19-MariaDB", "role": "replica", "gtid_position": "0-100-1523",
//    "binlog_position": "mariadb-bin.000003:1234", "cluster_identity": "2f0c...-...", "read_only": true,
//    "members": ["mysql-0.mysql", "mysql-1.mysql", "mysql-2.mysql"], "binlog_start": "0-100-900"}
//
// gtid_position: MariaDB @@gtid_current_pos, MySQL @@gtid_executed (whitespace removed). binlog_position: a
// replica's place in its source's binlog (Relay_Master_Log_File:Exec_Master_Log_Pos), or a primary's own
// (SHOW MASTER STATUS); null when unknown. cluster_identity: mysql_agent.cluster (cluster_identity.hpp), or null.
// members: the names in this server's copy of mysql_agent.members (members.hpp), at most max_members, each a DNS
// name; [] when none is recorded (an answer without the field, from an older agent, is read as []).
// binlog_start: where the server's oldest binlog begins, so whether it can still serve a replica at some position
// (backup_store/seed_check.hpp): MariaDB BINLOG_GTID_POS(<first binlog file>, 4), MySQL @@gtid_purged; null when
// unknown (binlog off, the query failed, an older agent).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/server_version.hpp"
#include "mysql_agent/core/sql_types.hpp"

namespace mysql_agent {

struct position_report {
    server_flavor flavor = server_flavor::mariadb;
    std::string version;
    bool primary = false;
    std::string gtid_position;
    std::optional<binlog_file_position> binlog_position;
    std::optional<std::string> cluster_identity;
    bool read_only = false;
    std::vector<std::string> members;
    std::optional<std::string> binlog_start;
    bool operator==(const position_report&) const = default;
};

/// One JSON object, one line.
std::string to_json(const position_report& report);

/// Parses a peer's answer; the error says what is missing or malformed (the answer came from the network).
result<position_report> position_report_from_json(std::string_view json);

/// The peer as choose_most_advanced sees it: a peer whose server answered holds data.
peer_position to_peer_position(std::string name, const position_report& report);

}  // namespace mysql_agent

namespace mysql_agent {

/// The queries a sidecar runs to answer GET /position, for `server`.
struct position_queries {
    std::string gtid;           ///< one row, column `pos`
    std::string read_only;      ///< one row, column `ro`
    std::string own_binlog;     ///< SHOW MASTER STATUS / SHOW BINARY LOG STATUS (MySQL 8.2+)
    std::string binlogs;        ///< SHOW BINARY LOGS (MariaDB: its first row names the oldest file), "" for MySQL
    std::string purged;         ///< MySQL: one row, column `pos`, @@gtid_purged; "" for MariaDB
};

/// MariaDB: the query for where binlog `file` (a name SHOW BINARY LOGS gave) begins, one row, column `pos`.
std::string binlog_start_query(std::string_view file);
position_queries position_queries_for(const server_version& server);

/// A replica's place in its source's binlog from its SHOW SLAVE/REPLICA STATUS row (Relay_Master_Log_File or
/// Relay_Source_Log_File, Exec_Master_Log_Pos or Exec_Source_Log_Pos); a primary's own from SHOW MASTER STATUS
/// (File, Position). nullopt when the row lacks them.
std::optional<binlog_file_position> binlog_position_of_row(const sql_row& row);

}  // namespace mysql_agent
