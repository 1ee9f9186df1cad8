#pragma once
// The typed error of the MySQL client and the named predicates the agent decides on. MySQL and MariaDB
// error numbers are matched only here, each with the reason the agent cares about it. Header-only and
// std-only: core may classify an error number (e.g. Last_IO_Errno) without linking the client library.
//
// Numbers: server errors https://mariadb.com/kb/en/mariadb-error-code-reference/ and
// https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html; client errors (2xxx)
// https://dev.mysql.com/doc/mysql-errors/8.0/en/client-error-reference.html.

#include <string>
#include <utility>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"

namespace mysql_agent {

namespace mysql_code {
inline constexpr unsigned access_denied = 1045;             ///< ER_ACCESS_DENIED_ERROR
inline constexpr unsigned access_denied_no_password = 1698; ///< ER_ACCESS_DENIED_NO_PASSWORD_ERROR (unix_socket)
inline constexpr unsigned too_many_connections = 1040;      ///< ER_CON_COUNT_ERROR
inline constexpr unsigned server_shutdown = 1053;           ///< ER_SERVER_SHUTDOWN
inline constexpr unsigned parse_error = 1064;               ///< ER_PARSE_ERROR
inline constexpr unsigned unknown_system_variable = 1193;   ///< ER_UNKNOWN_SYSTEM_VARIABLE
inline constexpr unsigned not_configured_as_replica = 1200; ///< ER_BAD_SLAVE / ER_BAD_REPLICA
inline constexpr unsigned plugin_not_loaded = 1524;         ///< ER_PLUGIN_IS_NOT_LOADED
inline constexpr unsigned no_such_connection = 1617;        ///< MariaDB ER_MASTER_INFO: no connection 'name'
inline constexpr unsigned no_such_channel = 3074;           ///< MySQL ER_REPLICA_CHANNEL_DOES_NOT_EXIST
inline constexpr unsigned unknown_database = 1049;         ///< ER_BAD_DB_ERROR
inline constexpr unsigned no_such_table = 1146;            ///< ER_NO_SUCH_TABLE
inline constexpr unsigned client_connection_error = 2002;   ///< CR_CONNECTION_ERROR (unix socket)
inline constexpr unsigned client_conn_host_error = 2003;    ///< CR_CONN_HOST_ERROR (TCP)
inline constexpr unsigned client_unknown_host = 2005;       ///< CR_UNKNOWN_HOST
inline constexpr unsigned client_server_gone = 2006;        ///< CR_SERVER_GONE_ERROR
inline constexpr unsigned client_server_lost = 2013;        ///< CR_SERVER_LOST
inline constexpr unsigned client_ssl_connection_error = 2026;     ///< CR_SSL_CONNECTION_ERROR
inline constexpr unsigned client_auth_plugin_cannot_load = 2059;  ///< CR_AUTH_PLUGIN_CANNOT_LOAD
}  // namespace mysql_code

/// Wrong user or password: retrying will not help, the operator must fix the secret or the account.
/// 1698 is what MariaDB's unix_socket plugin answers for a password login to a socket-only account.
constexpr bool is_access_denied(unsigned code) noexcept {
    return code == mysql_code::access_denied || code == mysql_code::access_denied_no_password;
}

/// No server answers (yet) or the connection broke: mysqld is starting, restarting or was killed. The agent
/// waits and retries; these are the client-side numbers libmariadb/libmysqlclient report.
/// https://dev.mysql.com/doc/mysql-errors/8.0/en/client-error-reference.html
constexpr bool is_connection_error(unsigned code) noexcept {
    return code == mysql_code::client_connection_error || code == mysql_code::client_conn_host_error ||
           code == mysql_code::client_server_gone || code == mysql_code::client_server_lost;
}

/// TLS could not be set up: the server offers none while the client requires it, the handshake failed, or the
/// server's certificate did not verify (CA or name). Connector/C and libmysqlclient report all of these as 2026.
constexpr bool is_tls_failure(unsigned code) noexcept { return code == mysql_code::client_ssl_connection_error; }

/// The host name does not resolve. In Kubernetes a peer's DNS record appears only once its pod is scheduled,
/// so this is transient for peers; for the local server it is a configuration error.
constexpr bool is_unknown_host(unsigned code) noexcept { return code == mysql_code::client_unknown_host; }

/// The server answers but cannot take us now (full, or shutting down): transient, retry like a connection error.
constexpr bool is_server_busy(unsigned code) noexcept {
    return code == mysql_code::too_many_connections || code == mysql_code::server_shutdown;
}

/// Worth waiting for while mysqld starts: the connection failed for a reason that goes away by itself.
constexpr bool is_retryable_connect_error(unsigned code) noexcept {
    return is_connection_error(code) || is_server_busy(code);
}

/// A variable this flavour or version does not have (MariaDB has no @@gtid_mode, MySQL no @@gtid_slave_pos):
/// the way to tell a dialect from the server itself rather than guessing. (ER_UNKNOWN_SYSTEM_VARIABLE)
constexpr bool is_unknown_system_variable(unsigned code) noexcept {
    return code == mysql_code::unknown_system_variable;
}

/// The server did not parse the statement: a dialect mistake of ours (e.g. `CHANGE REPLICATION SOURCE` sent to
/// MariaDB, fixtures README §3). Its message quotes the statement, so it is withheld for statements with secrets.
constexpr bool is_syntax_error(unsigned code) noexcept { return code == mysql_code::parse_error; }

/// Asking about replication that does not exist: no default replica (1200), no MariaDB connection of that name
/// (1617), no MySQL channel of that name (3074). Means "not configured", not a failure.
/// https://mariadb.com/kb/en/multi-source-replication/ ; https://dev.mysql.com/doc/refman/8.0/en/replication-channels.html
constexpr bool is_replication_not_configured(unsigned code) noexcept {
    return code == mysql_code::not_configured_as_replica || code == mysql_code::no_such_connection ||
           code == mysql_code::no_such_channel;
}

/// The server lacks an authentication plugin named in CREATE/ALTER USER: MySQL 8.4 disables
/// mysql_native_password unless started with --mysql-native-password=ON (removed in 9.0).
/// https://dev.mysql.com/doc/refman/8.4/en/native-pluggable-authentication.html
constexpr bool is_plugin_not_loaded(unsigned code) noexcept { return code == mysql_code::plugin_not_loaded; }

/// The server asked for a client authentication plugin this binary does not have. The fully static agent has
/// only mysql_native_password built in (libmariadb loads the others, e.g. caching_sha2_password, as .so files).
/// Connector/C 3.3 says 1045 "Plugin x could not be loaded" instead; mysql_client's message covers both.
/// https://mariadb.com/kb/en/mariadb-connectorc-plugins/ (Debian ships them in libmariadb3/plugin/*.so)
constexpr bool is_auth_plugin_unavailable(unsigned code) noexcept {
    return code == mysql_code::client_auth_plugin_cannot_load;
}

/// The agent's own schema or table is not there (mysql_agent.cluster, cluster_identity.hpp): the server carries
/// no cluster identity yet, which is an answer, not a failure.
constexpr bool is_missing_table(unsigned code) noexcept {
    return code == mysql_code::unknown_database || code == mysql_code::no_such_table;
}

/// Overloads on the error object, so call sites read `is_access_denied(err)`.
inline bool is_access_denied(const mysql_error& e) noexcept { return is_access_denied(e.code); }
inline bool is_connection_error(const mysql_error& e) noexcept { return is_connection_error(e.code); }
inline bool is_unknown_host(const mysql_error& e) noexcept { return is_unknown_host(e.code); }
inline bool is_server_busy(const mysql_error& e) noexcept { return is_server_busy(e.code); }
inline bool is_retryable_connect_error(const mysql_error& e) noexcept { return is_retryable_connect_error(e.code); }
inline bool is_unknown_system_variable(const mysql_error& e) noexcept { return is_unknown_system_variable(e.code); }
inline bool is_syntax_error(const mysql_error& e) noexcept { return is_syntax_error(e.code); }
inline bool is_replication_not_configured(const mysql_error& e) noexcept {
    return is_replication_not_configured(e.code);
}
inline bool is_plugin_not_loaded(const mysql_error& e) noexcept { return is_plugin_not_loaded(e.code); }
inline bool is_missing_table(const mysql_error& e) noexcept { return is_missing_table(e.code); }
inline bool is_auth_plugin_unavailable(const mysql_error& e) noexcept { return is_auth_plugin_unavailable(e.code); }

}  // namespace mysql_agent
