#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/server_version.hpp"
#include "mysql_agent/core/sql_dialect.hpp"
#include "mysql_agent/core/sql_literal.hpp"

using namespace mysql_agent;
using strings = std::vector<std::string>;

namespace {

const std::string mysql_gtid = "4b272950-e317-11eb-a829-d45d64347a19:1-2,8ba3a5b3-e317-11eb-9c3d-d45d64347a19:1-5";

backup_metadata from_primary(std::string file, std::uint64_t pos, std::string gtid = "") {
    backup_metadata m;
    m.binlog = binlog_coordinates{std::move(file), pos, std::move(gtid)};
    return m;
}

backup_metadata from_replica(std::vector<replication_entry> entries, std::optional<std::string> purged = {},
                             std::optional<std::string> slave_pos = {}) {
    backup_metadata m;
    m.binlog = binlog_coordinates{"donor-bin.000009", 999, ""};  // the donor's own log: must NOT be used
    m.replication = std::move(entries);
    m.gtid_purged = std::move(purged);
    m.gtid_slave_pos = std::move(slave_pos);
    return m;
}

strings plan(const backup_metadata& md, const char* version, const std::string& channel = "",
             gtid_choice gtid = gtid_choice::automatic, secret_rendering pw = secret_rendering::redacted,
             std::optional<std::string> password = std::string("s3cret")) {
    const auto v = parse_server_version(version);
    REQUIRE(v.has_value());
    const auto start = choose_start_coordinates(md, *v, channel, gtid);
    REQUIRE(start.has_value());
    const auto sql = replication_statements(*start, *v, replication_source{"mysql-0.mysql", 3306, "repl", password},
                                            channel, pw);
    REQUIRE(sql.has_value());
    return *sql;
}

std::string plan_error(const backup_metadata& md, const char* version, const std::string& channel = "",
                       gtid_choice gtid = gtid_choice::automatic) {
    const auto v = parse_server_version(version);
    REQUIRE(v.has_value());
    const auto start = choose_start_coordinates(md, *v, channel, gtid);
    REQUIRE_FALSE(start.has_value());
    return start.message();
}

}  // namespace

TEST_CASE("server versions: flavour and number from VERSION()", "[sql]") {
    struct row {
        const char* name;
        const char* version;
        const char* comment;
        server_flavor flavor;
        unsigned number;
    };
    const row rows[] = {
        {"MySQL 5.7 with -log", "5.7.44-log", "", server_flavor::mysql, 50744},
        {"MySQL 8.0", "8.0.36", "MySQL Community Server - GPL", server_flavor::mysql, 80036},
        {"MySQL 8.4", "8.4.3", "", server_flavor::mysql, 80403},
        {"Percona 8.4", "8.4.8-8", "Percona Server (GPL), Release 8, Revision 1c288264", server_flavor::mysql, 80408},
        {"Debian MariaDB: comment says only Debian 12", "10.11.19-MariaDB-0+deb12u1-log", "Debian 12",
         server_flavor::mariadb, 101119},
        {"MariaDB handshake prefix", "5.5.5-10.11.19-MariaDB", "", server_flavor::mariadb, 101119},
        {"MariaDB known from the comment", "11.4.2", "mariadb.org binary distribution MariaDB", server_flavor::mariadb,
         110402},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto v = parse_server_version(r.version, r.comment);
            REQUIRE(v.has_value());
            CHECK(v->flavor == r.flavor);
            CHECK(v->number() == r.number);
        }
    }
    for (const char* bad : {"", "8", "8.0", "eight.0.1", "8.0.x", "8.0.36abc", "800.0.1"}) {
        SECTION(std::string("rejects '") + bad + "'") {
            const auto v = parse_server_version(bad);
            REQUIRE_FALSE(v.has_value());
            CHECK_THAT(v.message(), Catch::Contains(std::string("'") + bad + "'"));
        }
    }
}

