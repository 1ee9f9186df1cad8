#pragma once
// The commit journal `<datadir>/.mysql-agent-commit`: which run is committing, how far it got, and exactly
// which entries are its own. It is what lets the next run undo an interrupted commit, and refuse to touch a
// datadir that someone changed by hand after it.
//
//   mysql-agent clone journal v3
//   run mysql-1/4711/2026-12-01T18:23:09Z/9f86d081          who wrote it (pod, pid, start, random)
//   phase displacing | moving                                 displacing: foreign entries are being moved
//                                                             into .mysql-agent-displaced; moving: the backup's
//                                                             entries are being moved into the datadir
//   in 1311868 1764613389.123456789 ibdata1                   an entry of the backup: its inode and birth time
//   in 1311870 1764613389.127000001 mysql                     (a rename keeps both: an entry that differs in
//                                                             either is not ours)
//   out ib_logfile0                                           a foreign entry moved aside (clone --force)
//
// Why the birth time: an inode number alone does not identify a file. ext4 and xfs give a freed inode number to
// the next file created, so a file restored by hand after an interrupted commit (the journaled entry deleted
// first) often got the journaled entry's number, and the next run deleted it as the commit's own (the io test
// "a journaled name whose entry was replaced by hand is not removed" failed that way now and then). The birth
// time (statx(2) STATX_BTIME, in nanoseconds) is set when an inode is created and never changes: a file created
// later has a later one. It was chosen over the inode generation (FS_IOC_GETVERSION, random on ext4) because
// statx reads it from a path without opening the entry (symlinks included) and ext4, xfs, btrfs and tmpfs all
// report it, while tmpfs has no FS_IOC_GETVERSION. The birth time comes from the coarse clock (a tick, 1-4 ms):
// only a file created within the same tick as the journaled one could share it, and the journaled entry was
// created before the commit that an interruption and a restart separate from any file restored by hand.
// A filesystem that reports no birth time (NFS, ext2/3 with 128-byte inodes) is refused before a clone starts
// (datadir_commit.hpp) rather than journaled with an identity that cannot tell files apart.
//
// Older journals stay readable, never trusted: version 2 (`in <inode> <name>`) and version 1 (one name per
// line, written before this format) read with unknown birth times, and an entry whose identity is unknown is
// never taken for the commit's own (same_entry): the datadir is then foreign, kept, and the log says why.
// Pure: parsing, formatting and the identity compare only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// When an inode was created (statx(2) stx_btime).
struct birth_time {
    std::int64_t seconds = 0;
    std::uint32_t nanoseconds = 0;
    bool operator==(const birth_time&) const = default;
};

/// What tells a datadir entry from a file that later took its name (and maybe its inode number).
struct entry_identity {
    std::uint64_t inode = 0;          ///< 0: unknown (a version 1 journal)
    std::optional<birth_time> birth;  ///< nullopt: unknown (a version 1 or 2 journal)
    bool operator==(const entry_identity&) const = default;
};

/// Whether `found` is provably the entry the journal recorded as `journaled`: the same inode and the same birth
/// time, both known. An identity without a birth time proves nothing, whatever its inode.
bool same_entry(const entry_identity& journaled, const entry_identity& found);

struct journal_entry {
    std::string name;
    entry_identity id;
    bool operator==(const journal_entry&) const = default;
};

enum class commit_phase { displacing, moving };

struct clone_journal {
    std::string run;                      ///< the run that wrote it; "" for a version 1 journal
    commit_phase phase = commit_phase::moving;
    std::vector<journal_entry> incoming;  ///< the backup's top-level entries
    std::vector<std::string> displaced;   ///< foreign entries moved into the displaced dir
    bool operator==(const clone_journal&) const = default;
};

/// The journal's text (version 3; an entry without a birth time is written with `-` in its place). Names must
/// be single datadir entries (no '/', no newline).
std::string format_journal(const clone_journal& journal);

/// Parses version 3, 2 (inodes without birth times), or 1 (one name per line). An error names the line that is
/// none of them.
result<clone_journal> parse_journal(std::string_view content);

}  // namespace mysql_agent
