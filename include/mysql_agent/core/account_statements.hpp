#pragma once
// The accounts the primary keeps for the cluster: the replication user replicas connect as, and the backup
// user xtrabackup/mariabackup log in with. Pure: from what the server holds (account_facts, gathered by
// replication_runner.cpp) it decides the statements that make each account as configured, and only those.
//
// Why a statement carries a hash the agent computed, never the password. What the primary runs goes to its binlog,
// and from there into every replica's relay log and binlog and into any binlog archive. MariaDB logs
// `CREATE USER ... IDENTIFIED BY '<clear>'` and `ALTER USER ... IDENTIFIED BY '<clear>'` verbatim (seen with
// mariadb-binlog on 10.11; MySQL rewrites them to the hash, MariaDB does not). So the agent hashes the password
// itself (password_hash.hpp) and sends MariaDB `IDENTIFIED BY PASSWORD '*<hex>'`, MySQL
// `IDENTIFIED WITH <plugin> AS <stored string>`: the server stores exactly that, and logs exactly that.
// Why not `SET sql_log_bin = 0` around the clear-text statements: the replicas must keep receiving the account, and
// every rotation of its password, through the binlog. A replica re-seeded as primary, or used as the clone donor with
// `--user repl`, then has the current password; with the account kept out of the binlog it would have a stale one
// or none. A hash is not the password (it is still shown as '<redacted>' in logs: it allows offline guessing).
// And since even a hash reaches the binlog, statements run only when something must change: a restart with every
// account as configured runs nothing.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/server_version.hpp"
#include "mysql_agent/core/sql_types.hpp"

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

/// One account the primary keeps, with the grants of every job it does. The sidecar gives the replication account
/// the backup privileges too (cmd/sidecar.cpp): then one account has both kinds.
struct kept_account {
    account_spec spec;               ///< `kind` is the first of `kinds`; native_password if any spec asked for it
    std::vector<account_kind> kinds; ///< what it is for, in the order configured
    std::vector<grant_spec> grants;  ///< grants_for() of each kind, in that order, without repeats
};

/// `accounts` merged by user and host, in their order, checked. Errors: an empty user, host pattern or password;
/// one account given twice with different passwords; a server too old for CREATE USER IF NOT EXISTS / ALTER USER
/// (MySQL < 5.7.6, MariaDB < 10.2); mysql_native_password asked of MySQL 9.0+, which removed it.
result<std::vector<kept_account>> kept_accounts(const std::vector<account_spec>& accounts, const server_version& server);

/// "the replication account 'repl'@'%'", "the replication and backup account 'repl'@'%'", for reasons and errors.
std::string describe_account(const kept_account& account);

/// The statements that read one account on the server, every literal escaped.
struct account_queries {
    /// One row (plugin, HEX(authentication_string) and, on MariaDB, HEX(Password)) or none when the account does
    /// not exist. MariaDB 10.4+ serves mysql.user as a view over mysql.global_priv with the same columns.
    sql_statement stored;
    sql_statement grants;  ///< SHOW GRANTS FOR 'user'@'host'; only for an account that exists
};
account_queries account_queries_for(const std::string& user, const std::string& host, const server_version& server,
                                    bool no_backslash_escapes = false);

/// What mysql.user holds for an account.
struct stored_account {
    bool exists = false;
    std::string plugin;       ///< "mysql_native_password", "caching_sha2_password", "ed25519", ... ("" on old rows)
    std::string auth_string;  ///< the stored string, raw bytes: "*<40 hex>", "$A$005$<salt><digest>", ...
    bool operator==(const stored_account&) const = default;
};

/// Reads the result of account_queries::stored: no row, the account does not exist; the HEX() columns decoded.
/// MariaDB 10.2/10.3 keep the native hash in Password with authentication_string empty: then Password is taken.
/// Errors: several rows, a missing column, a value that is not hex.
result<stored_account> stored_account_from_rows(const std::vector<sql_row>& rows);

