#include <catch2/catch.hpp>

#include "mysql_agent/core/readiness.hpp"

using namespace mysql_agent;

namespace {

replica_status running_replica() {
    replica_status r;
    r.configured = true;
    r.io_running = "Yes";
    r.sql_running = "Yes";
    return r;
}

readiness_facts replica_facts() {
    readiness_facts f;
    f.server = {true, "127.0.0.1:3306", ""};
    f.marker_present = true;
    f.applied = true;
    f.replica = running_replica();
    f.seconds_behind = 0;
    return f;
}

}  // namespace

TEST_CASE("liveness only asks whether mysqld answers", "[probe]") {
    CHECK(live_verdict({true, "unix:/s", ""}).ok);
    const auto down = live_verdict({false, "127.0.0.1:3306", "Can't connect"});
    CHECK_FALSE(down.ok);
    CHECK_THAT(down.reason, Catch::Contains("127.0.0.1:3306") && Catch::Contains("Can't connect"));
}

TEST_CASE("readiness decision table", "[probe]") {
    struct row {
        const char* name;
        readiness_facts facts;
        bool ok;
        const char* says;
    };
    auto primary = [](bool read_only) {
        readiness_facts f;
        f.server = {true, "h", ""};
        f.is_primary = true;
        f.read_only = read_only;
        return f;
    };
    auto with = [](auto change) {
        readiness_facts f = replica_facts();
        change(f);
        return f;
    };
    const row rows[] = {
        {"server down", with([](auto& f) { f.server = {false, "h", "refused"}; }), false, "does not answer"},
        {"primary writable", primary(false), true, "writable"},
        {"primary read-only", primary(true), false, "read-only"},
        {"replica without marker", with([](auto& f) { f.marker_present = false; }), false, "no clone marker"},
        {"replica not applied yet", with([](auto& f) { f.applied = false; }), false, "not configured replication"},
        {"replica with no replication", with([](auto& f) { f.replica = replica_status{}; }), false,
         "no replication configured"},
        {"SQL thread stopped on an error",
         with([](auto& f) {
             f.replica.sql_running = "No";
             f.replica.last_sql_errno = 1062;
             f.replica.last_sql_error = "Duplicate entry";
         }),
         false, "Duplicate entry"},
        {"IO thread reconnecting after an error",
         with([](auto& f) {
             f.replica.io_running = "Connecting";
             f.replica.last_io_errno = 2003;
             f.replica.last_io_error = "Can't connect";
         }),
         false, "error"},
        {"lag unknown", with([](auto& f) { f.seconds_behind.reset(); }), false, "unknown"},
        {"lag above max", with([](auto& f) { f.seconds_behind = 61; }), false, "61 s"},
        {"lag at max is ready", with([](auto& f) { f.seconds_behind = 60; }), true, "60 s behind"},
        {"replicating", replica_facts(), true, "replicates"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto v = ready_verdict(r.facts);
            CHECK(v.ok == r.ok);
            CHECK_THAT(v.reason, Catch::Contains(r.says));
        }
    }
}
