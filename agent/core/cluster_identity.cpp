#include "mysql_agent/core/cluster_identity.hpp"

#include <algorithm>

namespace mysql_agent {

std::string identity_query() { return "SELECT identity FROM mysql_agent.cluster WHERE id = 1"; }

bool is_identity(std::string_view identity) noexcept {
    return identity.size() == 36 && std::all_of(identity.begin(), identity.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
    });
}

result<std::vector<sql_statement>> record_identity_statements(std::string_view identity) {
    if (!is_identity(identity)) return error{"the cluster identity '" + std::string(identity) + "' is not a UUID"};
    return std::vector<sql_statement>{
        plain_statement("CREATE DATABASE IF NOT EXISTS mysql_agent;"),
        plain_statement("CREATE TABLE IF NOT EXISTS mysql_agent.cluster (id TINYINT UNSIGNED PRIMARY KEY, "
                        "identity CHAR(36) NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) "
                        "ENGINE=InnoDB;"),
        // The value is checked above to be hex and '-': nothing to escape.
        plain_statement("INSERT IGNORE INTO mysql_agent.cluster (id, identity) VALUES (1, '" + std::string(identity) +
                        "');"),
    };
}

result<sql_statement> replace_identity_statement(std::string_view identity) {
    if (!is_identity(identity)) return error{"the cluster identity '" + std::string(identity) + "' is not a UUID"};
    return plain_statement("UPDATE mysql_agent.cluster SET identity = '" + std::string(identity) +
                           "', created_at = CURRENT_TIMESTAMP WHERE id = 1;");
}

std::string identity_from_random(const unsigned char (&bytes)[16]) {
    unsigned char b[16];
    std::copy(std::begin(bytes), std::end(bytes), b);
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += hex[b[i] >> 4];
        out += hex[b[i] & 0xf];
    }
    return out;
}

}  // namespace mysql_agent
