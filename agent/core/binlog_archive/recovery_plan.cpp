#include "mysql_agent/core/binlog_archive/recovery_plan.hpp"

#include <algorithm>
#include <set>

#include "mysql_agent/core/backup_store/manifest.hpp"

namespace mysql_agent::binlog_archive {
namespace {

std::uint64_t seq(const mariadb_gtid_position& p, std::uint32_t domain) { return p.seq_in(domain).value_or(0); }

std::set<std::uint32_t> domains(const mariadb_gtid_position& a, const mariadb_gtid_position& b) {
    std::set<std::uint32_t> d;
    for (const auto& g : a.gtids) d.insert(g.domain);
    for (const auto& g : b.gtids) d.insert(g.domain);
    return d;
}

/// a <= b in every domain.
bool not_after(const mariadb_gtid_position& a, const mariadb_gtid_position& b) {
    for (auto d : domains(a, b))
        if (seq(a, d) > seq(b, d)) return false;
    return true;
}

/// a > b in some domain.
bool beyond(const mariadb_gtid_position& a, const mariadb_gtid_position& b) { return !not_after(a, b); }

std::uint64_t total(const mariadb_gtid_position& p) {
    std::uint64_t t = 0;
    for (const auto& g : p.gtids) t += g.seq;
    return t;
}

/// `into` advanced to `by` in every domain where `by` is further.
void advance(mariadb_gtid_position& into, const mariadb_gtid_position& by) {
    for (const auto& g : by.gtids) {
        auto it = std::find_if(into.gtids.begin(), into.gtids.end(),
                               [&](const mariadb_gtid& x) { return x.domain == g.domain; });
        if (it == into.gtids.end())
            into.gtids.push_back(g);
        else if (g.seq > it->seq)
            *it = g;
    }
    std::sort(into.gtids.begin(), into.gtids.end(),
              [](const mariadb_gtid& a, const mariadb_gtid& b) { return a.domain < b.domain; });
}

std::string shown(const mariadb_gtid_position& p) { return p.empty() ? "the empty position" : to_string(p); }

std::string when(std::uint32_t s) {
    return backup_store::iso8601_utc(std::chrono::system_clock::time_point(std::chrono::seconds(s)));
}

std::vector<archived_binlog> unique(std::vector<archived_binlog> archive) {
    std::sort(archive.begin(), archive.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    archive.erase(std::unique(archive.begin(), archive.end(), [](const auto& a, const auto& b) { return a.name == b.name; }),
                  archive.end());
    return archive;
}

/// The file that continues from `reached` and reaches furthest, or none.
const archived_binlog* continuing(const std::vector<archived_binlog>& archive, const mariadb_gtid_position& reached) {
    const archived_binlog* best = nullptr;
    for (const auto& f : archive) {
        if (!not_after(f.start, reached) || !beyond(f.end, reached)) continue;
        if (!best || total(f.end) > total(best->end) || (total(f.end) == total(best->end) && f.bytes < best->bytes))
            best = &f;
    }
    return best;
}

/// Of the files that end past `reached`, the one that starts earliest: what lies after a gap.
const archived_binlog* after_gap(const std::vector<archived_binlog>& archive, const mariadb_gtid_position& reached) {
    const archived_binlog* next = nullptr;
    for (const auto& f : archive)
        if (beyond(f.end, reached) && (!next || total(f.start) < total(next->start))) next = &f;
    return next;
}

}  // namespace

std::string describe(const recovery_target& t) {
    switch (t.what) {
        case recovery_target::kind::gtid: return "--to-gtid " + to_string(t.gtid);
        case recovery_target::kind::time: return "--to-time " + when(t.time);
        case recovery_target::kind::latest: break;
    }
    return "--latest";
}

std::optional<base_candidate> choose_base(std::vector<base_candidate> backups, const recovery_target& target) {
    std::optional<base_candidate> best;
    for (auto& b : backups) {
        bool fits = true;
        if (target.what == recovery_target::kind::gtid)
            for (const auto& g : target.gtid.gtids) fits = fits && seq(b.position, g.domain) <= g.seq;
        if (target.what == recovery_target::kind::time) fits = b.finished_at <= target.time;
        // Ids are start times: the greatest is the newest.
        if (fits && (!best || b.id > best->id)) best = std::move(b);
    }
    return best;
}

bool meets(const mariadb_gtid_position& reached, const recovery_target& target) noexcept {
    if (target.what != recovery_target::kind::gtid) return true;
    for (const auto& g : target.gtid.gtids)
        if (seq(reached, g.domain) < g.seq) return false;
    return true;
}

result<std::vector<archived_binlog>> plan_recovery(std::vector<archived_binlog> archive,
                                                   const mariadb_gtid_position& base, const recovery_target& target) {
    archive = unique(std::move(archive));
    if (target.what == recovery_target::kind::gtid)
        for (const auto& g : target.gtid.gtids)
            if (seq(base, g.domain) > g.seq)
                return error{describe(target) + " is before the backup's position " + shown(base) +
                             ": choose an earlier backup (--id) or a later target"};
    std::vector<archived_binlog> chain;
    mariadb_gtid_position reached = base;
    for (;;) {
        if (target.what == recovery_target::kind::gtid && meets(reached, target)) break;
        if (target.what == recovery_target::kind::time && !chain.empty() && chain.back().last_time > target.time) break;
        const archived_binlog* next = continuing(archive, reached);
        if (!next) break;
        chain.push_back(*next);
        advance(reached, next->end);
    }
    const archived_binlog* beyond_gap = after_gap(archive, reached);
    const std::string gap =
        beyond_gap ? "; the next archived binlog, " + beyond_gap->name + ", starts at " + shown(beyond_gap->start) +
                         ": the transactions between were never archived (a gap)"
                   : "";
    switch (target.what) {
        case recovery_target::kind::latest:
            if (beyond_gap)
                return error{"no archived binlog continues from " + shown(reached) + gap + ". --to-gtid " +
                             shown(reached) + " restores everything before the gap"};
            break;
        case recovery_target::kind::gtid:
            if (!meets(reached, target))
                return error{"the archive reaches " + shown(reached) + ", not " + describe(target) +
                             (beyond_gap ? gap : ": no archived binlog holds the transactions after it (not archived yet?)")};
            break;
        case recovery_target::kind::time:
            if (chain.empty() || chain.back().last_time <= target.time) {
                const std::string last =
                    chain.empty() ? "" : " (its last transaction began committing at " + when(chain.back().last_time) + ")";
                return error{"the archive reaches " + shown(reached) + last + ", not past " + describe(target) +
                             (beyond_gap ? gap
                                         : ": transactions up to that time may not be archived yet; --latest restores "
                                           "all that is archived")};
            }
            break;
    }
    return chain;
}

std::vector<archive_gap> find_gaps(std::vector<archived_binlog> archive) {
    archive = unique(std::move(archive));
    std::vector<archive_gap> gaps;
    if (archive.empty()) return gaps;
    const auto first = std::min_element(archive.begin(), archive.end(),
                                        [](const auto& a, const auto& b) { return total(a.start) < total(b.start); });
    mariadb_gtid_position reached = first->start;
    for (;;) {
        if (const archived_binlog* next = continuing(archive, reached)) {
            advance(reached, next->end);
            continue;
        }
        const archived_binlog* next = after_gap(archive, reached);
        if (!next) break;
        gaps.push_back({reached, next->start, next->name});
        advance(reached, next->start);
    }
    return gaps;
}

replay_window::replay_window(mariadb_gtid_position base, recovery_target target)
    : reached_(std::move(base)), target_(std::move(target)) {}

result<replay_window::verdict> replay_window::next(const binlog_transaction& t) {
    if (stopped_) return verdict::stop;
    if (t.gtid.seq <= seq(reached_, t.gtid.domain)) {
        if (applied_in_file_)
            return error{"transaction " + gtid_text(t.gtid) + " at byte " + std::to_string(t.begin) +
                         " is already restored but follows one that was not (domains interleave around the "
                         "backup's position in this binlog): it cannot be replayed from a byte offset"};
        return verdict::skip;
    }
    const bool past = target_.what == recovery_target::kind::gtid
                          ? meets(reached_, target_) ||
                                (target_.gtid.seq_in(t.gtid.domain) && t.gtid.seq > *target_.gtid.seq_in(t.gtid.domain))
                          : target_.what == recovery_target::kind::time && t.time > target_.time;
    if (past) {
        stopped_ = true;
        return verdict::stop;
    }
    advance(reached_, mariadb_gtid_position{{t.gtid}});
    last_ = t;
    applied_in_file_ = true;
    return verdict::apply;
}

}  // namespace mysql_agent::binlog_archive
