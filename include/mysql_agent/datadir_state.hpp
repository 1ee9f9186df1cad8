#pragma once
// What a datadir holds, decided from the names in it: the pure half of "may we clone into it, must we
// clean up first, or must we leave it alone".

#include <string>
#include <vector>

namespace mysql_agent {

/// Facts gathered from the datadir by the I/O layer (top-level entry names only).
struct datadir_facts {
    std::vector<std::string> entries;  ///< names directly inside the datadir, any order
    std::vector<std::string> journal;  ///< entry names listed in the commit journal, if it exists
};

enum class datadir_kind {
    empty,             ///< nothing but ignorable entries (lost+found): clone into it
    cloned,            ///< the clone marker is present: a completed clone, keep it
    unfinished_clone,  ///< staging dir or journal without marker: ours, half-done; clean and clone again
    foreign,           ///< data without our marker and not ours: never delete (clone needs --force)
};

struct datadir_verdict {
    datadir_kind kind = datadir_kind::empty;
    /// For unfinished_clone (and foreign with force): entries to delete before cloning again.
    std::vector<std::string> to_remove;
    /// A one-line description for logs: "datadir holds 12 entries not created by mysql-agent (ibdata1, mysql, ...)".
    std::string reason;
};

/// Decision table (entries other than lost+found are "data"):
///
///   marker | journal | staging | other data     -> verdict
///   -------+---------+---------+----------------+---------------------------------------------------
///   yes    | any     | any     | any            -> cloned; to_remove = journal + staging (leftovers)
///   no     | yes     | any     | only journaled -> unfinished_clone; remove journaled entries, journal, staging
///   no     | yes     | any     | not journaled  -> foreign (something else wrote there: do not guess)
///   no     | no      | yes     | none           -> unfinished_clone; remove staging
///   no     | no      | yes     | some           -> foreign
///   no     | no      | no      | none           -> empty
///   no     | no      | no      | some           -> foreign
///
/// With `force`, foreign becomes unfinished_clone with every entry but lost+found to remove.
datadir_verdict classify_datadir(const datadir_facts& facts, bool force);

}  // namespace mysql_agent
