#pragma once
// SQL string literals and identifiers built from input (hosts, users, passwords, file names, channel names, the
// tables of a restored backup).

#include <string>
#include <string_view>

namespace mysql_agent {

/// Quotes `value` as a single-quoted SQL string literal that the server reads back as exactly `value`:
/// escapes `\`, `'`, `"`, NUL, newline, carriage return and Ctrl-Z as mysql_real_escape_string does.
/// With `no_backslash_escapes` (sql_mode NO_BACKSLASH_ESCAPES) only `'` is doubled, since `\` is literal then.
/// https://dev.mysql.com/doc/refman/8.0/en/string-literals.html
std::string sql_string_literal(std::string_view value, bool no_backslash_escapes = false);

/// Quotes `name` as a backtick-quoted identifier the server reads back as exactly `name` (a backtick doubled).
/// https://mariadb.com/kb/en/identifier-names/
std::string sql_identifier(std::string_view name);

/// Whether @@sql_mode (a comma-separated list) has NO_BACKSLASH_ESCAPES, so literals must double quotes instead.
bool has_no_backslash_escapes(std::string_view sql_mode);

}  // namespace mysql_agent
