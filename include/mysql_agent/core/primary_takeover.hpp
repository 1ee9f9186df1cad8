#pragma once
// The takeover that makes a server restored from a peer's clone the primary of the cluster its data came from (a
// re-seeded ordinal 0, init_plan.hpp): forget the replica configuration the clone inherited, make the empty
// binlog continue the clone's GTID position (so that every replica's requested position exists on it), and only
// then let writes in. Pure: the I/O layer (io/takeover_runner.hpp) gathers the facts and runs the statements.
//
//   MariaDB: STOP SLAVE; RESET SLAVE ALL;
//            FLUSH TABLES WITH READ LOCK; <facts>; RESET MASTER; SET GLOBAL gtid_binlog_state='<P>'; UNLOCK TABLES;
//            per domain d of P: SET SESSION gtid_domain_id=d; SET SESSION gtid_seq_no=<seq_d + 2^32>; <the record>;
//            SET GLOBAL read_only=OFF
//            https://mariadb.com/kb/en/gtid/#gtid_binlog_state (settable only with an empty binlog: after RESET MASTER)
//   MySQL:   STOP REPLICA; RESET REPLICA ALL; <facts>; RESET BINARY LOGS AND GTIDS (8.2+; RESET MASTER before);
//            SET GLOBAL gtid_purged='<P>'; SET GLOBAL super_read_only=OFF; SET GLOBAL read_only=OFF
//            https://dev.mysql.com/doc/refman/8.0/en/replication-options-gtids.html#sysvar_gtid_purged
//
// P, the position: MariaDB, the clone's gtid_slave_pos when its donor was a replica (what its data holds), else
// the GTID of its binlog info; MySQL, the GTID set of its binlog info (the donor's @@gtid_executed).
//
// A write the server accepted is never erased from its binlog. MariaDB's read_only does not stop accounts with
// READ_ONLY ADMIN/SUPER (root): a write landing between RESET MASTER and SET gtid_binlog_state made the SET fail
// (1956) and a retry reset it away. So:
// - The reset runs under FLUSH TABLES WITH READ LOCK (MariaDB), which blocks every other session's writes,
//   root's included; the facts it is decided on are read under the same lock. (MySQL starts with
//   super_read_only, which stops root too.)
// - Whether to reset is decided from the server's own state, never from a record the agent keeps: a sidecar killed
//   between the statements and its record finds on its next start either nothing logged (reset again: nothing to
//   erase), or a binlog that already continues P (finish without a reset), or anything else: refuse.
// - MariaDB: a re-seeded primary never reuses a sequence number a member may hold. Members ahead of the donor hold
//   P's domain up to some seq > P's; the primary's first GTID in each domain of P jumps 2^32 past P (gtid_seq_no),
//   written with a row in mysql_agent.takeovers that replicates and names P (reconcile_plan.hpp halts a replica
//   that holds more than the P of a takeover it never received). The jump assumes no member ran more than 2^32
//   transactions ahead of the donor.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/server_version.hpp"
#include "mysql_agent/core/sql_types.hpp"

