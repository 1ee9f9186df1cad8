#include "mysql_agent/core/gtid_position.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "mysql_agent/core/text.hpp"

namespace mysql_agent {
namespace {

using text::printable;
using text::trim;

constexpr std::uint64_t max_u32 = std::numeric_limits<std::uint32_t>::max();
// MySQL's GNO is a signed 64-bit number: 1..2^63-1 (MAX_GNO in rpl_gtid.h).
constexpr std::uint64_t max_gno = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
// https://dev.mysql.com/doc/dev/mysql-server/latest/gtid__constants_8h.html (tag_max_length)
constexpr std::size_t max_tag_length = 32;

// `s` split at every `sep`, each part trimmed; "a,,b" gives an empty middle part.
std::vector<std::string_view> split_trimmed(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    while (true) {
        const auto at = s.find(sep);
        parts.push_back(trim(s.substr(0, at)));
        if (at == std::string_view::npos) return parts;
        s.remove_prefix(at + 1);
    }
}

std::string in_quotes(std::string_view s) { return "'" + printable(s) + "'"; }

std::string ordinal_entry(std::size_t i) { return "entry " + std::to_string(i + 1); }

// --- MariaDB ---

result<mariadb_gtid> parse_mariadb_gtid(std::string_view entry) {
    const auto fields = split_trimmed(entry, '-');
    if (fields.size() != 3) return error{in_quotes(entry) + " is not domain-server-seq"};
    const auto domain = text::parse_uint(fields[0]);
    const auto server = text::parse_uint(fields[1]);
    const auto seq = text::parse_uint(fields[2]);
    if (!domain || !server || !seq) return error{in_quotes(entry) + " is not domain-server-seq of unsigned numbers"};
    if (*domain > max_u32) return error{in_quotes(entry) + ": domain " + std::string(fields[0]) + " is out of range"};
    if (*server > max_u32) return error{in_quotes(entry) + ": server id " + std::string(fields[1]) + " is out of range"};
    return mariadb_gtid{static_cast<std::uint32_t>(*domain), static_cast<std::uint32_t>(*server), *seq};
}

// --- MySQL ---

bool is_hex(char c) noexcept { return text::is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// 8-4-4-4-12 hex digits, as @@server_uuid and @@gtid_executed print it.
bool is_uuid(std::string_view s) noexcept {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
    }
    return true;
}

bool is_tag_start(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

bool is_tag(std::string_view s) noexcept {
    return !s.empty() && s.size() <= max_tag_length && is_tag_start(s.front()) &&
           std::all_of(s.begin(), s.end(), [](char c) { return is_tag_start(c) || text::is_digit(c); });
}

result<gtid_interval> parse_interval(std::string_view item) {
    const auto dash = item.find('-');
    const auto first = text::parse_uint(trim(item.substr(0, dash)));
    const auto last = dash == std::string_view::npos ? first : text::parse_uint(trim(item.substr(dash + 1)));
    if (!first || !last) return error{"interval " + in_quotes(item) + " is not N or N-M"};
    if (*first == 0) return error{"interval " + in_quotes(item) + " starts at 0; transaction numbers start at 1"};
    if (*last < *first) return error{"interval " + in_quotes(item) + " ends before it starts"};
    if (*last > max_gno) return error{"interval " + in_quotes(item) + " goes past 2^63-1"};
    return gtid_interval{*first, *last};
}

// Sorted, overlapping and adjacent intervals merged.
void normalize(std::vector<gtid_interval>& intervals) {
    std::sort(intervals.begin(), intervals.end(),
              [](const gtid_interval& a, const gtid_interval& b) { return a.first < b.first; });
    std::vector<gtid_interval> merged;
    for (const auto& i : intervals) {
        if (!merged.empty() && i.first <= merged.back().last + 1)  // last <= 2^63-1: no overflow
            merged.back().last = std::max(merged.back().last, i.last);
        else
            merged.push_back(i);
    }
    intervals = std::move(merged);
}

// One `uuid:1-5:7-9[:tag:1-3...]` entry added to `set`.
status add_mysql_entry(std::string_view entry, mysql_gtid_set& set) {
    const auto items = split_trimmed(entry, ':');
    if (!is_uuid(items[0])) return error{in_quotes(items[0]) + " is not a server UUID (8-4-4-4-12 hex digits)"};
    const std::string uuid = text::to_lower(items[0]);
    if (items.size() == 1) return error{in_quotes(entry) + " has no transaction intervals after the UUID"};
    std::string source = uuid;
    bool source_has_interval = false;
    for (std::size_t i = 1; i < items.size(); ++i) {
        const auto item = items[i];
        if (!item.empty() && is_tag_start(item.front())) {
            if (!is_tag(item))
                return error{"tag " + in_quotes(item) + " is not 1 to 32 letters, digits or '_' starting with a letter "
                             "or '_'"};
            if (i > 1 && !source_has_interval) return error{"source " + in_quotes(source) + " has no intervals"};
            // Tags are case-insensitive; MySQL prints them in lower case.
            source = uuid + ":" + text::to_lower(item);
            source_has_interval = false;
            continue;
        }
        const auto interval = parse_interval(item);
        if (!interval) return interval.err();
        set.sources[source].push_back(*interval);
        source_has_interval = true;
    }
    if (!source_has_interval) return error{"source " + in_quotes(source) + " has no intervals"};
    return ok();
}

// --- choosing ---

std::string flavor_name(server_flavor f) { return f == server_flavor::mariadb ? "MariaDB" : "MySQL"; }

std::string shown_position(std::string_view canonical) {
    return canonical.empty() ? std::string("(no GTID)") : std::string(canonical);
}

// The GTID positions of the peers with data, parsed, and the containment between them.
struct parsed_positions {
    std::vector<std::string> shown;  // canonical text, per candidate
    std::vector<mariadb_gtid_position> mariadb;
    std::vector<mysql_gtid_set> mysql;
    bool is_mariadb = true;

    // Whether candidate i holds every transaction of candidate j.
    bool contains(std::size_t i, std::size_t j) const {
        return is_mariadb ? at_least(mariadb[i], mariadb[j]) : is_subset(mysql[j], mysql[i]);
    }

    // What i holds that j lacks, for the message about a diverged pair.
    std::string ahead(std::size_t i, std::size_t j) const {
        if (!is_mariadb) {
            const auto extra = subtract(mysql[i], mysql[j]);
            return std::to_string(transaction_count(extra)) + " transaction(s) (" + to_string(extra) + ")";
        }
        std::string domains;
        for (const auto& g : mariadb[i].gtids) {
            const auto other = mariadb[j].seq_in(g.domain);
            if (!other || *other < g.seq) domains += (domains.empty() ? "" : ", ") + std::to_string(g.domain);
        }
        return "domain(s) " + domains;
    }
};

result<parsed_positions> parse_positions(const std::vector<peer_position>& peers,
                                         const std::vector<std::size_t>& candidates) {
    parsed_positions p;
    p.is_mariadb = peers[candidates.front()].flavor == server_flavor::mariadb;
    for (const auto i : candidates) {
        const auto& peer = peers[i];
        if (p.is_mariadb) {
            auto pos = parse_mariadb_gtid_position(peer.gtid_position);
            if (!pos) return error{"peer " + peer.name + ": " + pos.message()};
            p.shown.push_back(shown_position(to_string(*pos)));
            p.mariadb.push_back(std::move(*pos));
        } else {
            auto set = parse_mysql_gtid_set(peer.gtid_position);
            if (!set) return error{"peer " + peer.name + ": " + set.message()};
            p.shown.push_back(shown_position(to_string(*set)));
            p.mysql.push_back(std::move(*set));
        }
    }
    return p;
}

std::string list_positions(const std::vector<peer_position>& peers, const std::vector<std::size_t>& candidates,
                           const std::vector<std::string>& shown) {
    std::string out;
    for (std::size_t k = 0; k < candidates.size(); ++k)
        out += (k == 0 ? "" : "; ") + peers[candidates[k]].name + " at " + shown[k];
    return out;
}

std::string without_data(const std::vector<peer_position>& peers) {
    std::string names;
    for (const auto& p : peers)
        if (!p.has_data) names += (names.empty() ? "" : ", ") + p.name;
    return names.empty() ? "" : " (no data on " + names + ")";
}

result<most_advanced> choose_by_gtid(const std::vector<peer_position>& peers,
                                     const std::vector<std::size_t>& candidates) {
    const auto parsed = parse_positions(peers, candidates);
    if (!parsed) return parsed.err();
    const auto& p = *parsed;
    const std::size_t n = candidates.size();
    for (std::size_t i = 0; i < n; ++i) {
        bool holds_all = true;
        for (std::size_t j = 0; j < n && holds_all; ++j) holds_all = p.contains(i, j);
        if (!holds_all) continue;
        return most_advanced{most_advanced_outcome::chosen, candidates[i],
                             peers[candidates[i]].name + " holds every transaction the other peers with data hold: " +
                                 list_positions(peers, candidates, p.shown) + without_data(peers)};
    }
    // No greatest element: two peers each hold something the other lacks (a chain would have a greatest).
    std::string pair;
    for (std::size_t i = 0; i < n && pair.empty(); ++i)
        for (std::size_t j = i + 1; j < n && pair.empty(); ++j)
            if (!p.contains(i, j) && !p.contains(j, i))
                pair = peers[candidates[i]].name + " is ahead in " + p.ahead(i, j) + ", " + peers[candidates[j]].name +
                       " in " + p.ahead(j, i);
    return error{"the peers' GTID positions diverged, no peer holds every transaction of the others: " +
                 list_positions(peers, candidates, p.shown) + " (" + pair +
                 "); not choosing one: decide which history to keep (the other's extra transactions are lost) "
                 "and re-seed from that peer by hand"};
}

// `mariadb-bin.000003` -> ("mariadb-bin", 3).
std::optional<std::pair<std::string_view, std::uint64_t>> binlog_index(std::string_view file) {
    const auto dot = file.rfind('.');
    if (dot == std::string_view::npos || dot == 0) return std::nullopt;
    const auto index = text::parse_uint(file.substr(dot + 1));
    if (!index) return std::nullopt;
    return std::pair{file.substr(0, dot), *index};
}

std::string shown_binlog(const binlog_file_position& p) { return p.file + ":" + std::to_string(p.position); }

result<most_advanced> choose_by_binlog(const std::vector<peer_position>& peers,
                                       const std::vector<std::size_t>& candidates) {
    std::vector<std::string> shown;
    for (const auto i : candidates) {
        const auto& peer = peers[i];
        if (!peer.binlog_position)
            return error{"peer " + peer.name + " holds data but reports neither a GTID position nor a binlog "
                         "position; cannot tell how far it got, so not choosing a peer"};
        if (!binlog_index(peer.binlog_position->file))
            return error{"peer " + peer.name + ": binlog file " + in_quotes(peer.binlog_position->file) +
                         " does not end in .<number>"};
        shown.push_back(shown_binlog(*peer.binlog_position));
    }
    const auto base = binlog_index(peers[candidates.front()].binlog_position->file)->first;
    for (const auto i : candidates)
        if (binlog_index(peers[i].binlog_position->file)->first != base)
            return error{"the peers' binlog positions are in different binary logs, not comparable: " +
                         list_positions(peers, candidates, shown)};
    const auto key = [&](std::size_t i) {
        return std::pair{binlog_index(peers[i].binlog_position->file)->second, peers[i].binlog_position->position};
    };
    std::size_t best = candidates.front();
    for (const auto i : candidates)
        if (key(i) > key(best)) best = i;  // strictly greater: the earlier peer wins a tie
    return most_advanced{most_advanced_outcome::chosen, best,
                         peers[best].name + " applied the furthest in the binary log (no peer has a GTID position): " +
                             list_positions(peers, candidates, shown) + without_data(peers)};
}

}  // namespace

// --- MariaDB ---

std::optional<std::uint64_t> mariadb_gtid_position::seq_in(std::uint32_t domain) const noexcept {
    for (const auto& g : gtids)
        if (g.domain == domain) return g.seq;
    return std::nullopt;
}

void mariadb_gtid_position::advance(const mariadb_gtid& g) {
    const auto at = std::lower_bound(gtids.begin(), gtids.end(), g.domain,
                                     [](const mariadb_gtid& x, std::uint32_t d) { return x.domain < d; });
    if (at == gtids.end() || at->domain != g.domain)
        gtids.insert(at, g);
    else if (g.seq > at->seq)
        *at = g;
}

void mariadb_gtid_position::advance(const mariadb_gtid_position& other) {
    for (const auto& g : other.gtids) advance(g);
}

result<mariadb_gtid_position> parse_mariadb_gtid_position(std::string_view text) {
    mariadb_gtid_position position;
    if (trim(text).empty()) return position;
    const auto entries = split_trimmed(text, ',');
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto fail = [&](const std::string& why) {
            return error{"the MariaDB GTID position " + in_quotes(text) + ": " + why +
                         "; expected domain-server-seq entries separated by ',' (e.g. 0-100-1523,1-101-77)"};
        };
        if (entries[i].empty()) return fail(ordinal_entry(i) + " is empty");
        const auto gtid = parse_mariadb_gtid(entries[i]);
        if (!gtid) return fail(gtid.message());
        position.advance(*gtid);  // gtid_binlog_state: one per server id; the highest seq counts
    }
    return position;
}

std::string to_string(const mariadb_gtid_position& position) {
    std::string out;
    for (const auto& g : position.gtids)
        out += (out.empty() ? "" : ",") + std::to_string(g.domain) + "-" + std::to_string(g.server_id) + "-" +
               std::to_string(g.seq);
    return out;
}

bool at_least(const mariadb_gtid_position& a, const mariadb_gtid_position& b) noexcept {
    return std::all_of(b.gtids.begin(), b.gtids.end(), [&](const mariadb_gtid& g) {
        const auto seq = a.seq_in(g.domain);
        return seq && *seq >= g.seq;
    });
}

// --- MySQL ---

result<mysql_gtid_set> parse_mysql_gtid_set(std::string_view text) {
    mysql_gtid_set set;
    if (trim(text).empty()) return set;
    const auto entries = split_trimmed(text, ',');
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto fail = [&](const std::string& why) {
            return error{"the MySQL GTID set " + in_quotes(text) + ": " + why +
                         "; expected uuid:N-M[:N-M...] entries separated by ','"};
        };
        if (entries[i].empty()) return fail(ordinal_entry(i) + " is empty");
        const auto added = add_mysql_entry(entries[i], set);
        if (!added) return fail(added.message());
    }
    for (auto& [source, intervals] : set.sources) normalize(intervals);
    return set;
}