TEST_CASE("SQL string literals escape quotes, backslashes, NUL and newlines", "[sql]") {
    using namespace std::string_literals;
    CHECK(sql_string_literal("plain") == "'plain'");
    CHECK(sql_string_literal("db'; DROP TABLE t; --") == "'db\\'; DROP TABLE t; --'");
    CHECK(sql_string_literal("a\\b") == "'a\\\\b'");
    CHECK(sql_string_literal("a\0b"s) == "'a\\0b'");
    CHECK(sql_string_literal("l1\nl2\r") == "'l1\\nl2\\r'");
    CHECK(sql_string_literal("say \"hi\"") == "'say \\\"hi\\\"'");
    CHECK(sql_string_literal("\x1a") == "'\\Z'");
    CHECK(sql_string_literal("it's \\", true) == "'it''s \\'");
    CHECK(sql_string_literal("") == "''");
}

TEST_CASE("replication SQL per server version, from a backup of the primary", "[sql]") {
    struct row {
        const char* name;
        const char* version;
        backup_metadata md;
        strings expected;
    };
    const row rows[] = {
        {"MySQL 5.7 file/position: CHANGE MASTER and START SLAVE", "5.7.44-log", from_primary("mysql-bin.000002", 18304406),
         {"CHANGE MASTER TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
          "MASTER_PASSWORD='<redacted>', MASTER_CONNECT_RETRY=5, MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=18304406;",
          "START SLAVE;"}},
        {"MySQL 5.7 GTID: RESET MASTER, gtid_purged, MASTER_CONNECT_RETRY=5, MASTER_AUTO_POSITION", "5.7.26",
         from_primary("mysql-bin.000003", 86412752, "55d3d9b9-4d49-11ea-932c-02000aba3fa6:1-595859"),
         {"RESET MASTER;", "SET GLOBAL gtid_purged='55d3d9b9-4d49-11ea-932c-02000aba3fa6:1-595859';",
          "CHANGE MASTER TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
          "MASTER_PASSWORD='<redacted>', MASTER_CONNECT_RETRY=5, MASTER_AUTO_POSITION=1;",
          "START SLAVE;"}},
        {"MySQL 8.0.22 still CHANGE MASTER, with the public key option", "8.0.22", from_primary("binlog.000072", 157),
         {"CHANGE MASTER TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
          "MASTER_PASSWORD='<redacted>', MASTER_CONNECT_RETRY=5, MASTER_LOG_FILE='binlog.000072', MASTER_LOG_POS=157, GET_MASTER_PUBLIC_KEY=1;",
          "START SLAVE;"}},
        {"MySQL 8.0.23 switches to CHANGE REPLICATION SOURCE", "8.0.23", from_primary("binlog.000072", 157),
         {"CHANGE REPLICATION SOURCE TO SOURCE_HOST='mysql-0.mysql', SOURCE_PORT=3306, SOURCE_USER='repl', "
          "SOURCE_PASSWORD='<redacted>', SOURCE_CONNECT_RETRY=5, SOURCE_LOG_FILE='binlog.000072', SOURCE_LOG_POS=157, GET_SOURCE_PUBLIC_KEY=1;",
          "START REPLICA;"}},
        {"MySQL 8.0.36 GTID resets with RESET MASTER", "8.0.36", from_primary("binlog.000003", 1274, mysql_gtid),
         {"RESET MASTER;", "SET GLOBAL gtid_purged='" + mysql_gtid + "';",
          "CHANGE REPLICATION SOURCE TO SOURCE_HOST='mysql-0.mysql', SOURCE_PORT=3306, SOURCE_USER='repl', "
          "SOURCE_PASSWORD='<redacted>', SOURCE_CONNECT_RETRY=5, SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1;",
          "START REPLICA;"}},
        {"MySQL 8.2 GTID resets with RESET BINARY LOGS AND GTIDS", "8.2.0", from_primary("binlog.000003", 1274, mysql_gtid),
         {"RESET BINARY LOGS AND GTIDS;", "SET GLOBAL gtid_purged='" + mysql_gtid + "';",
          "CHANGE REPLICATION SOURCE TO SOURCE_HOST='mysql-0.mysql', SOURCE_PORT=3306, SOURCE_USER='repl', "
          "SOURCE_PASSWORD='<redacted>', SOURCE_CONNECT_RETRY=5, SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1;",
          "START REPLICA;"}},
        {"MariaDB file/position", "10.11.19-MariaDB-0+deb12u1-log", from_primary("mariadb-bin.000001", 330),
         {"CHANGE MASTER TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
          "MASTER_PASSWORD='<redacted>', MASTER_CONNECT_RETRY=5, MASTER_LOG_FILE='mariadb-bin.000001', MASTER_LOG_POS=330;",
          "START SLAVE;"}},
        {"MariaDB GTID from the primary's binlog info sets gtid_slave_pos first", "10.11.19-MariaDB-0+deb12u1-log",
         from_primary("mariadb-bin.000001", 1198, "0-1-5"),
         {"SET GLOBAL gtid_slave_pos='0-1-5';",
          "CHANGE MASTER TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
          "MASTER_PASSWORD='<redacted>', MASTER_CONNECT_RETRY=5, MASTER_USE_GTID=slave_pos;",
          "START SLAVE;"}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) { CHECK(plan(r.md, r.version) == r.expected); }
    }
}

