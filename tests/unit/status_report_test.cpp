#include <catch2/catch.hpp>

#include <sstream>

#include "mysql_agent/core/metrics_text.hpp"
#include "mysql_agent/core/status_report.hpp"

using namespace mysql_agent;

namespace {

status_facts replica_facts() {
    status_facts f;
    f.pod = "mysql-1";
    f.endpoint = "unix:/run/mysqld/mysqld.sock";
    f.mysqld_answers = true;
    f.server_id = 101;
    f.flavor = "MariaDB";
    f.version = "10.11.6-MariaDB-0+deb12u1";
    f.read_only = true;
    f.gtid_variable = "@@gtid_current_pos";
    f.gtid_position = "0-100-42";
    f.replica.configured = true;
    f.replica.io_running = "Yes";
    f.replica.sql_running = "Yes";
    f.source_host = "mysql-0.mysql";
    f.source_port = 3306;
    f.seconds_behind = 0;
    f.marker = agent_metrics_facts::marker_state::present;
    f.clone.source = "mysql-0.mysql:3307";
    f.clone.finished_at = "2024-05-01T10:00:12Z";
    f.clone.stream_bytes = 1500000;
    f.clone.datadir_bytes = 2500000000;
    f.clone.duration_seconds = 12.34;
    f.replication_applied = true;
    f.sidecar = "127.0.0.1:3307";
    f.sidecar_reachable = true;
    backup_counter_values b;
    b.started = 3;
    b.succeeded = 2;
    b.failed = 1;
    b.bytes = 3000000;
    f.backups = b;
    return f;
}

template <typename F>
status_facts with(F change) {
    status_facts f = replica_facts();
    change(f);
    return f;
}

}  // namespace

TEST_CASE("status table: each fact on its own line, unknowns say why", "[status]") {
    struct row {
        const char* name;
        status_facts facts;
        std::vector<std::string> lines_containing;
        std::vector<std::string> absent;
    };
    const row rows[] = {
        {"a healthy cloned replica",
         replica_facts(),
         {"mysql-1 (replica)", "MariaDB 10.11.6-MariaDB-0+deb12u1", "101", "0-100-42  (@@gtid_current_pos)",
          "from mysql-0.mysql:3306, running", "0 s", "from mysql-0.mysql:3307", "1.5 MB streamed, 2.5 GB in the datadir",
          "12.3s", "2 ok, 1 failed, 0 in flight (3.0 MB sent)"},
         {"does not answer", "not reachable"}},
        {"mysqld down: says where and why, shows no server facts",
         with([](auto& f) {
             f.mysqld_answers = false;
             f.mysqld_error = "Can't connect\nto server";
         }),
         {"does not answer at unix:/run/mysqld/mysqld.sock: Can't connect to server", "from mysql-0.mysql:3307"},
         {"server-id", "IO thread"}},
        {"a failed SQL thread shows FAILED and the error",
         with([](auto& f) {
             f.replica.sql_running = "No";
             f.replica.last_sql_errno = 1062;
             f.replica.last_sql_error = "Duplicate entry";
             f.seconds_behind.reset();
         }),
         {"FAILED", "1062: Duplicate entry", "unknown (NULL"},
         {}},
        {"primary without replication or clone",
         with([](auto& f) {
             f.pod = "mysql-0";
             f.is_primary = true;
             f.replica = {};
             f.marker = agent_metrics_facts::marker_state::absent;
         }),
         {"mysql-0 (primary)", "none (this is the primary)", "none (no clone marker"},
         {"IO thread"}},
        {"sidecar unreachable",
         with([](auto& f) {
             f.sidecar_reachable = false;
             f.sidecar_error = "Connection refused";
             f.backups.reset();
         }),
         {"sidecar not reachable at 127.0.0.1:3307: Connection refused"},
         {"in flight"}},
        {"unreadable marker names the problem",
         with([](auto& f) {
             f.marker = agent_metrics_facts::marker_state::unreadable;
             f.marker_problem = "bad JSON at line 1";
         }),
         {"marker unreadable: bad JSON at line 1"},
         {"streamed"}},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        const std::string table = render_status_table(r.facts);
        INFO(table);
        for (const auto& s : r.lines_containing) CHECK_THAT(table, Catch::Contains(s));
        for (const auto& s : r.absent) CHECK_THAT(table, !Catch::Contains(s));
        // Every line: a label, at least two spaces, a value, all aligned on one column.
        std::size_t column = std::string::npos;
        std::istringstream in(table);
        for (std::string line; std::getline(in, line);) {
            const auto gap = line.find("  ", line.find_first_not_of(' '));
            REQUIRE(gap != std::string::npos);
            const auto value_at = line.find_first_not_of(' ', gap);
            if (column == std::string::npos) column = value_at;
            CHECK(value_at == column);
        }
    }
}

TEST_CASE("status JSON: nulls for the unknown, numbers as numbers", "[status]") {
    const auto j = status_json(replica_facts());
    CHECK(j["role"] == "replica");
    CHECK(j["mysqld"]["server_id"] == 101);
    CHECK(j["mysqld"]["gtid"]["position"] == "0-100-42");
    CHECK(j["replication"]["seconds_behind"] == 0);
    CHECK(j["replication"]["source"]["host"] == "mysql-0.mysql");
    CHECK(j["clone"]["marker"] == "present");
    CHECK(j["clone"]["stream_bytes"] == 1500000);
    CHECK(j["sidecar"]["backups"]["failed"] == 1);

    const auto down = status_json(with([](auto& f) {
        f.mysqld_answers = false;
        f.server_id.reset();
        f.sidecar_reachable = false;
        f.backups.reset();
    }));
    CHECK(down["mysqld"]["answers"] == false);
    CHECK(down["mysqld"]["server_id"].is_null());
    CHECK(down["replication"].is_null());
    CHECK(down["sidecar"]["backups"].is_null());
}

TEST_CASE("backup counters read back from the sidecar's metrics text", "[status]") {
    agent_metrics_facts m;
    m.version = "1";
    m.backups.started = 7;
    m.backups.succeeded = 5;
    m.backups.failed = 1;
    m.backups.in_flight = 1;
    m.backups.bytes = 123456789012;
    const auto text = render_metrics(agent_metric_families(m));
    const auto b = backup_counters_from_metrics(text);
    REQUIRE(b.has_value());
    CHECK(b->started == 7);
    CHECK(b->succeeded == 5);
    CHECK(b->failed == 1);
    CHECK(b->in_flight == 1);
    CHECK(b->bytes == 123456789012);
    CHECK_FALSE(backup_counters_from_metrics("# not ours\nsomething_else 1\n").has_value());
}

TEST_CASE("human units", "[status]") {
    struct row {
        const char* name;
        std::string got;
        const char* want;
    };
    const row rows[] = {
        {"bytes below a kilobyte", human_bytes(999), "999 B"},
        {"kilobytes", human_bytes(1500), "1.5 kB"},
        {"gigabytes", human_bytes(2500000000), "2.5 GB"},
        {"seconds with a decimal", human_duration(4.25), "4.2s"},
        {"minutes", human_duration(125), "2m 05s"},
        {"hours", human_duration(7384), "2h 03m 04s"},
        {"negative is unknown", human_duration(-1), "unknown"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(r.got == r.want);
    }
}

TEST_CASE("GTID position variable by flavour", "[status]") {
    server_version mariadb;
    mariadb.flavor = server_flavor::mariadb;
    server_version mysql;
    CHECK(gtid_position_variable(mariadb) == "@@gtid_current_pos");
    CHECK(gtid_position_variable(mysql) == "@@gtid_executed");
}
