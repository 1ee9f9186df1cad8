// Membership as the cluster records it (members.hpp), the re-seed's choice among the known members
// (reseed_choice.hpp), GET /position's `members`, and the check that a clone holds what its donor advertised.

#include <catch2/catch.hpp>

#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/members.hpp"
#include "mysql_agent/core/position_report.hpp"
#include "mysql_agent/core/reseed_choice.hpp"

using namespace mysql_agent;
using strings = std::vector<std::string>;

namespace {

server_version version(const char* text) { return *parse_server_version(text); }

strings texts(const std::vector<sql_statement>& s) {
    strings out;
    for (const auto& x : s) out.push_back(x.text);
    return out;
}

sql_row row(std::initializer_list<std::pair<const char*, const char*>> cells) {
    sql_row r;
    for (const auto& [k, v] : cells) r[k] = v ? std::optional<std::string>(v) : std::nullopt;
    return r;
}

/// A member that answered with a MariaDB position and the members it knows.
member_answer answered(const char* name, const char* gtid, strings members = {}) {
    return {name, peer_position{name, server_flavor::mariadb, true, gtid, std::nullopt}, std::move(members), ""};
}

member_answer silent(const char* name, const char* problem) { return {name, std::nullopt, {}, problem}; }

const char* step_name(reseed_step s) {
    switch (s) {
        case reseed_step::wait: return "wait";
        case reseed_step::clone: return "clone";
        case reseed_step::no_data: return "no_data";
        case reseed_step::give_up: return "give_up";
        case reseed_step::donor_silent: return "donor_silent";
    }
    return "?";
}

}  // namespace

TEST_CASE("a member name is a DNS name, nothing else", "[membership]") {
    for (const char* good : {"mysql-2.mysql", "mysql-0", "a", "db-10.mysql.default.svc.cluster.local"}) {
        INFO(good);
        CHECK(is_member_name(good));
    }
    const std::string label64(64, 'a');
    const std::string long_name = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') +
                                  "." + std::string(63, 'd');  // 255 characters
    for (const std::string& bad : {std::string(), std::string("Mysql-2.mysql"), std::string("mysql-2..mysql"),
                                  std::string(".mysql"), std::string("mysql-2.mysql."), std::string("-mysql.x"),
                                  std::string("mysql-.x"), std::string("x'); DROP TABLE t; --"),
                                  std::string("mysql_2.mysql"), std::string("mysql 2"), label64, long_name}) {
        INFO(bad);
        CHECK_FALSE(is_member_name(bad));
    }
}

TEST_CASE("the primary records the members it sees, and writes nothing while nothing changes", "[membership]") {
    const std::vector<member> known = {{"mysql-0.mysql", 100}, {"mysql-1.mysql", 101}};
    struct row_t {
        const char* name;
        std::vector<member> seen;
        strings upserts;  ///< after the CREATE DATABASE and CREATE TABLE
    };
    const auto upsert = [](const char* name, int id) {
        return "INSERT INTO mysql_agent.members (name, server_id) VALUES ('" + std::string(name) + "', " +
               std::to_string(id) + ") ON DUPLICATE KEY UPDATE server_id = VALUES(server_id), last_seen = CURRENT_TIMESTAMP;";
    };
    const row_t rows[] = {
        {"every member seen is known as it is: no statement", {{"mysql-0.mysql", 100}, {"mysql-1.mysql", 101}}, {}},
        {"a replica that connected since", {{"mysql-0.mysql", 100}, {"mysql-2.mysql", 102}},
         {upsert("mysql-2.mysql", 102)}},
        {"a member whose server id changed", {{"mysql-1.mysql", 111}}, {upsert("mysql-1.mysql", 111)}},
        {"a name that is not a DNS name is never written", {{"x'); DROP TABLE t; --", 9}}, {}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto statements = texts(record_members_statements(known, r.seen));
            if (r.upserts.empty()) {
                CHECK(statements.empty());
            } else {
                REQUIRE(statements.size() == r.upserts.size() + 2);
                CHECK(statements[0] == "CREATE DATABASE IF NOT EXISTS mysql_agent;");
                CHECK(statements[1].starts_with("CREATE TABLE IF NOT EXISTS mysql_agent.members (name VARCHAR(253)"));
                CHECK(strings(statements.begin() + 2, statements.end()) == r.upserts);
            }
        }
    }
    SECTION("no more than max_members are recorded") {
        std::vector<member> full;
        for (std::size_t i = 0; i < max_members; ++i) full.push_back({"m-" + std::to_string(i) + ".mysql", 1});
        CHECK(record_members_statements(full, {{"one-too-many.mysql", 2}}).empty());
        CHECK(record_members_statements(full, {{"m-3.mysql", 7}}).size() == 3);  // a known one still changes
    }
}

