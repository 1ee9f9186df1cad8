#pragma once
// `backups verify --restore`: a backup is known to restore only once it did. After the restore into a scratch
// directory, a private mysqld (no networking, no grant tables, no replication, no binlog) is started on it and every
// base table is checked (CHECK TABLE) and counted; the server's answers are judged here. Pure: statements, the
// server's arguments and the verdicts.

#include <filesystem>
#include <string>
#include <vector>

#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/sql_types.hpp"

namespace mysql_agent::backup_store {

/// The arguments of the private mysqld (after the program): nothing read from any my.cnf, only a unix socket.
std::vector<std::string> scratch_server_args(const std::filesystem::path& datadir, const std::filesystem::path& socket,
                                             const std::filesystem::path& error_log, const std::string& user);

/// Every base table of the restored server but the server's own schemas: rows with `schema` and `name`.
std::string base_tables_query();

struct table_name {
    std::string schema, name;
    bool operator==(const table_name&) const = default;
};

/// The tables of base_tables_query's rows. An error names a row without them.
result<std::vector<table_name>> tables_of(const std::vector<sql_row>& rows);

/// "CHECK TABLE `s`.`t`" and "SELECT COUNT(*) AS n FROM `s`.`t`", the names quoted.
std::string check_table_statement(const table_name& t);
std::string count_rows_statement(const table_name& t);

/// CHECK TABLE's rows judged: ok when the last row says status OK (earlier rows may be notes and warnings); an error
/// carries the server's words ("error: ... is marked as crashed").
status check_table_verdict(const std::vector<sql_row>& rows);

}  // namespace mysql_agent::backup_store
