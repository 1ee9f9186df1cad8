// run_replication_setup against real MariaDB servers: a primary keeps its accounts; a replica cloned with real
// mariabackup is configured once from its clone marker (GTID, and file/position), and restarts never configure it
// again; stopped threads are started; waiting for mysqld honours the stop flag and the deadline.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <thread>

#include "mariadb_server.hpp"
#include "mysql_agent/atomic_file.hpp"
#include "mysql_agent/backup_dir.hpp"
#include "mysql_agent/backup_metadata.hpp"
#include "mysql_agent/clone_marker.hpp"
#include "mysql_agent/mysql_client.hpp"
#include "mysql_agent/replication_runner.hpp"

using namespace mysql_agent;
using namespace std::chrono_literals;
using test_support::mariadb_server;
namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;

const std::string repl_password = "r3pl-Pa55'w\\rd";  // a quote and a backslash travel through every layer

mariadb_server::options server_options(unsigned server_id) {
    mariadb_server::options o;
    o.server_id = server_id;
    return o;
}

double seconds_since(clock_type::time_point t0) { return std::chrono::duration<double>(clock_type::now() - t0).count(); }

std::string value(mysql_client& c, const std::string& sql) {
    const auto rows = c.query(sql);
    REQUIRE(rows.size() == 1);
    return rows.front().begin()->second.value_or("");
}

sql_row slave_status(mysql_client& c) {
    const auto rows = c.query("SHOW SLAVE STATUS");
    REQUIRE(rows.size() == 1);
    return rows.front();
}

std::string column(const sql_row& row, const char* name) { return row.at(name).value_or(""); }

/// Polls `done` every `step` until it holds or `timeout` passes; returns whether it held.
template <class F>
bool wait_until(F&& done, std::chrono::milliseconds timeout = 30s, std::chrono::milliseconds step = 5ms) {
    const auto until = clock_type::now() + timeout;
    while (clock_type::now() < until) {
        if (done()) return true;
        std::this_thread::sleep_for(step);
    }
    return done();
}

void measured(const std::string& what, double seconds) {
    std::fprintf(stderr, "measured: %s: %.3f s\n", what.c_str(), seconds);
}

replication_config cluster_config(const mariadb_server& primary) {
    replication_config c;
    c.source = replication_source{"127.0.0.1", primary.port(), "repl", repl_password};
    return c;
}

replication_options primary_options(const mariadb_server& primary) {
    replication_options o;
    o.local = primary.root_socket();
    o.datadir = primary.datadir();
    o.is_primary = true;
    o.replication = cluster_config(primary);
    o.wait_for_server = 30s;
    return o;
}

replication_options replica_options(const mariadb_server& replica, const mariadb_server& primary) {
    replication_options o;
    o.local = replica.root_socket();
    o.datadir = replica.datadir();
    o.is_primary = false;
    o.replication = cluster_config(primary);
    o.wait_for_server = 30s;
    o.verify_timeout = 30s;
    return o;
}

replication_outcome run(const replication_options& o) {
    const std::atomic<bool> stop{false};
    return run_replication_setup(o, stop);
}

/// A mariadb option file: `mariabackup --defaults-file` reads only it (not /etc/mysql), and keeps the password off
/// the command line.
fs::path option_file(const fs::path& dir, const std::string& user, const std::string& password,
                     const fs::path& socket) {
    const fs::path path = dir / ("client-" + user + ".cnf");
    std::ofstream(path) << "[client]\nuser=" << user << "\npassword=" << password << "\nsocket=" << socket.string()
                        << "\n";
    return path;
}

void insert_rows(mysql_client& c, int first, int count) {
    std::string sql = "INSERT INTO app.t (id, v) VALUES ";
    for (int i = first; i < first + count; ++i)
        sql += (i == first ? "" : ",") + ("(" + std::to_string(i) + ", REPEAT(MD5(" + std::to_string(i) + "), 3))");
    c.execute(sql);
}

int row_count(mysql_client& c) { return std::stoi(value(c, "SELECT COUNT(*) FROM app.t")); }

std::string checksum(mysql_client& c) {
    const auto rows = c.query("CHECKSUM TABLE app.t");
    REQUIRE(rows.size() == 1);
    return rows.front().at("Checksum").value_or("");
}

/// A primary with its accounts, a table and `rows` rows.
std::unique_ptr<mariadb_server> primary_with_rows(int rows) {
    auto primary = mariadb_server::start_fresh(server_options(1));
    REQUIRE(run(primary_options(*primary)).action == replication_action::ensure_users);
    auto c = primary->root();
    c.execute("CREATE DATABASE app");
    c.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(128)) ENGINE=InnoDB");
    insert_rows(c, 1, rows);
    return primary;
}

