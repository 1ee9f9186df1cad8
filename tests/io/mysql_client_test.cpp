// mysql_client against a real MariaDB on loopback: socket and TCP, rows and NULLs, version detection, and the
// named error predicates on the errors a real server and the real client library produce.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "mariadb_server.hpp"
#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/core/mysql_errors.hpp"

using namespace mysql_agent;
using test_support::mariadb_server;

namespace {

// Runs `f`, which must throw mysql_error, and returns the error.
template <class F>
mysql_error thrown_by(F&& f) {
    try {
        f();
    } catch (const mysql_error& e) {
        return e;
    }
    FAIL("no mysql_error was thrown");
    throw;  // unreachable
}

}  // namespace

TEST_CASE("mysql_client talks to a real MariaDB by socket and by TCP", "[mysql]") {
    const auto server = mariadb_server::start_fresh({});

    SECTION("unix socket: rows by column name, NULL as nullopt, several rows in order") {
        mysql_client c(server->root_socket());
        CHECK(c.endpoint() == "unix:" + server->socket().string());
        const auto rows = c.query("SELECT 1 AS one, NULL AS nothing, 'it''s' AS text UNION ALL SELECT 2, 'x', ''");
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].at("one") == "1");
        CHECK_FALSE(rows[0].at("nothing").has_value());
        CHECK(rows[0].at("text") == "it's");
        CHECK(rows[1].at("one") == "2");
        CHECK(rows[1].at("nothing") == "x");
        CHECK(rows[1].at("text") == "");
    }
    SECTION("TCP: the server sees a TCP connection from 127.0.0.1") {
        mysql_client c(server->root_tcp());
        CHECK(c.endpoint() == "127.0.0.1:" + std::to_string(server->port()));
        const auto rows = c.query("SELECT USER() AS u");
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].at("u") == "root@127.0.0.1");
        c.ping();
    }
    SECTION("execute runs DDL and DML, with a trailing semicolon as the planner writes them") {
        mysql_client c(server->root_socket());
        c.execute("CREATE DATABASE d;");
        c.execute("CREATE TABLE d.t (id INT PRIMARY KEY, v VARBINARY(10));");
        c.execute("INSERT INTO d.t VALUES (1, 'a\\0b'), (2, NULL);");
        const auto rows = c.query("SELECT id, v FROM d.t ORDER BY id");
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].at("v") == std::string("a\0b", 3));  // binary-safe: the length, not strlen
        CHECK_FALSE(rows[1].at("v").has_value());
        CHECK(c.query("DO 1").empty());
    }
    SECTION("version: Debian's MariaDB 10.11 is MariaDB although its comment says only Debian") {
        mysql_client c(server->root_socket());
        const auto v = c.version();
        CHECK(v.is_mariadb());
        CHECK(v.major == 10);
        CHECK(v.minor == 11);
        CHECK_THAT(v.text, Catch::StartsWith("10.11.") && Catch::Contains("MariaDB"));
    }
    SECTION("a moved-from client refuses politely, the moved-to one works") {
        mysql_client a(server->root_socket());
        mysql_client b(std::move(a));
        CHECK(b.query("SELECT 1 AS x").size() == 1);
        const auto e = thrown_by([&] { a.execute("SELECT 1"); });  // NOLINT(bugprone-use-after-move)
        CHECK_THAT(e.what(), Catch::Contains("moved from"));
    }
}

