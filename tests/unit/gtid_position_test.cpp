// gtid_position: MariaDB positions and MySQL GTID sets as values, and the choice of the most advanced peer, as
// tables on values as the servers print them.

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/gtid_position.hpp"

using namespace mysql_agent;

namespace {

// Server UUIDs as @@server_uuid prints them.
const std::string uuid_a = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
const std::string uuid_b = "4b272950-e317-11eb-a829-d45d64347a19";
const std::string uuid_b_upper = "4B272950-E317-11EB-A829-D45D64347A19";

mariadb_gtid_position mariadb(const std::string& text) {
    const auto p = parse_mariadb_gtid_position(text);
    REQUIRE(p.has_value());
    return *p;
}

mysql_gtid_set mysql(const std::string& text) {
    const auto s = parse_mysql_gtid_set(text);
    REQUIRE(s.has_value());
    return *s;
}

peer_position peer(std::string name, server_flavor flavor, bool has_data, std::string gtid,
                   std::optional<std::string> binlog = std::nullopt) {
    peer_position p;
    p.name = std::move(name);
    p.flavor = flavor;
    p.has_data = has_data;
    p.gtid_position = std::move(gtid);
    if (binlog) {
        const auto b = parse_binlog_file_position(*binlog);
        REQUIRE(b.has_value());
        p.binlog_position = *b;
    }
    return p;
}

peer_position maria(std::string name, std::string gtid, bool has_data = true) {
    return peer(std::move(name), server_flavor::mariadb, has_data, std::move(gtid));
}

peer_position my(std::string name, std::string gtid, bool has_data = true) {
    return peer(std::move(name), server_flavor::mysql, has_data, std::move(gtid));
}

peer_position by_binlog(std::string name, std::string binlog, bool has_data = true) {
    return peer(std::move(name), server_flavor::mariadb, has_data, "", std::move(binlog));
}

}  // namespace

TEST_CASE("MariaDB GTID positions parse to one GTID per domain", "[gtid]") {
    struct row {
        const char* name;
        std::string text;
        std::string canonical;  // to_string of the result; unused for errors
        std::string error;      // "" = must parse
    };
    const row rows[] = {
        {"one domain, as @@gtid_current_pos prints it", "0-100-1523", "0-100-1523", ""},
        {"two domains", "0-100-1523,1-101-77", "0-100-1523,1-101-77", ""},
        {"domains out of order come back by domain", "1-101-77,0-100-1523", "0-100-1523,1-101-77", ""},
        {"@@gtid_binlog_state, several server ids in a domain: the highest seq of each domain is kept",
         "0-101-5,0-100-1523,0-102-900,1-101-77", "0-100-1523,1-101-77", ""},
        {"whitespace and newlines around entries are ignored", " 0-100-1523,\n\t1-101-77\r\n",
         "0-100-1523,1-101-77", ""},
        {"empty: no GTID yet", "", "", ""},
        {"only whitespace: no GTID yet", " \n", "", ""},
        {"the largest domain, server id and seq", "4294967295-4294967295-18446744073709551615",
         "4294967295-4294967295-18446744073709551615", ""},
        {"two fields: named", "0-100", "", "'0-100' is not domain-server-seq"},
        {"four fields: named", "0-100-5-6", "", "'0-100-5-6' is not domain-server-seq"},
        {"a letter in the server id", "0-1x0-5", "", "'0-1x0-5' is not domain-server-seq of unsigned numbers"},
        {"a negative domain", "-1-100-5", "", "is not domain-server-seq"},
        {"domain beyond 32 bits", "4294967296-1-1", "", "domain 4294967296 is out of range"},
        {"server id beyond 32 bits", "0-4294967296-1", "", "server id 4294967296 is out of range"},
        {"seq beyond 64 bits", "0-1-18446744073709551616", "", "of unsigned numbers"},
        {"an empty entry between commas", "0-1-2,,1-2-3", "", "entry 2 is empty"},
        {"a trailing comma (cut short)", "0-1-2,", "", "entry 2 is empty"},
        {"a MySQL GTID set is not a MariaDB position", uuid_a + ":1-5", "", "is not domain-server-seq"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto p = parse_mariadb_gtid_position(r.text);
            if (r.error.empty()) {
                REQUIRE(p.has_value());
                CHECK(to_string(*p) == r.canonical);
            } else {
                REQUIRE_FALSE(p.has_value());
                CHECK_THAT(p.message(), Catch::Contains(r.error) && Catch::Contains("MariaDB GTID position"));
            }
        }
    }
    const auto p = mariadb("0-100-1523,1-101-77");
    CHECK(p.seq_in(1) == std::optional<std::uint64_t>{77});
    CHECK_FALSE(p.seq_in(2).has_value());
}