/// What the agent's clone leaves behind, made with real mariabackup: a prepared backup of `primary` with the
/// clone marker written last. Returns the directory (to become the replica's datadir) and its coordinates.
struct clone_result {
    fs::path datadir;
    backup_metadata coordinates;
};
clone_result clone_of(const mariadb_server& primary, const fs::path& work) {
    const fs::path target = work / "clone";
    const fs::path cnf = option_file(work, "root", "", primary.socket());
    const auto t0 = clock_type::now();
    test_support::run_tool({"mariabackup", "--defaults-file=" + cnf.string(), "--backup", "--target-dir=" + target.string()},
                           work / "backup.log");
    test_support::run_tool({"mariabackup", "--defaults-file=" + cnf.string(), "--prepare", "--target-dir=" + target.string()},
                           work / "prepare.log");
    measured("mariabackup --backup + --prepare of the primary", seconds_since(t0));
    const auto metadata = parse_backup_metadata(read_backup_files(target));
    REQUIRE(metadata.has_value());
    clone_marker marker;
    marker.source = "127.0.0.1:" + std::to_string(primary.port());
    marker.coordinates = *metadata;
    marker.digest = "xxh3-64:0000000000000000";
    marker.tool_version = "mariabackup (test)";
    marker.server_version = "10.11";
    marker.started_at = marker.finished_at = "2024-01-01T00:00:00Z";
    write_file_atomically(target / clone_marker_file, marker_to_json(marker));
    return {target, *metadata};
}

bool both_threads_run(mysql_client& c) {
    const auto s = slave_status(c);
    return column(s, "Slave_IO_Running") == "Yes" && column(s, "Slave_SQL_Running") == "Yes";
}

/// The replica has applied everything the primary logged (GTID positions; the row becomes visible a moment before
/// gtid_slave_pos moves).
bool caught_up(mysql_client& primary, mysql_client& replica) {
    return value(replica, "SELECT @@GLOBAL.gtid_slave_pos") == value(primary, "SELECT @@GLOBAL.gtid_binlog_pos");
}

/// Inserts a row on the primary and returns how long it took to be visible on the replica.
double row_arrival(mysql_client& primary, mysql_client& replica, int id) {
    insert_rows(primary, id, 1);
    const auto t0 = clock_type::now();
    REQUIRE(wait_until([&] { return value(replica, "SELECT COUNT(*) FROM app.t WHERE id = " + std::to_string(id)) == "1"; },
                       30s, 1ms));
    return seconds_since(t0);
}

}  // namespace

TEST_CASE("primary: the accounts are created once, kept in sync, and do their jobs", "[mysql]") {
    auto primary = mariadb_server::start_fresh(server_options(1));
    auto options = primary_options(*primary);
    options.replication.backup_account = account_spec{account_kind::backup, "backup", "localhost", "b4ckup-Pa55"};

    const auto first = run(options);
    CHECK(first.action == replication_action::ensure_users);
    CHECK_THAT(first.message, !Catch::Contains("r3pl"));
    const auto again = run(options);  // a restart: the same statements are harmless
    CHECK(again.action == replication_action::ensure_users);

    auto root = primary->root();
    CHECK(value(root, "SELECT COUNT(*) FROM mysql.user WHERE user IN ('repl', 'backup')") == "2");
    const auto grants = root.query("SHOW GRANTS FOR 'repl'@'%'");
    REQUIRE_FALSE(grants.empty());
    CHECK_THAT(grants.front().begin()->second.value_or(""), Catch::Contains("GRANT REPLICATION SLAVE ON *.*"));

    SECTION("the replication user logs in over TCP; a rotated password is synced, the old one refused") {
        auto repl = primary->root_tcp();
        repl.user = "repl";
        repl.password = repl_password;
        CHECK_NOTHROW(mysql_client(repl));
        options.replication.source.password = "rotated-Pa55";
        CHECK(run(options).action == replication_action::ensure_users);
        try {
            mysql_client old(repl);
            FAIL("the old password still works");
        } catch (const mysql_error& e) {
            CHECK(is_access_denied(e));
        }
        repl.password = "rotated-Pa55";
        CHECK_NOTHROW(mysql_client(repl));
    }
    SECTION("the backup user's grants are all mariabackup checks, even with --slave-info") {
        test_support::temp_dir work;
        const fs::path cnf = option_file(work.path(), "backup", "b4ckup-Pa55", primary->socket());
        test_support::run_tool({"mariabackup", "--defaults-file=" + cnf.string(), "--backup", "--slave-info",
                                "--target-dir=" + (work.path() / "b").string()},
                               work.path() / "backup.log");
        const std::string log = test_support::file_tail(work.path() / "backup.log", 1 << 20);
        CHECK_THAT(log, !Catch::Contains("missing required privilege"));
        CHECK_THAT(log, Catch::Contains("completed OK"));
    }
}

