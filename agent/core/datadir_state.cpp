#include "mysql_agent/datadir_state.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "mysql_agent/clone_marker.hpp"

namespace mysql_agent {
namespace {

// mkfs.ext4 creates lost+found at the root of every filesystem, and a PersistentVolume's datadir is usually one.
constexpr std::string_view lost_and_found = "lost+found";

bool ignorable(std::string_view name) {
    // "." and ".." are not entries; they are skipped in case the I/O layer lists them (readdir(3) does).
    return name == lost_and_found || name == "." || name == "..";
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

}  // namespace

datadir_verdict classify_datadir(const datadir_facts& facts, bool force) {
    std::set<std::string> data;  // every entry but the ignorable ones, sorted for stable output
    for (const auto& e : facts.entries)
        if (!ignorable(e)) data.insert(e);
    const bool has_marker = data.count(std::string(clone_marker_file)) > 0;
    const bool has_journal = data.count(std::string(clone_journal_file)) > 0;
    const bool has_staging = data.count(std::string(clone_staging_dir)) > 0;
    std::set<std::string> other = data;
    other.erase(std::string(clone_marker_file));
    other.erase(std::string(clone_journal_file));
    other.erase(std::string(clone_staging_dir));

    // The journal is always removed last: if the cleanup is interrupted, the next start still sees the journal
    // and recognises what remains as ours instead of as foreign data.
    const auto leftovers = [&](std::vector<std::string> first) {
        if (has_staging) first.emplace_back(clone_staging_dir);
        if (has_journal) first.emplace_back(clone_journal_file);
        return first;
    };

    datadir_verdict v;
    if (has_marker) {
        v.kind = datadir_kind::cloned;
        v.to_remove = leftovers({});
        v.reason = "datadir holds a completed clone (" + std::string(clone_marker_file) + ")";
        if (!v.to_remove.empty()) v.reason += "; removing the leftovers of its commit";
        return v;
    }
    if (has_journal) {
        const std::set<std::string> journaled(facts.journal.begin(), facts.journal.end());
        std::set<std::string> unjournaled;
        for (const auto& e : other)
            if (journaled.count(e) == 0) unjournaled.insert(e);
        if (unjournaled.empty()) {
            v.kind = datadir_kind::unfinished_clone;
            v.to_remove = leftovers({other.begin(), other.end()});
            v.reason = "datadir holds an interrupted clone commit (" + std::string(clone_journal_file) +
                       " without " + std::string(clone_marker_file) + ")";
            return v;
        }
        v.kind = datadir_kind::foreign;
        v.reason = "datadir holds a clone commit journal (" + std::string(clone_journal_file) + ") and " +
                   describe(unjournaled, "that it does not list") + ": something else wrote there";
    } else if (has_staging) {
        if (other.empty()) {
            v.kind = datadir_kind::unfinished_clone;
            v.to_remove = leftovers({});
            v.reason = "datadir holds only an unfinished clone's staging dir (" + std::string(clone_staging_dir) + ")";
            return v;
        }
        v.kind = datadir_kind::foreign;
        v.reason = "datadir holds a clone staging dir (" + std::string(clone_staging_dir) + ") and " +
                   describe(other, "not created by mysql-agent");
    } else if (other.empty()) {
        v.kind = datadir_kind::empty;
        v.reason = "datadir is empty";
        return v;
    } else {
        v.kind = datadir_kind::foreign;
        v.reason = "datadir holds " + describe(other, "not created by mysql-agent");
    }

    if (!force) return v;
    v.kind = datadir_kind::unfinished_clone;
    v.to_remove = leftovers({other.begin(), other.end()});
    v.reason += "; --force was given";
    return v;
}

}  // namespace mysql_agent