TEST_CASE("replicas come from SHOW SLAVE HOSTS / SHOW REPLICAS by their report-host", "[membership]") {
    CHECK(replica_hosts_query(version("10.11.19-MariaDB")) == "SHOW SLAVE HOSTS");
    CHECK(replica_hosts_query(version("8.0.21")) == "SHOW SLAVE HOSTS");
    CHECK(replica_hosts_query(version("8.0.22")) == "SHOW REPLICAS");
    CHECK(replica_hosts_query(version("8.4.3")) == "SHOW REPLICAS");
    // MariaDB 10.11: Server_id, Host, Port, Master_id; MySQL 8.0.22+ SHOW REPLICAS: Server_id, Host, Port, Source_id, Replica_UUID.
    // A replica without report-host shows an empty Host on MySQL.
    const std::vector<sql_row> rows = {
        row({{"Server_id", "102"}, {"Host", "mysql-2.mysql"}, {"Port", "3306"}, {"Master_id", "100"}}),
        row({{"Server_id", "101"}, {"Host", "mysql-1.mysql"}, {"Port", "3306"}, {"Source_id", "100"},
             {"Replica_UUID", "3e11fa47-71ca-11e1-9e33-c80aa9429562"}}),
        row({{"Server_id", "103"}, {"Host", ""}, {"Port", "3306"}}),
        row({{"Server_id", "x"}, {"Host", "mysql-4.mysql"}}),
        row({{"Server_id", "105"}, {"Host", "evil'--"}}),
    };
    CHECK(replicas_from_rows(rows) == std::vector<member>{{"mysql-2.mysql", 102}, {"mysql-1.mysql", 101}});
    CHECK(members_from_rows({row({{"name", "mysql-0.mysql"}, {"server_id", "100"}}), row({{"name", "BAD"}, {"server_id", "1"}})}) ==
          std::vector<member>{{"mysql-0.mysql", 100}});
}

TEST_CASE("GET /position carries the members, checked on parse", "[membership]") {
    position_report r;
    r.gtid_position = "0-100-7";
    r.members = {"mysql-0.mysql", "mysql-1.mysql", "mysql-2.mysql"};
    const auto back = position_report_from_json(to_json(r));
    REQUIRE(back.has_value());
    CHECK(back->members == r.members);
    const auto older = position_report_from_json(R"({"flavor":"mariadb","gtid_position":"0-100-7"})");
    REQUIRE(older.has_value());
    CHECK(older->members.empty());
    std::string many = R"({"flavor":"mariadb","members":[)";
    for (std::size_t i = 0; i <= max_members; ++i) many += (i ? "," : "") + std::string("\"m-") + std::to_string(i) + "\"";
    many += "]}";
    for (const std::string& bad : {std::string(R"({"flavor":"mariadb","members":"mysql-1.mysql"})"),
                                  std::string(R"({"flavor":"mariadb","members":[7]})"),
                                  std::string(R"({"flavor":"mariadb","members":["mysql-1.mysql","a b"]})"), many}) {
        INFO(bad.substr(0, 80));
        CHECK_FALSE(position_report_from_json(bad).has_value());
    }
}

