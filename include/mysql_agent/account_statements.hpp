#pragma once
// The accounts the primary keeps for the cluster: the replication user replicas connect as, and the backup
// user xtrabackup/mariabackup log in with. Pure: builds idempotent statements; running them is io's job.

#include <string>
#include <vector>

#include "mysql_agent/result.hpp"
#include "mysql_agent/server_version.hpp"
#include "mysql_agent/sql_types.hpp"

namespace mysql_agent {

enum class account_kind { replication, backup };

/// One account to ensure on the primary.
struct account_spec {
    account_kind kind = account_kind::replication;
    std::string user;
    std::string host = "%";  ///< account host pattern; '%' lets replicas in other pods connect
    std::string password;
    /// MySQL only: `IDENTIFIED WITH mysql_native_password`. Needed only for an account this static binary itself
    /// logs in with (mysql_client.hpp); the replica's mysqld and xtrabackup have every plugin, so replication and
    /// backup accounts keep the server default (caching_sha2_password on 8.0+, with GET_SOURCE_PUBLIC_KEY=1 on
    /// the replica). MariaDB's default already is mysql_native_password.
    bool native_password = false;
};

/// One GRANT: a privilege list on a target.
struct grant_spec {
    std::string privileges;  ///< "REPLICATION SLAVE", "RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR"
    std::string target;      ///< "*.*", "performance_schema.log_status"
    bool operator==(const grant_spec&) const = default;
};

/// What `kind` needs on `server`, in the order granted.
///
/// | server                 | replication              | backup                                                        |
/// |------------------------|--------------------------|---------------------------------------------------------------|
/// | MySQL 5.7              | REPLICATION SLAVE ON *.* | RELOAD, LOCK TABLES, PROCESS, REPLICATION CLIENT ON *.*         |
/// | MySQL 8.0 - 8.4        | REPLICATION SLAVE ON *.* | BACKUP_ADMIN, RELOAD, LOCK TABLES, PROCESS, REPLICATION CLIENT  |
/// |                        |                          | ON *.*; SELECT ON performance_schema.log_status and             |
/// |                        |                          | .replication_group_members; 8.0.24+: .keyring_component_status  |
/// | MariaDB 10.2 - 10.5.1  | REPLICATION SLAVE ON *.* | RELOAD, PROCESS, LOCK TABLES, REPLICATION CLIENT ON *.*         |
/// | MariaDB 10.5.2 - 10.5.8| REPLICATION SLAVE ON *.* | RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR,                   |
/// |                        |                          | REPLICATION SLAVE ADMIN ON *.*                                  |
/// | MariaDB 10.5.9+, 11.x  | REPLICATION SLAVE ON *.* | RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, SLAVE MONITOR     |
///
/// Sources (the backup column is what each tool checks before a backup; SLAVE MONITOR / REPLICATION SLAVE ADMIN
/// let mariabackup --slave-info read SHOW SLAVE STATUS when the donor is itself a replica):
/// https://dev.mysql.com/doc/refman/8.4/en/replication-howto-repuser.html (REPLICATION SLAVE keeps its name in 8.4),
/// https://docs.percona.com/percona-xtrabackup/2.4/using_xtrabackup/privileges.html,
/// https://docs.percona.com/percona-xtrabackup/8.0/privileges.html, https://docs.percona.com/percona-xtrabackup/8.4/privileges.html,
/// https://mariadb.com/kb/en/mariabackup-overview/#authentication-and-privileges,
/// https://mariadb.com/kb/en/grant/#global-privileges (BINLOG MONITOR 10.5.2; SLAVE MONITOR 10.5.9, MDEV-23610).
std::vector<grant_spec> grants_for(account_kind kind, const server_version& server);

/// The statements that make `account` exist with exactly this password and at least these grants, safe to run
/// on every start: CREATE USER IF NOT EXISTS, ALTER USER ... IDENTIFIED BY (keeps the password in sync with the
/// Secret), then the GRANTs. Every input is an escaped literal; `redacted` shows the password as '<redacted>'.
/// Errors: an empty user, password or host pattern, or a server too old for
/// CREATE USER IF NOT EXISTS / ALTER USER (MySQL < 5.7.6, MariaDB < 10.2).
result<std::vector<sql_statement>> ensure_account_statements(const account_spec& account, const server_version& server,
                                                             bool no_backslash_escapes = false);

}  // namespace mysql_agent
