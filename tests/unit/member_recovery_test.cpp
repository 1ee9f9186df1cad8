// Pure pieces of member recovery: the cluster identity's statements, the takeover of a re-seeded primary, and the
// /position report.

#include <catch2/catch.hpp>

#include "mysql_agent/core/cluster_identity.hpp"
#include "mysql_agent/core/position_report.hpp"
#include "mysql_agent/core/primary_takeover.hpp"

using namespace mysql_agent;
using strings = std::vector<std::string>;

namespace {

server_version version(const char* text) { return *parse_server_version(text); }

strings texts(const std::vector<sql_statement>& s) {
    strings out;
    for (const auto& x : s) out.push_back(x.text);
    return out;
}

}  // namespace

TEST_CASE("the cluster identity is a version 4 UUID, recorded once", "[recovery]") {
    const unsigned char zeros[16] = {};
    const unsigned char ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    CHECK(identity_from_random(zeros) == "00000000-0000-4000-8000-000000000000");
    CHECK(identity_from_random(ones) == "ffffffff-ffff-4fff-bfff-ffffffffffff");
    const auto sql = record_identity_statements("2f0c6b3e-1c2d-4e5f-8a9b-0123456789ab");
    REQUIRE(sql.has_value());
    CHECK(texts(*sql).back() ==
          "INSERT IGNORE INTO mysql_agent.cluster (id, identity) VALUES (1, '2f0c6b3e-1c2d-4e5f-8a9b-0123456789ab');");
    for (const char* bad : {"", "x'); DROP TABLE t; --", "2f0c6b3e-1c2d-4e5f-8a9b-0123456789a"}) {
        INFO(bad);
        CHECK_FALSE(record_identity_statements(bad).has_value());
    }
}

TEST_CASE("a re-seeded primary continues the clone's history, writable last", "[recovery]") {
    backup_metadata from_replica;
    from_replica.binlog = binlog_coordinates{"mariadb-bin.000002", 4211, "0-101-40"};
    from_replica.gtid_slave_pos = "0-100-1523,1-100-7";
    backup_metadata from_primary;
    from_primary.binlog = binlog_coordinates{"mariadb-bin.000009", 1198, "0-100-1523"};
    backup_metadata mysql_clone;
    mysql_clone.binlog = binlog_coordinates{"binlog.000003", 157, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77"};
    backup_metadata no_gtid;
    no_gtid.binlog = binlog_coordinates{"mariadb-bin.000002", 4211, ""};

    struct row {
        const char* name;
        backup_metadata clone;
        const char* server;
        strings expected;
    };
    const row rows[] = {
        {"MariaDB, cloned from a replica: its applied position", from_replica, "10.11.19-MariaDB",
         {"STOP SLAVE;", "RESET SLAVE ALL;", "RESET MASTER;", "SET GLOBAL gtid_binlog_state='0-100-1523,1-100-7';",
          "SET GLOBAL read_only=OFF;"}},
        {"MariaDB, cloned from a primary: its binlog's GTID", from_primary, "10.11.19-MariaDB",
         {"STOP SLAVE;", "RESET SLAVE ALL;", "RESET MASTER;", "SET GLOBAL gtid_binlog_state='0-100-1523';",
          "SET GLOBAL read_only=OFF;"}},
        {"MySQL 8.4: the executed set becomes gtid_purged", mysql_clone, "8.4.3",
         {"STOP REPLICA;", "RESET REPLICA ALL;", "RESET BINARY LOGS AND GTIDS;",
          "SET GLOBAL gtid_purged='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77';", "SET GLOBAL super_read_only=OFF;",
          "SET GLOBAL read_only=OFF;"}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto sql = takeover_statements(r.clone, version(r.server));
            REQUIRE(sql.has_value());
            CHECK(texts(*sql) == r.expected);
        }
    }
    SECTION("no GTID position: refused, with what to do") {
        const auto sql = takeover_statements(no_gtid, version("10.11.19-MariaDB"));
        REQUIRE_FALSE(sql.has_value());
        CHECK_THAT(sql.message(), Catch::Contains("re-seed the replicas too"));
    }
}

TEST_CASE("the /position report round-trips, and a malformed answer is an error", "[recovery]") {
    position_report r;
    r.flavor = server_flavor::mariadb;
    r.version = "10.11.19-MariaDB";
    r.gtid_position = "0-100-1523";
    r.binlog_position = binlog_file_position{"mariadb-bin.000003", 1234};
    r.cluster_identity = "2f0c6b3e-1c2d-4e5f-8a9b-0123456789ab";
    r.read_only = true;
    const auto back = position_report_from_json(to_json(r));
    REQUIRE(back.has_value());
    CHECK(*back == r);
    const auto p = to_peer_position("mysql-1", r);
    CHECK(p.has_data);
    CHECK(p.gtid_position == "0-100-1523");
    for (const char* bad : {"", "[]", "{\"flavor\":\"oracle\"}", "{\"flavor\":\"mysql\",\"binlog_position\":\"x\"}",
                            "{\"flavor\":\"mariadb\",\"cluster_identity\":7}"}) {
        INFO(bad);
        CHECK_FALSE(position_report_from_json(bad).has_value());
    }
}