std::string to_string(const mysql_gtid_set& set) {
    std::string out;
    for (const auto& [source, intervals] : set.sources) {
        if (intervals.empty()) continue;
        out += (out.empty() ? "" : ",") + source;
        for (const auto& i : intervals) {
            out += ":" + std::to_string(i.first);
            if (i.last != i.first) out += "-" + std::to_string(i.last);
        }
    }
    return out;
}

bool is_subset(const mysql_gtid_set& a, const mysql_gtid_set& b) noexcept {
    for (const auto& [source, intervals] : a.sources) {
        if (intervals.empty()) continue;
        const auto in_b = b.sources.find(source);
        if (in_b == b.sources.end()) return false;
        const auto& bs = in_b->second;
        std::size_t j = 0;
        for (const auto& x : intervals) {
            while (j < bs.size() && bs[j].last < x.first) ++j;
            // b's intervals are merged: x lies inside one of them or is not covered.
            if (j == bs.size() || bs[j].first > x.first || bs[j].last < x.last) return false;
        }
    }
    return true;
}

mysql_gtid_set subtract(const mysql_gtid_set& a, const mysql_gtid_set& b) {
    mysql_gtid_set out;
    for (const auto& [source, intervals] : a.sources) {
        const auto in_b = b.sources.find(source);
        std::vector<gtid_interval> left;
        for (const auto& x : intervals) {
            std::uint64_t from = x.first;
            bool done = false;
            if (in_b != b.sources.end()) {
                for (const auto& y : in_b->second) {
                    if (y.last < from) continue;
                    if (y.first > x.last) break;
                    if (y.first > from) left.push_back({from, y.first - 1});
                    if (y.last >= x.last) {
                        done = true;
                        break;
                    }
                    from = y.last + 1;
                }
            }
            if (!done) left.push_back({from, x.last});
        }
        if (!left.empty()) out.sources.emplace(source, std::move(left));
    }
    return out;
}

