#pragma once
// The commit journal `<datadir>/.mysql-agent-commit`: which run is committing, how far it got, and exactly
// which entries are its own. It is what lets the next run undo an interrupted commit, and refuse to touch a
// datadir that someone changed by hand after it.
//
//   mysql-agent clone journal v2
//   run mysql-1/4711/2026-12-01T18:23:09Z/9f86d081          who wrote it (pod, pid, start, random)
//   phase displacing | moving                                 displacing: foreign entries are being moved
//                                                             into .mysql-agent-displaced; moving: the backup's
//                                                             entries are being moved into the datadir
//   in 1311868 ibdata1                                        an entry of the backup and its inode (a rename
//   in 1311870 mysql                                          keeps it: an entry with another inode is not ours)
//   out ib_logfile0                                           a foreign entry moved aside (clone --force)
//
// A journal of version 1 (written before this format) lists one entry name per line: it reads as phase
// `moving` with unknown inodes (0). Pure: parsing and formatting only.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

struct journal_entry {
    std::string name;
    std::uint64_t inode = 0;  ///< 0: unknown (a version 1 journal)
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

/// The journal's text (version 2). Names must be single datadir entries (no '/', no newline).
std::string format_journal(const clone_journal& journal);

/// Parses version 2, or version 1 (one name per line). An error names the line that is neither.
result<clone_journal> parse_journal(std::string_view content);

}  // namespace mysql_agent
