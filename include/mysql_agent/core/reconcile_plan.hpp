#pragma once
// What a replica's sidecar does about its replication on each pass of its reconcile loop (every few seconds,
// after the initial setup of replication_plan.hpp), decided from facts the I/O layer gathered. Pure: no I/O, no
// clock. Nothing it decides changes data: the only statements are the channel's STOP and START.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/replication_plan.hpp"
#include "mysql_agent/core/sql_types.hpp"

namespace mysql_agent {

/// What the primary said about itself when this replica's sidecar asked it.
struct primary_answer {
    bool reachable = false;
    std::string endpoint;                         ///< "mysql-0.mysql:3306", for the messages
    std::string unreachable_because;              ///< the connection error, when not reachable
    std::optional<std::string> cluster_identity;  ///< its cluster identity (a UUID); nullopt or "": it has none
    std::optional<std::string> gtid_executed;     ///< MySQL: its @@gtid_executed; nullopt for MariaDB
    std::optional<std::string> gtid_binlog_pos;   ///< MariaDB: its @@gtid_binlog_pos; nullopt for MySQL
    /// MariaDB: the positions its mysql_agent.takeovers names (primary_takeover.hpp): where it was re-seeded.
    std::vector<std::string> takeovers;
    /// Its @@read_only: a re-seeded primary before its sidecar's takeover (its binlog does not continue the
    /// cluster's position yet: MariaDB's @@gtid_binlog_pos is empty), or one whose takeover was refused.
    bool read_only = false;
};

/// What the sidecar knows on one pass.
struct reconcile_facts {
    replica_status replica;                    ///< SHOW SLAVE/REPLICA STATUS of the channel
    bool applied = false;                      ///< the agent set replication up (the applied record exists)
    std::optional<std::string> halted;         ///< the agent halted replication: the reason it recorded
    std::optional<std::string> own_identity;   ///< this replica's cluster identity; nullopt or "": none
    /// MySQL: this replica's @@gtid_executed; nullopt for MariaDB. Read it BEFORE asking the primary: the primary's
    /// set only grows, so a replica set read first is contained in it whenever it came from that primary; read
    /// after, a transaction committed in between would look like one the primary lacks.
    std::optional<std::string> gtid_executed;
    /// MariaDB: this replica's @@gtid_current_pos, then its mysql_agent.takeovers positions, read in that order and
    /// BEFORE asking the primary (a takeover row arrives with the GTID that wrote it: positions read first are
    /// covered by the takeovers read after). nullopt for MySQL.
    std::optional<std::string> gtid_current_pos;
    std::vector<std::string> takeovers;
    primary_answer primary;
};

enum class reconcile_action {
    nothing,               ///< leave replication as it is (a halt stays in force)
    halt,                  ///< run the statements (STOP), record `halt_record` as the halt's reason
    resume,                ///< run the statements (START, none when already running), remove the halt record
    start,                 ///< run the statements (START)
    report_unrecoverable,  ///< log the reason; the primary lacks what this replica needs: re-seed it
    report_error,          ///< log the reason; touch nothing
};

/// "nothing", "halt", ...
std::string_view to_string(reconcile_action action);

/// The decision and what to run for it.
struct reconcile_plan {
    reconcile_action action = reconcile_action::nothing;
    std::string reason;                       ///< one line for the log: the facts that led here
    std::vector<sql_statement> statements;    ///< control.stop for halt, control.start for start, resume and a
                                              ///< report_unrecoverable whose primary matches
    std::string halt_record;                  ///< halt: the reason to record (a repeated halt keeps the first)
};

/// Decides one pass. "mismatch", judged only when the primary is reachable: the primary carries another cluster
/// identity than this replica's own (compared ignoring ASCII case), or none while this replica has one, or
/// (MySQL, both sets known) this replica's @@gtid_executed is not a subset of the primary's, or (MariaDB, both
/// positions known) this replica's @@gtid_current_pos has a domain the primary's @@gtid_binlog_pos lacks or a
/// higher sequence number in one, or the primary was re-seeded (a mysql_agent.takeovers position this replica does
/// not hold) at a position this replica's passes in some domain: it holds transactions the new primary never had,
/// even once the primary's sequence numbers pass its own (MariaDB compares positions, not transactions). A replica without an
/// identity never mismatches on identity (it predates identities; both without one: a cluster from before them).
/// "unverifiable": reachable, no identity mismatch, but a GTID set does not parse. "read-only": reachable, no
/// identity mismatch, but @@read_only is ON: positions are not compared (a re-seeded primary's are not final until
/// its takeover; compared then, every replica would halt for a few seconds on each re-seed), and the row is the one
/// for "unreachable", except that IO error 1236 is waited out (nothing) instead of reported. First matching row wins:
///
/// | applied | replica state    | halted | primary                  | action                                    |
/// |---------|------------------|--------|--------------------------|-------------------------------------------|
/// | no      | -                | -      | -                        | nothing (not set up by the agent)         |
/// | yes     | none             | -      | -                        | report_error (someone reset it)           |
/// | yes     | running          | yes    | unreachable/unverifiable | halt again: STOP (mysqld restarted it?),  |
/// |         |                  |        | or still mismatched      | the first halt reason kept                |
/// | yes     | other            | yes    | unreachable              | nothing (stay halted)                     |
/// | yes     | other            | yes    | still mismatched         | nothing (stay halted; no repeated STOP)   |
/// | yes     | other            | yes    | unverifiable             | report_error (stay halted)                |
/// | yes     | any              | yes    | matches                  | resume: START (none if running), clear    |
/// | yes     | any              | no     | mismatched               | halt: STOP, record why; never more        |
/// | yes     | any              | no     | unverifiable             | report_error (no halt, no start)          |
/// | yes     | failed, IO 1236  | no     | matches                  | report_unrecoverable (re-seed), and START |
/// |         |                  |        |                          | (a primary re-seeded a moment ago answers |
/// |         |                  |        |                          | 1236 until its sidecar took over)         |
/// | yes     | failed, IO 1236  | no     | unreachable              | report_unrecoverable (re-seed)            |
/// | yes     | failed           | no     | -                        | report_error (never reset)                |
/// | yes     | stopped          | no     | unreachable              | nothing (start once the primary is        |
/// |         |                  |        |                          | checked)                                  |
/// | yes     | stopped          | no     | matches                  | start (e.g. a donor whose backup stopped  |
/// |         |                  |        |                          | its SQL thread and was aborted)           |
/// | yes     | running          | no     | unreachable or matches   | nothing                                   |
///
/// 1236 (ER_MASTER_FATAL_ERROR_READING_BINLOG; MySQL 8.0+ wraps it as 13114): the primary no longer has what
/// the replica asks for. A primary that does not answer is never taken for another history: it is down, not
/// replaced.
reconcile_plan plan_reconcile(const reconcile_facts& facts, const replica_control& control);

/// Does carrying out `plan` start replication (start, resume, or the retried START of a report_unrecoverable)?
bool starts_replication(const reconcile_plan& plan);

/// What a pass does instead of `plan` (one that starts_replication) while this replica serves a backup
/// (backup_gate.hpp): nothing, saying why and what the next pass will do; a halt stays recorded.
reconcile_plan deferred_for_backup(const reconcile_plan& plan);

}  // namespace mysql_agent
