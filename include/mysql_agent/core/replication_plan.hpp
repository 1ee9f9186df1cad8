#pragma once
// What the sidecar does about replication when it starts, decided from facts the I/O layer gathered
// (replication_runner.hpp). Pure: no I/O, no clock.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/account_statements.hpp"
#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/server_version.hpp"
#include "mysql_agent/core/sql_dialect.hpp"
#include "mysql_agent/core/sql_types.hpp"

namespace mysql_agent {

/// The replication threads of one channel as SHOW SLAVE STATUS / SHOW REPLICA STATUS reports them.
struct replica_status {
    bool configured = false;          ///< the statement returned a row
    std::string io_running;           ///< "Yes", "No", "Connecting" (retrying), "Preparing" (MariaDB)
    std::string sql_running;          ///< "Yes", "No"
    unsigned last_io_errno = 0;
    std::string last_io_error;
    unsigned last_sql_errno = 0;
    std::string last_sql_error;
    std::string source_file;          ///< Relay_Master_Log_File / Relay_Source_Log_File: applied up to here...
    std::uint64_t source_position = 0;///< ...Exec_Master_Log_Pos / Exec_Source_Log_Pos, in the source's binlog
    bool operator==(const replica_status&) const = default;
};

/// Reads the result of SHOW SLAVE STATUS (MariaDB, MySQL < 8.0.22) or SHOW REPLICA STATUS (MySQL 8.0.22+, whose
/// columns say Replica/Source instead of Slave/Master). No row: not configured. More than one row (MySQL without
/// FOR CHANNEL, several channels) or a missing column is an error naming it.
result<replica_status> replica_status_from_rows(const std::vector<sql_row>& rows);

/// How the threads stand, reduced to what decisions need.
enum class replica_state {
    none,     ///< no replication configured on this channel
    running,  ///< both threads run; the IO thread may be (re)connecting, possibly after an error
    stopped,  ///< a thread does not run, and did not stop on an error (STOP SLAVE, skip-slave-start)
    failed,   ///< a thread stopped on an error (Last_IO_Errno / Last_SQL_Errno set)
};

/// Reduces `status`: a thread runs unless it says "No" (or nothing); a stopped thread with its error number set
/// makes `failed`.
replica_state replica_state_of(const replica_status& status);

/// "IO thread Connecting, last error 1045: Access denied ...; SQL thread Yes", for logs and errors.
std::string describe_replica(const replica_status& status);

/// Whether the replica has applied anything since it was configured at `start`: false only when it provably still
/// stands there (GTID: the executed set equals the clone's set; file/position: the applied position equals the
/// clone's). Anything else, including unknown, counts as moved: the safe side, since moved forbids a reset.
/// `executed_gtid_set` is MariaDB's @@gtid_slave_pos or MySQL's @@gtid_executed.
bool replica_moved_past(const start_coordinates& start, const replica_status& replica,
                        std::string_view executed_gtid_set);

/// The GTID choice the server can honour: MariaDB takes `requested` as is; MySQL uses GTID auto-position only
/// with @@gtid_mode=ON (`automatic` becomes `off` without it, `on` becomes an error).
/// https://dev.mysql.com/doc/refman/8.0/en/replication-gtids-howto.html
result<gtid_choice> effective_gtid_choice(const server_version& server, gtid_choice requested,
                                          bool mysql_gtid_mode_on);

/// The stop/reset/start/status statements of one channel, in the server's dialect (sql_dialect.hpp), with the
/// channel (MySQL `FOR CHANNEL 'c'`) or connection name (MariaDB `STOP SLAVE 'c'`) put where each flavour wants it.
struct replica_control {
    sql_statement stop;
    sql_statement reset_all;
    sql_statement start;
    sql_statement show_status;
};
/// The statements of `channel` ("" = default) on `server`; the channel is an escaped literal.
replica_control replica_control_for(const server_version& server, std::string_view channel,
                                    bool no_backslash_escapes = false);

/// What the sidecar found about its replication when it started.
struct replication_facts {
    bool is_primary = false;  ///< ordinal 0
    enum class marker_state { absent, unreadable, present };
    marker_state marker = marker_state::absent;  ///< the clone marker (clone_marker.hpp) in the datadir
    std::string marker_problem;                   ///< why it is unreadable
    backup_metadata coordinates;                  ///< the marker's, when present
    bool applied = false;                         ///< replication_applied_file exists in the datadir
    server_version server;
    bool no_backslash_escapes = false;            ///< sql_mode has NO_BACKSLASH_ESCAPES
    bool mysql_gtid_mode_on = false;              ///< MySQL @@gtid_mode = ON; ignored for MariaDB
    replica_status replica;                       ///< of the configured channel
    std::string executed_gtid_set;                ///< MariaDB @@gtid_slave_pos / MySQL @@gtid_executed
    std::vector<account_facts> accounts;          ///< primary: each of primary_accounts(), as the server has it
    std::optional<reseed_record> reseed;          ///< the marker's, when present: this member was re-seeded
    bool read_only = false;                       ///< primary: @@read_only
};

/// What the sidecar was told: who the source is and which accounts the primary keeps.
struct replication_config {
    replication_source source;        ///< the primary and the replication user (and password) replicas use
    std::string channel;              ///< "" = the default channel / connection
    gtid_choice gtid = gtid_choice::automatic;
    std::string replication_user_host = "%";  ///< host pattern of the replication account on the primary
    std::optional<account_spec> backup_account;  ///< also ensured on the primary when set
};

enum class replication_action {
    take_over,       ///< re-seeded primary: the takeover (primary_takeover.hpp, io/takeover_runner.hpp), then the accounts
    ensure_users,    ///< primary: create/sync the replication (and backup) accounts; nothing to run when they are as configured
    nothing,         ///< replica not cloned by us: leave it alone
    configure,       ///< run the statements from the clone's coordinates, start, verify, record applied
    stop_and_recheck,  ///< stop the threads, gather the facts again and decide again on the still replica
    start,           ///< start the threads of a replica we configured, verify, record applied
    record_applied,  ///< it already replicates from our configuration: only record that
    report_error,    ///< something is wrong that a reset would hide or make worse: report, do not touch
    ok,              ///< replicating
};

/// The accounts the primary keeps for `config`: the replication account, and the backup account when configured,
/// one account when both name the same user and host (kept_accounts()). The I/O layer gathers account_facts for
/// each; plan_replication() decides on them. Errors: a missing replication password, and those of kept_accounts().
result<std::vector<kept_account>> primary_accounts(const replication_config& config, const server_version& server);

/// "ensure_users", "configure", ...
std::string_view to_string(replication_action action);

/// The decision and what to run for it.
struct replication_plan {
    replication_action action = replication_action::nothing;
    std::string reason;                       ///< one line for the log: the facts that led here
    std::vector<sql_statement> statements;    ///< in order; configure ends with START, start is START alone
    std::optional<start_coordinates> start;   ///< configure: where the replica starts
};

/// Decides, for a restart as much as for the first start, so that replication set up from a clone is configured
/// exactly once: the reset and the GTID statements never run over a replica that already replicated from our
/// configuration (rerunning them would rewind it and replay transactions). "moved" is replica_moved_past().
///
/// | role    | applied | marker      | replica state       | moved | action                                   |
/// |---------|---------|-------------|---------------------|-------|------------------------------------------|
/// | primary | no      | present, re-seeded as primary | -  | -     | take_over: the I/O layer's takeover      |
/// |         |         |             |                     |       | runner decides on the server's state read|
/// |         |         |             |                     |       | under its lock (plan_takeover(): reset   |
/// |         |         |             |                     |       | only a binlog that logged nothing, never |
/// |         |         |             |                     |       | twice), then the accounts as below (the  |
/// |         |         |             |                     |       | plan's statements); record applied; a    |
/// |         |         |             |                     |       | refused takeover runs nothing more       |
/// | primary | yes     | present, re-seeded as primary, read-only | - | ensure_users, writable first (mysqld   |
/// |         |         |             |                     |       | restarted with init's read-only file)    |
/// | primary | -       | -           | -                   | -     | ensure_users: for each of                |
/// |         |         |             |                     |       | primary_accounts(), only what makes it as|
/// |         |         |             |                     |       | configured (ensure_account_statements(); |
/// |         |         |             |                     |       | nothing at all when every one already is)|
/// | replica | yes     | -           | running             | -     | ok (an IO error while it retries: named) |
/// | replica | yes     | -           | stopped             | -     | nothing: the reconcile loop starts it    |
/// |         |         |             |                     |       | once the primary is checked (mysqld runs |
/// |         |         |             |                     |       | replicas with skip-slave-start)          |
/// | replica | yes     | -           | failed              | -     | report_error (never reset)               |
/// | replica | yes     | -           | none                | -     | report_error (someone reset it; the      |
/// |         |         |             |                     |       | clone's coordinates are stale by now)    |
/// | replica | no      | absent      | -                   | -     | nothing (not a clone of ours)            |
/// | replica | no      | unreadable  | -                   | -     | report_error                             |
/// | replica | no      | present but its coordinates are unusable | - | - | report_error                             |
/// | replica | no      | present     | none                | -     | configure                                |
/// | replica | no      | present     | running             | no    | stop_and_recheck (a transaction in flight|
/// |         |         |             |                     |       | may commit until the threads stop)       |
/// | replica | no      | present     | stopped/failed      | no    | configure, with stop + reset first (it   |
/// |         |         |             |                     |       | applied nothing: redoing is exact, and   |
/// |         |         |             |                     |       | picks up a corrected password)           |
/// | replica | no      | present     | running             | yes   | record_applied (crashed before recording)|
/// | replica | no      | present     | stopped             | yes   | record_applied (the reconcile loop starts|
/// |         |         |             |                     |       | it once the primary is checked)          |
/// | replica | no      | present     | failed              | yes   | report_error                             |
///
/// An error (not a plan) only for configuration the operator must fix: empty source host or user, an account
/// that cannot be built, `--gtid on` against a MySQL server without gtid_mode; and, on the primary, an account of
/// primary_accounts() missing from `facts.accounts` (the I/O layer did not gather it).
result<replication_plan> plan_replication(const replication_facts& facts, const replication_config& config);

}  // namespace mysql_agent
