#pragma once
// What the SQL layer passes between core (which decides the statements) and io (which runs them): a
// statement together with the text that logs and error messages show in its place, and one result row.
// Header-only and std-only, so that agent/core can build statements without linking the MySQL client.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mysql_agent {

/// One statement to send, and what may be shown of it. A password never reaches a log: statements that carry
/// one have `redacted` with the password replaced by '<redacted>'.
struct sql_statement {
    std::string text;      ///< sent to the server; may hold a secret
    std::string redacted;  ///< shown in logs and error messages; equal to `text` when it holds no secret
    bool operator==(const sql_statement&) const = default;
};

/// A statement without secrets: shown as it is.
inline sql_statement plain_statement(std::string text) {
    std::string shown = text;
    return sql_statement{std::move(text), std::move(shown)};
}

/// One row of a result set: column name -> value, nullopt for SQL NULL. Column names are as the server
/// labels them (`Slave_IO_Running`, or the alias of `SELECT ... AS name`).
using sql_row = std::map<std::string, std::optional<std::string>, std::less<>>;

/// The value of `column` in the first row of `rows`: "" when there is no row, no such column, or SQL NULL.
inline std::string first_value(const std::vector<sql_row>& rows, std::string_view column) {
    if (rows.empty()) return "";
    const auto it = rows.front().find(column);
    return it == rows.front().end() || !it->second ? "" : *it->second;
}

}  // namespace mysql_agent
