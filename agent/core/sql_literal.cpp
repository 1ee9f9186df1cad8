#include "mysql_agent/core/sql_literal.hpp"

#include <algorithm>

namespace mysql_agent {

std::string sql_string_literal(std::string_view value, bool no_backslash_escapes) {
    std::string out;
    out.reserve(value.size() + 2);
    out += '\'';
    for (char c : value) {
        if (no_backslash_escapes) {
            if (c == '\'') out += '\'';
            out += c;
            continue;
        }
        switch (c) {
            case '\0': out += "\\0"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\x1a': out += "\\Z"; break;
            case '\\': out += "\\\\"; break;
            case '\'': out += "\\'"; break;
            case '"': out += "\\\""; break;
            default: out += c;
        }
    }
    out += '\'';
    return out;
}

bool has_no_backslash_escapes(std::string_view sql_mode) {
    std::size_t start = 0;
    while (start <= sql_mode.size()) {
        const auto comma = std::min(sql_mode.find(',', start), sql_mode.size());
        if (sql_mode.substr(start, comma - start) == "NO_BACKSLASH_ESCAPES") return true;
        start = comma + 1;
    }
    return false;
}

std::string sql_identifier(std::string_view name) {
    std::string out = "`";
    for (char c : name) {
        if (c == '`') out += '`';
        out += c;
    }
    return out + "`";
}

}  // namespace mysql_agent
