#pragma once
// The statements that make a server restored from a peer's clone the primary of the cluster its data came from
// (a re-seeded ordinal 0, init_plan.hpp): forget the replica configuration the clone inherited, make the empty
// binlog continue the clone's GTID position (so that every replica's requested position exists on it), and only
// then let writes in. Pure.
//
//   MariaDB: STOP SLAVE; RESET SLAVE ALL; RESET MASTER; SET GLOBAL gtid_binlog_state='<pos>'; SET GLOBAL read_only=OFF
//            https://mariadb.com/kb/en/gtid/#gtid_binlog_state (settable only with an empty binlog: after RESET MASTER)
//   MySQL:   STOP REPLICA; RESET REPLICA ALL; RESET BINARY LOGS AND GTIDS (8.2+; RESET MASTER before);
//            SET GLOBAL gtid_purged='<set>'; SET GLOBAL super_read_only=OFF; SET GLOBAL read_only=OFF
//            https://dev.mysql.com/doc/refman/8.0/en/replication-options-gtids.html#sysvar_gtid_purged
//
// The position: MariaDB, the clone's gtid_slave_pos when its donor was a replica (what its data holds), else the
// GTID of its binlog info; MySQL, the GTID set of its binlog info (the donor's @@gtid_executed).

#include <string>
#include <vector>

#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/server_version.hpp"
#include "mysql_agent/core/sql_types.hpp"

namespace mysql_agent {

/// The position the new primary's binlog continues from, as the takeover sets it; an error when the clone carries
/// no GTID position (file/position replicas cannot follow a new binlog: re-seed them too).
result<std::string> takeover_position(const backup_metadata& clone, const server_version& server);

/// The takeover, in order; the last statement makes the server writable.
result<std::vector<sql_statement>> takeover_statements(const backup_metadata& clone, const server_version& server,
                                                       bool no_backslash_escapes = false);

}  // namespace mysql_agent
