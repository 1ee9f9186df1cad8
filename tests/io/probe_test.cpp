// `mysql-agent probe live|ready` (the built binary) against a real MariaDB.

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "mariadb_server.hpp"
#include "mysql_agent/core/clone_marker.hpp"

namespace {

struct probe_result {
    int code = -1;
    std::string out;
};

probe_result run_probe(const std::vector<std::string>& args) {
    std::string cmd = AGENT_BINARY;
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " 2>&1";
    probe_result r;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.out.append(buf, n);
    const int status = ::pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

}  // namespace

TEST_CASE("probe live and ready on a real MariaDB", "[io][probe]") {
    auto server = test_support::mariadb_server::start_fresh({});
    const std::string socket = server->socket().string();
    const std::string datadir = server->datadir().string();
    auto probe = [&](const char* kind, const char* hostname) {
        return run_probe({"probe", kind, "--mysql-socket", socket, "--hostname", hostname, "--datadir", datadir});
    };

    const auto live = probe("live", "mysql-1");
    INFO(live.out);
    CHECK(live.code == 0);
    CHECK_THAT(live.out, Catch::StartsWith("live: mysqld at unix:" + socket + " answers"));

    SECTION("a writable primary is ready; a read-only one is not") {
        const auto ready = probe("ready", "mysql-0");
        INFO(ready.out);
        CHECK(ready.code == 0);
        CHECK_THAT(ready.out, Catch::Contains("writable"));
        server->root().execute("SET GLOBAL read_only=1");
        const auto ro = probe("ready", "mysql-0");
        CHECK(ro.code == 1);
        CHECK_THAT(ro.out, Catch::StartsWith("not ready: primary is read-only"));
    }
    SECTION("a replica without a clone marker is not ready, even though it is live") {
        const auto ready = probe("ready", "mysql-1");
        CHECK(ready.code == 1);
        CHECK_THAT(ready.out, Catch::Contains("no clone marker"));
    }
    SECTION("a cloned replica whose replication is not configured is not ready") {
        std::ofstream(server->datadir() / std::string(mysql_agent::clone_marker_file)) << "{}";
        std::ofstream(server->datadir() / std::string(mysql_agent::replication_applied_file)) << "";
        const auto ready = probe("ready", "mysql-1");
        CHECK(ready.code == 1);
        CHECK_THAT(ready.out, Catch::Contains("no replication configured"));
    }
    SECTION("a stopped server is not live, and says where it looked") {
        server->stop();
        const auto down = probe("live", "mysql-1");
        CHECK(down.code == 1);
        CHECK_THAT(down.out, Catch::StartsWith("not live: mysqld at unix:" + socket + " does not answer"));
        CHECK(std::count(down.out.begin(), down.out.end(), '\n') == 1);
    }
}