TEST_CASE("MariaDB positions: at least in every domain of the other", "[gtid]") {
    struct row {
        const char* name;
        std::string a, b;
        bool a_reaches_b, b_reaches_a;
    };
    const row rows[] = {
        {"equal positions, listed in another order", "0-100-10,1-101-5", "1-101-5,0-100-10", true, true},
        {"ahead in one domain, equal in the other", "0-100-12,1-101-5", "0-100-10,1-101-5", true, false},
        {"the server id does not order: a lower server id with a higher seq is ahead", "0-100-12", "0-200-10", true,
         false},
        {"the same seq from another server id counts as equal", "0-200-10", "0-100-10", true, true},
        {"a domain missing on one side: the side with it is ahead", "0-100-10,1-101-5", "0-100-10", true, false},
        {"diverged: ahead in domain 0 on one side, in domain 1 on the other", "0-100-12,1-101-5", "0-100-10,1-101-7",
         false, false},
        {"disjoint domains: incomparable", "0-100-5", "1-101-5", false, false},
        {"an empty position reaches only the empty position", "", "0-100-1", false, true},
        {"two empty positions are equal", "", "", true, true},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            CHECK(at_least(mariadb(r.a), mariadb(r.b)) == r.a_reaches_b);
            CHECK(at_least(mariadb(r.b), mariadb(r.a)) == r.b_reaches_a);
        }
    }
}

TEST_CASE("MySQL GTID sets parse to merged intervals per source", "[gtid]") {
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    struct row {
        const char* name;
        std::string text;
        std::string canonical;
        std::uint64_t count;
        std::string error;  // "" = must parse
    };
    const row rows[] = {
        {"one source, upper case UUID as MySQL 5.7 prints it", uuid_b_upper + ":1-5", uuid_b + ":1-5", 5, ""},
        {"gaps stay gaps", uuid_a + ":1-5:7-9:11", uuid_a + ":1-5:7-9:11", 9, ""},
        {"@@gtid_executed with a newline after each comma", uuid_b + ":1-20,\n" + uuid_a + ":1-5",
         uuid_a + ":1-5," + uuid_b + ":1-20", 25, ""},
        {"tabs, CRLF and spaces around entries and separators", "\t" + uuid_a + " : 1-3 ,\r\n " + uuid_b + ":2 ",
         uuid_a + ":1-3," + uuid_b + ":2", 4, ""},
        {"unsorted, overlapping and adjacent intervals merge", uuid_a + ":7-9:1-5:3-6", uuid_a + ":1-9", 9, ""},
        {"a UUID listed twice is one source", uuid_a + ":1-3," + uuid_a + ":4-6", uuid_a + ":1-6", 6, ""},
        {"tagged GTIDs (MySQL 8.3+): the tag starts a source of its own, in lower case",
         uuid_a + ":1-5:Domain_1:1-3:11", uuid_a + ":1-5," + uuid_a + ":domain_1:1-3:11", 9, ""},
        {"empty: no GTID", "", "", 0, ""},
        {"the count saturates instead of wrapping",
         uuid_a + ":1-9223372036854775807," + uuid_b + ":1-9223372036854775807,c0000000-0000-0000-0000-000000000000:"
                                                      "1-9223372036854775807",
         uuid_a + ":1-9223372036854775807," + uuid_b +
             ":1-9223372036854775807,c0000000-0000-0000-0000-000000000000:1-9223372036854775807",
         max, ""},
        {"a UUID cut short", "3e11fa47-71ca-11e1-9e33:1-5", "", 0, "is not a server UUID"},
        {"a UUID with a non-hex digit", "3e11fa47-71ca-11e1-9e33-c80aa942956g:1-5", "", 0, "is not a server UUID"},
        {"a UUID without intervals", uuid_a, "", 0, "no transaction intervals"},
        {"transaction 0 does not exist", uuid_a + ":0-5", "", 0, "starts at 0"},
        {"an interval that ends before it starts", uuid_a + ":5-1", "", 0, "ends before it starts"},
        {"an interval that is not a number", uuid_a + ":1-x", "", 0, "'1-x' is not N or N-M"},
        {"a trailing ':'", uuid_a + ":1-5:", "", 0, "'' is not N or N-M"},
        {"a trailing ',' (cut short)", uuid_a + ":1-5,", "", 0, "entry 2 is empty"},
        {"a tag without intervals", uuid_a + ":1-5:batch", "", 0, "has no intervals"},
        {"a tag of 33 characters", uuid_a + ":t23456789012345678901234567890123:1", "", 0, "is not 1 to 32"},
        {"past 2^63-1", uuid_a + ":1-9223372036854775808", "", 0, "goes past 2^63-1"},
        {"a MariaDB position is not a MySQL set", "0-100-5", "", 0, "is not a server UUID"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto s = parse_mysql_gtid_set(r.text);
            if (r.error.empty()) {
                REQUIRE(s.has_value());
                CHECK(to_string(*s) == r.canonical);
                CHECK(transaction_count(*s) == r.count);
            } else {
                REQUIRE_FALSE(s.has_value());
                CHECK_THAT(s.message(), Catch::Contains(r.error) && Catch::Contains("MySQL GTID set"));
            }
        }
    }
}

