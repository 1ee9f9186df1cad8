#include "mysql_agent/core/backup_store/catalog.hpp"

#include <algorithm>
#include <ctime>
#include <map>

#include "mysql_agent/core/backup_store/manifest.hpp"

namespace mysql_agent::backup_store {
namespace {

std::string age_text(std::chrono::seconds s) {
    const auto h = s.count() / 3600;
    return h >= 48 ? std::to_string(h / 24) + " days" : std::to_string(h) + " h";
}

}  // namespace

std::vector<stored_backup> group_backups(const std::string& prefix, const std::vector<stored_key>& listing) {
    std::map<std::string, stored_backup> by_id;
    for (const auto& k : listing) {
        if (k.key.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string rest = k.key.substr(prefix.size());
        const auto slash = rest.find('/');
        if (slash == std::string::npos) continue;
        const std::string id = rest.substr(0, slash);
        if (!is_backup_id(id)) continue;
        auto& b = by_id[id];
        b.id = id;
        b.prefix = prefix + id + "/";
        b.bytes += k.size;
        if (rest.substr(slash + 1) == manifest_name) {
            b.complete = true;
            b.keys.insert(b.keys.begin(), k.key);
        } else {
            b.keys.push_back(k.key);
        }
    }
    std::vector<stored_backup> out;
    for (auto& [id, b] : by_id) out.push_back(std::move(b));  // ids sort by time
    return out;
}

std::optional<std::chrono::system_clock::time_point> backup_time(const std::string& id) {
    if (!is_backup_id(id)) return std::nullopt;
    std::tm tm{};
    tm.tm_year = std::stoi(id.substr(0, 4)) - 1900;
    tm.tm_mon = std::stoi(id.substr(4, 2)) - 1;
    tm.tm_mday = std::stoi(id.substr(6, 2));
    tm.tm_hour = std::stoi(id.substr(9, 2));
    tm.tm_min = std::stoi(id.substr(11, 2));
    tm.tm_sec = std::stoi(id.substr(13, 2));
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::optional<std::chrono::system_clock::time_point> s3_time(const std::string& iso) {
    if (iso.size() < 20 || iso[4] != '-' || iso[7] != '-' || iso[10] != 'T' || iso[13] != ':' || iso[16] != ':')
        return std::nullopt;
    return backup_time(iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2) + "T" + iso.substr(11, 2) +
                       iso.substr(14, 2) + iso.substr(17, 2) + "Z");
}

bool upload_is_stale(const std::string& initiated, const retention& r, std::chrono::system_clock::time_point now) {
    const auto started = s3_time(initiated);
    return started && now - *started > r.incomplete_after;
}

std::vector<prune_decision> plan_prune(const std::vector<stored_backup>& backups, const retention& r,
                                       std::chrono::system_clock::time_point now) {
    std::vector<prune_decision> out;
    // Complete ones, newest first: their rank decides.
    std::vector<const stored_backup*> complete;
    for (const auto& b : backups)
        if (b.complete) complete.push_back(&b);
    std::sort(complete.begin(), complete.end(), [](auto* a, auto* b) { return a->id > b->id; });
    std::map<std::string, std::size_t> rank;
    for (std::size_t i = 0; i < complete.size(); ++i) rank[complete[i]->id] = i;
    const bool any_limit = r.keep_last > 0 || r.max_age.has_value();
    for (const auto& b : backups) {
        const auto when = backup_time(b.id).value_or(now);
        const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - when);
        prune_decision d{b.id, false, ""};
        if (!b.complete) {
            if (age > r.incomplete_after) {
                d.remove = true;
                d.why = "incomplete (no manifest) and " + age_text(age) + " old: it was never committed";
            } else {
                d.why = "incomplete (no manifest) but only " + age_text(age) + " old: it may still be running";
            }
        } else if (rank[b.id] == 0) {
            d.why = "the newest complete backup: always kept";
        } else if (!any_limit) {
            d.why = "complete; no --keep-last or --max-age given";
        } else {
            const bool beyond_count = r.keep_last == 0 || rank[b.id] >= r.keep_last;
            const bool too_old = !r.max_age || age > *r.max_age;
            d.remove = beyond_count && too_old;
            d.why = d.remove ? "complete, " + std::to_string(rank[b.id] + 1) + ". newest, " + age_text(age) +
                                   " old: beyond the retention"
                             : "complete, " + std::to_string(rank[b.id] + 1) + ". newest, " + age_text(age) +
                                   " old: within the retention";
        }
        out.push_back(std::move(d));
    }
    return out;
}

std::optional<std::string> newest_complete(const std::vector<stored_backup>& backups) {
    for (auto b = backups.rbegin(); b != backups.rend(); ++b)
        if (b->complete) return b->id;
    return std::nullopt;
}

}  // namespace mysql_agent::backup_store
