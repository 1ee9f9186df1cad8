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

std::string shown(const mariadb_gtid_position& p) { return p.empty() ? "the empty position" : to_string(p); }

std::vector<archived_binlog> unique(std::vector<archived_binlog> archive) {
    std::sort(archive.begin(), archive.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    archive.erase(std::unique(archive.begin(), archive.end(), [](const auto& a, const auto& b) { return a.name == b.name; }),
                  archive.end());
    return archive;
}

/// The file that continues from `reached`: one that starts exactly there (the history's next file) if any, else, when
/// `inside` (the backup's position, which may lie inside a file), one that starts before it; of those, the one that
/// reaches furthest. None: a gap or the archive's end. (After a whole file, one that starts before its end is
/// another history that branched off it, and is followed only where it branches: branch_off.)
const archived_binlog* continuing(const std::vector<archived_binlog>& archive, const mariadb_gtid_position& reached,
                                  bool inside) {
    const archived_binlog* best = nullptr;
    bool best_exact = false;
    for (const auto& f : archive) {
        if (!not_after(f.start, reached) || !beyond(f.end, reached)) continue;
        const bool exact = not_after(reached, f.start);
        if (!exact && !inside) continue;
        if (!best || (exact && !best_exact) ||
            (exact == best_exact && (total(f.end) > total(best->end) ||
                                     (total(f.end) == total(best->end) && f.bytes < best->bytes)))) {
            best = &f;
            best_exact = exact;
        }
    }
    return best;
}

/// A history that branches off `f` past `reached`: a file created after f that starts inside f's range (a re-seeded or
/// failed-over primary whose data stood there: f's transactions after that point are not in its history), which the
/// target follows: --latest always, --to-time when the branch existed at the time, --to-gtid when f does not reach
/// the GTID. Of several, the one that starts earliest (then the newest). None: f is followed to its end.
const archived_binlog* branch_off(const std::vector<archived_binlog>& archive, const archived_binlog& f,
                                  const mariadb_gtid_position& reached, const recovery_target& target) {
    if (target.what == recovery_target::kind::gtid) {
        // The old history reaches the GTID (f, then the files that start exactly where the last one ended).
        mariadb_gtid_position along = f.end;
        for (std::size_t hops = 0; !meets(along, target) && hops <= archive.size(); ++hops) {
            const archived_binlog* next = continuing(archive, along, /*inside=*/false);
            if (!next) break;
            along.advance(next->end);
        }
        if (meets(along, target)) return nullptr;
    }
    const archived_binlog* best = nullptr;
    for (const auto& b : archive) {
        if (&b == &f || b.created <= f.created) continue;
        if (!beyond(b.start, reached) || !not_after(b.start, f.end) || !beyond(f.end, b.start)) continue;
        if (target.what == recovery_target::kind::time && b.created > target.time) continue;
        if (!best || total(b.start) < total(best->start) ||
            (total(b.start) == total(best->start) && b.created > best->created))
            best = &b;
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
        case recovery_target::kind::time: return "--to-time " + time_text(t.time);
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
    bool cut = false;  // the last file is left where another history branches off it
    for (;;) {
        if (target.what == recovery_target::kind::gtid && meets(reached, target)) break;
        if (target.what == recovery_target::kind::time && !chain.empty() && !cut && chain.back().last_time > target.time)
            break;
        const archived_binlog* next = continuing(archive, reached, chain.empty());
        if (!next) break;
        chain.push_back(*next);
        const archived_binlog* branch = branch_off(archive, *next, reached, target);
        cut = branch != nullptr;
        reached.advance(cut ? branch->start : next->end);
    }
    const archived_binlog* beyond_gap = after_gap(archive, reached);
    const std::string gap =
        !beyond_gap ? ""
        : not_after(beyond_gap->start, reached)
            ? "; " + beyond_gap->name + " continues another history, which branched off at " +
                  shown(beyond_gap->start) + " (a re-seeded or failed-over primary, its file created " +
                  time_text(beyond_gap->created) + "): a restore follows it from there only for --latest, a --to-time "
                  "after it began or a --to-gtid the old history does not reach"
            : "; the next archived binlog, " + beyond_gap->name + ", starts at " + shown(beyond_gap->start) +
                  ": the transactions between were never archived (a gap)";
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
                    chain.empty() ? "" : " (its last transaction began committing at " + time_text(chain.back().last_time) + ")";
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
        if (const archived_binlog* next = continuing(archive, reached, /*inside=*/true)) {
            reached.advance(next->end);
            continue;
        }
        const archived_binlog* next = after_gap(archive, reached);
        if (!next) break;
        gaps.push_back({reached, next->start, next->name});
        reached.advance(next->start);
    }
    return gaps;
}

replay_window::replay_window(mariadb_gtid_position base, recovery_target target)
    : reached_(std::move(base)), target_(std::move(target)) {}

void replay_window::next_file(std::optional<mariadb_gtid_position> cut) {
    applied_in_file_ = false;
    cut_ = std::move(cut);
    cut_reached_ = false;
}

result<replay_window::verdict> replay_window::next(const binlog_transaction& t) {
    if (stopped_) return verdict::stop;
    if (cut_reached_) return verdict::cut;
    if (cut_ && t.gtid.seq > seq(*cut_, t.gtid.domain)) {
        cut_reached_ = true;  // the rest of the file is the history the next file's branched off from
        return verdict::cut;
    }
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
    reached_.advance(t.gtid);
    last_ = t;
    applied_in_file_ = true;
    return verdict::apply;
}

std::optional<mariadb_gtid_position> cut_of(const std::vector<archived_binlog>& chain, std::size_t i) {
    if (i + 1 >= chain.size() || !beyond(chain[i].end, chain[i + 1].start)) return std::nullopt;
    return chain[i + 1].start;
}

std::vector<archived_binlog> of_history(std::vector<archived_binlog> archive, std::string_view identity) {
    if (identity.empty()) return archive;
    std::erase_if(archive, [&](const archived_binlog& f) {
        return !f.cluster_identity.empty() && f.cluster_identity != identity;
    });
    return archive;
}

}  // namespace mysql_agent::binlog_archive
