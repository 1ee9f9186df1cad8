#include "mysql_agent/core/clone_journal.hpp"

#include <cstdio>
#include <limits>

#include "mysql_agent/core/text.hpp"

namespace mysql_agent {
namespace {

constexpr std::string_view header = "mysql-agent clone journal v3";
constexpr std::string_view header_v2 = "mysql-agent clone journal v2";

std::string_view phase_name(commit_phase p) { return p == commit_phase::displacing ? "displacing" : "moving"; }

// "key rest": the rest may contain spaces only where the key allows it (none of ours do but `in`'s name).
std::pair<std::string_view, std::string_view> split_key(std::string_view line) {
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return {line, {}};
    return {line.substr(0, space), line.substr(space + 1)};
}

std::string birth_text(const std::optional<birth_time>& b) {
    if (!b) return "-";
    char ns[16];
    std::snprintf(ns, sizeof ns, "%09u", static_cast<unsigned>(b->nanoseconds));
    return std::to_string(b->seconds) + "." + ns;
}

/// "<seconds>.<9 digits>", or "-" (unknown). nullopt inside: malformed.
std::optional<std::optional<birth_time>> parse_birth(std::string_view s) {
    if (s == "-") return std::optional<birth_time>{};
    const auto dot = s.find('.');
    if (dot == std::string_view::npos || s.size() - dot - 1 != 9) return std::nullopt;
    const auto seconds = text::parse_uint(s.substr(0, dot));
    const auto nanoseconds = text::parse_uint(s.substr(dot + 1));
    if (!seconds || !nanoseconds || *seconds > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
        return std::nullopt;
    return std::optional<birth_time>{
        birth_time{static_cast<std::int64_t>(*seconds), static_cast<std::uint32_t>(*nanoseconds)}};
}

}  // namespace

bool same_entry(const entry_identity& journaled, const entry_identity& found) {
    return journaled.inode != 0 && journaled.birth && found.birth && journaled == found;
}

std::string format_journal(const clone_journal& journal) {
    std::string out = std::string(header) + "\n";
    out += "run " + journal.run + "\n";
    out += "phase " + std::string(phase_name(journal.phase)) + "\n";
    for (const auto& e : journal.incoming)
        out += "in " + std::to_string(e.id.inode) + " " + birth_text(e.id.birth) + " " + e.name + "\n";
    for (const auto& name : journal.displaced) out += "out " + name + "\n";
    return out;
}

result<clone_journal> parse_journal(std::string_view content) {
    const auto all = text::lines(content);
    clone_journal j;
    if (all.empty() || (all.front() != header && all.front() != header_v2)) {
        // Version 1: the entry names being moved in, one per line.
        for (const auto line : all)
            if (!line.empty()) j.incoming.push_back({std::string(line), {}});
        return j;
    }
    const bool v2 = all.front() == header_v2;
    bool have_phase = false;
    for (std::size_t i = 1; i < all.size(); ++i) {
        const auto [key, rest] = split_key(all[i]);
        const auto bad = [&, n = i + 1](std::string_view why) {
            return error{"commit journal line " + std::to_string(n) + ": " + std::string(why) + " ('" +
                         text::printable(all[n - 1]) + "')"};
        };
        if (key.empty() && rest.empty()) continue;
        if (key == "run") {
            j.run = std::string(rest);
        } else if (key == "phase") {
            if (rest != "displacing" && rest != "moving") return bad("unknown phase");
            j.phase = rest == "displacing" ? commit_phase::displacing : commit_phase::moving;
            have_phase = true;
        } else if (key == "in") {
            const auto [inode_text, after_inode] = split_key(rest);
            const auto inode = text::parse_uint(inode_text);
            if (v2) {
                if (!inode || after_inode.empty()) return bad("expected 'in <inode> <name>'");
                j.incoming.push_back({std::string(after_inode), {*inode, std::nullopt}});
                continue;
            }
            const auto [birth_field, name] = split_key(after_inode);
            const auto birth = parse_birth(birth_field);
            if (!inode || !birth || name.empty()) return bad("expected 'in <inode> <seconds>.<nanoseconds> <name>'");
            j.incoming.push_back({std::string(name), {*inode, *birth}});
        } else if (key == "out") {
            if (rest.empty()) return bad("expected 'out <name>'");
            j.displaced.emplace_back(rest);
        } else {
            return bad("unknown key");
        }
    }
    if (!have_phase) return error{"commit journal has no phase line: it was not written by mysql-agent"};
    return j;
}

}  // namespace mysql_agent
