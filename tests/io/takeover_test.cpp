// The takeover of a re-seeded primary against real MariaDB servers (primary_takeover.hpp, takeover_runner.hpp): a
// write the server accepted is never erased from its binlog. A clone of a replica (real mariabackup) is started as
// the re-seeded ordinal 0, read-only as init leaves it, and its sidecar's setup is killed between two statements of
// the takeover (a fault injected after a named statement); root writes meanwhile, as an operator or a client with
// READ_ONLY ADMIN would. The next run finishes without a reset, or refuses, and the writes stay in the binlog.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "mariadb_server.hpp"
#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/primary_takeover.hpp"
#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/io/backup_dir.hpp"
#include "mysql_agent/io/replication_runner.hpp"

using namespace mysql_agent;
using namespace std::chrono_literals;
using test_support::mariadb_server;
namespace fs = std::filesystem;

namespace {

const std::string repl_password = "r3pl-takeover";

std::string value(mysql_client& c, const std::string& sql) {
    const auto rows = c.query(sql);
    REQUIRE(rows.size() == 1);
    return rows.front().begin()->second.value_or("");
}

replication_options primary_options(const mariadb_server& server) {
    replication_options o;
    o.local = server.root_socket();
    o.datadir = server.datadir();
    o.is_primary = true;
    o.replication.source = replication_source{"127.0.0.1", server.port(), "repl", repl_password};
    o.wait_for_server = 30s;
    return o;
}

void insert_rows(mysql_client& c, int first, int count, const std::string& tag = "row") {
    std::string sql = "INSERT INTO app.t (id, v) VALUES ";
    for (int i = first; i < first + count; ++i)
        sql += (i == first ? "" : ",") + ("(" + std::to_string(i) + ", '" + tag + "-" + std::to_string(i) + "')");
    c.execute(sql);
}

/// The Gtid_list the oldest binlog file of `c` opens with.
std::string binlog_start(mysql_client& c) {
    const auto files = c.query("SHOW BINARY LOGS");
    REQUIRE_FALSE(files.empty());
    for (const auto& row : c.query(binlog_start_query(files.front().at("Log_name").value_or(""))))
        if (row.at("Event_type").value_or("") == "Gtid_list")
            return gtid_list_of_event_info(row.at("Info").value_or("")).value_or("?");
    return "?";
}

/// Every binlog file's raw bytes: a row's value is in them (statement or row event) exactly when it was logged.
std::string binlog_bytes(const mariadb_server& server) {
    std::string all;
    for (const auto& e : fs::directory_iterator(server.datadir())) {
        const std::string name = e.path().filename().string();
        if (name.rfind("mariadb-bin.", 0) != 0 || name == "mariadb-bin.index") continue;
        std::ifstream in(e.path(), std::ios::binary);
        all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
}

struct killed_here : std::runtime_error {
    killed_here() : std::runtime_error("sidecar killed (injected)") {}
};

/// A primary with rows, a mariabackup clone of it marked as a re-seed of ordinal 0, started on its own as the
/// re-seeded primary would be: server id 1 (ordinal 0's), binlog on, read-only (init's reseed-read-only.cnf).
struct reseeded {
    test_support::temp_dir work;
    std::unique_ptr<mariadb_server> donor;
    std::unique_ptr<mariadb_server> server;
    std::string position;  // P
};

std::unique_ptr<reseeded> make_reseeded() {
    auto r = std::make_unique<reseeded>();
    mariadb_server::options donor_options;
    donor_options.server_id = 1;
    r->donor = mariadb_server::start_fresh(donor_options);
    {
        auto c = r->donor->root();
        c.execute("CREATE DATABASE app");
        c.execute("CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(64)) ENGINE=InnoDB");
        insert_rows(c, 1, 50);
    }
    const fs::path target = r->work.path() / "clone";
    const fs::path cnf = r->work.path() / "client.cnf";
    std::ofstream(cnf) << "[client]\nuser=root\nsocket=" << r->donor->socket().string() << "\n";
    test_support::run_tool({"mariabackup", "--defaults-file=" + cnf.string(), "--backup",
                            "--target-dir=" + target.string()},
                           r->work.path() / "backup.log");
    test_support::run_tool({"mariabackup", "--defaults-file=" + cnf.string(), "--prepare",
                            "--target-dir=" + target.string()},
                           r->work.path() / "prepare.log");
    const auto metadata = parse_backup_metadata(read_backup_files(target));
    REQUIRE(metadata.has_value());
    clone_marker marker;
    marker.source = "mysql-1.mysql:3307";
    marker.coordinates = *metadata;
    marker.digest = "xxh3-64:0000000000000000";
    marker.started_at = marker.finished_at = "2024-01-01T00:00:00Z";
    marker.reseed = reseed_record{true, "ordinal 0's datadir was empty", "0-1-52"};
    write_file_atomically(target / clone_marker_file, marker_to_json(marker));
    r->donor->stop();  // the old primary is gone

    mariadb_server::options o;
    o.server_id = 1;
    o.extra_args = {"--read-only"};
    r->server = mariadb_server::start_on(target, o);
    const auto p = takeover_position(*metadata, parse_server_version("10.11.0-MariaDB").value());
    REQUIRE(p.has_value());
    r->position = *p;
    return r;
}

/// Runs the sidecar's setup with a kill injected right after the statement that starts with `after`.
void run_killed_after(const reseeded& r, const std::string& after) {
    auto o = primary_options(*r.server);
    o.after_takeover_statement = [after](const sql_statement& s) {
        if (s.text.rfind(after, 0) == 0) throw killed_here();
    };
    CHECK_THROWS_AS(run_replication_setup(o, std::stop_token{}), killed_here);
}

std::uint64_t seq_of(const std::string& position, std::uint32_t domain = 0) {
    const auto p = parse_mariadb_gtid_position(position);
    REQUIRE(p.has_value());
    return p->seq_in(domain).value_or(0);
}

}  // namespace

TEST_CASE("takeover: a re-seeded primary continues the clone's history, and a second run resets nothing",
          "[mysql][takeover]") {
    auto r = make_reseeded();
    auto c = r->server->root();
    REQUIRE(value(c, "SELECT @@GLOBAL.gtid_binlog_state") == "");
    const auto out = run_replication_setup(primary_options(*r->server), std::stop_token{});
    CHECK(out.action == replication_action::take_over);
    CHECK_THAT(out.message, Catch::Contains("takeover full"));
    CHECK(binlog_start(c) == r->position);
    CHECK(value(c, "SELECT @@GLOBAL.read_only") == "0");
    CHECK(fs::exists(r->server->datadir() / takeover_record_file));
    // The first GTID past the clone's jumped 2^32: no member can hold it.
    const auto base = seq_of(r->position);
    CHECK(seq_of(value(c, "SELECT @@GLOBAL.gtid_binlog_pos")) >= base + takeover_seq_jump);
    CHECK(value(c, "SELECT COUNT(*) FROM mysql_agent.takeovers WHERE position = '" + r->position + "'") == "1");

    insert_rows(c, 1001, 10, "after");
    const std::string state = value(c, "SELECT @@GLOBAL.gtid_binlog_state");
    fs::remove(r->server->datadir() / replication_applied_file);  // the record lost: the server's state decides
    const auto again = run_replication_setup(primary_options(*r->server), std::stop_token{});
    CHECK(again.action == replication_action::take_over);
    CHECK_THAT(again.message, Catch::Contains("takeover finish"));
    CHECK(value(c, "SELECT @@GLOBAL.gtid_binlog_state") == state);  // nothing reset, nothing jumped again
    CHECK(binlog_start(c) == r->position);
    CHECK(value(c, "SELECT COUNT(*) FROM app.t") == "60");
}

TEST_CASE("takeover: killed after the reset, root writes, the next run finishes without erasing them",
          "[mysql][takeover]") {
    auto r = make_reseeded();
    run_killed_after(*r, "SET GLOBAL gtid_binlog_state");
    auto c = r->server->root();
    REQUIRE(value(c, "SELECT @@GLOBAL.read_only") == "1");
    insert_rows(c, 2001, 1000, "kept");  // root passes read_only on MariaDB
    const std::string logged = value(c, "SELECT @@GLOBAL.gtid_binlog_state");
    REQUIRE(binlog_bytes(*r->server).find("kept-2001") != std::string::npos);

    const auto out = run_replication_setup(primary_options(*r->server), std::stop_token{});
    CHECK(out.action == replication_action::take_over);
    CHECK_THAT(out.message, Catch::Contains("takeover finish"));
    CHECK(binlog_start(c) == r->position);
    CHECK(binlog_bytes(*r->server).find("kept-2001") != std::string::npos);  // still in the binlog
    CHECK(seq_of(value(c, "SELECT @@GLOBAL.gtid_binlog_pos")) > seq_of(logged));
    CHECK(value(c, "SELECT COUNT(*) FROM app.t") == "1050");
    CHECK(value(c, "SELECT @@GLOBAL.read_only") == "0");
}

TEST_CASE("takeover: killed between RESET MASTER and the GTID state, root writes: refused, nothing erased",
          "[mysql][takeover]") {
    auto r = make_reseeded();
    run_killed_after(*r, "RESET MASTER");
    auto c = r->server->root();
    insert_rows(c, 3001, 1000, "landed");
    const std::string logged = value(c, "SELECT @@GLOBAL.gtid_binlog_state");
    REQUIRE_FALSE(logged.empty());

    const auto out = run_replication_setup(primary_options(*r->server), std::stop_token{});
    CHECK(out.action == replication_action::report_error);
    CHECK_THAT(out.message, Catch::Contains("takeover refused") && Catch::Contains(logged) &&
                                Catch::Contains("mysql-agent reseed"));
    CHECK(value(c, "SELECT @@GLOBAL.gtid_binlog_state") == logged);
    CHECK(binlog_bytes(*r->server).find("landed-3001") != std::string::npos);
    CHECK(value(c, "SELECT @@GLOBAL.read_only") == "1");
    CHECK_FALSE(fs::exists(r->server->datadir() / replication_applied_file));
    // Again: the same answer (the server's state, not a record, decides).
    CHECK(run_replication_setup(primary_options(*r->server), std::stop_token{}).action ==
          replication_action::report_error);
}

TEST_CASE("takeover: a root write issued while the reset runs waits for it and is logged after it",
          "[mysql][takeover]") {
    auto r = make_reseeded();
    std::thread writer;
    std::atomic<bool> wrote{false};
    auto o = primary_options(*r->server);
    o.after_takeover_statement = [&](const sql_statement& s) {
        if (s.text.rfind("FLUSH TABLES WITH READ LOCK", 0) != 0) return;
        writer = std::thread([&] {
            auto w = r->server->root();
            insert_rows(w, 4001, 1000, "waited");
            wrote = true;
        });
        // Wait until the write is issued and blocked by the lock (the server says so), then let the reset run.
        auto watch = r->server->root();
        const auto until = std::chrono::steady_clock::now() + 30s;
        while (value(watch, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE "
                            "'INSERT INTO app.t%' AND STATE LIKE '%lock%'") != "1") {
            REQUIRE(std::chrono::steady_clock::now() < until);
            std::this_thread::sleep_for(5ms);
        }
        CHECK_FALSE(wrote.load());
    };
    const auto out = run_replication_setup(o, std::stop_token{});
    REQUIRE(writer.joinable());  // the lock was taken, and the write issued under it
    writer.join();
    CHECK(out.action == replication_action::take_over);
    CHECK_THAT(out.message, Catch::Contains("takeover full"));
    auto c = r->server->root();
    CHECK(binlog_start(c) == r->position);
    CHECK(binlog_bytes(*r->server).find("waited-4001") != std::string::npos);
    CHECK(value(c, "SELECT COUNT(*) FROM app.t") == "1050");
}
