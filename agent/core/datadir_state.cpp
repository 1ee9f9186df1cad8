#include "mysql_agent/core/datadir_state.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "mysql_agent/core/clone_marker.hpp"

namespace mysql_agent {
namespace {

// mkfs.ext4 creates lost+found at the root of every filesystem, and a PersistentVolume's datadir is usually one.
constexpr std::string_view lost_and_found = "lost+found";

bool ignorable(std::string_view name) {
    // "." and ".." are not entries; they are skipped in case the I/O layer lists them (readdir(3) does).
    return name == lost_and_found || name == "." || name == "..";
}

bool is_ours(std::string_view name) {
    return name == clone_marker_file || name == clone_journal_file || name == clone_staging_dir ||
           name == clone_displaced_dir || name == reseed_request_file;
}

// "12 entries not created by mysql-agent (ibdata1, mysql, performance_schema, ...)".
std::string describe(const std::set<std::string>& names, std::string_view what) {
    constexpr std::size_t shown = 3;
    std::string s =
        std::to_string(names.size()) + (names.size() == 1 ? " entry " : " entries ") + std::string(what) + " (";
    std::size_t i = 0;
    for (const auto& n : names) {
        if (i == shown) {
            s += ", ...";
            break;
        }
        if (i > 0) s += ", ";
        s += n;
        ++i;
    }
    return s + ")";
}

struct present {
    std::set<std::string> ours;
    std::set<std::string> data;
    bool has(std::string_view name) const { return ours.count(std::string(name)) > 0; }
};

present sort_entries(const datadir_facts& facts) {
    present p;
    for (const auto& e : facts.entries)
        if (!ignorable(e)) (is_ours(e) ? p.ours : p.data).insert(e);
    return p;
}

/// Our reserved entries that are present, in removal order (the journal always last: while it exists, what
/// remains is still recognised as ours).
std::vector<std::string> our_leftovers(const present& p, bool with_journal) {
    std::vector<std::string> out;
    for (const auto name : {clone_staging_dir, clone_displaced_dir})
        if (p.has(name)) out.emplace_back(name);
    if (with_journal && p.has(clone_journal_file)) out.emplace_back(clone_journal_file);
    return out;
}

/// Data entries an interrupted commit does not account for, given its journal.
struct unaccounted_entries {
    std::set<std::string> names;
    bool unknown_identity = false;  ///< one of them is journaled without a birth time (a v1/v2 journal)
};

unaccounted_entries unaccounted(const present& p, const datadir_facts& facts, const clone_journal& j) {
    unaccounted_entries bad;
    for (const auto& name : p.data) {
        if (j.phase == commit_phase::displacing) {
            if (std::find(j.displaced.begin(), j.displaced.end(), name) == j.displaced.end()) bad.names.insert(name);
            continue;
        }
        const auto in = std::find_if(j.incoming.begin(), j.incoming.end(),
                                     [&](const journal_entry& e) { return e.name == name; });
        const auto found = facts.identities.find(name);
        if (in == j.incoming.end() || found == facts.identities.end() || !same_entry(in->id, found->second)) {
            bad.names.insert(name);
            if (in != j.incoming.end() && !in->id.birth) bad.unknown_identity = true;
        }
    }
    return bad;
}

datadir_verdict unfinished_commit(const present& p, const datadir_facts& facts) {
    const clone_journal& j = *facts.journal;
    datadir_verdict v;
    const auto bad = unaccounted(p, facts, j);
    const std::string run = j.run.empty() ? std::string() : " written by run " + j.run;
    if (!bad.names.empty()) {
        v.kind = datadir_kind::foreign;
        v.reason = "datadir holds a clone commit journal (" + std::string(clone_journal_file) + run + ") and " +
                   describe(bad.names, "that it does not account for") + ": something else wrote there";
        if (bad.unknown_identity)
            v.reason += " (the journal, from an older mysql-agent, records no birth times, so a file put there by "
                        "hand cannot be told from the commit's own: check these entries, then remove them or the "
                        "journal yourself)";
        return v;
    }
    v.kind = datadir_kind::unfinished_clone;
    if (j.phase == commit_phase::moving) v.to_remove.assign(p.data.begin(), p.data.end());
    const auto rest = our_leftovers(p, true);
    v.to_remove.insert(v.to_remove.end(), rest.begin(), rest.end());
    v.to_restore = facts.displaced;
    v.reason = "datadir holds an interrupted clone commit (" + std::string(clone_journal_file) + run + " without " +
               std::string(clone_marker_file) + ")";
    if (!v.to_restore.empty()) v.reason += "; the data it had moved aside goes back";
    return v;
}

}  // namespace

bool has_reseed_request(const datadir_facts& facts) {
    return std::find(facts.entries.begin(), facts.entries.end(), reseed_request_file) != facts.entries.end();
}

datadir_verdict classify_datadir(const datadir_facts& facts, bool force, bool replace_clone) {
    const present p = sort_entries(facts);
    datadir_verdict v;
    if (p.has(clone_marker_file) && replace_clone && !p.has(clone_journal_file) && !p.has(clone_displaced_dir)) {
        // A re-seed: the completed clone, its marker with it, is data the next commit replaces.
        v.kind = datadir_kind::foreign;
        v.to_displace.assign(p.data.begin(), p.data.end());
        v.to_displace.emplace_back(clone_marker_file);
        std::sort(v.to_displace.begin(), v.to_displace.end());
        v.to_remove = our_leftovers(p, false);
        v.reason = "datadir holds a completed clone that is to be re-seeded: the commit of a verified backup "
                   "replaces it";
        return v;
    }
    if (p.has(clone_marker_file)) {
        v.kind = datadir_kind::cloned;
        v.to_remove = our_leftovers(p, true);
        v.reason = "datadir holds a completed clone (" + std::string(clone_marker_file) + ")";
        if (!v.to_remove.empty()) v.reason += "; removing the leftovers of its commit";
        return v;
    }
    if (p.has(clone_journal_file)) {
        if (facts.journal && !facts.journal_unreadable) return unfinished_commit(p, facts);
        v.kind = datadir_kind::foreign;
        v.reason = "datadir holds a file named " + std::string(clone_journal_file) +
                   " that is not a mysql-agent commit journal: something else wrote there";
        return v;
    }
    if (p.has(clone_displaced_dir)) {
        v.kind = datadir_kind::foreign;
        v.reason = "datadir holds " + std::string(clone_displaced_dir) +
                   " (data an interrupted clone --force moved aside) without the journal that says what it is: "
                   "move its entries back by hand";
        return v;
    }
    if (p.data.empty()) {
        v.kind = p.has(clone_staging_dir) ? datadir_kind::unfinished_clone : datadir_kind::empty;
        v.to_remove = our_leftovers(p, false);
        v.reason = p.has(clone_staging_dir) ? "datadir holds only an unfinished clone's staging dir (" +
                                                  std::string(clone_staging_dir) + ")"
                                            : "datadir is empty";
        return v;
    }
    v.kind = datadir_kind::foreign;
    v.reason = "datadir holds " + describe(p.data, "not created by mysql-agent");
    if (!force) return v;
    v.to_displace.assign(p.data.begin(), p.data.end());
    v.to_remove = our_leftovers(p, false);
    v.reason += "; --force: the commit of a verified backup replaces them";
    return v;
}

}  // namespace mysql_agent