TEST_CASE("replica from a mariabackup clone, GTID: configured once, never reset again", "[mysql]") {
    test_support::temp_dir work;
    auto primary = primary_with_rows(100);
    const auto clone = clone_of(*primary, work.path());
    REQUIRE(clone.coordinates.binlog.has_value());
    const std::string clone_gtid = clone.coordinates.binlog->gtid_set;
    REQUIRE_FALSE(clone_gtid.empty());
    auto p = primary->root();
    insert_rows(p, 101, 50);  // written after the backup: only replication can bring them

    auto replica = mariadb_server::start_on(clone.datadir, server_options(2));
    const auto options = replica_options(*replica, *primary);
    const auto t0 = clock_type::now();
    const auto outcome = run(options);
    measured("run_replication_setup configure (GTID) until both threads run", seconds_since(t0));
    CHECK(outcome.action == replication_action::configure);
    CHECK_FALSE(outcome.stopped);

    auto r = replica->root();
    CHECK(both_threads_run(r));
    CHECK(column(slave_status(r), "Using_Gtid") == "Slave_Pos");
    REQUIRE(wait_until([&] { return row_count(r) == 150; }));
    CHECK(checksum(r) == checksum(p));
    measured("a row written on the primary is visible on the replica", row_arrival(p, r, 151));

    const auto applied = read_file_if_exists(replica->datadir() / replication_applied_file);
    REQUIRE(applied.has_value());
    CHECK_THAT(*applied, Catch::Contains("GTID " + clone_gtid) && Catch::Contains("MASTER_PASSWORD='<redacted>'"));
    CHECK_THAT(*applied, !Catch::Contains("r3pl"));

    // From here on, rewinding gtid_slave_pos to the clone's set would replay rows 101..: duplicate keys.
    REQUIRE(wait_until([&] { return caught_up(p, r); }));
    const std::string advanced = value(r, "SELECT @@GLOBAL.gtid_slave_pos");
    REQUIRE(advanced != clone_gtid);

    // The restarts below run in sequence on the same replica, each from the state the previous one left.
    {
        INFO("a sidecar restart while it replicates: ok, nothing run");
        const auto again = run(options);
        CHECK(again.action == replication_action::ok);
        CHECK(value(r, "SELECT @@GLOBAL.gtid_slave_pos") == advanced);
        CHECK(both_threads_run(r));
        CHECK(*read_file_if_exists(replica->datadir() / replication_applied_file) == *applied);
    }
    {
        INFO("a crash before the record was written: recorded, not reset");
        fs::remove(replica->datadir() / replication_applied_file);
        const auto again = run(options);
        CHECK(again.action == replication_action::record_applied);
        CHECK(value(r, "SELECT @@GLOBAL.gtid_slave_pos") == advanced);
        CHECK(fs::exists(replica->datadir() / replication_applied_file));
        row_arrival(p, r, 152);
    }
    {
        INFO("the SQL thread stopped without an error: started, rows applied once");
        r.execute("STOP SLAVE SQL_THREAD");
        insert_rows(p, 153, 10);
        const auto again = run(options);
        CHECK(again.action == replication_action::start);
        CHECK(both_threads_run(r));
        REQUIRE(wait_until([&] { return row_count(r) == 162; }));
        CHECK(column(slave_status(r), "Last_SQL_Errno") == "0");
        CHECK(checksum(r) == checksum(p));
    }
    {
        INFO("mariadbd restarted with --skip-slave-start: started, not reconfigured");
        replica->stop();
        insert_rows(p, 163, 10);
        replica->start({"--skip-slave-start"});
        r = replica->root();
        CHECK(column(slave_status(r), "Slave_IO_Running") == "No");
        const auto again = run(options);
        CHECK(again.action == replication_action::start);
        CHECK(both_threads_run(r));
        REQUIRE(wait_until([&] { return row_count(r) == 172; }));
        CHECK(checksum(r) == checksum(p));
        CHECK(wait_until([&] { return caught_up(p, r); }));
    }
    {
        INFO("a failed SQL thread is reported, not reset");
        // A row only the replica has makes the primary's insert of the same key fail on the replica.
        REQUIRE(wait_until([&] { return caught_up(p, r); }));
        const std::string before = value(r, "SELECT @@GLOBAL.gtid_slave_pos");
        r.execute("SET SESSION sql_log_bin = 0");
        r.execute("INSERT INTO app.t (id, v) VALUES (999, 'replica only')");
        insert_rows(p, 999, 1);
        REQUIRE(wait_until([&] { return column(slave_status(r), "Last_SQL_Errno") == "1062"; }));
        const auto again = run(options);
        CHECK(again.action == replication_action::report_error);
        CHECK_THAT(again.message, Catch::Contains("1062"));
        CHECK(column(slave_status(r), "Slave_SQL_Running") == "No");  // left as found
        CHECK(value(r, "SELECT @@GLOBAL.gtid_slave_pos") == before);
    }
}

