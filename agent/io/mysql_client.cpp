#include "mysql_agent/io/mysql_client.hpp"

#include <mysql.h>

#include <mutex>
#include <string>

#include "mysql_agent/io/sha2_auth_plugin.hpp"

namespace mysql_agent {
namespace {

// mysql_library_init is not thread-safe and mysql_init calls it implicitly; call it once, before any thread
// could race on it. https://mariadb.com/kb/en/mysql_library_init/
// Then the built-in caching_sha2_password/sha256_password plugins, before the first connection needs them
// (sha2_auth_plugin.hpp says why they are not loaded from .so files).
void init_library_once() {
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
    register_sha2_auth_plugins();
}

// What to do about a failed connection, for the person reading the message.
std::string connect_hint(unsigned code, std::string_view message, const std::string& tls_ca) {
    // Connector/C 3.3 reports a client plugin it cannot load as 1045 "Plugin x could not be loaded: ..."
    // (verified with client_ed25519 and no plugin dir), MySQL's libmysqlclient as 2059.
    if (is_auth_plugin_unavailable(code) || message.find("could not be loaded") != std::string_view::npos)
        return "; the static agent has only the mysql_native_password, caching_sha2_password and sha256_password "
               "client plugins built in (no .so is loaded): give the account the agent logs in with one of those "
               "(MySQL: ALTER USER ... IDENTIFIED WITH caching_sha2_password BY '...'; MariaDB: IDENTIFIED VIA "
               "mysql_native_password USING PASSWORD('...'))";
    if (is_tls_failure(code) && !tls_ca.empty())
        return "; TLS to this server is required and its certificate must be signed by the CA in " + tls_ca +
               " and name the host connected to (no plaintext fallback): check the server's certificate";
    if (is_access_denied(code)) return "; check the user and the password file, and the account's host pattern";
    if (is_retryable_connect_error(code)) return "; check that mysqld runs and listens there";
    if (is_unknown_host(code)) return "; check the host name (DNS)";
    return "";
}

// Server messages for syntax errors quote the statement ("... near 'x' at line 1"). When the statement holds
// a secret, that quote could hold it too: keep only the part before the quote.
std::string scrub_server_message(std::string message, bool statement_has_secret) {
    if (!statement_has_secret) return message;
    const auto near = message.find(" near '");
    if (near != std::string::npos) message = message.substr(0, near) + " near <statement withheld>";
    return message;
}

}  // namespace

void mysql_client::closer::operator()(st_mysql* handle) const noexcept { mysql_close(handle); }

mysql_client::mysql_client(const mysql_connection& o) : endpoint_(o.endpoint()), user_(o.user) {
    init_library_once();
    handle_.reset(mysql_init(nullptr));
    if (!handle_) throw mysql_error(0, "", "connecting to MySQL at " + endpoint_ + ": out of memory (mysql_init)");
    MYSQL* h = handle_.get();

    const unsigned connect_timeout = static_cast<unsigned>(o.connect_timeout.count());
    const unsigned read_timeout = static_cast<unsigned>(o.read_timeout.count());
    const unsigned write_timeout = static_cast<unsigned>(o.write_timeout.count());
    mysql_optionsv(h, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_optionsv(h, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
    mysql_optionsv(h, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
    // Say which transport explicitly: with host "localhost" the library would otherwise pick the socket.
    unsigned protocol = o.socket.empty() ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
    mysql_optionsv(h, MYSQL_OPT_PROTOCOL, &protocol);
    // TLS only when asked for, and then required: a server without TLS, or a certificate that does not verify, is
    // refused rather than talked to in clear. --mysql-tls (the pod's own server, reached over loopback or the
    // pod's network namespace, its certificate usually self-signed): no certificate check (Connector/C 3.4 would
    // verify by default). tls_ca (the replica's connection to its primary): the certificate must chain to that CA
    // and name the host, which Connector/C checks with OpenSSL's X509_check_host/X509_check_ip_asc when
    // MYSQL_OPT_SSL_VERIFY_SERVER_CERT is on, as the replication channel's MASTER_SSL_VERIFY_SERVER_CERT=1 does.
    // https://mariadb.com/kb/en/mysql_optionsv/#tls-options
    const bool verified_tls = !o.tls_ca.empty();
    my_bool verify = verified_tls ? 1 : 0;
    mysql_optionsv(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
    if (verified_tls) mysql_optionsv(h, MYSQL_OPT_SSL_CA, o.tls_ca.c_str());
    if (o.tls || verified_tls) {
        my_bool enforce = 1;
        mysql_optionsv(h, MYSQL_OPT_SSL_ENFORCE, &enforce);
    }
    // A server must not be able to make the agent send local files (LOAD DATA LOCAL).
    // https://dev.mysql.com/doc/refman/8.0/en/load-data-local-security.html
    unsigned local_infile = 0;
    mysql_optionsv(h, MYSQL_OPT_LOCAL_INFILE, &local_infile);
    mysql_optionsv(h, MYSQL_SET_CHARSET_NAME, "utf8mb4");

    const char* host = o.socket.empty() ? o.host.c_str() : nullptr;
    const char* socket = o.socket.empty() ? nullptr : o.socket.c_str();
    // The RSA key a caching_sha2_password/sha256_password full authentication may use, for the plugin that runs
    // inside mysql_real_connect on this thread (sha2_auth_plugin.hpp).
    const sha2_key_policy key_policy{o.server_public_key, o.get_server_public_key};
    const sha2_key_policy_scope key_scope(key_policy);
    if (!mysql_real_connect(h, host, o.user.c_str(), o.password.c_str(), nullptr, o.port, socket, 0)) {
        const unsigned code = ::mysql_errno(h);
        const std::string message = ::mysql_error(h);
        throw mysql_error(code, ::mysql_sqlstate(h),
                          "connecting to MySQL at " + endpoint_ + " as '" + user_ + "': error " + std::to_string(code) +
                              ": " + message + connect_hint(code, message, o.tls_ca));
    }
}

mysql_client::~mysql_client() = default;
mysql_client::mysql_client(mysql_client&& other) noexcept = default;
mysql_client& mysql_client::operator=(mysql_client&& other) noexcept = default;

void mysql_client::fail(std::string_view doing) const {
    MYSQL* h = handle_.get();
    const unsigned code = ::mysql_errno(h);
    throw mysql_error(code, ::mysql_sqlstate(h),
                      std::string(doing) + " on " + endpoint_ + ": error " + std::to_string(code) + " (" +
                          ::mysql_sqlstate(h) + "): " + ::mysql_error(h));
}

std::vector<sql_row> mysql_client::query(std::string_view sql, std::string_view shown_in_errors) {
    if (!handle_) throw mysql_error(0, "", "query on a closed MySQL connection (moved from)");
    MYSQL* h = handle_.get();
    const bool has_secret = !shown_in_errors.empty() && shown_in_errors != sql;
    const std::string shown(has_secret ? shown_in_errors : sql);
    const auto statement_failure = [&] {
        const unsigned code = ::mysql_errno(h);
        return mysql_error(code, ::mysql_sqlstate(h),
                           "running `" + shown + "` on " + endpoint_ + ": error " + std::to_string(code) + " (" +
                               ::mysql_sqlstate(h) + "): " + scrub_server_message(::mysql_error(h), has_secret));
    };

    if (mysql_real_query(h, sql.data(), static_cast<unsigned long>(sql.size())) != 0) throw statement_failure();
    MYSQL_RES* res = mysql_store_result(h);
    if (!res) {
        if (mysql_field_count(h) != 0) throw statement_failure();  // a result was due but could not be read
        return {};
    }
    const std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> owned(res, &mysql_free_result);

    const unsigned columns = mysql_num_fields(res);
    const MYSQL_FIELD* fields = mysql_fetch_fields(res);
    std::vector<sql_row> rows;
    rows.reserve(static_cast<std::size_t>(mysql_num_rows(res)));
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
        const unsigned long* lengths = mysql_fetch_lengths(res);
        sql_row out;
        for (unsigned i = 0; i < columns; ++i) {
            std::optional<std::string> value;
            if (row[i]) value.emplace(row[i], lengths[i]);
            out.insert_or_assign(std::string(fields[i].name, fields[i].name_length), std::move(value));
        }
        rows.push_back(std::move(out));
    }
    if (::mysql_errno(h) != 0) throw statement_failure();  // the row stream broke off
    return rows;
}

std::vector<sql_row> mysql_client::query(const sql_statement& statement) {
    return query(statement.text, statement.redacted);
}

void mysql_client::execute(std::string_view sql, std::string_view shown_in_errors) {
    (void)query(sql, shown_in_errors);
}

void mysql_client::execute(const sql_statement& statement) { (void)query(statement.text, statement.redacted); }

server_version mysql_client::version() {
    const auto rows = query("SELECT VERSION() AS version, @@version_comment AS comment");
    if (rows.size() != 1) throw mysql_error(0, "", "SELECT VERSION() on " + endpoint_ + " returned no row");
    const auto text = rows[0].at("version").value_or("");
    const auto comment = rows[0].at("comment").value_or("");
    auto parsed = parse_server_version(text, comment);
    if (!parsed) throw mysql_error(0, "", "reading the server version on " + endpoint_ + ": " + parsed.message());
    return std::move(parsed).value();
}

void mysql_client::ping() {
    if (!handle_) throw mysql_error(0, "", "ping on a closed MySQL connection (moved from)");
    if (mysql_ping(handle_.get()) != 0) fail("ping");
}

}  // namespace mysql_agent