std::uint64_t transaction_count(const mysql_gtid_set& set) noexcept {
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    std::uint64_t total = 0;
    for (const auto& [source, intervals] : set.sources)
        for (const auto& i : intervals) {
            const std::uint64_t n = i.last - i.first + 1;
            total = n > max - total ? max : total + n;
        }
    return total;
}

// --- choosing ---

result<binlog_file_position> parse_binlog_file_position(std::string_view text) {
    const auto t = trim(text);
    const auto colon = t.rfind(':');
    const auto fail = [&] {
        return error{"binlog position " + in_quotes(text) + " is not <file>.<number>:<position> (e.g. "
                     "mariadb-bin.000003:1234)"};
    };
    if (colon == std::string_view::npos) return fail();
    const auto file = t.substr(0, colon);
    const auto position = text::parse_uint(t.substr(colon + 1));
    if (!position || !binlog_index(file)) return fail();
    return binlog_file_position{std::string(file), *position};
}

result<most_advanced> choose_most_advanced(const std::vector<peer_position>& peers) {
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < peers.size(); ++i)
        if (peers[i].has_data) candidates.push_back(i);
    if (candidates.empty()) {
        std::string names;
        for (const auto& p : peers) names += (names.empty() ? "" : ", ") + p.name;
        return most_advanced{most_advanced_outcome::no_data, 0,
                             names.empty() ? "no peers to look at" : "no peer holds data (" + names + ")"};
    }
    const auto flavor = peers[candidates.front()].flavor;
    for (const auto i : candidates)
        if (peers[i].flavor != flavor)
            return error{"the peers mix MariaDB and MySQL (" + peers[candidates.front()].name + " is " +
                         flavor_name(flavor) + ", " + peers[i].name + " is " + flavor_name(peers[i].flavor) +
                         "); their positions cannot be compared"};
    const bool any_gtid = std::any_of(candidates.begin(), candidates.end(),
                                      [&](std::size_t i) { return !trim(peers[i].gtid_position).empty(); });
    return any_gtid ? choose_by_gtid(peers, candidates) : choose_by_binlog(peers, candidates);
}

result<std::string> gtid_binlog_state_value(std::string_view gtid_slave_pos) {
    const bool allowed = std::all_of(gtid_slave_pos.begin(), gtid_slave_pos.end(),
                                     [](char c) { return text::is_digit(c) || c == '-' || c == ','; });
    if (!allowed)
        return error{"the clone's gtid_slave_pos " + in_quotes(gtid_slave_pos) +
                     " holds characters other than digits, '-' and ','; not putting it into SET GLOBAL "
                     "gtid_binlog_state"};
    if (gtid_slave_pos.empty())
        return error{"the clone's gtid_slave_pos is empty: it carries no GTID position to set as gtid_binlog_state"};
    const auto position = parse_mariadb_gtid_position(gtid_slave_pos);
    if (!position) return position.err();
    return to_string(*position);
}

}  // namespace mysql_agent
