// run_replication_setup against real MariaDB servers: a primary keeps its accounts, from client-side hashes and only
// when something must change (the clear password never reaches the binlog); a replica cloned with real mariabackup
// is configured once from its clone marker (GTID, and file/position), and restarts never configure it again; stopped
// threads are started; waiting for mysqld honours the stop flag and the deadline. Also the hashes themselves
// (password_hash.hpp) against known vectors.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "mariadb_server.hpp"
#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/io/backup_dir.hpp"
#include "mysql_agent/core/backup_gate.hpp"
#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/io/password_hash.hpp"
#include "mysql_agent/io/cluster_position.hpp"
#include "mysql_agent/io/replication_runner.hpp"
#include "mysql_agent/io/replica_reconciler.hpp"

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
    return run_replication_setup(o, std::stop_token{});
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

/// "mariadb-bin.000002:1234": where the binlog ends (SHOW MASTER STATUS); unchanged when nothing was logged.
std::string binlog_end(mysql_client& c) {
    const auto rows = c.query("SHOW MASTER STATUS");
    REQUIRE(rows.size() == 1);
    return column(rows.front(), "File") + ":" + column(rows.front(), "Position");
}

/// Every binlog file of `server` as mariadb-binlog prints it, followed by its raw bytes: what a replica's relay log
/// or a binlog archive would hold.
std::string binlog_contents(const mariadb_server& server, const fs::path& work) {
    std::string all;
    int files = 0;
    for (const auto& e : fs::directory_iterator(server.datadir())) {
        const std::string name = e.path().filename().string();
        if (name.rfind("mariadb-bin.", 0) != 0 || name == "mariadb-bin.index") continue;
        const fs::path printed = work / (name + ".txt");
        fs::remove(printed);
        test_support::run_tool({"mariadb-binlog", "--no-defaults", e.path().string()}, printed);
        all += test_support::file_tail(printed, 1 << 30) + test_support::file_tail(e.path(), 1 << 30);
        ++files;
    }
    REQUIRE(files > 0);
    return all;
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

TEST_CASE("password hashes: known vectors", "[password]") {
    struct native_row {
        const char* name;
        std::string password;
        const char* hash;
    };
    // Cross-checked with MariaDB 10.11's PASSWORD() and Python's hashlib.
    const native_row natives[] = {
        {"the classic vector", "password", "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"},
        {"a quote and a backslash", "s3cr'et\\pw", "*E6F898189F13DCD30A129FD5B2CBCA7730E9C9F4"},
        {"UTF-8 bytes", "p\xc3\xa4ssw\xc3\xb6rd", "*0225EC5004ABB0B8CB557541FE53DE1A5D8CC825"},
        {"empty", "", "*BE1BDEC0AA74B4DCB079943E70528096CCA985F8"},
    };
    for (const auto& r : natives) {
        SECTION(std::string("mysql_native_password: ") + r.name) { CHECK(native_password_hash(r.password) == r.hash); }
    }

    struct sha2_row {
        const char* name;
        std::string password;
        std::string salt;
        unsigned rounds;
        std::string expected;
    };
    // From the mysql9 branch's tests/support/mysql/sha2_auth_string.py, proven there on MySQL 9.7.4 (accounts made
    // `AS 0x<its output>` log in; the server's own strings recompute byte for byte).
    const std::string p70(70, 'p');
    const sha2_row sha2s[] = {
        {"5000 rounds", "password", "abcdefghijklmnopqrst", 5000,
         "$A$005$abcdefghijklmnopqrst5h1v5FsOOkZe9oB5eilHTkorw62QcaKthhxPA7B5ukD"},
        {"10000 rounds (MySQL 9.7's default): 00A", "password", "abcdefghijklmnopqrst", 10000,
         "$A$00A$abcdefghijklmnopqrstwCSfUv8bMuuvm/OHaD19nf47E0gysbFys45fZBf84W0"},
        {"a 42-byte password (SHA-crypt's step 9 loops once)", "0123456789abcdef0123456789abcdef0123456789",
         "ABCDEFGHIJ0123456789", 5000, "$A$005$ABCDEFGHIJ0123456789PXg6n9DFvQh4qK8xo7Cq4cV0UIpu1k4KE/knRDJ0mKA"},
        {"exactly 32 bytes", "0123456789abcdef0123456789abcdef", "zyxwvutsrqponm./9876", 5000,
         "$A$005$zyxwvutsrqponm./9876d2fsFan15DxvLUI2aXohbbS9rYpLa6WzH/4i747PNYD"},
        {"33 bytes", "0123456789abcdef0123456789abcdef0", "zyxwvutsrqponm./9876", 5000,
         "$A$005$zyxwvutsrqponm./9876bCF1zGGLVBEyDkNV5.ccjqsQlzoV3/dsth79MlxE886"},
        {"70 bytes", p70, "zyxwvutsrqponm./9876", 5000,
         "$A$005$zyxwvutsrqponm./9876dy72qcvP5Z.TmP4WfMG/mJlNBlvpBunGoo9Wy5afbE6"},
        {"a quote and a backslash", "s3cr'et\\pw", "zyxwvutsrqponm./9876", 5000,
         "$A$005$zyxwvutsrqponm./9876sJ4L2rSbc/E1Uq5AVPsdTd0yTmRMoPZFETQ/md50OUA"},
        {"one byte", "x", "zyxwvutsrqponm./9876", 5000,
         "$A$005$zyxwvutsrqponm./9876m2XAsuBzdxrhe.xVoq8RP6LsB0IP6oj4lVkUA2/kCQ1"},
        {"UTF-8 bytes", "p\xc3\xa4ssw\xc3\xb6rd", "zyxwvutsrqponm./9876", 5000,
         "$A$005$zyxwvutsrqponm./9876vYpY1k4gUzVifqpErAw4gar25JfXJc2rahjcZQ0Ta5B"},
        // What MySQL 9.7.4 stored itself for IDENTIFIED BY 'password': its own salt, with control bytes.
        {"MySQL 9.7.4's own string", "password", "7G`QaKm:I\\s\x7fZWWw\x10" "7CZ", 10000,
         "$A$00A$7G`QaKm:I\\s\x7fZWWw\x10" "7CZV9KKooiRHCIiEu9Ge0pdcoAFfMMjirJiiAIma34.QY3"},
    };
    for (const auto& r : sha2s) {
        SECTION(std::string("caching_sha2_password: ") + r.name) {
            CHECK(caching_sha2_auth_string(r.password, r.salt, r.rounds) == r.expected);
        }
    }
    SECTION("random salts: 20 printable crypt characters, never twice the same") {
        const std::string a = random_caching_sha2_salt();
        const std::string b = random_caching_sha2_salt();
        CHECK(a.size() == 20);
        CHECK(a.find_first_not_of("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == std::string::npos);
        CHECK(a != b);
        CHECK(caching_sha2_auth_string("pw", a).size() == 70);
    }
    SECTION("salts and rounds the server would not take are refused") {
        CHECK_THROWS_AS(caching_sha2_auth_string("pw", "short"), std::invalid_argument);
        CHECK_THROWS_AS(caching_sha2_auth_string("pw", "abcdefghij$lmnopqrst"), std::invalid_argument);
        CHECK_THROWS_AS(caching_sha2_auth_string("pw", "abcdefghij\xe9lmnopqrst"), std::invalid_argument);
        CHECK_THROWS_AS(caching_sha2_auth_string("pw", "abcdefghijklmnopqrst", 5500), std::invalid_argument);
    }
}

TEST_CASE("primary: the accounts are created once from hashes, kept in sync, and do their jobs", "[mysql]") {
    test_support::temp_dir work;
    auto primary = mariadb_server::start_fresh(server_options(1));  // --log-bin
    auto options = primary_options(*primary);
    options.replication.backup_account = account_spec{account_kind::backup, "backup", "localhost", "b4ckup-Pa55"};
    auto root = primary->root();

    const auto first = run(options);
    CHECK(first.action == replication_action::ensure_users);
    CHECK(first.statements_run == 5);  // CREATE USER + GRANT (+ GRANT SELECT on the identity for repl)
    const std::string identity = value(root, "SELECT identity FROM mysql_agent.cluster WHERE id = 1");
    CHECK(identity.size() == 36);
    CHECK_THAT(first.message, !Catch::Contains("r3pl"));
    const std::string after_first = binlog_end(root);

    const auto again = run(options);  // a restart: nothing to change, nothing run, nothing logged
    CHECK(again.action == replication_action::ensure_users);
    CHECK(again.statements_run == 0);
    CHECK_THAT(again.message, Catch::Contains("the replication account 'repl'@'%' is as configured") &&
                                  Catch::Contains("nothing to run"));
    CHECK(binlog_end(root) == after_first);
    CHECK(value(root, "SELECT identity FROM mysql_agent.cluster WHERE id = 1") == identity);  // recorded once
    std::fprintf(stderr, "measured: statements run by the primary's setup: first %zu, second %zu; binlog end %s\n",
                 first.statements_run, again.statements_run, after_first.c_str());

    CHECK(value(root, "SELECT COUNT(*) FROM mysql.user WHERE user IN ('repl', 'backup')") == "2");
    const auto grants = root.query("SHOW GRANTS FOR 'repl'@'%'");
    REQUIRE_FALSE(grants.empty());
    CHECK_THAT(grants.front().begin()->second.value_or(""), Catch::Contains("GRANT REPLICATION SLAVE ON *.*"));
    {
        INFO("the binlog holds the accounts, with their hashes, never a password");
        const std::string binlog = binlog_contents(*primary, work.path());
        CHECK_THAT(binlog, Catch::Contains("CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY PASSWORD '" +
                                           native_password_hash(repl_password) + "'"));
        CHECK_THAT(binlog, Catch::Contains("CREATE USER IF NOT EXISTS 'backup'@'localhost' IDENTIFIED BY PASSWORD"));
        CHECK_THAT(binlog, !Catch::Contains("r3pl-Pa55"));
        CHECK_THAT(binlog, !Catch::Contains("b4ckup-Pa55"));
    }

    SECTION("the replication user logs in over TCP; a rotated password is synced by one ALTER USER, the old refused") {
        auto repl = primary->root_tcp();
        repl.user = "repl";
        repl.password = repl_password;
        CHECK_NOTHROW(mysql_client(repl));
        mysql_client as_repl(repl);
        CHECK(read_cluster_identity(as_repl) == identity);  // what a replica's reconcile loop reads
        options.replication.source.password = "rotated-Pa55";
        const auto rotated = run(options);
        CHECK(rotated.action == replication_action::ensure_users);
        CHECK(rotated.statements_run == 1);
        CHECK_THAT(rotated.message, Catch::Contains("hash differs") && Catch::Contains("ALTER USER"));
        try {
            mysql_client old(repl);
            FAIL("the old password still works");
        } catch (const mysql_error& e) {
            CHECK(is_access_denied(e));
        }
        repl.password = "rotated-Pa55";
        CHECK_NOTHROW(mysql_client(repl));
        const std::string after_rotation = binlog_end(root);
        CHECK(after_rotation != after_first);
        CHECK(run(options).statements_run == 0);
        CHECK(binlog_end(root) == after_rotation);
        std::fprintf(stderr, "measured: statements run by the rotation: %zu, by the restart after it: 0\n",
                     rotated.statements_run);

        const std::string binlog = binlog_contents(*primary, work.path());
        CHECK_THAT(binlog, Catch::Contains("ALTER USER 'repl'@'%' IDENTIFIED BY PASSWORD '" +
                                           native_password_hash("rotated-Pa55") + "'"));
        CHECK_THAT(binlog, !Catch::Contains("rotated-Pa55"));
        CHECK_THAT(binlog, !Catch::Contains("r3pl-Pa55"));
    }
    SECTION("the sidecar's layout: the backup privileges join the replication account with one GRANT") {
        auto merged = primary_options(*primary);
        merged.replication.backup_account = account_spec{account_kind::backup, "repl", "%", repl_password};
        const auto granted = run(merged);
        CHECK(granted.statements_run == 1);
        CHECK_THAT(granted.message, Catch::Contains("the replication and backup account 'repl'@'%': it lacks RELOAD"));
        // MariaDB now prints every privilege of the account on one line; read back, it is complete.
        const auto restarted = run(merged);
        CHECK(restarted.statements_run == 0);
        CHECK_THAT(restarted.message, Catch::Contains("is as configured: nothing to run"));
        CHECK_THAT(binlog_contents(*primary, work.path()), !Catch::Contains("r3pl-Pa55"));
    }
    SECTION("the backup user's grants are all mariabackup checks, even with --slave-info") {
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
        INFO("the SQL thread stopped without an error: left to the reconcile loop, which checks the primary and "
             "starts it; rows applied once");
        r.execute("STOP SLAVE SQL_THREAD");
        insert_rows(p, 153, 10);
        const auto again = run(options);
        CHECK(again.action == replication_action::nothing);
        CHECK(column(slave_status(r), "Slave_SQL_Running") == "No");
        CHECK(reconcile_once(options, 5s).action == reconcile_action::start);
        CHECK(wait_until([&] { return both_threads_run(r); }));
        REQUIRE(wait_until([&] { return row_count(r) == 162; }));
        CHECK(column(slave_status(r), "Last_SQL_Errno") == "0");
        CHECK(checksum(r) == checksum(p));
    }
    {
        INFO("the SQL thread stopped by a backup being served (mariabackup --safe-slave-backup): the reconcile loop "
             "leaves it stopped until the backup has left the gate, then starts it");
        backup_gate gate;
        auto serving = options;
        serving.backups = &gate;
        std::optional<backup_gate::pass> backup(std::in_place, gate);
        r.execute("STOP SLAVE SQL_THREAD");
        insert_rows(p, 163, 5);
        const auto during = reconcile_once(serving, 5s);
        CHECK(during.action == reconcile_action::nothing);
        CHECK_THAT(during.reason, Catch::Contains("a backup is being taken from this replica"));
        CHECK(column(slave_status(r), "Slave_SQL_Running") == "No");
        CHECK(row_count(r) == 162);
        backup.reset();
        CHECK(reconcile_once(serving, 5s).action == reconcile_action::start);
        CHECK(wait_until([&] { return both_threads_run(r); }));
        REQUIRE(wait_until([&] { return row_count(r) == 167; }));
        CHECK(checksum(r) == checksum(p));
    }
    {
        INFO("mariadbd restarted with --skip-slave-start (slave.cnf): started by the reconcile loop once the "
             "primary matches, not reconfigured");
        replica->stop();
        insert_rows(p, 168, 10);
        replica->start({"--skip-slave-start"});
        r = replica->root();
        CHECK(column(slave_status(r), "Slave_IO_Running") == "No");
        const auto again = run(options);
        CHECK(again.action == replication_action::nothing);
        CHECK(column(slave_status(r), "Slave_IO_Running") == "No");
        CHECK(reconcile_once(options, 5s).action == reconcile_action::start);
        CHECK(wait_until([&] { return both_threads_run(r); }));
        REQUIRE(wait_until([&] { return row_count(r) == 177; }));
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
    SECTION("a stop request ends the wait at once, even in a long pause") {
        options.retry_initial = 10s;  // the first pause after a refused connection: the stop must not wait it out
        options.retry_max = 10s;
        std::stop_source source;
        std::thread stopper([&] {
            std::this_thread::sleep_for(300ms);
            source.request_stop();
        });
        const auto t0 = clock_type::now();
        const auto outcome = run_replication_setup(options, source.get_token());
        stopper.join();
        CHECK(outcome.stopped);
        CHECK(seconds_since(t0) < 0.5);
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
