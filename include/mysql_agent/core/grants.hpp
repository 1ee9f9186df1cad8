#pragma once
// What an account holds, read from SHOW GRANTS, and which of the grants it should hold are missing. Pure: the lines
// come from the I/O layer (replication_runner.cpp); account_statements.cpp turns the missing ones into GRANTs.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "mysql_agent/core/account_statements.hpp"
#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// Privileges by target. Targets without backticks, in lower case: "*.*", "performance_schema.log_status",
/// "my_db.*". Privileges in upper case with single spaces and no backticks: "REPLICATION SLAVE", "BACKUP_ADMIN",
/// "ALL PRIVILEGES" ("ALL" reads as that), a column privilege as "SELECT (DB, HOST)".
using held_privileges = std::map<std::string, std::set<std::string>>;

/// Reads the lines of `SHOW GRANTS FOR user@host`, as both flavours print them:
///   MariaDB 10.11  GRANT RELOAD, PROCESS, REPLICATION SLAVE ON *.* TO `repl`@`%` IDENTIFIED BY PASSWORD '*...'
///                  (one line per target: every privilege on it merged)
///   MySQL 8.x/9.x  GRANT RELOAD, PROCESS ON *.* TO `b`@`%`  and  GRANT BACKUP_ADMIN,CLONE_ADMIN ON *.* TO `b`@`%`
///                  (dynamic privileges on a line of their own, comma-separated without spaces)
///   both           GRANT SELECT ON `performance_schema`.`log_status` TO ..., GRANT USAGE ON *.* TO ...
/// A line's privileges are those before its top-level ON (outside quotes, backticks and column lists), its target
/// what lies between ON and TO. Skipped: role grants (`GRANT `r1`@`%` TO ...`: no ON), and MySQL's partial revokes
/// (`REVOKE ... FROM`, partial_revokes=ON), which only narrow a global privilege on one schema.
/// Errors: a line that is neither GRANT nor REVOKE, or a GRANT without TO; the message quotes the line only up to
/// its TO (what follows may hold the account's password hash).
result<held_privileges> parse_show_grants(const std::vector<std::string>& lines);

/// The grants of `wanted` that `held` does not fully cover, in `wanted`'s order, each whole (re-granting a held
/// privilege is harmless). A privilege on "db.table" is covered by the same privilege, or ALL PRIVILEGES, on
/// "db.table", "db.*" or "*.*"; on "db.*" by one on "db.*" or "*.*"; on "*.*" only by one on "*.*".
std::vector<grant_spec> missing_grants(const std::vector<grant_spec>& wanted, const held_privileges& held);

}  // namespace mysql_agent