TEST_CASE("MySQL GTID sets: subset and subtraction", "[gtid]") {
    struct row {
        const char* name;
        std::string a, b;
        bool a_in_b, b_in_a;
        std::string a_minus_b;
    };
    const row rows[] = {
        {"equal sets in another case and layout", uuid_b_upper + ":1-20,\n" + uuid_a + ":1-5",
         uuid_a + ":1-5," + uuid_b + ":1-20", true, true, ""},
        {"a set with gaps inside a whole range", uuid_a + ":1-5:7-9", uuid_a + ":1-10", true, false, ""},
        {"a whole range over a gap", uuid_a + ":1-10", uuid_a + ":1-5:7-10", false, true, uuid_a + ":6"},
        {"an interval across a gap of the other", uuid_a + ":4-8", uuid_a + ":1-5:7-9", false,
         false, uuid_a + ":6"},
        {"a superset with another UUID", uuid_a + ":1-5", uuid_a + ":1-5," + uuid_b + ":1-3", true, false, ""},
        {"disjoint UUIDs", uuid_a + ":1-5", uuid_b + ":1-5", false, false, uuid_a + ":1-5"},
        {"the empty set is in every set", "", uuid_a + ":1", true, false, ""},
        {"a tagged source is not the untagged one", uuid_a + ":tag:1-3", uuid_a + ":1-3", false, false,
         uuid_a + ":tag:1-3"},
        {"subtraction leaves pieces on both sides", uuid_a + ":1-10," + uuid_b + ":1-3", uuid_a + ":3-4:8", false,
         true, uuid_a + ":1-2:5-7:9-10," + uuid_b + ":1-3"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            CHECK(is_subset(mysql(r.a), mysql(r.b)) == r.a_in_b);
            CHECK(is_subset(mysql(r.b), mysql(r.a)) == r.b_in_a);
            CHECK(to_string(subtract(mysql(r.a), mysql(r.b))) == r.a_minus_b);
            CHECK(subtract(mysql(r.a), mysql(r.a)).empty());
        }
    }
}

TEST_CASE("binlog file positions", "[gtid]") {
    const auto p = parse_binlog_file_position("mariadb-bin.000003:1234");
    REQUIRE(p.has_value());
    CHECK(*p == binlog_file_position{"mariadb-bin.000003", 1234});
    for (const char* bad : {"mariadb-bin:1234", "mariadb-bin.000003", "mariadb-bin.000003:x", ":5", "mariadb-bin.:5"}) {
        SECTION(bad) {
            const auto b = parse_binlog_file_position(bad);
            REQUIRE_FALSE(b.has_value());
            CHECK_THAT(b.message(), Catch::Contains(bad) && Catch::Contains("<file>.<number>:<position>"));
        }
    }
}

