// periodic_flush: the filesystem of a directory is flushed on the interval, and stopping does not wait an interval
// out (a restore stopped by SIGTERM must not wait for it).

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "mysql_agent/io/periodic_flush.hpp"
#include "temp_dir.hpp"

TEST_CASE("periodic_flush flushes every interval until stopped, and stops without waiting an interval out",
          "[periodic_flush]") {
    test_support::temp_dir dir("mysql-agent-periodic-flush");
    {
        mysql_agent::periodic_flush flush(dir.path(), std::chrono::milliseconds(10));
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (flush.flushes() < 3 && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        CHECK(flush.flushes() >= 3);
    }
    const auto started = std::chrono::steady_clock::now();
    {
        mysql_agent::periodic_flush idle(dir.path(), std::chrono::hours(1));
        CHECK(idle.flushes() == 0);
    }
    // An hour's interval: stopping within a minute shows the stop did not wait it out.
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::minutes(1));
}
