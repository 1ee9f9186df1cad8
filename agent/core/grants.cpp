#include "mysql_agent/core/grants.hpp"

#include "mysql_agent/core/text.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace mysql_agent {
namespace {

constexpr std::size_t npos = std::string_view::npos;

using text::iequals;
using text::is_space;
constexpr auto trimmed = text::trim;

// For each character of `line`: whether it stands outside quotes ('...', "..."), backticks and parentheses.
std::vector<bool> top_level_mask(std::string_view line) {
    std::vector<bool> top(line.size(), false);
    char quote = 0;  // the open quote character, 0 outside
    int depth = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char ch = line[i];
        if (quote) {
            if (ch == '\\' && quote != '`') {
                ++i;  // an escaped character inside a string
            } else if (ch == quote) {
                if (i + 1 < line.size() && line[i + 1] == quote) ++i;  // `` or '' stands for the character itself
                else quote = 0;
            }
            continue;
        }
        if (ch == '\'' || ch == '"' || ch == '`') {
            quote = ch;
        } else if (ch == '(') {
            ++depth;
        } else if (ch == ')') {
            if (depth > 0) --depth;
        } else {
            top[i] = depth == 0;
        }
    }
    return top;
}

// Where the top-level keyword `word` starts, at or after `from`, as a whole word between spaces; npos if absent.
std::size_t find_keyword(std::string_view line, const std::vector<bool>& top, std::string_view word, std::size_t from) {
    for (std::size_t i = from; i + word.size() <= line.size(); ++i) {
        if (i == 0 || !is_space(line[i - 1]) || !top[i - 1]) continue;
        const std::size_t end = i + word.size();
        if (end < line.size() && !is_space(line[end])) continue;
        bool all_top = true;
        for (std::size_t j = i; j < end; ++j) all_top = all_top && top[j];
        if (all_top && iequals(line.substr(i, word.size()), word)) return i;
    }
    return npos;
}

// Upper (privileges) or lower (targets) case, backticks removed, runs of spaces made one.
std::string normalized(std::string_view s, bool upper) {
    std::string out;
    bool space = false;
    for (const char ch : trimmed(s)) {
        if (ch == '`') continue;
        if (is_space(ch)) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        const auto u = static_cast<unsigned char>(ch);
        out.push_back(static_cast<char>(upper ? std::toupper(u) : std::tolower(u)));
    }
    return out;
}

std::string privilege_name(std::string_view s) {
    std::string name = normalized(s, true);
    return name == "ALL" ? "ALL PRIVILEGES" : name;
}

std::string target_name(std::string_view s) { return normalized(s, false); }

// The privileges of "A, B (c, d),E", split at top-level commas.
std::set<std::string> privilege_list(std::string_view list) {
    const auto top = top_level_mask(list);
    std::set<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= list.size(); ++i) {
        if (i < list.size() && !(list[i] == ',' && top[i])) continue;
        const std::string name = privilege_name(list.substr(start, i - start));
        if (!name.empty()) out.insert(name);
        start = i + 1;
    }
    return out;
}

// The targets whose grants cover `target`: itself, its schema's "db.*", and "*.*".
std::vector<std::string> covering_targets(const std::string& target) {
    std::vector<std::string> out{target};
    const auto dot = target.find('.');
    if (target != "*.*" && dot != std::string::npos && target.substr(dot + 1) != "*")
        out.push_back(target.substr(0, dot) + ".*");
    if (target != "*.*") out.push_back("*.*");
    return out;
}

}  // namespace

result<held_privileges> parse_show_grants(const std::vector<std::string>& lines) {
    held_privileges held;
    for (std::size_t n = 0; n < lines.size(); ++n) {
        const std::string_view line = trimmed(lines[n]);
        const auto top = top_level_mask(line);
        const std::size_t to = find_keyword(line, top, "TO", 0);
        const auto quoted = [&] {
            // Only up to TO: the rest names the account and, on MariaDB, its password hash.
            const std::string_view head = line.substr(0, to == npos ? std::min<std::size_t>(line.size(), 40) : to);
            return "SHOW GRANTS line " + std::to_string(n + 1) + " '" + std::string(trimmed(head)) +
                   (to == npos ? "...'" : " TO ...'");
        };
        const auto first_space = line.find_first_of(" \t");
        const std::string_view verb = line.substr(0, first_space);
        if (iequals(verb, "REVOKE")) continue;
        if (!iequals(verb, "GRANT")) return error{quoted() + " is not a GRANT"};
        if (to == npos) return error{quoted() + " has no TO"};
        const std::size_t on = find_keyword(line, top, "ON", 0);
        if (on == npos || on > to) continue;  // a role granted to the account
        const std::set<std::string> privileges = privilege_list(line.substr(first_space, on - first_space));
        if (privileges.empty()) return error{quoted() + " names no privilege"};
        auto& at = held[target_name(line.substr(on + 2, to - on - 2))];
        at.insert(privileges.begin(), privileges.end());
    }
    return held;
}

std::vector<grant_spec> missing_grants(const std::vector<grant_spec>& wanted, const held_privileges& held) {
    std::vector<grant_spec> out;
    for (const auto& g : wanted) {
        const auto targets = covering_targets(target_name(g.target));
        const auto covered = [&](const std::string& privilege) {
            for (const auto& t : targets) {
                const auto it = held.find(t);
                if (it != held.end() && (it->second.count(privilege) || it->second.count("ALL PRIVILEGES"))) return true;
            }
            return false;
        };
        for (const auto& p : privilege_list(g.privileges)) {
            if (!covered(p)) {
                out.push_back(g);
                break;
            }
        }
    }
    return out;
}

}  // namespace mysql_agent