TEST_CASE("replica from a clone by file and position, after a wrong password", "[mysql]") {
    test_support::temp_dir work;
    auto primary = primary_with_rows(100);
    const auto clone = clone_of(*primary, work.path());
    auto p = primary->root();
    insert_rows(p, 101, 20);
    auto replica = mariadb_server::start_on(clone.datadir, server_options(3));

    auto options = replica_options(*replica, *primary);
    options.replication.gtid = gtid_choice::off;
    options.replication.source.password = "wrong-password";
    options.verify_timeout = 20s;
    const auto refused_at = clock_type::now();
    try {
        run(options);
        FAIL("replication with a wrong password was accepted");
    } catch (const replication_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("1045") && Catch::Contains("refused the replication user 'repl'"));
        CHECK_THAT(e.what(), !Catch::Contains("wrong-password"));
    }
    CHECK(seconds_since(refused_at) < 10);  // access denied fails fast, it does not wait out verify_timeout
    CHECK_FALSE(fs::exists(replica->datadir() / replication_applied_file));

    options.replication.source.password = repl_password;  // the operator fixed the Secret; the pod restarts
    const auto t0 = clock_type::now();
    const auto outcome = run(options);
    measured("run_replication_setup configure (file/position, over the failed attempt)", seconds_since(t0));
    CHECK(outcome.action == replication_action::configure);
    // The IO thread was still retrying with the old password: stopped first, then configured again from scratch.
    CHECK_THAT(outcome.message, Catch::Contains("stopping it to decide") && Catch::Contains("applied nothing since"));

    auto r = replica->root();
    CHECK(both_threads_run(r));
    CHECK(column(slave_status(r), "Using_Gtid") == "No");
    REQUIRE(wait_until([&] { return row_count(r) == 120; }));
    CHECK(checksum(r) == checksum(p));
    measured("a row written on the primary is visible on the replica (file/position)", row_arrival(p, r, 121));
    CHECK(fs::exists(replica->datadir() / replication_applied_file));
    CHECK(run(options).action == replication_action::ok);
}

TEST_CASE("waiting for the local mysqld", "[mysql]") {
    auto server = mariadb_server::create_fresh(server_options(1));  // not started yet
    auto options = primary_options(*server);
    options.retry_initial = 20ms;
    options.retry_max = 200ms;
    options.progress_interval = 500ms;

    SECTION("connects once mysqld is up") {
        // The runner waits on its own thread; mariadbd is started from this one (the helper's children die with
        // the thread that started them).
        const auto t0 = clock_type::now();
        replication_outcome outcome;
        std::exception_ptr failure;
        std::thread runner([&] {
            try {
                outcome = run(options);
            } catch (...) {
                failure = std::current_exception();
            }
        });
        std::this_thread::sleep_for(1s);
        try {
            server->start();
        } catch (...) {
            runner.join();
            throw;
        }
        runner.join();
        if (failure) std::rethrow_exception(failure);
        CHECK(outcome.action == replication_action::ensure_users);
        CHECK(seconds_since(t0) >= 1.0);
    }
    SECTION("the stop flag ends the wait") {
        std::atomic<bool> stop{false};
        std::thread stopper([&] {
            std::this_thread::sleep_for(300ms);
            stop = true;
        });
        const auto t0 = clock_type::now();
        const auto outcome = run_replication_setup(options, stop);
        stopper.join();
        CHECK(outcome.stopped);
        CHECK(seconds_since(t0) < 1.0);
    }
    SECTION("the deadline ends the wait with a connection error") {
        options.wait_for_server = 500ms;
        try {
            run(options);
            FAIL("no error after the deadline");
        } catch (const mysql_error& e) {
            CHECK(is_connection_error(e));
            CHECK_THAT(e.what(), Catch::Contains("did not accept connections within"));
        }
    }
    SECTION("access denied does not wait") {
        server->start();
        options.local.user = "nobody";
        const auto t0 = clock_type::now();
        try {
            run(options);
            FAIL("no error for an unknown user");
        } catch (const mysql_error& e) {
            CHECK(is_access_denied(e));
        }
        CHECK(seconds_since(t0) < 2.0);
    }
}
