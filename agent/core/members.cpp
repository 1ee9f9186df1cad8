#include "mysql_agent/core/members.hpp"

#include <algorithm>
#include <charconv>

namespace mysql_agent {
namespace {

std::string value_of(const sql_row& row, std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (const auto it = row.find(name); it != row.end() && it->second) return *it->second;
    return "";
}

bool parse_u32(std::string_view s, std::uint32_t& out) {
    if (s.empty()) return false;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

/// Lower-case letters, digits and '-': what a pod's hostname and a Service's name are made of.
bool is_label_char(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

bool is_member_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 253) return false;
    std::size_t start = 0;
    for (;;) {
        const auto dot = name.find('.', start);
        const auto label = name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), is_label_char)) return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

std::string members_query() {
    return "SELECT name, server_id FROM mysql_agent.members ORDER BY name LIMIT " + std::to_string(max_members);
}

std::string replica_hosts_query(const server_version& server) {
    // SHOW REPLICAS came with MySQL 8.0.22; SHOW SLAVE HOSTS is gone from 8.4. MariaDB keeps SHOW SLAVE HOSTS.
    // https://dev.mysql.com/doc/refman/8.4/en/show-replicas.html
    return !server.is_mariadb() && server.at_least(8, 0, 22) ? "SHOW REPLICAS" : "SHOW SLAVE HOSTS";
}

std::vector<member> members_from_rows(const std::vector<sql_row>& rows) {
    std::vector<member> out;
    for (const auto& row : rows) {
        member m{value_of(row, {"name"}), 0};
        if (!is_member_name(m.name) || !parse_u32(value_of(row, {"server_id"}), m.server_id)) continue;
        out.push_back(std::move(m));
        if (out.size() == max_members) break;
    }
    return out;
}

std::vector<member> replicas_from_rows(const std::vector<sql_row>& rows) {
    std::vector<member> out;
    for (const auto& row : rows) {
        member m{value_of(row, {"Host"}), 0};
        if (!is_member_name(m.name) || !parse_u32(value_of(row, {"Server_id"}), m.server_id)) continue;
        out.push_back(std::move(m));
        if (out.size() == max_members) break;
    }
    return out;
}

std::vector<sql_statement> record_members_statements(const std::vector<member>& known,
                                                     const std::vector<member>& seen) {
    std::vector<sql_statement> upserts;
    std::size_t total = known.size();
    for (const auto& m : seen) {
        if (!is_member_name(m.name)) continue;
        const auto it = std::find_if(known.begin(), known.end(), [&](const member& k) { return k.name == m.name; });
        if (it != known.end() && it->server_id == m.server_id) continue;
        if (it == known.end() && total >= max_members) continue;
        if (it == known.end()) ++total;
        // The name is checked above to be a DNS name (letters, digits, '-', '.'): nothing to escape.
        upserts.push_back(plain_statement("INSERT INTO mysql_agent.members (name, server_id) VALUES ('" + m.name +
                                          "', " + std::to_string(m.server_id) +
                                          ") ON DUPLICATE KEY UPDATE server_id = VALUES(server_id), "
                                          "last_seen = CURRENT_TIMESTAMP;"));
    }
    if (upserts.empty()) return upserts;
    std::vector<sql_statement> out{
        plain_statement("CREATE DATABASE IF NOT EXISTS mysql_agent;"),
        plain_statement("CREATE TABLE IF NOT EXISTS mysql_agent.members (name VARCHAR(253) NOT NULL PRIMARY KEY, "
                        "server_id INT UNSIGNED NOT NULL, "
                        "first_seen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, "
                        "last_seen TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB;"),
    };
    out.insert(out.end(), upserts.begin(), upserts.end());
    return out;
}

std::vector<std::string> union_of_names(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::vector<std::string> out = a;
    out.insert(out.end(), b.begin(), b.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace mysql_agent
