#pragma once
// `mysql-agent status`: what a person at a terminal (or a script, as JSON) wants to know about this pod.
// Pure: the facts are gathered by agent/io/status_facts.cpp; here they are only rendered.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "mysql_agent/core/agent_metrics.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/replication_plan.hpp"
#include "mysql_agent/core/server_version.hpp"

namespace mysql_agent {

/// What the sidecar's /metrics says of the backups in the store (backup_store/backup_status.hpp), as read back.
struct stored_backups_view {
    std::uint64_t read_failures = 0;
    std::optional<double> read_at;  ///< Unix seconds of the last good read; nullopt: never read yet
    std::uint64_t complete = 0, incomplete = 0;
    std::optional<double> last_success_at, last_success_bytes;  ///< the newest complete backup
    std::optional<bool> last_run_committed;
    std::optional<double> last_run_at;
    std::uint64_t failures_in_a_row = 0;
};

/// What the sidecar's /metrics says of its binlog archive (--archive-binlogs), as read back.
struct binlog_archive_view {
    bool archiving = false;
    std::uint64_t files = 0;            ///< archived by this sidecar since it started
    std::uint64_t records = 0;          ///< in the archive
    std::optional<double> last_success_at;
    std::optional<double> newest_transaction_at;
    std::uint64_t gaps = 0;
    std::uint64_t purged_unarchived = 0;
    std::uint64_t failures = 0;
};

struct status_facts {
    std::string pod;          ///< "mysql-1"
    bool is_primary = false;  ///< ordinal 0

    std::string endpoint;     ///< where mysqld was asked
    bool mysqld_answers = false;
    std::string mysqld_error;  ///< why it did not answer (or why a later query failed)
    std::optional<std::uint64_t> server_id;
    std::string flavor;        ///< "MariaDB" / "MySQL"
    std::string version;       ///< VERSION()
    std::optional<bool> read_only;
    std::string gtid_position;  ///< MariaDB @@gtid_current_pos / MySQL @@gtid_executed
    std::string gtid_variable;  ///< which of the two

    replica_status replica;
    std::string source_host;  ///< Master_Host / Source_Host
    std::uint16_t source_port = 0;
    std::optional<std::uint64_t> seconds_behind;

    agent_metrics_facts::marker_state marker = agent_metrics_facts::marker_state::absent;
    clone_marker clone;
    std::string marker_problem;
    bool replication_applied = false;  ///< the sidecar recorded that it configured replication from the marker
    std::optional<std::string> halted;  ///< the sidecar halted replication: why

    std::string sidecar;  ///< "127.0.0.1:3307"
    bool sidecar_reachable = false;
    std::string sidecar_error;
    std::optional<backup_counter_values> backups;  ///< read from the sidecar's /metrics
    std::optional<stored_backups_view> stored;     ///< the same, when the sidecar reads a store (--backup-status-from)
    std::optional<binlog_archive_view> archive;    ///< the same, when the sidecar archives binlogs (--archive-binlogs)
};

/// The variable holding the server's GTID position: MariaDB @@gtid_current_pos (every domain, written locally or
/// replicated: https://mariadb.com/kb/en/gtid/#gtid_current_pos), MySQL @@gtid_executed
/// (https://dev.mysql.com/doc/refman/8.0/en/replication-options-gtids.html#sysvar_gtid_executed).
std::string_view gtid_position_variable(const server_version& server);

/// "1.5 GB", "512 B": bytes for people (decimal units, one decimal).
std::string human_bytes(std::uint64_t bytes);
/// "2h 03m 04s", "4.2s": a duration for people.
std::string human_duration(double seconds);

/// The table: one "label  value" line per fact, aligned, in sections (server, replication, clone, backups).
/// Unknowns say why ("mysqld does not answer: ...", "sidecar not reachable: ...").
std::string render_status_table(const status_facts& facts);

/// The same facts for scripts; absent values are null.
nlohmann::json status_json(const status_facts& facts);

/// The backup counters from the text of the sidecar's /metrics (what agent_metric_families wrote); nullopt
/// when the started counter is missing (not our sidecar, or an incompatible version).
std::optional<backup_counter_values> backup_counters_from_metrics(std::string_view exposition);

/// The store's backups from the same text; nullopt when the sidecar does not read a store (no
/// mysql_agent_store_read_failures_total).
std::optional<stored_backups_view> stored_backups_from_metrics(std::string_view exposition);

/// The binlog archive from the same text; nullopt when the sidecar does not archive (no
/// mysql_agent_binlog_archive_archiving).
std::optional<binlog_archive_view> binlog_archive_from_metrics(std::string_view exposition);

}  // namespace mysql_agent