namespace mysql_agent {

/// How far a re-seeded MariaDB primary's sequence numbers jump past the clone's position, per domain.
inline constexpr std::uint64_t takeover_seq_jump = std::uint64_t{1} << 32;

/// The position the new primary's binlog continues from, as the takeover sets it; an error when the clone carries
/// no GTID position (file/position replicas cannot follow a new binlog: re-seed them too).
result<std::string> takeover_position(const backup_metadata& clone, const server_version& server);

/// The statements that run before the facts are read, whatever they say: the clone's replica configuration goes
/// (it changes no data and logs nothing).
std::vector<sql_statement> takeover_prelude(const server_version& server);

/// The statement that keeps every other session's writes out while the facts are read and the binlog reset
/// (MariaDB: FLUSH TABLES WITH READ LOCK), and the one that lets them in again; both empty for MySQL, whose
/// super_read_only already stops every account.
struct takeover_lock {
    std::string lock;
    std::string unlock;
};
takeover_lock takeover_lock_for(const server_version& server);

/// The queries the I/O layer answers into takeover_facts, read under the lock.
struct takeover_queries {
    std::string gtid_state;   ///< one row, column `state`
    std::string binlog_files; ///< MariaDB: SHOW BINARY LOGS (the oldest file is the first row, column Log_name)
    std::string purged;       ///< MySQL: one row, column `purged`
    std::string recorded;     ///< MariaDB: one row, column `n`: takeover rows naming P (error 1146/1049: none)
};
takeover_queries takeover_queries_for(const server_version& server, const std::string& position,
                                      bool no_backslash_escapes = false);

/// The query for the events that open MariaDB binlog `file` (its Gtid_list event tells where it starts).
std::string binlog_start_query(const std::string& file, bool no_backslash_escapes = false);

/// The GTID list of a MariaDB Gtid_list event's Info column, `[0-100-1523,1-100-7]` -> "0-100-1523,1-100-7";
/// nullopt when `info` is not such a list.
std::optional<std::string> gtid_list_of_event_info(std::string_view info);

/// What the server says about itself, read under the lock.
struct takeover_facts {
    backup_metadata clone;
    server_version server;
    bool no_backslash_escapes = false;
    /// MariaDB @@GLOBAL.gtid_binlog_state (every GTID its binlog logged); MySQL @@GLOBAL.gtid_executed.
    std::string gtid_state;
    /// MariaDB: the GTID list the oldest binlog file starts with; MySQL: @@GLOBAL.gtid_purged. nullopt: unknown.
    std::optional<std::string> binlog_start;
    bool recorded = false;  ///< MariaDB: mysql_agent.takeovers holds a row naming P (the jump was written)
};

enum class takeover_step {
    full,    ///< reset the binlog to continue P, record and jump (MariaDB), make writable
    finish,  ///< the binlog already continues P: no reset; record and jump where missing, make writable
    refuse,  ///< the server logged writes the takeover would erase: touch nothing, say what to do
};

/// "full", "finish", "refuse".
std::string_view to_string(takeover_step step);

struct takeover_plan {
    takeover_step step = takeover_step::refuse;
    std::string position;                   ///< P
    std::string reason;                     ///< one line for the log
    std::vector<sql_statement> under_lock;  ///< the reset (full only)
    std::vector<sql_statement> after_lock;  ///< the jump and its record (MariaDB), then writable last
};

/// Decides on the facts read under the lock. Decision table (first matching row wins):
///
/// | flavour | server state                                                  | step                             |
/// |---------|---------------------------------------------------------------|----------------------------------|
/// | MariaDB | the oldest binlog file starts at P (a reset already ran)      | finish                           |
/// | MariaDB | gtid_binlog_state empty (nothing logged since the clone)      | full                             |
/// | MariaDB | anything else (writes logged before the takeover)             | refuse, naming the GTIDs         |
/// | MySQL   | gtid_executed within P (nothing beyond the clone)             | full                             |
/// | MySQL   | gtid_executed beyond P, gtid_purged holds P (reset already ran)| finish                          |
/// | MySQL   | anything else                                                 | refuse, naming the transactions  |
///
/// An error (not a plan) when P cannot be had (the clone carries no GTID) or a GTID state does not parse.
result<takeover_plan> plan_takeover(const takeover_facts& facts);

/// The statements of the whole takeover on a server that logged nothing since the clone (the `full` plan, lock
/// and prelude included, in the order they run), for the documentation and tests.
result<std::vector<sql_statement>> takeover_statements(const backup_metadata& clone, const server_version& server,
                                                       bool no_backslash_escapes = false);

/// mysql_agent.takeovers: a row per takeover of a re-seeded MariaDB primary, replicated to every member.
/// The query that lists the positions it names (column `position`; error 1146/1049: no takeover yet).
std::string takeover_positions_query();

}  // namespace mysql_agent
