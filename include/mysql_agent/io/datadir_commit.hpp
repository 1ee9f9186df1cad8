#pragma once
// The filesystem half of a clone: look at the datadir (facts for classify_datadir), clean up what an
// earlier clone left behind, hold the stream in a hidden staging dir inside the datadir, check that the
// backup was prepared, and commit it so that a kill -9 at any instant leaves a datadir the next run
// recognises and cleans by itself.
//
// Commit order (names from clone_marker.hpp), each step durable before the next:
//   1.  syncfs: every byte of the prepared backup is on disk
//   2a. clone --force only: journal (phase displacing) lists the datadir's foreign entries, which are then
//       renamed into <datadir>/.mysql-agent-displaced (same filesystem: no copy, nothing deleted)
//   2.  journal  <datadir>/.mysql-agent-commit (phase moving) lists the staging entries about to move, with
//       their inodes and birth times, and the run that writes it (atomic write; clone_journal.hpp)
//   3.  rename   each top-level staging entry into the datadir; fsync the datadir
//   4.  marker   <datadir>/.mysql-agent-clone.json, written LAST: from here on the clone is complete
//   5.  remove   the displaced entries, the (now empty) staging dir, the journal last; fsync the datadir
// A crash before 4 leaves journal/staging without marker: unfinished_clone; the next run removes what was moved
// in (only entries with the journaled inode and birth time), moves the displaced entries back, and clones again.
// A crash after 4 leaves a marker with leftovers: cloned, the leftovers are removed.
// Every caller holds the datadir lock (datadir_lock.hpp) for the whole clone.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/datadir_state.hpp"
#include "mysql_agent/core/errors.hpp"

namespace mysql_agent {

/// The inode and birth time of `path` itself (statx(2), a symlink not followed); no birth time when the
/// filesystem reports none. Throws file_error.
entry_identity identity_of(const std::filesystem::path& path);

/// Throws config_error naming the filesystem when the one holding `datadir` reports no birth times: the commit
/// journal could not tell its entries from files put there later (clone_journal.hpp). settle_datadir and
/// commit_staging call it, so a clone is refused before a byte is streamed.
void require_birth_times(const std::filesystem::path& datadir);

/// `<datadir>/.mysql-agent-staging`.
std::filesystem::path staging_dir_of(const std::filesystem::path& datadir);

/// The names directly inside `datadir` with their identities (identity_of), the commit journal if it exists (a file that is
/// not one is reported as unreadable), and the names in the displaced dir.
/// Throws file_error when the datadir or the journal cannot be read.
datadir_facts gather_datadir_facts(const std::filesystem::path& datadir);

/// Removes the named entries of `datadir` (recursively; symlinks themselves, never their targets), the
/// journal last so that a crash midway still leaves a datadir classified as ours, then fsyncs the datadir.
/// Each name must be one path component. Throws file_error.
void remove_datadir_entries(const std::filesystem::path& datadir, const std::vector<std::string>& names);

/// Gets the datadir ready for a clone, carrying out classify_datadir's verdict: creates a missing
/// datadir; refuses one whose filesystem reports no birth times (require_birth_times); empty: nothing to do; unfinished_clone: undoes it (removes what it moved in, moves displaced data
/// back) and classifies again; cloned: removes commit leftovers and keeps the data; foreign: with `force`,
/// removes only a stale staging dir and returns the verdict (the commit replaces the data), without it throws
/// datadir_not_ours_error naming what is there and what to do. Returns the final verdict.
/// `replace_clone` (a requested re-seed): a completed clone is replaced the same way (classify_datadir).
datadir_verdict settle_datadir(const std::filesystem::path& datadir, bool force, bool replace_clone = false);

/// The marker of a completed clone, if present and readable (a damaged marker is logged and ignored).
std::optional<clone_marker> read_clone_marker(const std::filesystem::path& datadir);

/// Creates an empty staging dir (removing a leftover one first) and returns its path. Throws file_error.
std::filesystem::path create_staging_dir(const std::filesystem::path& datadir);

/// After a failed clone: removes whatever this clone created (staging, journal and journaled entries) and
/// moves displaced data back, so that the datadir is as this run found it, using the same verdict a fresh run
/// would reach. Never removes data the agent did not create; never throws (a failure to clean is logged: the
/// next run cleans instead). `force`: this run was cloning over foreign data, so the staging dir next to it is
/// its own.
void abandon_clone(const std::filesystem::path& datadir, bool force = false) noexcept;

struct commit_options {
    std::string run;       ///< who commits, recorded in the journal (pod/pid/start/random)
    bool replace = false;  ///< clone --force: move the datadir's foreign entries aside first (step 2a)
};

/// Commits the prepared backup in the staging dir into `datadir` (see the order at the top of this file),
/// `marker` last. Throws file_error (disk full, permission) or clone_failed_error; on failure the caller
/// runs abandon_clone(), which moves displaced entries back.
void commit_staging(const std::filesystem::path& datadir, const clone_marker& marker,
                    const commit_options& options = {});

}  // namespace mysql_agent