TEST_CASE("MySQL 8.4 output never contains words 8.4 removed", "[sql]") {
    for (const auto& md : {from_primary("binlog.000002", 158), from_primary("binlog.000003", 1274, mysql_gtid),
                           from_replica({{"", "mysql-bin.000001", 1543, false}})}) {
        for (const std::string channel : {"", "ch1"}) {
            backup_metadata m = md;
            for (auto& e : m.replication) e.channel = channel;
            const auto sql = plan(m, "8.4.3", channel);
            for (const auto& s : sql) {
                INFO(s);
                CHECK(s.find("MASTER") == std::string::npos);
                CHECK(s.find("SLAVE") == std::string::npos);
            }
            CHECK(sql.back().rfind("START REPLICA", 0) == 0);
        }
    }
}

TEST_CASE("replication SQL from a backup of a replica uses its slave info, not its own binlog", "[sql]") {
    SECTION("MySQL file/position entry") {
        const auto sql = plan(from_replica({{"", "mysql-bin.000001", 481, false}}), "5.7.44");
        REQUIRE(sql.size() == 2);
        CHECK_THAT(sql[0], Catch::Contains("MASTER_LOG_FILE='mysql-bin.000001', MASTER_LOG_POS=481"));
        CHECK_THAT(sql[0], !Catch::Contains("donor-bin"));
    }
    SECTION("MySQL auto-position entry uses gtid_purged") {
        const auto sql = plan(from_replica({{"", "", 0, true}}, mysql_gtid), "8.0.36");
        CHECK(sql[1] == "SET GLOBAL gtid_purged='" + mysql_gtid + "';");
        CHECK_THAT(sql[2], Catch::Contains("SOURCE_AUTO_POSITION=1"));
    }
    SECTION("MySQL multi-channel picks --channel and appends FOR CHANNEL") {
        const auto md = from_replica({{"ch1", "", 0, true}, {"ch2", "", 0, true}}, mysql_gtid);
        const auto sql = plan(md, "8.0.36", "ch2");
        CHECK_THAT(sql[2], Catch::EndsWith(" FOR CHANNEL 'ch2';"));
        CHECK(sql[3] == "START REPLICA FOR CHANNEL 'ch2';");
    }
    SECTION("MariaDB GTID entry uses gtid_slave_pos") {
        const auto sql = plan(from_replica({{"", "", 0, true}}, std::nullopt, "0-1-6,1-3-6"), "10.11.19-MariaDB");
        CHECK(sql[0] == "SET GLOBAL gtid_slave_pos='0-1-6,1-3-6';");
        CHECK_THAT(sql[1], Catch::EndsWith("MASTER_USE_GTID=slave_pos;"));
    }
    SECTION("MariaDB multi-source: the connection name, never FOR CHANNEL") {
        const auto md =
            from_replica({{"", "", 0, true}, {"src3", "mariadb-bin.000001", 1389, false}}, std::nullopt, "0-1-6,1-3-6");
        const auto sql = plan(md, "10.11.19-MariaDB", "src3");
        REQUIRE(sql.size() == 2);  // file/position entry: no GTID statements
        CHECK(sql[0] ==
              "CHANGE MASTER 'src3' TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
              "MASTER_PASSWORD='<redacted>', MASTER_CONNECT_RETRY=5, MASTER_LOG_FILE='mariadb-bin.000001', MASTER_LOG_POS=1389;");
        CHECK(sql[1] == "START SLAVE 'src3';");
    }
}