TEST_CASE("choosing the most advanced peer", "[gtid]") {
    using strings = std::vector<std::string>;
    constexpr auto chosen = most_advanced_outcome::chosen;
    constexpr auto no_data = most_advanced_outcome::no_data;
    const std::string diverged = "diverged";
    struct row {
        const char* name;
        std::vector<peer_position> peers;
        most_advanced_outcome outcome;  // when no error
        std::size_t index;              // chosen
        strings says;                   // in the reason or the error
        bool is_error = false;
    };
    const row rows[] = {
        {"MariaDB: the replica ahead in a domain wins; the empty primary is ignored",
         {maria("mysql-0", "", false), maria("mysql-1", "0-100-1523,1-101-77"),
          maria("mysql-2", "0-100-1500,1-101-77")},
         chosen, 1, {"mysql-1 holds every transaction", "mysql-2 at 0-100-1500,1-101-77", "no data on mysql-0"}},
        {"MariaDB: a later peer ahead wins",
         {maria("mysql-1", "0-100-1500,1-101-77"), maria("mysql-2", "1-101-78,0-100-1500")}, chosen, 1,
         {"mysql-2 holds every transaction", "mysql-2 at 0-100-1500,1-101-78"}},
        {"MariaDB: a domain missing on one side: the side that has it wins",
         {maria("mysql-1", "0-100-10"), maria("mysql-2", "0-100-10,1-102-3")}, chosen, 1, {"mysql-2 holds"}},
        {"MariaDB: equal positions: the lower ordinal wins",
         {maria("mysql-1", "0-100-10,1-101-5"), maria("mysql-2", "1-101-5,0-100-10")}, chosen, 0, {"mysql-1 holds"}},
        {"MariaDB: the same seq from another server id is equal: the lower ordinal wins",
         {maria("mysql-1", "0-200-10"), maria("mysql-2", "0-100-10")}, chosen, 0, {"mysql-1 holds"}},
        {"MariaDB: binlog_state-style lists compare by their highest seq per domain",
         {maria("mysql-1", "0-100-9,0-101-12"), maria("mysql-2", "0-100-11")}, chosen, 0, {"mysql-1 at 0-101-12"}},
        {"MariaDB: a peer with data but no GTID holds nothing of the others'",
         {maria("mysql-1", ""), maria("mysql-2", "0-100-5")}, chosen, 1, {"mysql-1 at (no GTID)"}},
        {"MariaDB: three peers, the middle one holds the others",
         {maria("mysql-0", "0-100-10"), maria("mysql-1", "0-100-12,1-101-4"), maria("mysql-2", "1-101-4")}, chosen, 1,
         {"mysql-1 holds"}},
        {"MariaDB: diverged, ahead in domain 0 on one side and domain 1 on the other: error, never a guess",
         {maria("mysql-1", "0-100-12,1-101-5"), maria("mysql-2", "0-100-10,1-101-7")}, chosen, 0,
         {diverged, "mysql-1 at 0-100-12,1-101-5", "mysql-2 at 0-100-10,1-101-7",
          "mysql-1 is ahead in domain(s) 0, mysql-2 in domain(s) 1", "decide which history to keep"},
         true},
        {"MariaDB: diverged among three, named by the pair that diverged",
         {maria("mysql-0", "0-100-10"), maria("mysql-1", "0-100-10,1-101-2"), maria("mysql-2", "0-100-10,2-102-2")},
         chosen, 0, {diverged, "mysql-1 is ahead in domain(s) 1, mysql-2 in domain(s) 2"}, true},
        {"MariaDB: a malformed position of a peer with data: error naming the peer",
         {maria("mysql-1", "0-100-10"), maria("mysql-2", "0-100-x")}, chosen, 0,
         {"peer mysql-2", "'0-100-x' is not domain-server-seq"}, true},
        {"a peer without data is ignored, whatever its position says",
         {maria("mysql-0", "garbage", false), maria("mysql-1", "0-100-3")}, chosen, 1, {"mysql-1 holds"}},
        {"no peer holds data: a distinct outcome", {maria("mysql-0", "", false), maria("mysql-1", "", false)}, no_data,
         0, {"no peer holds data (mysql-0, mysql-1)"}},
        {"no peers at all: no data", {}, no_data, 0, {"no peers"}},
        {"MySQL: the superset wins", {my("mysql-1", uuid_a + ":1-90"), my("mysql-2", uuid_a + ":1-100")}, chosen, 1,
         {"mysql-2 holds", "mysql-2 at " + uuid_a + ":1-100"}},
        {"MySQL: a set with a gap loses to the whole range",
         {my("mysql-1", uuid_a + ":1-5:7-10"), my("mysql-2", uuid_a + ":1-10")}, chosen, 1, {"mysql-2 holds"}},
        {"MySQL: equal sets printed differently: the lower ordinal wins",
         {my("mysql-1", uuid_b_upper + ":1-20,\n" + uuid_a + ":1-5"),
          my("mysql-2", uuid_a + ":1-5," + uuid_b + ":1-20")},
         chosen, 0, {"mysql-1 holds"}},
        {"MySQL: an extra UUID on one side wins",
         {my("mysql-1", uuid_a + ":1-5"), my("mysql-2", uuid_a + ":1-5,\n" + uuid_b + ":1-3")}, chosen, 1,
         {"mysql-2 holds"}},
        {"MySQL: disjoint UUIDs (diverged): error with what each one lacks",
         {my("mysql-1", uuid_a + ":1-10," + uuid_b + ":1-2"), my("mysql-2", uuid_a + ":1-12")}, chosen, 0,
         {diverged, "mysql-1 is ahead in 2 transaction(s) (" + uuid_b + ":1-2), mysql-2 in 2 transaction(s) (" +
                        uuid_a + ":11-12)"},
         true},
        {"MySQL: a malformed set: error naming the peer", {my("mysql-1", uuid_a + ":1-5"), my("mysql-2", "nonsense")},
         chosen, 0, {"peer mysql-2", "is not a server UUID"}, true},
        {"MariaDB and MySQL peers together: error", {maria("mysql-1", "0-1-5"), my("mysql-2", uuid_a + ":1-5")}, chosen,
         0, {"mix MariaDB and MySQL", "mysql-1 is MariaDB", "mysql-2 is MySQL"}, true},
        {"file/position: the later binlog file wins over a higher position in an earlier one",
         {by_binlog("mysql-1", "mariadb-bin.000003:98765"), by_binlog("mysql-2", "mariadb-bin.000004:1234")}, chosen,
         1, {"mysql-2 applied the furthest", "mysql-1 at mariadb-bin.000003:98765"}},
        {"file/position: the same file, the higher position wins",
         {by_binlog("mysql-1", "mariadb-bin.000003:1234"), by_binlog("mysql-2", "mariadb-bin.000003:1000")}, chosen, 0,
         {"mysql-1 applied the furthest"}},
        {"file/position: the index is a number (.1000000 after .999999)",
         {by_binlog("mysql-1", "mariadb-bin.999999:500"), by_binlog("mysql-2", "mariadb-bin.1000000:4")}, chosen, 1,
         {"mysql-2 applied"}},
        {"file/position: a tie: the lower ordinal wins",
         {by_binlog("mysql-1", "mariadb-bin.000003:1234"), by_binlog("mysql-2", "mariadb-bin.000003:1234")}, chosen, 0,
         {"mysql-1 applied"}},
        {"file/position: ignored as soon as one peer has a GTID position",
         {by_binlog("mysql-1", "mariadb-bin.000009:1"), peer("mysql-2", server_flavor::mariadb, true, "0-100-3",
                                                             "mariadb-bin.000001:4")},
         chosen, 1, {"mysql-2 holds every transaction"}},
        {"file/position: a peer with data and no position at all: error",
         {by_binlog("mysql-1", "mariadb-bin.000003:1234"), maria("mysql-2", "")}, chosen, 0,
         {"mysql-2 holds data but reports neither"}, true},
        {"file/position: different binary logs: error",
         {by_binlog("mysql-1", "mariadb-bin.000003:1234"), by_binlog("mysql-2", "mysql-bin.000003:1234")}, chosen, 0,
         {"different binary logs", "mysql-2 at mysql-bin.000003:1234"}, true},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto m = choose_most_advanced(r.peers);
            if (r.is_error) {
                REQUIRE_FALSE(m.has_value());
                for (const auto& s : r.says) CHECK_THAT(m.message(), Catch::Contains(s));
            } else {
                REQUIRE(m.has_value());
                CHECK(m->outcome == r.outcome);
                if (r.outcome == chosen) CHECK(m->index == r.index);
                for (const auto& s : r.says) CHECK_THAT(m->reason, Catch::Contains(s));
            }
        }
    }
}

TEST_CASE("the value for SET GLOBAL gtid_binlog_state from a clone's gtid_slave_pos", "[gtid]") {
    struct row {
        const char* name;
        std::string slave_pos;
        std::string value;  // "" = an error saying `error`
        std::string error;
    };
    const row rows[] = {
        {"two domains as they are", "0-100-1523,1-101-77", "0-100-1523,1-101-77", ""},
        {"domains put in order", "1-101-77,0-100-1523", "0-100-1523,1-101-77", ""},
        {"a quote cannot reach the statement", "0-100-1523'; DROP DATABASE d; --", "", "other than digits"},
        {"whitespace is refused too", "0-100-1523, 1-101-77", "", "other than digits"},
        {"empty: nothing to set", "", "", "carries no GTID position"},
        {"only allowed characters but not a position", "0-100", "", "is not domain-server-seq"},
        {"a comma only", ",", "", "entry 1 is empty"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto v = gtid_binlog_state_value(r.slave_pos);
            if (r.error.empty()) {
                REQUIRE(v.has_value());
                CHECK(*v == r.value);
            } else {
                REQUIRE_FALSE(v.has_value());
                CHECK_THAT(v.message(), Catch::Contains(r.error));
            }
        }
    }
}