TEST_CASE("a re-seed clones only once every known member answered, from the one that holds every history",
          "[membership]") {
    const strings all = {"mysql-0.mysql", "mysql-1.mysql", "mysql-2.mysql"};
    struct row_t {
        const char* name;
        strings known;
        std::vector<member_answer> answers;
        strings given_up;
        bool out_of_time;
        reseed_step step;
        const char* donor;  ///< clone: the donor's name
        strings silent;
        strings gave_up;
    };
    const row_t rows[] = {
        {"no member is known: the first deployment", {}, {}, {}, false, reseed_step::no_data, "", {}, {}},
        {"every member answers: the most advanced one", {},
         {answered("mysql-1.mysql", "0-100-40", all), answered("mysql-2.mysql", "0-100-52", all)}, {}, false,
         reseed_step::clone, "mysql-2.mysql", {}, {}},
        {"the most advanced replica's sidecar is silent (401): wait, never the one behind", {},
         {answered("mysql-1.mysql", "0-100-40", all), silent("mysql-2.mysql", "HTTP 401: bad token")}, {}, false,
         reseed_step::wait, "", {"mysql-2.mysql"}, {}},
        {"... still silent when --clone-wait ran out: give up naming it", {},
         {answered("mysql-1.mysql", "0-100-40", all), silent("mysql-2.mysql", "HTTP 503")}, {}, true,
         reseed_step::give_up, "", {"mysql-2.mysql"}, {}},
        {"... given up by --reseed-without: the other one, recorded as given up", {},
         {answered("mysql-1.mysql", "0-100-40", all), silent("mysql-2.mysql", "timed out")}, {"mysql-2.mysql"}, false,
         reseed_step::clone, "mysql-1.mysql", {}, {"mysql-2.mysql"}},
        {"a member only an answer names (its DNS name withheld) is waited for", {},
         {answered("mysql-2.mysql", "0-100-52", all)}, {}, false, reseed_step::wait, "", {"mysql-1.mysql"}, {}},
        {"the members are the union of every answer's", {},
         {answered("mysql-1.mysql", "0-100-40", {"mysql-0.mysql", "mysql-1.mysql"}),
          answered("mysql-2.mysql", "0-100-52", {"mysql-3.mysql"})},
         {}, false, reseed_step::wait, "", {"mysql-3.mysql"}, {}},
        {"a member known from an earlier round and silent now is still waited for", {"mysql-3.mysql"},
         {answered("mysql-1.mysql", "0-100-40"), answered("mysql-2.mysql", "0-100-52")}, {}, false,
         reseed_step::wait, "", {"mysql-3.mysql"}, {}},
        {"a given-up member that answers is no loss", {},
         {answered("mysql-1.mysql", "0-100-40", all), answered("mysql-2.mysql", "0-100-52", all)},
         {"mysql-2.mysql"}, false, reseed_step::clone, "mysql-2.mysql", {}, {}},
        {"every known member answered empty: no data", {},
         {{"mysql-1.mysql", peer_position{"", server_flavor::mariadb, false, "", std::nullopt}, {}, ""}}, {}, false,
         reseed_step::no_data, "", {}, {}},
        {"this member's own name in the answers is not waited for", {},
         {answered("mysql-1.mysql", "0-100-40", {"mysql-0.mysql", "mysql-1.mysql"})}, {}, false, reseed_step::clone,
         "mysql-1.mysql", {}, {}},
        {"a name outside this StatefulSet in an answer is ignored: init never sends its token there", {},
         {answered("mysql-1.mysql", "0-100-40", {"evil.example.com", "other-1.mysql", "mysql-1.other", "mysql-x.mysql",
                                                 "mysql-01.mysql", "mysql-1"})},
         {}, false, reseed_step::clone, "mysql-1.mysql", {}, {}},
        {"a name that is not a DNS name in an answer is ignored", {},
         {answered("mysql-1.mysql", "0-100-40", {"Not A Name"})}, {}, false, reseed_step::clone, "mysql-1.mysql",
         {}, {}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            reseed_round round{"mysql-0.mysql", r.known, r.answers, r.given_up, r.out_of_time};
            const auto c = choose_reseed(round);
            REQUIRE(c.has_value());
            INFO(c->reason);
            CHECK(step_name(c->step) == std::string(step_name(r.step)));
            if (r.step == reseed_step::clone) CHECK(r.answers.at(c->donor).name == r.donor);
            CHECK(c->silent == r.silent);
            CHECK(c->given_up == r.gave_up);
            CHECK(std::find(c->known.begin(), c->known.end(), "mysql-0.mysql") == c->known.end());
        }
    }
    SECTION("the donor chosen with --clone-from stays silent: no donor, not a member to give up") {
        reseed_round round{"mysql-0.mysql", {}, {silent("mysql-2.mysql", "connection refused")}, {}, true, true};
        const auto c = choose_reseed(round);
        REQUIRE(c.has_value());
        CHECK(step_name(c->step) == std::string("donor_silent"));
        round.out_of_time = false;
        CHECK(step_name(choose_reseed(round)->step) == std::string("wait"));
    }
    SECTION("diverged histories are an error, never a guess") {
        reseed_round round{"mysql-0.mysql", {}, {}, {}, false};
        round.answers = {{"mysql-1.mysql", peer_position{"", server_flavor::mysql, true,
                                                          "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10", std::nullopt}, {}, ""},
                         {"mysql-2.mysql", peer_position{"", server_flavor::mysql, true,
                                                          "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,"
                                                          "4b272950-e317-11eb-a829-d45d64347a19:1-2", std::nullopt}, {}, ""}};
        const auto c = choose_reseed(round);
        REQUIRE_FALSE(c.has_value());
        CHECK_THAT(c.message(), Catch::Contains("mysql-1.mysql"));
    }
}

