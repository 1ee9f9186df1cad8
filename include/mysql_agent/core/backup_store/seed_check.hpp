#pragma once
// Before a member is seeded from a backup in the object store (init --seed-from): can the primary still serve it?
// A backup may be days old; the member replicates from the backup's GTID position, so the primary must still hold
// every binlog from there on. Its oldest binlog begins at a GTID position the primary's sidecar reports on GET
// /position (position_report.hpp binlog_start: MariaDB BINLOG_GTID_POS of its first binlog file at offset 4, MySQL
// @@gtid_purged). Pure.

#include <optional>
#include <string>
#include <string_view>

#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/backup_store/manifest.hpp"
#include "mysql_agent/core/position_report.hpp"
#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/server_version.hpp"

namespace mysql_agent::backup_store {

/// Where the backup's data stands, as a replica seeded from it asks its primary for: MariaDB, the backup's
/// gtid_slave_pos when its donor was a replica, else the GTID of its binlog info; MySQL, the GTID set of its binlog
/// info. nullopt when it carries none (a file/position backup: no check can be made).
std::optional<std::string> backup_gtid_position(const backup_metadata& backup, server_flavor flavor);

/// Whether a primary whose oldest binlog begins at `binlog_start` holds every transaction after `backup_position`:
/// MariaDB, the backup's position has reached the start in every domain the start names; MySQL, the purged set is a
/// subset of the backup's. An error says which transactions are gone and what to do; a position that does not parse
/// is an error too (it came from the network or a bucket).
status check_primary_serves(server_flavor flavor, std::string_view backup_position, std::string_view binlog_start);

/// Whether a primary at `primary_position` (MariaDB @@gtid_current_pos, MySQL @@gtid_executed) holds every
/// transaction of a backup at `backup_position`: false when the backup is past it in some domain (MySQL: holds a
/// GTID it lacks), or either does not parse. A backup past its primary is of a history the primary does not continue.
bool holds_backup(server_flavor flavor, std::string_view backup_position, std::string_view primary_position);

/// The coordinates of a stored backup, from the metadata files its manifest carries (as a clone reads them).
result<backup_metadata> manifest_coordinates(const backup_manifest& m);

/// The server flavor a backup was taken from, by its tool info (mariabackup names "MariaDB" in server_version).
server_flavor backup_flavor(const backup_manifest& m);

/// What a replica's seed does with the newest backup, given its primary's GET /position answer (nullopt: none).
struct seed_verdict {
    enum class kind { go, unchecked, skip, refused } decision = kind::go;
    std::string reason;  ///< for the log (go, unchecked, skip) or the error (refused)
};

/// Skip (warned, the member is cloned from its peers instead, which is always consistent with the primary): the
/// backup names another cluster identity than the primary's, or its data is past the primary's position (holds_backup)
/// : a cluster recreated at a point in time, or restored to an older backup. Refused: its coordinates do not parse, or
/// the primary no longer holds the binlogs after its position (check_primary_serves). Unchecked (warned, the seed goes
/// on): no answer, no GTID position in the backup, no binlog_start from the primary. Go otherwise.
seed_verdict judge_seed(const backup_manifest& m, const std::optional<position_report>& primary);

}  // namespace mysql_agent::backup_store