/// The salt and rounds of a caching_sha2_password string in its CRYPT5 format, "$A$" + rounds/1000 as 3 hex digits
/// + "$" + 20 salt bytes + 43 digest characters, so that the I/O layer can hash the configured password again with
/// them and core can compare. nullopt for anything else: empty, MySQL 9.7's PBKDF2 format ("$B$..."), truncated, a
/// salt byte the server would not have made (NUL, '$', >= 0x80).
/// https://github.com/mysql/mysql-server/blob/trunk/sql/auth/sha2_password.cc (serialize/deserialize)
struct caching_sha2_params {
    std::string salt;
    unsigned rounds = 0;
    bool operator==(const caching_sha2_params&) const = default;
};
std::optional<caching_sha2_params> caching_sha2_params_of(std::string_view stored);

/// The configured password's stored forms, computed by the I/O layer (password_hash.hpp): core has no crypto.
struct password_hashes {
    std::string native;        ///< "*" + 40 upper-case hex of SHA1(SHA1(password)); always needed
    std::string caching_sha2;  ///< a CRYPT5 string with a fresh salt, to create or change a caching_sha2 account
                               ///< (MySQL 8.0.4+); "" elsewhere
    std::string caching_sha2_stored_salt;  ///< the password hashed with the stored string's salt and rounds
                                           ///< (caching_sha2_params_of); "" when it has none
};

/// Everything the planner needs about one account: what the server holds, and the configured password's hashes.
struct account_facts {
    std::string user;
    std::string host;
    stored_account stored;
    std::vector<std::string> grants;  ///< the lines of SHOW GRANTS; empty when the account does not exist
    password_hashes hashes;
};

/// What makes one account as configured.
struct account_changes {
    std::vector<sql_statement> statements;  ///< empty when it already is
    std::string summary;  ///< "the replication account 'repl'@'%' is missing: creating it with 1 grant", "... is as
                          ///< configured", "...: its stored password hash differs from the configured password
                          ///< (ALTER USER)"; never a password or a hash
};

/// The statements that make `account` as configured, given what the server holds (`facts`), and only those:
///
/// | account | plugin and stored hash          | grants                 | statements                                 |
/// |---------|--------------------------------|------------------------|--------------------------------------------|
/// | missing | -                              | -                      | CREATE USER IF NOT EXISTS ... <hash>;      |
/// |         |                                |                        | every GRANT                                |
/// | exists  | the plugin to use, hash matches| all held               | none                                       |
/// | exists  | another plugin, or hash differs| -                      | ALTER USER ... <hash>                      |
/// | exists  | -                              | some (partly) missing  | a GRANT per grant_spec not fully held      |
/// | exists  | -                              | SHOW GRANTS unreadable | every GRANT (harmless; the summary says so)|
///
/// The plugin to use and how its hash is written:
///
/// | server            | account                            | plugin, clause                                      |
/// |-------------------|------------------------------------|-----------------------------------------------------|
/// | MariaDB           | any                                | mysql_native_password (also "" on 10.2/10.3 rows):  |
/// |                   |                                    | IDENTIFIED BY PASSWORD '*<hex>'                     |
/// | MySQL             | native_password asked              | IDENTIFIED WITH mysql_native_password AS '*<hex>'   |
/// | MySQL             | exists with native or caching_sha2 | that one (as ALTER USER ... IDENTIFIED BY kept it)  |
/// | MySQL 8.0.4+      | otherwise                          | IDENTIFIED WITH caching_sha2_password AS 0x<hex>    |
/// |                   |                                    | (8.0.17+, WL#12803; before, a quoted literal: our   |
/// |                   |                                    | salts are printable)                                |
/// | MySQL 5.7 - 8.0.3 | otherwise                          | mysql_native_password                               |
///
/// A hash matches when the stored string equals the native one ignoring case, or for caching_sha2_password equals
/// `hashes.caching_sha2_stored_salt` byte for byte (a string that cannot be checked, such as 9.7's PBKDF2 format,
/// counts as different and is replaced once by a CRYPT5 one). Every literal is escaped; `redacted` shows
/// '<redacted>' in place of the hash. Errors: a hash the plugin needs missing from `facts.hashes`.
result<account_changes> ensure_account_statements(const kept_account& account, const account_facts& facts,
                                                  const server_version& server, bool no_backslash_escapes = false);

}  // namespace mysql_agent