TEST_CASE("a clone must hold what its donor advertised", "[membership]") {
    const auto maria = [](const char* gtid) { return peer_position{"mysql-2.mysql:3307", server_flavor::mariadb, true, gtid, std::nullopt}; };
    const auto mysql = [](const char* gtid) { return peer_position{"mysql-2.mysql:3307", server_flavor::mysql, true, gtid, std::nullopt}; };
    backup_metadata from_replica;
    from_replica.binlog = binlog_coordinates{"mariadb-bin.000002", 4211, "0-102-40"};
    from_replica.gtid_slave_pos = "0-100-1523,1-100-7";
    backup_metadata from_primary;
    from_primary.binlog = binlog_coordinates{"mariadb-bin.000009", 1198, "0-100-1523"};
    backup_metadata mysql_clone;
    mysql_clone.binlog = binlog_coordinates{"binlog.000003", 157, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-77"};
    struct row_t {
        const char* name;
        backup_metadata clone;
        peer_position advertised;
        bool holds;
    };
    const row_t rows[] = {
        {"MariaDB replica backup at the advertised position", from_replica, maria("0-100-1523,1-100-7"), true},
        {"MariaDB backup further than advertised (writes since)", from_primary, maria("0-100-1500"), true},
        {"MariaDB backup behind what the donor advertised", from_primary, maria("0-100-1600"), false},
        {"MariaDB backup missing a domain the donor advertised", from_primary, maria("0-100-1523,1-100-7"), false},
        {"MySQL backup holding the advertised set", mysql_clone, mysql("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-70"), true},
        {"MySQL backup lacking transactions the donor advertised", mysql_clone,
         mysql("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-80"), false},
        {"a donor that advertised no GTID (file/position) is not checked", from_primary, maria(""), true},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto holds = check_clone_holds(r.clone, r.advertised);
            CHECK(holds.has_value() == r.holds);
            if (!r.holds) CHECK_THAT(holds.message(), Catch::Contains("holds less than it advertised"));
        }
    }
}

TEST_CASE("the marker records the members a re-seed gave up", "[membership]") {
    clone_marker m;
    m.reseed = reseed_record{true, "ordinal 0's datadir was empty", "0-100-40", {"mysql-2.mysql"}};
    const std::string json = marker_to_json(m);
    CHECK_THAT(json, Catch::Contains("\"given_up\": [\n      \"mysql-2.mysql\"\n    ]"));
    const auto back = marker_from_json("marker", json);
    REQUIRE(back.has_value());
    CHECK(*back == m);
    m.reseed->given_up.clear();
    CHECK_THAT(marker_to_json(m), !Catch::Contains("given_up"));
}