TEST_CASE("gtid choice on and off override the automatic choice", "[sql]") {
    const auto md = from_primary("mariadb-bin.000001", 1198, "0-1-5");
    CHECK(plan(md, "10.11.19-MariaDB", "", gtid_choice::off).size() == 2);
    CHECK_THAT(plan(md, "10.11.19-MariaDB", "", gtid_choice::off)[0], Catch::Contains("MASTER_LOG_POS=1198"));
    CHECK(plan(md, "10.11.19-MariaDB", "", gtid_choice::on)[0] == "SET GLOBAL gtid_slave_pos='0-1-5';");
    CHECK_THAT(plan_error(from_primary("binlog.000072", 157), "8.0.36", "", gtid_choice::on),
               Catch::Contains("--gtid on"));
    CHECK(parse_gtid_choice("auto").has_value());
    CHECK_FALSE(parse_gtid_choice("yes").has_value());
}

TEST_CASE("unusable coordinates are errors, not SQL", "[sql]") {
    struct row {
        const char* name;
        backup_metadata md;
        const char* version;
        const char* channel;
        gtid_choice gtid;
        const char* says;
    };
    const row rows[] = {
        {"no metadata at all", backup_metadata{}, "8.0.36", "", gtid_choice::automatic, "no replication coordinates"},
        {"empty file name without GTID", from_primary("", 0), "8.0.36", "", gtid_choice::automatic,
         "empty binlog file name"},
        {"binlog off, GTID on, but --gtid off", from_primary("", 0, mysql_gtid), "8.0.36", "", gtid_choice::off,
         "empty binlog file name"},
        {"channel not in the backup", from_replica({{"ch1", "f.000001", 4, false}}), "8.0.36", "nope",
         gtid_choice::automatic, "no replication channel 'nope' (it has 'ch1')"},
        {"never-connected channel", from_replica({{"", "", 0, false}}), "8.0.36", "", gtid_choice::automatic,
         "empty binlog file name"},
        {"auto-position entry without gtid_purged", from_replica({{"", "", 0, true}}), "8.0.36", "",
         gtid_choice::automatic, "recorded no gtid_purged"},
        {"MariaDB GTID on a MySQL server", from_primary("mariadb-bin.000001", 1198, "0-1-5"), "8.0.36", "",
         gtid_choice::automatic, "is a MariaDB GTID"},
        {"MySQL GTID on a MariaDB server", from_primary("binlog.000003", 1274, mysql_gtid), "10.11.19-MariaDB", "",
         gtid_choice::automatic, "is a MySQL GTID"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) { CHECK_THAT(plan_error(r.md, r.version, r.channel, r.gtid), Catch::Contains(r.says)); }
    }
}

