// Pure pieces of the clone: the donor address, the retry backoff, and reading /proc/locks.

#include <catch2/catch.hpp>

#include <chrono>

#include "mysql_agent/core/backoff.hpp"
#include "mysql_agent/core/donor_address.hpp"
#include "mysql_agent/core/proc_locks.hpp"

using namespace mysql_agent;
using namespace std::chrono_literals;

TEST_CASE("parse_donor_address", "[clone]") {
    CHECK(parse_donor_address("mysql-0.mysql").value() == donor_address{"mysql-0.mysql", 3307});
    CHECK(parse_donor_address("mysql-0.mysql:4000").value() == donor_address{"mysql-0.mysql", 4000});
    CHECK(parse_donor_address("10.0.0.7:3307").value() == donor_address{"10.0.0.7", 3307});
    CHECK(parse_donor_address("[fd00::7]:3307").value() == donor_address{"fd00::7", 3307});
    CHECK(parse_donor_address("[fd00::7]").value() == donor_address{"fd00::7", 3307});
    CHECK(parse_donor_address("[fd00::7]:3307").value().to_string() == "[fd00::7]:3307");
    for (const char* bad : {"", ":3307", "host:", "host:0", "host:65536", "host:33x", "fd00::7", "[fd00::7", "[::1]x",
                            "a b:1", "http://x"}) {
        INFO(bad);
        CHECK_FALSE(parse_donor_address(bad).has_value());
    }
    CHECK_THAT(parse_donor_address("host:99999").message(), Catch::Contains("1..65535"));
}

TEST_CASE("full_jitter_backoff stays below the doubling ceiling and the cap", "[clone]") {
    CHECK(full_jitter_backoff(1, 1000ms, 30s, 0.0) == 0ms);
    CHECK(full_jitter_backoff(1, 1000ms, 30s, 0.999) == 999ms);
    CHECK(full_jitter_backoff(3, 1000ms, 30s, 0.5) == 2000ms);   // ceiling 4 s
    CHECK(full_jitter_backoff(6, 1000ms, 30s, 0.5) == 15000ms);  // ceiling 32 s capped at 30 s
    CHECK(full_jitter_backoff(4000000000U, 1000ms, 30s, 0.5) == 15000ms);
}

TEST_CASE("the holder of a flock is read from /proc/locks", "[clone]") {
    const std::string locks =
        "1: POSIX  ADVISORY  WRITE 900 fd:01:1311868 0 EOF\n"
        "2: FLOCK  ADVISORY  WRITE 4711 fd:01:1311868 0 EOF\n"
        "2: -> FLOCK  ADVISORY  WRITE 4712 fd:01:1311868 0 EOF\n"
        "3: FLOCK  ADVISORY  WRITE 99 08:11:42 0 EOF\n"
        "garbage line\n";
    CHECK(flock_holder(locks, 0xfd, 0x01, 1311868) == 4711);
    CHECK(flock_holder(locks, 0x08, 0x11, 42) == 99);
    CHECK(flock_holder(locks, 0x08, 0x11, 43) == std::nullopt);
    CHECK(flock_holder("", 1, 1, 1) == std::nullopt);
}
