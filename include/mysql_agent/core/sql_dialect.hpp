#pragma once
// The replication statements a new replica runs, in the dialect its server speaks. The one place where
// the server version picks the syntax (MySQL 5.7 / 8.0 / 8.0.23+ / 8.2+ / 8.4, MariaDB).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/server_version.hpp"

namespace mysql_agent {

/// The words of one server's replication SQL.
struct sql_dialect {
    std::string change_source;      ///< "CHANGE MASTER TO" / "CHANGE REPLICATION SOURCE TO" (MariaDB: connection name goes in between)
    std::string option_prefix;      ///< "MASTER_" / "SOURCE_"
    std::string start_replica;      ///< "START SLAVE" / "START REPLICA"
    std::string stop_replica;       ///< "STOP SLAVE" / "STOP REPLICA"
    std::string reset_replica_all;  ///< "RESET SLAVE ALL" / "RESET REPLICA ALL"
    std::string show_replica_status;///< "SHOW SLAVE STATUS" / "SHOW REPLICA STATUS"
    std::string reset_gtid;         ///< MySQL: "RESET MASTER" / "RESET BINARY LOGS AND GTIDS"; MariaDB: ""
    std::string public_key_option;  ///< MySQL 8: "GET_MASTER_PUBLIC_KEY=1" / "GET_SOURCE_PUBLIC_KEY=1", else ""
    bool channel_is_connection_name = false;  ///< MariaDB `CHANGE MASTER 'c' TO`, not `FOR CHANNEL 'c'`
};

/// Picks the dialect for `server`. Rules and sources: tests/fixtures/backup-metadata/README.md §3.
sql_dialect dialect_for(const server_version& server);

/// MASTER_CONNECT_RETRY / SOURCE_CONNECT_RETRY of every replica the agent configures: how soon a replica tries
/// again after its primary went away (the servers' default is 60 s).
inline constexpr unsigned replica_connect_retry_seconds = 5;

enum class gtid_choice { automatic, on, off };

/// Parses "auto" | "on" | "off".
result<gtid_choice> parse_gtid_choice(std::string_view text);

/// Where a new replica starts, chosen from a backup's metadata.
struct start_coordinates {
    bool use_gtid = false;
    std::string gtid_set;      ///< when use_gtid
    std::string file;          ///< when !use_gtid
    std::uint64_t position = 0;
    std::string origin;        ///< for messages: "binlog info" or "slave info channel 'x'"
};

/// Decides the coordinates: with replication entries (the donor was a replica) the entry of `channel` and the
/// backup's gtid_purged/gtid_slave_pos; otherwise the donor's own binlog position. `automatic` uses GTID whenever
/// the chosen coordinates carry a GTID set. Errors explain what is missing (no metadata, an empty file name
/// without GTID, a channel not in the backup, a GTID set of the other flavour).
result<start_coordinates> choose_start_coordinates(const backup_metadata& metadata, const server_version& server,
                                                   std::string_view channel, gtid_choice gtid);

/// Who the new replica connects to.
struct replication_source {
    std::string host;
    std::uint16_t port = 3306;
    std::string user = "repl";
    std::optional<std::string> password;  ///< omitted from CHANGE ... TO when absent
    /// A CA file *on the replica's mysqld* (--replication-tls-ca): replication over TLS, the source's certificate
    /// verified against it and against `host` (MASTER_SSL=1, MASTER_SSL_CA, MASTER_SSL_VERIFY_SERVER_CERT=1).
    std::optional<std::string> tls_ca;
};

enum class secret_rendering { redacted, shown };

/// The statements, in order, each ending in ';', the last one starting replication. Every value is an escaped
/// SQL literal; the password renders as '<redacted>' unless `shown`.
result<std::vector<std::string>> replication_statements(const start_coordinates& start, const server_version& server,
                                                        const replication_source& source, std::string_view channel,
                                                        secret_rendering password = secret_rendering::redacted,
                                                        bool no_backslash_escapes = false);

}  // namespace mysql_agent