TEST_CASE("values from input stay one literal, the password shows only when asked", "[sql]") {
    const auto v = *parse_server_version("8.0.36");
    const auto start = *choose_start_coordinates(from_primary("binlog.000001", 4), v, "", gtid_choice::automatic);
    const replication_source hostile{"db'; DROP TABLE t; --", 3307, "re'pl", std::string("p'w\\d")};
    const auto shown = *replication_statements(start, v, hostile, "", secret_rendering::shown);
    CHECK(shown[0] ==
          "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db\\'; DROP TABLE t; --', SOURCE_PORT=3307, "
          "SOURCE_USER='re\\'pl', SOURCE_PASSWORD='p\\'w\\\\d', SOURCE_CONNECT_RETRY=5, SOURCE_LOG_FILE='binlog.000001', SOURCE_LOG_POS=4, "
          "GET_SOURCE_PUBLIC_KEY=1;");
    const auto redacted = *replication_statements(start, v, hostile, "", secret_rendering::redacted);
    CHECK_THAT(redacted[0], Catch::Contains("SOURCE_PASSWORD='<redacted>'"));
    CHECK_THAT(redacted[0], !Catch::Contains("p\\'w"));
    const auto no_password =
        *replication_statements(start, v, replication_source{"h", 3306, "repl", std::nullopt}, "");
    CHECK_THAT(no_password[0], !Catch::Contains("PASSWORD"));
    CHECK_FALSE(replication_statements(start, v, replication_source{"", 3306, "repl", {}}, "").has_value());
    CHECK_FALSE(replication_statements(start, *parse_server_version("5.6.40"), replication_source{"h", 3306, "repl", {}}, "c1")
                    .has_value());
}

TEST_CASE("NO_BACKSLASH_ESCAPES is found as a whole entry of @@sql_mode", "[sql]") {
    CHECK(has_no_backslash_escapes("NO_BACKSLASH_ESCAPES"));
    CHECK(has_no_backslash_escapes("STRICT_TRANS_TABLES,NO_BACKSLASH_ESCAPES,NO_ENGINE_SUBSTITUTION"));
    CHECK_FALSE(has_no_backslash_escapes("STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION"));
    CHECK_FALSE(has_no_backslash_escapes(""));
    CHECK_FALSE(has_no_backslash_escapes("NO_BACKSLASH_ESCAPES_X"));  // another name that starts the same
}

TEST_CASE("replication over TLS adds SSL, the CA as a literal and server verification, in each dialect", "[sql][tls]") {
    replication_source tls{"mysql-0.mysql", 3306, "repl", std::nullopt, std::string("/etc/tls/ca'.crt")};
    const auto mysql = *parse_server_version("8.4.3");
    const auto m = *replication_statements(
        *choose_start_coordinates(from_primary("binlog.000001", 4), mysql, "", gtid_choice::automatic), mysql, tls, "");
    CHECK_THAT(m[0], Catch::Contains(", SOURCE_SSL=1, SOURCE_SSL_CA='/etc/tls/ca\\'.crt', SOURCE_SSL_VERIFY_SERVER_CERT=1"));
    const auto maria = *parse_server_version("10.11.19-MariaDB-0+deb12u1-log");
    const auto r = *replication_statements(
        *choose_start_coordinates(from_primary("mariadb-bin.000001", 4), maria, "", gtid_choice::off), maria, tls, "");
    CHECK_THAT(r.back(), Catch::Contains("START SLAVE"));
    CHECK_THAT(r[r.size() - 2], Catch::Contains(", MASTER_SSL=1, MASTER_SSL_CA='/etc/tls/ca\\'.crt', MASTER_SSL_VERIFY_SERVER_CERT=1"));
    tls.tls_ca.reset();
    const auto plain = *replication_statements(
        *choose_start_coordinates(from_primary("binlog.000001", 4), mysql, "", gtid_choice::automatic), mysql, tls, "");
    CHECK_THAT(plain[0], !Catch::Contains("SSL"));
}
