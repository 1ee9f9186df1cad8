#pragma once
// The backup in the staging dir, between extraction and commit: vetted against what the stream announced and
// the layout a backup tool writes (backup_layout.hpp) before --prepare runs on it, then checked as prepared and
// described for the marker. I/O layer; every failure is a clone_failed_error (the donor's backup is not
// usable) or a file_error (the local disk).

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "mysql_agent/core/backup_metadata.hpp"

namespace mysql_agent {

/// Before --prepare: every file the stream completed (`announced`, path -> size) is in `staging` as a regular
/// file of that size (mbstream exits 0 after skipping a name it refuses); nothing else is there (no symlink, no
/// file the stream did not announce); every entry passes check_layout_entry (the donor's auto.cnf and
/// mysqld-auto.cnf are removed); control files are small; every `.ren` names a table; and backup-my.cnf is
/// rewritten from the allow-list (rebuild_backup_my_cnf). Logs what was dropped. Throws clone_failed_error
/// naming the entry and the rule.
void vet_staged_backup(const std::filesystem::path& staging, const std::map<std::string, std::uint64_t>& announced);

/// Checks that the backup in `staging` was prepared: its checkpoints file (`mariadb_backup_checkpoints` or
/// `xtrabackup_checkpoints`) says `backup_type = log-applied` (mariabackup) or `full-prepared` (XtraBackup).
/// Throws clone_failed_error saying what it found.
void check_prepared(const std::filesystem::path& staging);

/// What a backup directory says about itself, for the marker.
struct backup_description {
    backup_metadata coordinates;  ///< from the binlog/slave info files
    std::string tool_version;     ///< "mariadb-backup 10.11.19-MariaDB" (info: tool_name tool_version)
    std::string server_version;   ///< the donor's, from the info file
    std::uint64_t bytes = 0;      ///< total size of the regular files
};

/// Reads the metadata files of the backup in `staging`. Throws clone_failed_error when they cannot be
/// parsed (a backup without usable coordinates cannot start a replica), file_error when unreadable.
backup_description describe_backup(const std::filesystem::path& staging);

}  // namespace mysql_agent
