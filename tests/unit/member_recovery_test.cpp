// Pure pieces of member recovery: the cluster identity's statements, the takeover of a re-seeded primary, and the
// /position report.

#include <algorithm>

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
        CHECK_FALSE(replace_identity_statement(bad).has_value());
        CHECK_FALSE(is_identity(bad));
    }
    const auto replace = replace_identity_statement("2f0c6b3e-1c2d-4e5f-8a9b-0123456789ab");
    REQUIRE(replace.has_value());
    CHECK(texts({*replace}).front() == "UPDATE mysql_agent.cluster SET identity = '2f0c6b3e-1c2d-4e5f-8a9b-0123456789ab', "
                                       "created_at = CURRENT_TIMESTAMP WHERE id = 1;");
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
    const std::string create_takeovers =
        "CREATE TABLE IF NOT EXISTS mysql_agent.takeovers (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, "
        "position VARCHAR(2048) NOT NULL, domain_id INT UNSIGNED NOT NULL, jumped_to BIGINT UNSIGNED NOT NULL, "
        "created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB;";

    struct row {
        const char* name;
        backup_metadata clone;
        const char* server;
        strings expected;
    };
    const row rows[] = {
        {"MariaDB, cloned from a replica: its applied position", from_replica, "10.11.19-MariaDB",
         {"STOP SLAVE;", "RESET SLAVE ALL;", "FLUSH TABLES WITH READ LOCK;", "RESET MASTER;",
          "SET GLOBAL gtid_binlog_state='0-100-1523,1-100-7';", "UNLOCK TABLES;",
          // Every domain's first GTID lies 2^32 past the clone's: no member can hold it.
          "SET SESSION gtid_domain_id=0;", "SET SESSION gtid_seq_no=4294968819;",
          "CREATE DATABASE IF NOT EXISTS mysql_agent;", create_takeovers,
          "INSERT INTO mysql_agent.takeovers (position, domain_id, jumped_to) VALUES ('0-100-1523,1-100-7', 0, "
          "4294968819);",
          "SET SESSION gtid_domain_id=1;", "SET SESSION gtid_seq_no=4294967303;",
          "INSERT INTO mysql_agent.takeovers (position, domain_id, jumped_to) VALUES ('0-100-1523,1-100-7', 1, "
          "4294967303);",
          "SET SESSION gtid_domain_id=@@GLOBAL.gtid_domain_id;", "SET GLOBAL read_only=OFF;"}},
        {"MariaDB, cloned from a primary: its binlog's GTID", from_primary, "10.11.19-MariaDB",
         {"STOP SLAVE;", "RESET SLAVE ALL;", "FLUSH TABLES WITH READ LOCK;", "RESET MASTER;",
          "SET GLOBAL gtid_binlog_state='0-100-1523';", "UNLOCK TABLES;", "SET SESSION gtid_domain_id=0;",
          "SET SESSION gtid_seq_no=4294968819;", "CREATE DATABASE IF NOT EXISTS mysql_agent;", create_takeovers,
          "INSERT INTO mysql_agent.takeovers (position, domain_id, jumped_to) VALUES ('0-100-1523', 0, 4294968819);",
          "SET SESSION gtid_domain_id=@@GLOBAL.gtid_domain_id;", "SET GLOBAL read_only=OFF;"}},
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

TEST_CASE("a takeover resets only a binlog that logged nothing, and never twice", "[recovery]") {
    backup_metadata clone;
    clone.binlog = binlog_coordinates{"mariadb-bin.000009", 1198, "0-100-1523"};
    backup_metadata mysql_clone;
    mysql_clone.binlog = binlog_coordinates{"binlog.000003", 157, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77"};
    const char* const uuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const std::string other = "aaaaaaaa-71ca-11e1-9e33-c80aa9429562";

    struct row {
        const char* name;
        backup_metadata clone;
        const char* server;
        std::string gtid_state;
        std::optional<std::string> binlog_start;
        bool recorded;
        takeover_step step;
        bool resets;  // the plan runs a reset under the lock
        bool jumps;   // the plan writes the jump and its record
    };
    const row rows[] = {
        {"MariaDB, nothing logged since the clone: the full takeover", clone, "10.11.19-MariaDB", "", "", false,
         takeover_step::full, true, true},
        {"MariaDB, no binlog event readable, nothing logged: full", clone, "10.11.19-MariaDB", "", std::nullopt,
         false, takeover_step::full, true, true},
        {"MariaDB, a write landed before the takeover (fresh binlog starts empty): refused, nothing erased", clone,
         "10.11.19-MariaDB", "0-100-1000", "", false, takeover_step::refuse, false, false},
        {"MariaDB, killed after the reset, before the record: finished without a reset", clone, "10.11.19-MariaDB",
         "0-100-1523", "0-100-1523", false, takeover_step::finish, false, true},
        {"MariaDB, killed after the reset; root wrote since: finished, the writes kept", clone, "10.11.19-MariaDB",
         "0-100-1530", "0-100-1523", false, takeover_step::finish, false, true},
        {"MariaDB, killed after the jump: finished, no second jump", clone, "10.11.19-MariaDB",
         "0-100-4294968821", "0-100-1523", true, takeover_step::finish, false, false},
        {"MariaDB, a binlog that starts elsewhere and logged writes: refused", clone, "10.11.19-MariaDB",
         "0-100-4294968821", "0-100-7", true, takeover_step::refuse, false, false},
        {"MySQL, the clone's set restored, nothing beyond: full", mysql_clone, "8.4.3",
         std::string(uuid) + ":1-77", std::string(uuid) + ":1-77", false, takeover_step::full, true, false},
        {"MySQL, an empty set: full", mysql_clone, "8.4.3", "", "", false, takeover_step::full, true, false},
        {"MySQL, reset ran, writes since: finished without a reset", mysql_clone, "8.4.3",
         std::string(uuid) + ":1-77," + other + ":1-3", std::string(uuid) + ":1-77", false, takeover_step::finish,
         false, false},
        {"MySQL, transactions beyond the clone and no reset: refused", mysql_clone, "8.4.3",
         std::string(uuid) + ":1-80", "", false, takeover_step::refuse, false, false},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            takeover_facts f;
            f.clone = r.clone;
            f.server = version(r.server);
            f.gtid_state = r.gtid_state;
            f.binlog_start = r.binlog_start;
            f.recorded = r.recorded;
            const auto plan = plan_takeover(f);
            REQUIRE(plan.has_value());
            CHECK(plan->step == r.step);
            const auto all = texts(plan->under_lock);
            const bool resets = std::any_of(all.begin(), all.end(), [](const std::string& t) {
                return t.starts_with("RESET") || t.starts_with("SET GLOBAL gtid_");
            });
            CHECK(resets == r.resets);
            const auto after = texts(plan->after_lock);
            CHECK(std::any_of(after.begin(), after.end(), [](const std::string& t) {
                      return t.starts_with("SET SESSION gtid_seq_no");
                  }) == r.jumps);
            if (r.step == takeover_step::refuse) {
                CHECK(plan->after_lock.empty());
                CHECK_THAT(plan->reason, Catch::Contains("mysql-agent reseed"));
            } else {
                CHECK(after.back() == "SET GLOBAL read_only=OFF;");
            }
        }
    }
    SECTION("a refusal names what the server logged") {
        takeover_facts f;
        f.clone = clone;
        f.server = version("10.11.19-MariaDB");
        f.gtid_state = "0-100-1000";
        f.binlog_start = "";
        CHECK_THAT(plan_takeover(f)->reason, Catch::Contains("0-100-1000") && Catch::Contains("0-100-1523"));
        f.server = version("8.4.3");
        f.clone = mysql_clone;
        f.gtid_state = std::string(uuid) + ":1-80";
        CHECK_THAT(plan_takeover(f)->reason, Catch::Contains(std::string(uuid) + ":78-80"));
    }
    SECTION("a jump is not repeated in a domain whose logged sequence passed it") {
        takeover_facts f;
        f.clone = clone;
        f.server = version("10.11.19-MariaDB");
        f.gtid_state = "0-100-4294968900";
        f.binlog_start = "0-100-1523";
        const auto after = texts(plan_takeover(f)->after_lock);
        CHECK(std::none_of(after.begin(), after.end(),
                           [](const std::string& t) { return t.starts_with("SET SESSION gtid_seq_no"); }));
        CHECK(std::any_of(after.begin(), after.end(),
                          [](const std::string& t) { return t.starts_with("INSERT INTO mysql_agent.takeovers"); }));
    }
    SECTION("a Gtid_list event's info") {
        CHECK(gtid_list_of_event_info("[0-100-1523,1-100-7]") == "0-100-1523,1-100-7");
        CHECK(gtid_list_of_event_info("[]") == "");
        CHECK(gtid_list_of_event_info("[0-100-1523, 1-100-7]") == "0-100-1523,1-100-7");
        CHECK_FALSE(gtid_list_of_event_info("mariadb-bin.000001").has_value());
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
