#pragma once
// `mysql-agent restore --to-time T | --to-gtid G | --latest`: a point-in-time restore. The newest complete backup
// before the target (core/binlog_archive/recovery_plan.hpp choose_base; or --id), the archived binlog files that
// carry it to the target planned from the archive's index records before a byte is downloaded (a gap between the
// backup and the target, or a target the archive does not reach yet, is refused naming it: exit 20), then the
// backup restored exactly as `restore` does, the files replayed into its prepared staging dir
// (binlog_replay.hpp), and the same journal-and-marker commit, the marker's coordinates the position reached (GTIDs
// only: the backup's binlog file and offset name another server's files) and its source naming the target. I/O.

#include <filesystem>

#include "mysql_agent/core/binlog_archive/recovery_plan.hpp"
#include "mysql_agent/io/backup_store/backup_restore.hpp"

namespace mysql_agent::binlog_archive {

struct pitr_options {
    backup_store::restore_options restore;  ///< from, store, key, target; id: "" (chosen) or the backup to start from
    recovery_target target;
    std::filesystem::path mysqld = "mariadbd";
    std::filesystem::path binlog_tool = "mariadb-binlog";
    std::filesystem::path client = "mariadb";
};

struct pitr_outcome {
    clone_outcome restored;
    std::string backup_id;
    mariadb_gtid_position reached;
    std::optional<binlog_transaction> last_applied;
    std::uint64_t transactions = 0;
    std::uint64_t files = 0;
    /// --to-gtid and --to-time discard the history after the point: the restored data carries a new cluster identity
    /// (core/cluster_identity.hpp), "" for --latest (the history goes on). old_identity: the one it replaced, "" when
    /// the data recorded none.
    std::string new_identity;
    std::string old_identity;
};

/// Throws pitr_unreachable_error (no backup before the target, a gap, not archived yet), and what `restore` and the
/// replay throw.
pitr_outcome restore_to_point(const pitr_options& o);

}  // namespace mysql_agent::binlog_archive
