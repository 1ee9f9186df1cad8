#include "mysql_agent/account_statements.hpp"

#include "mysql_agent/sql_literal.hpp"

namespace mysql_agent {
namespace {

const char* kind_name(account_kind kind) { return kind == account_kind::replication ? "replication" : "backup"; }

}  // namespace

std::vector<grant_spec> grants_for(account_kind kind, const server_version& server) {
    // REPLICATION SLAVE is still the privilege's name in MySQL 8.4 and MariaDB 11 (MariaDB 10.5.1 added the alias
    // REPLICATION REPLICA; SHOW GRANTS prints REPLICATION SLAVE on both).
    if (kind == account_kind::replication) return {{"REPLICATION SLAVE", "*.*"}};

    if (server.is_mariadb()) {
        // 10.5.2 split REPLICATION CLIENT: its old name became an alias of BINLOG MONITOR, and SHOW SLAVE STATUS
        // moved to REPLICATION SLAVE ADMIN, then (10.5.9) to its own SLAVE MONITOR privilege.
        // https://mariadb.com/kb/en/grant/#global-privileges
        if (server.at_least(10, 5, 9)) return {{"RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, SLAVE MONITOR", "*.*"}};
        if (server.at_least(10, 5, 2))
            return {{"RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, REPLICATION SLAVE ADMIN", "*.*"}};
        return {{"RELOAD, PROCESS, LOCK TABLES, REPLICATION CLIENT", "*.*"}};
    }
    if (!server.at_least(8, 0, 0)) return {{"RELOAD, LOCK TABLES, PROCESS, REPLICATION CLIENT", "*.*"}};
    // XtraBackup 8.0/8.4 reads performance_schema.log_status (needs BACKUP_ADMIN too) for consistent log
    // positions, checks replication_group_members, and keyring_component_status (a table since 8.0.24).
    // https://docs.percona.com/percona-xtrabackup/8.0/privileges.html
    std::vector<grant_spec> grants{{"BACKUP_ADMIN, RELOAD, LOCK TABLES, PROCESS, REPLICATION CLIENT", "*.*"},
                                   {"SELECT", "performance_schema.log_status"},
                                   {"SELECT", "performance_schema.replication_group_members"}};
    if (server.at_least(8, 0, 24)) grants.push_back({"SELECT", "performance_schema.keyring_component_status"});
    return grants;
}

result<std::vector<sql_statement>> ensure_account_statements(const account_spec& account, const server_version& server,
                                                             bool no_backslash_escapes) {
    const std::string what = std::string("the ") + kind_name(account.kind) + " account";
    if (account.user.empty()) return error{what + "'s user name is empty; pass the user flag"};
    if (account.host.empty()) return error{what + " '" + account.user + "' has an empty host pattern; use '%'"};
    if (account.password.empty())
        return error{what + " '" + account.user + "' has an empty password; the password file must not be empty"};
    // CREATE USER IF NOT EXISTS and ALTER USER ... IDENTIFIED BY make the statements safe to repeat.
    // https://dev.mysql.com/doc/refman/5.7/en/create-user.html ; https://mariadb.com/kb/en/alter-user/ (10.2.0)
    if (server.is_mariadb() ? !server.at_least(10, 2, 0) : !server.at_least(5, 7, 6))
        return error{(server.is_mariadb() ? "MariaDB " : "MySQL ") + server.text +
                     " has no CREATE USER IF NOT EXISTS / ALTER USER; the agent needs MySQL 5.7.6+ or MariaDB 10.2+"};

    const auto lit = [&](const std::string& v) { return sql_string_literal(v, no_backslash_escapes); };
    const std::string name = lit(account.user) + "@" + lit(account.host);
    // MariaDB authenticates with mysql_native_password by default, and has no `IDENTIFIED WITH plugin BY`.
    const std::string with = account.native_password && !server.is_mariadb() ? "WITH mysql_native_password " : "";
    const auto identified = [&](const std::string& head) {
        return sql_statement{head + name + " IDENTIFIED " + with + "BY " + lit(account.password) + ";",
                             head + name + " IDENTIFIED " + with + "BY '<redacted>';"};
    };

    std::vector<sql_statement> out;
    out.push_back(identified("CREATE USER IF NOT EXISTS "));
    // Keeps the password equal to the Secret's when the account already existed (a rotated Secret).
    out.push_back(identified("ALTER USER "));
    for (const auto& g : grants_for(account.kind, server))
        out.push_back(plain_statement("GRANT " + g.privileges + " ON " + g.target + " TO " + name + ";"));
    return out;
}

}  // namespace mysql_agent
