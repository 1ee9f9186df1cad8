#pragma once
// A blocking connection to one MySQL/MariaDB server: RAII over MariaDB Connector/C's MYSQL* (libmariadb.a).
// I/O layer; every failure throws mysql_error (mysql_errors.hpp) with exit_code::mysql.
//
// Authentication: the agent is one fully static binary, and Connector/C (libmariadb.a) has only
// mysql_native_password built in; it loads every other client authentication plugin from a .so file at run time
// (https://mariadb.com/kb/en/mariadb-connectorc-plugins/), which the agent's image does not ship. So the agent
// registers its own caching_sha2_password and sha256_password plugins (OpenSSL; sha2_auth_plugin.hpp) before the
// first connection: MySQL 8.0+'s default accounts work as they are (fast path, full path over TLS or the unix
// socket, RSA over plain TCP with a pinned key or, where allowed, the key the server sends: mysql_connection's
// server_public_key and get_server_public_key, sha2_auth_exchange.hpp's table). Other plugins (client_ed25519, dialog/PAM) are still unavailable:
// Connector/C 3.3 then fails with 1045 "Plugin ... could not be loaded" (MySQL's client says 2059,
// is_auth_plugin_unavailable()); the message says which plugins work.
//
// TLS: off unless mysql_connection::tls (--mysql-tls): then required, and the server certificate is not verified
// (the server is the pod's own); or mysql_connection::tls_ca (the replica's connection to its primary): then
// required, the certificate verified against that CA and its name against the host, a failure error 2026 with a
// hint (never a plaintext retry). Over TLS a caching_sha2_password full authentication sends the password in clear
// inside TLS instead of asking for the server's RSA key.
//
// Secrets: the password is never part of a message. A statement that carries a secret is run with the text
// to show instead (`execute(sql, redacted)`, or an sql_statement); a syntax error's echo of the statement
// ("... near '...'") is then cut from the server's message too.
//
// Threads: one mysql_client per thread at a time. The library is initialised once, thread-safely, on first use.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/mysql_connection.hpp"
#include "mysql_agent/core/mysql_errors.hpp"
#include "mysql_agent/core/server_version.hpp"
#include "mysql_agent/core/sql_types.hpp"

struct st_mysql;  // MYSQL of <mysql.h>; kept out of this header

namespace mysql_agent {

/// One open connection. Not copyable; movable.
class mysql_client {
public:
    /// Connects. Throws mysql_error naming the endpoint and user (never the password), with a hint for
    /// access denied, an unreachable server and a missing authentication plugin.
    explicit mysql_client(const mysql_connection& options);
    ~mysql_client();
    mysql_client(mysql_client&& other) noexcept;
    mysql_client& operator=(mysql_client&& other) noexcept;
    mysql_client(const mysql_client&) = delete;
    mysql_client& operator=(const mysql_client&) = delete;

    /// Runs one statement and returns its rows (none for statements without a result set). `shown_in_errors`
    /// replaces `sql` in error messages when `sql` holds a secret; empty means `sql` may be shown as it is.
    /// Throws mysql_error.
    std::vector<sql_row> query(std::string_view sql, std::string_view shown_in_errors = {});
    /// As above; errors show `statement.redacted`.
    std::vector<sql_row> query(const sql_statement& statement);

    /// Runs one statement and discards any result. Same error rules as query().
    void execute(std::string_view sql, std::string_view shown_in_errors = {});
    void execute(const sql_statement& statement);

    /// The server's flavour and version from `SELECT VERSION(), @@version_comment`. Throws mysql_error,
    /// also when the answer cannot be parsed.
    server_version version();

    /// Checks the connection is alive (mysql_ping). Throws mysql_error.
    void ping();

    /// Where this client is connected, as in mysql_connection::endpoint().
    const std::string& endpoint() const noexcept { return endpoint_; }

private:
    struct closer {
        void operator()(st_mysql* handle) const noexcept;
    };
    [[noreturn]] void fail(std::string_view doing) const;

    std::unique_ptr<st_mysql, closer> handle_;
    std::string endpoint_;
    std::string user_;
};

}  // namespace mysql_agent