TEST_CASE("mysql errors are typed and matched by named predicates", "[mysql]") {
    const auto server = mariadb_server::start_fresh({});
    {
        mysql_client root(server->root_socket());
        root.execute("CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'right-password'");
    }

    SECTION("a wrong password: access denied, the message names user and endpoint, never the password") {
        auto o = server->root_tcp();
        o.user = "app";
        o.password = "wrong-Pa55word";
        const auto e = thrown_by([&] { mysql_client c(o); });
        CHECK(is_access_denied(e));
        CHECK(e.code == 1045);
        CHECK(e.sqlstate == "28000");
        CHECK(e.exit_code == exit_code::mysql);
        CHECK_FALSE(is_retryable_connect_error(e));
        CHECK_THAT(e.what(), Catch::Contains("'app'") && Catch::Contains(o.endpoint()) &&
                                 Catch::Contains("password file"));
        CHECK_THAT(e.what(), !Catch::Contains("wrong-Pa55word"));
        o.password = "right-password";
        CHECK_NOTHROW(mysql_client(o));
    }
    SECTION("an account with another authentication plugin, without its .so (as in the static image)") {
        mysql_client root(server->root_socket());
        root.execute("INSTALL SONAME 'auth_ed25519'");
        root.execute("CREATE USER 'ed'@'localhost' IDENTIFIED VIA ed25519 USING PASSWORD('ed-pw')");
        test_support::temp_dir no_plugins;
        ::setenv("MARIADB_PLUGIN_DIR", no_plugins.path().c_str(), 1);  // where libmariadb looks for client_ed25519.so
        auto o = server->root_socket();
        o.user = "ed";
        o.password = "ed-pw";
        const auto e = thrown_by([&] { mysql_client c(o); });
        ::unsetenv("MARIADB_PLUGIN_DIR");
        CHECK((is_auth_plugin_unavailable(e) || is_access_denied(e)));
        CHECK_THAT(e.what(), Catch::Contains("client_ed25519") && Catch::Contains("mysql_native_password"));
    }
    SECTION("nothing listening on the port: a connection error, worth retrying") {
        auto o = server->root_tcp();
        o.port = test_support::free_port();
        const auto e = thrown_by([&] { mysql_client c(o); });
        CHECK(is_connection_error(e));  // Connector/C 3.3 says 2002 for a refused TCP connect too, MySQL's 2003
        CHECK(is_retryable_connect_error(e));
        CHECK_THAT(e.what(), Catch::Contains("check that mysqld runs"));
    }
    SECTION("no socket file: a connection error too") {
        auto o = server->root_socket();
        o.socket = (server->dir() / "no-such.sock").string();
        const auto e = thrown_by([&] { mysql_client c(o); });
        CHECK(e.code == 2002);
        CHECK(is_connection_error(e));
    }
    SECTION("the server going away under a client is a connection error") {
        mysql_client c(server->root_socket());
        server->stop();
        const auto e = thrown_by([&] { c.query("SELECT 1"); });
        CHECK(is_connection_error(e));
        server->start();
    }
    SECTION("MariaDB has no @@gtid_mode: unknown system variable") {
        mysql_client c(server->root_socket());
        const auto e = thrown_by([&] { c.query("SELECT @@GLOBAL.gtid_mode"); });
        CHECK(is_unknown_system_variable(e));
        CHECK_THAT(e.what(), Catch::Contains("SELECT @@GLOBAL.gtid_mode"));
    }
    SECTION("a replication connection that does not exist: not configured") {
        mysql_client c(server->root_socket());
        const auto e = thrown_by([&] { c.query("SHOW SLAVE 'nope' STATUS"); });
        CHECK(e.code == 1617);
        CHECK(is_replication_not_configured(e));
    }
    SECTION("a syntax error in a statement with a secret shows the redacted text and cuts the server's echo") {
        mysql_client c(server->root_socket());
        const std::string secret = "T0p-s3cret";
        const auto e = thrown_by([&] {
            c.execute("CREATE USER 'x'@'%' IDENTIFIED BY '" + secret + "' BOGUS",
                      "CREATE USER 'x'@'%' IDENTIFIED BY '<redacted>' BOGUS");
        });
        CHECK(is_syntax_error(e));
        CHECK_THAT(e.what(), Catch::Contains("<redacted>") && Catch::Contains("statement withheld"));
        CHECK_THAT(e.what(), !Catch::Contains(secret));
    }
    SECTION("a syntax error without a secret keeps the server's full message") {
        mysql_client c(server->root_socket());
        const auto e = thrown_by([&] { c.execute("SELEC 1"); });
        CHECK(is_syntax_error(e));
        CHECK_THAT(e.what(), Catch::Contains("near 'SELEC 1'"));
    }
}
