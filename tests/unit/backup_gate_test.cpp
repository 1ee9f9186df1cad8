// backup_gate: the reconcile loop's START runs only while no backup holds a pass, and no backup starts while it runs.

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <optional>
#include <thread>

#include "mysql_agent/core/backup_gate.hpp"

using namespace mysql_agent;

TEST_CASE("backup gate: a START runs only while no backup holds a pass", "[backup_gate]") {
    backup_gate gate;
    int runs = 0;
    CHECK(gate.unless_backup([&] { ++runs; }));
    CHECK(runs == 1);
    {
        backup_gate::pass one(gate);
        CHECK(gate.backups() == 1);
        CHECK_FALSE(gate.unless_backup([&] { ++runs; }));
        {
            backup_gate::pass two(gate);  // --max-concurrent-backups 2
            CHECK(gate.backups() == 2);
        }
        CHECK_FALSE(gate.unless_backup([&] { ++runs; }));
        CHECK(runs == 1);
    }
    CHECK(gate.backups() == 0);
    CHECK(gate.unless_backup([&] { ++runs; }));
    CHECK(runs == 2);
}

TEST_CASE("backup gate: a backup that starts during a START waits until it is done", "[backup_gate]") {
    backup_gate gate;
    std::promise<void> inside, release;
    std::atomic<bool> start_done{false};
    std::optional<bool> backup_saw_start_done;
    std::thread loop([&] {
        gate.unless_backup([&] {
            inside.set_value();
            release.get_future().wait();
            start_done = true;
        });
    });
    inside.get_future().wait();  // the START is in progress, holding the gate
    std::thread backup([&] {
        backup_gate::pass p(gate);  // blocks until the START returns
        backup_saw_start_done = start_done.load();
    });
    release.set_value();
    backup.join();
    loop.join();
    REQUIRE(backup_saw_start_done.has_value());
    CHECK(*backup_saw_start_done);
    CHECK(gate.backups() == 0);
}
