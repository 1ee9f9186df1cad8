#include "mysql_agent/core/sql_literal.hpp"

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

}  // namespace mysql_agent
