#pragma once
// What a datadir holds, decided from the names in it and the commit journal: the pure half of "may we clone
// into it, must we finish or undo an interrupted commit first, or must we leave it alone".

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/clone_journal.hpp"

namespace mysql_agent {

/// Facts gathered from the datadir by the I/O layer.
struct datadir_facts {
    std::vector<std::string> entries;             ///< names directly inside the datadir, any order
    std::optional<clone_journal> journal;         ///< the commit journal, when present and readable
    bool journal_unreadable = false;              ///< a journal is present but is not one (never guess)
    /// Inode and birth time of each entry (clone_journal.hpp); an entry without one is never taken for a journaled one.
    std::map<std::string, entry_identity> identities;
    std::vector<std::string> displaced;           ///< names inside the displaced dir, when it exists
};

enum class datadir_kind {
    empty,             ///< nothing but ignorable entries (lost+found): clone into it
    cloned,            ///< the clone marker is present: a completed clone, keep it
    unfinished_clone,  ///< staging or journal without marker: ours, half-done; undo it and clone again
    foreign,           ///< data without our marker and not ours: never delete (clone --force replaces it at commit)
};

struct datadir_verdict {
    datadir_kind kind = datadir_kind::empty;
    /// Our entries to remove, in this order: the backup's entries an interrupted commit moved in, the staging
    /// dir, the displaced dir (after to_restore went back), the journal last.
    std::vector<std::string> to_remove;
    /// Foreign entries an interrupted `clone --force` commit moved aside: they go back into the datadir.
    std::vector<std::string> to_restore;
    /// foreign with `force`: the commit may move these aside and, once the marker is written, delete them.
    /// Empty when force cannot be honoured (an interrupted commit nobody can account for).
    std::vector<std::string> to_displace;
    /// A one-line description for logs: "datadir holds 12 entries not created by mysql-agent (ibdata1, mysql, ...)".
    std::string reason;
};

/// Whether `mysql-agent reseed` left its request in the datadir (clone_marker.hpp reseed_request_file).
bool has_reseed_request(const datadir_facts& facts);

/// Decision table ("ours" are the marker, the journal, the staging dir and the displaced dir; "data" is every
/// other entry but lost+found):
///
///   marker | journal              | data                                | verdict
///   -------+----------------------+-------------------------------------+--------------------------------------
///   yes    | any                  | any                                 | cloned; remove staging, displaced, journal
///   no     | moving               | only its `in` entries, each the     | unfinished; remove them, restore the
///          |                      | same entry (inode and birth time)   | displaced ones, remove staging/displaced/journal
///   no     | displacing           | only its `out` entries              | unfinished; restore the displaced ones,
///          |                      |                                     | remove staging/displaced/journal
///   no     | present              | anything else (an identity differs  | foreign: something else wrote there
///          |                      | or is unknown: a v1/v2 journal)     |
///   no     | unreadable           | any                                 | foreign
///   no     | none, displaced dir  | any                                 | foreign (it may hold the only copy of data)
///   no     | none                 | none; staging or nothing            | unfinished (remove staging) or empty
///   no     | none                 | some                                | foreign
///
/// `force` changes only the last row: to_displace = the data, to_remove = a stale staging dir. It never
/// deletes anything by itself: the commit of a verified, prepared backup moves the data aside, and deletes it
/// only after the marker is written. `replace_clone` (a requested re-seed) also makes a completed clone (with no
/// commit in progress) foreign in that way, its marker among what is displaced. The re-seed request file
/// (reseed_request_file) is ours: never data, never a leftover.
datadir_verdict classify_datadir(const datadir_facts& facts, bool force, bool replace_clone = false);

}  // namespace mysql_agent
