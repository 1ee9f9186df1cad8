#pragma once
// The filesystem half of a clone: look at the datadir (facts for classify_datadir), clean up what an
// earlier clone left behind, hold the stream in a hidden staging dir inside the datadir, check that the
// backup was prepared, and commit it so that a kill -9 at any instant leaves a datadir the next run
// recognises and cleans by itself.
//
// Commit order (names from clone_marker.hpp), each step durable before the next:
//   1. syncfs: every byte of the prepared backup is on disk
//   2. journal  <datadir>/.mysql-agent-commit lists the staging entries about to move (atomic write)
//   3. rename   each top-level staging entry into the datadir; fsync the datadir
//   4. marker   <datadir>/.mysql-agent-clone.json, written LAST: from here on the clone is complete
//   5. remove   the journal and the (now empty) staging dir; fsync the datadir
// A crash before 4 leaves journal/staging without marker: unfinished_clone, cleaned and cloned again.
// A crash after 4 leaves a marker with leftovers: cloned, the leftovers are removed.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/backup_metadata.hpp"
#include "mysql_agent/clone_marker.hpp"
#include "mysql_agent/datadir_state.hpp"
#include "mysql_agent/errors.hpp"

namespace mysql_agent {

/// A clone started but cannot be completed (bad stream, donor failure, prepare failed): exit clone_failed.
struct clone_failed_error : agent_error {
    explicit clone_failed_error(const std::string& message) : agent_error(exit_code::clone_failed, message) {}
};

/// The datadir holds data the agent did not create: exit datadir_not_ours.
struct datadir_not_ours_error : agent_error {
    explicit datadir_not_ours_error(const std::string& message) : agent_error(exit_code::datadir_not_ours, message) {}
};

/// `<datadir>/.mysql-agent-staging`.
std::filesystem::path staging_dir_of(const std::filesystem::path& datadir);

/// The names directly inside `datadir` and, if the commit journal exists, the names it lists.
/// Throws file_error when the datadir or the journal cannot be read.
datadir_facts gather_datadir_facts(const std::filesystem::path& datadir);

/// Removes the named entries of `datadir` (recursively; symlinks themselves, never their targets), the
/// journal last so that a crash midway still leaves a datadir classified as ours, then fsyncs the datadir.
/// Each name must be one path component. Throws file_error.
void remove_datadir_entries(const std::filesystem::path& datadir, const std::vector<std::string>& names);

/// Gets the datadir ready for a clone, carrying out classify_datadir's verdict: creates a missing
/// datadir; empty: nothing to do; unfinished_clone: removes its leftovers; cloned: removes commit
/// leftovers and keeps the data; foreign: throws datadir_not_ours_error naming what is there and what to
/// do. Returns the verdict it carried out.
datadir_verdict settle_datadir(const std::filesystem::path& datadir, bool force);

/// The marker of a completed clone, if present and readable (a damaged marker is logged and ignored).
std::optional<clone_marker> read_clone_marker(const std::filesystem::path& datadir);

/// Creates an empty staging dir (removing a leftover one first) and returns its path. Throws file_error.
std::filesystem::path create_staging_dir(const std::filesystem::path& datadir);

/// After a failed clone: removes whatever this clone created (staging, journal and journaled entries) so
/// that no visible file is left, using the same verdict a fresh run would reach. Never removes data the
/// agent did not create; never throws (a failure to clean is logged: the next run cleans instead).
void abandon_clone(const std::filesystem::path& datadir) noexcept;

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

/// Commits the prepared backup in the staging dir into `datadir` (see the order at the top of this file),
/// `marker` last. Throws file_error (disk full, permission) or clone_failed_error; on failure the caller
/// runs abandon_clone().
void commit_staging(const std::filesystem::path& datadir, const clone_marker& marker);

}  // namespace mysql_agent
