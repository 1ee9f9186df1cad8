// The whole clone path with nothing faked: a real MariaDB primary, the real agent binary as `sidecar` (running the
// real mariabackup as a least-privileged user), the real `clone` (real mbstream, real --prepare), then mariadbd
// started on the cloned datadir, whose tables must be the primary's to the checksum. And the same path when
// mariabackup fails: the clone must report the tool's error line, not whatever it logged last.

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "http_get.hpp"
#include "mariadb_server.hpp"
#include "test_files.hpp"
#include "mysql_agent/core/backup_store/backup_status.hpp"
#include "mysql_agent/core/backup_store/catalog.hpp"
#include "mysql_agent/core/backup_store/manifest.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/cluster_identity.hpp"
#include "mysql_agent/io/cluster_position.hpp"
#include "mysql_agent/core/config_choice.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/backup_dir.hpp"
#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/io/replication_runner.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/io/binlog_archive/archive_reader.hpp"
#include "mysql_agent/io/binlog_archive/binlog_archiver.hpp"
#include "fault_proxy.hpp"
#include "swift_store.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace test_support;
using mysql_agent::mysql_client;

const std::string backup_password = "bk-Pw#5z-real-clone";
const std::string token = "tok-real-clone-7c3e";




/// The backup account's password file and the token file in `dir`.
std::pair<fs::path, fs::path> write_secrets(const fs::path& dir) {
    write(dir / "password", backup_password + "\n");
    write(dir / "token", token + "\n");
    return {dir / "password", dir / "token"};
}

/// The one value of a one-row, one-column query.
std::string scalar(mysql_client& c, const std::string& sql) {
    const auto rows = c.query(sql);
    REQUIRE(rows.size() == 1);
    REQUIRE(rows[0].size() == 1);
    return rows[0].begin()->second.value_or("NULL");
}

/// What must be equal on the primary and on its clone: row counts and CHECKSUM TABLE of every table.
std::vector<std::string> table_facts(mysql_client& c) {
    std::vector<std::string> facts;
    for (const std::string table : {"shop.orders", "shop.audit"}) {
        facts.push_back(table + " rows " + scalar(c, "SELECT COUNT(*) FROM " + table));
        const auto sums = c.query("CHECKSUM TABLE " + table);
        REQUIRE(sums.size() == 1);
        facts.push_back(table + " checksum " + sums[0].at("Checksum").value_or("NULL"));
    }
    return facts;
}

/// table_facts of mariadbd started on `datadir` (a clone or a restored backup) as server `server_id`.
std::vector<std::string> facts_of_datadir(const fs::path& datadir, unsigned server_id) {
    mariadb_server::options o;
    o.server_id = server_id;
    auto server = mariadb_server::start_on(datadir, o);
    auto root = server->root();
    return table_facts(root);
}

/// The real sidecar binary beside `db`, logging to `log`, stopped with SIGTERM (which makes it kill a backup tool
/// still running) when this goes out of scope.
class sidecar_process {
public:
    sidecar_process(const mariadb_server& db, const std::string& user, const fs::path& password_file,
                    const fs::path& token_file, const fs::path& log, const std::vector<std::string>& extra = {},
                    const std::vector<std::string>& wrapper = {}) {
        std::vector<std::string> args = wrapper;  // e.g. prlimit --nofile=S:H --
        args.insert(args.end(), {AGENT_BINARY, "sidecar", "--listen", "127.0.0.1:0", "--hostname", "mysql-0",
                                         "--datadir", db.datadir().string(), "--mysql-socket", db.socket().string(),
                                         "--user", user, "--password-file", password_file.string(),
                                         "--auth-token-file", token_file.string(), "--xtrabackup",
                                         find_program("mariabackup"), "--xbstream", find_program("mbstream")});
        args.insert(args.end(), extra.begin(), extra.end());
        pid_ = spawn(args, log);
        address_ = "127.0.0.1:" + std::to_string(std::stoi(wait_for_text(log, "listening on 127.0.0.1:", 30s)));
    }
    ~sidecar_process() { stop(); }
    sidecar_process(const sidecar_process&) = delete;
    sidecar_process& operator=(const sidecar_process&) = delete;

    const std::string& address() const { return address_; }
    /// SIGKILL: the sidecar dies mid-work (nothing of it runs on).
    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        wait_for_exit(pid_, 30s);
        pid_ = -1;
    }
    /// SIGTERM, then its exit code (-1: killed after 30 s, or already stopped).
    int stop() {
        if (pid_ <= 0) return -1;
        ::kill(pid_, SIGTERM);
        const int rc = wait_for_exit(pid_, 30s);
        pid_ = -1;
        return rc;
    }

private:
    pid_t pid_ = -1;
    std::string address_;
};

/// Runs the real `clone` from `donor` into `datadir` (killed after `limit`); returns its exit code.
int run_clone(const std::string& donor, const fs::path& datadir, const fs::path& token_file, const fs::path& log,
              std::chrono::seconds limit, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {AGENT_BINARY, "clone", "--from", donor, "--datadir", datadir.string(),
                                     "--auth-token-file", token_file.string(), "--xtrabackup",
                                     find_program("mariabackup"), "--xbstream", find_program("mbstream")};
    args.insert(args.end(), extra.begin(), extra.end());
    return wait_for_exit(spawn(args, log), limit);
}

/// The sidecar's backup_finished events that ended ok, in order.
std::vector<nlohmann::json> finished_events(const std::string& sidecar_log) {
    std::vector<nlohmann::json> events;
    std::istringstream in(sidecar_log);
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_discarded() && j.value("event", "") == "backup_finished" && j.value("ok", false))
            events.push_back(std::move(j));
    }
    return events;
}

/// The bytes of the sidecar's first successful backup_finished event.
std::optional<std::uint64_t> finished_bytes(const std::string& sidecar_log) {
    const auto events = finished_events(sidecar_log);
    if (events.empty()) return std::nullopt;
    return events.front().value("bytes", std::uint64_t{0});
}

/// A primary with the least-privileged backup account and `rows` orders (text that compresses as real rows do),
/// and an Aria table: mariabackup copies non-InnoDB tables in another phase, under its backup locks.
/// Records `identity` as a primary's sidecar does (cluster_identity.hpp), readable by the least-privileged backup
/// account as a sidecar's account reads it for GET /position and the archive's records.
void record_cluster_identity(mysql_agent::mysql_client& root, const std::string& identity) {
    root.execute("GRANT SELECT ON mysql_agent.* TO 'backup'@'localhost'");
    const auto statements = mysql_agent::record_identity_statements(identity);
    REQUIRE(statements);
    for (const auto& statement : *statements) root.execute(statement);
}

std::unique_ptr<mariadb_server> primary_with_orders(int rows) {
    auto primary = mariadb_server::start_fresh({});
    auto root = primary->root();
    // Only the privileges mariabackup 10.11 asks for (https://mariadb.com/kb/en/mariabackup-overview/): the sidecar
    // needs no more.
    root.execute("CREATE USER 'backup'@'localhost' IDENTIFIED BY '" + backup_password + "'", "CREATE USER backup");
    root.execute("GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO 'backup'@'localhost'");
    root.execute("CREATE DATABASE shop");
    root.execute(
        "CREATE TABLE shop.orders (id INT PRIMARY KEY, customer VARCHAR(40) NOT NULL, amount DECIMAL(10,2), "
        "note TEXT, KEY (customer)) ENGINE=InnoDB");
    root.execute("INSERT INTO shop.orders SELECT seq, CONCAT('customer-', seq MOD 977), ROUND(RAND(seq) * 10000, 2), "
                 "IF(seq MOD 7 = 0, NULL, REPEAT(MD5(seq), 1 + seq MOD 5)) FROM shop.seq_1_to_" +
                 std::to_string(rows));
    root.execute("CREATE TABLE shop.audit (id INT PRIMARY KEY, what VARCHAR(100)) ENGINE=Aria");
    root.execute("INSERT INTO shop.audit SELECT seq, CONCAT('event ', seq) FROM shop.seq_1_to_500");
    return primary;
}

}  // namespace

TEST_CASE("the real sidecar and clone binaries copy a real MariaDB that then starts with the same data",
          "[io][real]") {
    auto primary = primary_with_orders(10000);
    primary->root().execute("DELETE FROM shop.orders WHERE id MOD 10 = 3");  // some history in the redo log and binlog
    auto root = primary->root();
    const auto primary_facts = table_facts(root);
    REQUIRE(primary_facts[0] == "shop.orders rows 9000");
    // The primary is idle from here on: the backup's binlog coordinates must be exactly these.
    const auto master = root.query("SHOW MASTER STATUS");
    REQUIRE(master.size() == 1);
    const std::string binlog_file = master[0].at("File").value_or("");
    const std::string binlog_position = master[0].at("Position").value_or("");
    const std::string gtid_binlog_pos = scalar(root, "SELECT @@gtid_binlog_pos");

    temp_dir tmp("mysql-agent-real-clone");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    const fs::path sidecar_log = tmp.path() / "sidecar.log", clone_log = tmp.path() / "clone.log";
    const fs::path clone_datadir = tmp.path() / "clone-data";
    fs::create_directories(clone_datadir);
    sidecar_process sidecar(*primary, "backup", password_file, token_file, sidecar_log);
    const std::string donor = sidecar.address();

    // The clone is killed if it overruns, and removes its files when it fails.
    const int clone_rc = run_clone(donor, clone_datadir, token_file, clone_log, 100s);
    INFO("clone log:\n" << slurp(clone_log) << "\nsidecar log:\n" << slurp(sidecar_log));
    REQUIRE(clone_rc == 0);
    CHECK(sidecar.stop() == 0);

    // The marker: where the clone came from, what arrived, and where it stands in the primary's binlog.
    CHECK_FALSE(fs::exists(clone_datadir / mysql_agent::clone_staging_dir));
    CHECK_FALSE(fs::exists(clone_datadir / mysql_agent::clone_journal_file));
    const fs::path marker_file = clone_datadir / mysql_agent::clone_marker_file;
    REQUIRE(fs::exists(marker_file));
    const auto marker = mysql_agent::marker_from_json(marker_file.string(), slurp(marker_file));
    INFO("marker:\n" << slurp(marker_file));
    REQUIRE(marker.has_value());
    CHECK(marker->source == donor);
    CHECK(std::regex_match(marker->digest, std::regex("xxh3-64:[0-9a-f]{16}")));
    CHECK(marker->stream_bytes > 1000000);
    CHECK(finished_bytes(slurp(sidecar_log)) == marker->stream_bytes);  // what the donor says it sent
    REQUIRE(marker->coordinates.binlog.has_value());
    CHECK(marker->coordinates.binlog->file == binlog_file);
    CHECK(std::to_string(marker->coordinates.binlog->position) == binlog_position);
    CHECK(marker->coordinates.binlog->gtid_set == gtid_binlog_pos);
    CHECK_THAT(marker->tool_version, Catch::Contains("10.11"));
    CHECK_THAT(marker->server_version, Catch::Contains("MariaDB"));

    // mariadbd on the clone: the same rows, to the checksum.
    CHECK(facts_of_datadir(clone_datadir, 2) == primary_facts);
}

TEST_CASE("a real mariabackup that fails: the clone reports its error line, not the lines logged after it",
          "[io][real]") {
    auto primary = mariadb_server::start_fresh({});
    // Without RELOAD and PROCESS, mariabackup 10.11 logs "Error: missing required privilege ..." and then dumps
    // SHOW GRANTS, whose last line holds the account's password hash: that must not become the error line.
    primary->root().execute("CREATE USER 'backup'@'localhost' IDENTIFIED BY '" + backup_password + "'",
                            "CREATE USER backup");
    primary->root().execute("GRANT SELECT ON *.* TO 'backup'@'localhost'");

    temp_dir tmp("mysql-agent-real-clone-fail");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    const fs::path sidecar_log = tmp.path() / "sidecar.log", clone_log = tmp.path() / "clone.log";
    const fs::path clone_datadir = tmp.path() / "clone-data";
    fs::create_directories(clone_datadir);

    sidecar_process sidecar(*primary, "backup", password_file, token_file, sidecar_log);
    const int clone_rc = run_clone(sidecar.address(), clone_datadir, token_file, clone_log, 100s);
    CHECK(sidecar.stop() == 0);
    const std::string clone_output = slurp(clone_log), sidecar_output = slurp(sidecar_log);
    INFO("clone log:\n" << clone_output << "\nsidecar log:\n" << sidecar_output);
    CHECK(clone_rc == mysql_agent::exit_code::clone_failed);
    CHECK_THAT(clone_output, Catch::Contains("Error: missing required privilege PROCESS on *.*"));
    CHECK_THAT(sidecar_output, Catch::Contains("Error: missing required privilege PROCESS on *.*"));
    for (const auto& output : {clone_output, sidecar_output}) {
        CHECK_THAT(output, !Catch::Contains("IDENTIFIED BY PASSWORD"));
        CHECK_THAT(output, !Catch::Contains(backup_password));
    }
    CHECK(fs::is_empty(clone_datadir));
}

// --- Compression and --max-rate on the real path.

namespace {



/// The metric's value in a /metrics text, or nullopt.
std::optional<double> metric(const std::string& text, const std::string& name) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    return std::nullopt;
}

std::uint16_t port_of(const std::string& address) {
    return static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

}  // namespace

TEST_CASE("a zstd clone of a real MariaDB holds the same data as a raw one, with fewer bytes on the wire",
          "[io][real]") {
    auto primary = primary_with_orders(100000);
    auto root = primary->root();
    const auto primary_facts = table_facts(root);

    temp_dir tmp("mysql-agent-real-zstd");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    const fs::path sidecar_log = tmp.path() / "sidecar.log";
    const fs::path zstd_dir = tmp.path() / "zstd-data", raw_dir = tmp.path() / "raw-data";
    fs::create_directories(zstd_dir);
    fs::create_directories(raw_dir);
    // Three compression threads on these 2 CPUs: the stream's 1 MiB frames finish out of order and must still
    // arrive in order (the default here is one thread, which every fault group runs with).
    sidecar_process sidecar(*primary, "backup", password_file, token_file, sidecar_log, {"--compress-threads", "3"});

    // The default is zstd; --compress none against the same (new) sidecar gets the raw stream.
    const int zstd_rc = run_clone(sidecar.address(), zstd_dir, token_file, tmp.path() / "zstd.log", 100s);
    const int raw_rc =
        run_clone(sidecar.address(), raw_dir, token_file, tmp.path() / "raw.log", 100s, {"--compress", "none"});
    INFO("zstd clone log:\n" << slurp(tmp.path() / "zstd.log") << "\nraw clone log:\n" << slurp(tmp.path() / "raw.log")
                             << "\nsidecar log:\n" << slurp(sidecar_log));
    REQUIRE(zstd_rc == 0);
    REQUIRE(raw_rc == 0);
    CHECK(sidecar.stop() == 0);
    CHECK_THAT(slurp(sidecar_log), Catch::Contains("compressing with zstd level 1 in frames of 1048576 bytes on 3 thread(s)"));

    const auto events = finished_events(slurp(sidecar_log));
    REQUIRE(events.size() == 2);
    const auto zstd_bytes = events[0].at("bytes").get<std::uint64_t>();
    const auto zstd_raw_bytes = events[0].value("uncompressed_bytes", std::uint64_t{0});
    const auto raw_bytes = events[1].at("bytes").get<std::uint64_t>();
    CHECK_FALSE(events[1].contains("uncompressed_bytes"));
    CHECK(zstd_raw_bytes > 10'000'000);
    CHECK(raw_bytes > 10'000'000);
    // Against the same backup before compression: two backups of one server differ in how much redo log they copy
    // (measured 43.8 MB and 62.6 MB back to back, after the bulk insert), so they are not compared with each other.
    CHECK(zstd_bytes * 10 < zstd_raw_bytes * 7);
    // What the markers record is what travelled.
    for (const auto& [dir, bytes] : {std::pair{zstd_dir, zstd_bytes}, std::pair{raw_dir, raw_bytes}}) {
        const auto marker = mysql_agent::marker_from_json("marker", slurp(dir / mysql_agent::clone_marker_file));
        REQUIRE(marker.has_value());
        CHECK(marker->stream_bytes == bytes);
    }
    const double zstd_seconds = events[0].at("seconds").get<double>(), raw_seconds = events[1].at("seconds").get<double>();
    WARN("real mariabackup stream: " << zstd_raw_bytes << " bytes -> " << zstd_bytes << " with zstd level 1 (ratio "
                                     << static_cast<double>(zstd_raw_bytes) / static_cast<double>(zstd_bytes) << "), "
                                     << zstd_seconds << " s (" << static_cast<double>(zstd_raw_bytes) / 1e6 / zstd_seconds
                                     << " MB/s of xbstream); raw " << raw_bytes << " bytes in " << raw_seconds << " s ("
                                     << static_cast<double>(raw_bytes) / 1e6 / raw_seconds << " MB/s)");

    // Both clones start and hold the primary's rows, to the checksum.
    for (const auto& dir : {zstd_dir, raw_dir}) {
        INFO("clone in " << dir);
        CHECK(facts_of_datadir(dir, 2) == primary_facts);
    }
}

TEST_CASE("sidecar --max-rate holds a real backup stream to its limit, and /metrics shows the limit and the wait",
          "[io][real]") {
    auto primary = primary_with_orders(1000);
    temp_dir tmp("mysql-agent-real-rate");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    const fs::path sidecar_log = tmp.path() / "sidecar.log", clone_log = tmp.path() / "clone.log";
    const fs::path clone_datadir = tmp.path() / "clone-data";
    fs::create_directories(clone_datadir);
    constexpr double limit = 4 * 1024 * 1024;
    sidecar_process sidecar(*primary, "backup", password_file, token_file, sidecar_log, {"--max-rate", "4M"});

    // Raw, so that the bytes limited are the tool's (a compressed stream is limited the same way, on what is sent).
    const int rc = run_clone(sidecar.address(), clone_datadir, token_file, clone_log, 100s, {"--compress", "none"});
    const auto metrics = test_support::http_get(port_of(sidecar.address()), "/metrics").body;
    CHECK(sidecar.stop() == 0);
    INFO("clone log:\n" << slurp(clone_log) << "\nsidecar log:\n" << slurp(sidecar_log) << "\nmetrics:\n" << metrics);
    REQUIRE(rc == 0);

    const auto events = finished_events(slurp(sidecar_log));
    REQUIRE(events.size() == 1);
    const double bytes = static_cast<double>(events[0].at("bytes").get<std::uint64_t>());
    const double seconds = events[0].at("seconds").get<double>();
    const double rate = bytes / seconds;
    WARN("--max-rate 4M (" << limit << " B/s): " << bytes << " bytes in " << seconds << " s = " << rate << " B/s ("
                           << rate / limit << " of the limit)");
    // Several seconds' worth of the limit, so the first burst (0.4 MiB) does not count; unthrottled, loopback moves
    // this in well under a second.
    REQUIRE(bytes > 3 * limit);
    // Only the bound a busy machine cannot break: slowness makes the rate lower, never higher. That the limiter
    // does not starve a stream is the token bucket's unit test, on injected time.
    CHECK(rate < 1.5 * limit);

    CHECK(metric(metrics, "mysql_agent_backup_max_rate_bytes_per_second") == limit);
    const auto throttled = metric(metrics, "mysql_agent_backup_throttled_seconds_total");
    REQUIRE(throttled.has_value());
    CHECK(*throttled > 1.0);
    CHECK(metric(metrics, "mysql_agent_backup_uncompressed_bytes_total") == bytes);
    CHECK(metric(metrics, "mysql_agent_backup_sent_bytes_total") == bytes);
}

// --- Backups to an object store (issue 20): the real sidecar, the real `backup`, a real Swift s3api, awscli.

namespace {

/// `args` followed by the flags that reach `store` (--endpoint, --region and the key files, written into `dir`; a
/// secret key file already there is kept when `keep_secret`: a test that wrote a wrong one).
/// `endpoint`: another way to the store (a fault proxy's), "" for the store's own.
std::vector<std::string> with_store_flags(std::vector<std::string> args, const swift_store& store, const fs::path& dir,
                                          bool keep_secret = false, const std::string& endpoint = "") {
    write(dir / "access-key", store.access_key() + "\n");
    if (!keep_secret || !fs::exists(dir / "secret-key")) write(dir / "secret-key", store.secret_key() + "\n");
    for (const std::string flag : {std::string("--endpoint"), endpoint.empty() ? store.endpoint() : endpoint,
                                   std::string("--region"), store.region()})
        args.push_back(flag);
    for (const std::string flag : {std::string("--access-key-file"), (dir / "access-key").string(),
                                   std::string("--secret-key-file"), (dir / "secret-key").string()})
        args.push_back(flag);
    return args;
}

/// Runs the real `backup` from `member` to s3://BUCKET/PREFIX of `store` (killed after `limit`); its exit code.
int run_backup_binary(const std::string& member, const swift_store& store, const std::string& to,
                      const fs::path& dir, const fs::path& token_file, const fs::path& log,
                      const std::vector<std::string>& extra = {}, const std::string& endpoint = "") {
    auto args = with_store_flags({AGENT_BINARY, "backup", "--from", member, "--to", to, "--auth-token-file",
                                  token_file.string(), "--part-size", "5M"},
                                 store, dir, true, endpoint);
    args.insert(args.end(), extra.begin(), extra.end());
    return wait_for_exit(spawn(args, log), 120s);
}

/// The keys under `prefix` of `bucket` but the run record `backup` leaves (backup_status.hpp last-run.json).
std::vector<std::string> keys_but_run_record(mysql_agent::objstore::s3_client& client, const std::string& bucket,
                                             const std::string& prefix) {
    std::vector<std::string> keys;
    for (const auto& o : client.list_objects(bucket, prefix))
        if (o.key.size() < 13 || o.key.substr(o.key.size() - 13) != "last-run.json") keys.push_back(o.key);
    return keys;
}

/// The run record under `prefix` of `bucket`, which must be there and valid.
mysql_agent::backup_store::last_run run_record(const swift_store& store, const std::string& bucket,
                                               const std::string& prefix) {
    auto r = mysql_agent::backup_store::parse_last_run(store.aws_get(bucket, prefix + "last-run.json"));
    REQUIRE(r);
    return *r;
}

/// Runs `command` through the shell; true when it exits 0. Its output goes to `log`.
bool shell(const std::string& command, const fs::path& log) {
    return std::system((command + " >>" + log.string() + " 2>&1").c_str()) == 0;
}

}  // namespace

TEST_CASE("a backup of a real MariaDB streams into a real S3 store, and restores: awscli, zstd, mbstream, --prepare "
          "and mariadbd give the same data",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(20000);
    auto root = primary->root();
    const auto primary_facts = table_facts(root);
    const auto master = root.query("SHOW MASTER STATUS");
    REQUIRE(master.size() == 1);
    const std::string binlog_file = master[0].at("File").value_or("");
    const std::string binlog_position = master[0].at("Position").value_or("");

    temp_dir tmp("mysql-agent-real-backup");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    const fs::path sidecar_log = tmp.path() / "sidecar.log", backup_log = tmp.path() / "backup.log";
    sidecar_process sidecar(*primary, "backup", password_file, token_file, sidecar_log);

    swift_store& store = swift_store::instance();
    store.ensure_bucket("backups");
    const int rc = run_backup_binary(sidecar.address(), store, "s3://backups/cluster-a", tmp.path(), token_file,
                                     backup_log, {"--parallel", "2"});
    const std::string backup_output = slurp(backup_log);
    INFO("backup log:\n" << backup_output << "\nsidecar log:\n" << slurp(sidecar_log));
    REQUIRE(rc == 0);

    // One backup: its stream and, written last, its manifest, and the run's record; no upload left behind.
    mysql_agent::objstore::s3_client client(store.client_options());
    const auto objects = keys_but_run_record(client, "backups", "cluster-a/");
    REQUIRE(objects.size() == 2);
    CHECK(run_record(store, "backups", "cluster-a/").committed);
    const std::string prefix = objects[0].substr(0, objects[0].rfind('/') + 1);
    CHECK(client.list_uploads("backups", "cluster-a/").empty());
    const auto manifest = mysql_agent::backup_store::parse_manifest(store.aws_get("backups", prefix + "manifest.json"));
    REQUIRE(manifest);
    CHECK(prefix == "cluster-a/" + manifest->id + "/");
    CHECK(manifest->source == sidecar.address());
    CHECK(manifest->compression == "zstd");
    CHECK_THAT(manifest->binlog_info, Catch::Contains(binlog_file) && Catch::Contains(binlog_position));
    CHECK_THAT(manifest->tool_info, Catch::Contains("10.11"));
    CHECK(manifest->xbstream_bytes > manifest->stream_bytes);
    const std::string stream = store.aws_get("backups", prefix + manifest->stream_name);
    CHECK(stream.size() == manifest->stream_bytes);
    CHECK(mysql_agent::text::to_hex(mysql_agent::sha256(stream)) == manifest->stream_sha256);
    std::uint64_t at = 0;
    for (const auto& part : manifest->parts) {
        CHECK(mysql_agent::text::to_hex(mysql_agent::md5(std::string_view(stream).substr(at, part.bytes))) ==
              part.md5_hex);
        at += part.bytes;
    }
    CHECK(finished_bytes(slurp(sidecar_log)) == manifest->stream_bytes);  // what the member says it sent
    CHECK_THAT(backup_output, !Catch::Contains(store.secret_key()));
    CHECK_THAT(backup_output, !Catch::Contains(token));

    // Restored by hand with the standard tools: the same rows, to the checksum.
    const fs::path restored = tmp.path() / "restored", tool_log = tmp.path() / "restore.log";
    fs::create_directories(restored);
    write(tmp.path() / "stream.zst", stream);
    INFO("restore log:\n" << slurp(tool_log));
    REQUIRE(shell("zstd -d -c " + (tmp.path() / "stream.zst").string() + " | " + find_program("mbstream") +
                      " -x -C " + restored.string(),
                  tool_log));
    REQUIRE(shell(find_program("mariabackup") + " --prepare --target-dir=" + restored.string(), tool_log));
    CHECK(facts_of_datadir(restored, 3) == primary_facts);
}

TEST_CASE("a backup the store refuses or that cannot reach a member writes nothing, with its own exit code",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(100);
    temp_dir tmp("mysql-agent-real-backup-refused");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    const fs::path sidecar_log = tmp.path() / "sidecar.log";
    sidecar_process sidecar(*primary, "backup", password_file, token_file, sidecar_log);
    swift_store& store = swift_store::instance();
    store.ensure_bucket("refusals");
    mysql_agent::objstore::s3_client client(store.client_options());

    SECTION("a wrong secret key: exit 17, the secret in no line") {
        write(tmp.path() / "secret-key", "wrong-secret-91ab\n");
        const fs::path log = tmp.path() / "denied.log";
        CHECK(run_backup_binary(sidecar.address(), store, "s3://refusals/a", tmp.path(), token_file, log) ==
              mysql_agent::exit_code::store_denied);
        CHECK_THAT(slurp(log), !Catch::Contains("wrong-secret-91ab"));
    }
    SECTION("a bucket that does not exist: exit 18") {
        const fs::path log = tmp.path() / "bucket.log";
        CHECK(run_backup_binary(sidecar.address(), store, "s3://no-such-bucket/a", tmp.path(), token_file, log) ==
              mysql_agent::exit_code::store_no_bucket);
        CHECK_THAT(slurp(log), Catch::Contains("no-such-bucket"));
    }
    SECTION("a wrong token: exit 12, no upload left and no object") {
        write(tmp.path() / "bad-token", "not-the-token\n");
        const fs::path log = tmp.path() / "token.log";
        CHECK(run_backup_binary(sidecar.address(), store, "s3://refusals/a", tmp.path(), tmp.path() / "bad-token",
                                log) == mysql_agent::exit_code::unauthorized);
    }
    SECTION("no member answers: exit 10") {
        const fs::path log = tmp.path() / "nobody.log";
        CHECK(run_backup_binary("127.0.0.1:" + std::to_string(free_port()), store, "s3://refusals/a", tmp.path(),
                                token_file, log, {"--max-attempts", "2", "--retry-for", "5"}) ==
              mysql_agent::exit_code::no_donor);
    }
    // Nothing but the record of a failed run (where the bucket is there to hold it).
    CHECK(keys_but_run_record(client, "refusals", "").empty());
    if (!client.list_objects("refusals", "a/last-run.json").empty()) CHECK_FALSE(run_record(store, "refusals", "a/").committed);
    CHECK(client.list_uploads("refusals", "").empty());
}

namespace {

/// Runs the real `backups ACTION` against `store` at `to`; its exit code, its stdout+stderr in `log`.
int run_backups_binary(const swift_store& store, const std::string& action, const std::string& to,
                       const fs::path& dir, const fs::path& log, const std::vector<std::string>& extra = {}) {
    auto args = with_store_flags({AGENT_BINARY, "backups", action, "--to", to}, store, dir);
    args.insert(args.end(), extra.begin(), extra.end());
    return wait_for_exit(spawn(args, log), 120s);
}

}  // namespace

TEST_CASE("backups list, verify and prune what backup stored: a damaged stream does not verify, retention keeps the "
          "newest complete backup and never touches keys that are not a backup's",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(2000);
    temp_dir tmp("mysql-agent-real-backups");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
    swift_store& store = swift_store::instance();
    store.ensure_bucket("catalog");
    const std::string to = "s3://catalog/cluster-b";
    REQUIRE(run_backup_binary(sidecar.address(), store, to, tmp.path(), token_file, tmp.path() / "b1.log") == 0);
    // Backup ids are seconds: the second backup starts in the next one.
    const std::string first_second = mysql_agent::backup_store::backup_id_at(std::chrono::system_clock::now());
    while (mysql_agent::backup_store::backup_id_at(std::chrono::system_clock::now()) == first_second)
        std::this_thread::sleep_for(10ms);
    REQUIRE(run_backup_binary(sidecar.address(), store, to, tmp.path(), token_file, tmp.path() / "b2.log") == 0);
    int status = 0;
    store.aws("s3api put-object --bucket catalog --key cluster-b/notes.txt --body " + (tmp.path() / "token").string(),
              status);
    REQUIRE(status == 0);
    store.aws("s3api put-object --bucket catalog --key cluster-b/20200101T000000Z/stream.xbstream.zst --body " +
                  (tmp.path() / "token").string(),
              status);
    REQUIRE(status == 0);

    const fs::path list_log = tmp.path() / "list.log";
    REQUIRE(run_backups_binary(store, "list", to, tmp.path(), list_log) == 0);
    std::string listed = slurp(list_log);
    listed = listed.substr(listed.find('['));
    const auto list = nlohmann::json::parse(listed.substr(0, listed.rfind(']') + 1));
    REQUIRE(list.size() == 3);
    CHECK(list[0]["id"] == "20200101T000000Z");
    CHECK(list[0]["complete"] == false);
    CHECK(list[1]["complete"] == true);
    CHECK(list[2]["complete"] == true);
    const std::string older = list[1]["id"], newer = list[2]["id"];

    const fs::path verify_log = tmp.path() / "verify.log";
    CHECK(run_backups_binary(store, "verify", to, tmp.path(), verify_log) == 0);
    CHECK_THAT(slurp(verify_log), Catch::Contains("backup " + newer + " verifies"));

    // One flipped byte in the older backup's stream, written back with awscli: it no longer verifies.
    const std::string stream_key = "cluster-b/" + older + "/stream.xbstream.zst";
    std::string stream = store.aws_get("catalog", stream_key);
    stream[stream.size() / 2] ^= 0x20;
    write(tmp.path() / "damaged", stream);
    store.aws("s3api put-object --bucket catalog --key " + stream_key + " --body " + (tmp.path() / "damaged").string(),
              status);
    REQUIRE(status == 0);
    const fs::path damaged_log = tmp.path() / "damaged.log";
    CHECK(run_backups_binary(store, "verify", to, tmp.path(), damaged_log, {"--id", older}) ==
          mysql_agent::exit_code::bad_input);
    CHECK_THAT(slurp(damaged_log), Catch::Contains("does not verify") && Catch::Contains("part 1 has another SHA-256"));

    // Retention: a dry run removes nothing; then the older complete one and the old incomplete one go.
    mysql_agent::objstore::s3_client client(store.client_options());
    const auto before = client.list_objects("catalog", "cluster-b/").size();
    CHECK(run_backups_binary(store, "prune", to, tmp.path(), tmp.path() / "dry.log", {"--keep-last", "1", "--dry-run"}) == 0);
    CHECK(client.list_objects("catalog", "cluster-b/").size() == before);
    const fs::path prune_log = tmp.path() / "prune.log";
    CHECK(run_backups_binary(store, "prune", to, tmp.path(), prune_log, {"--keep-last", "1"}) == 0);
    INFO(slurp(prune_log));
    std::vector<std::string> left;
    for (const auto& o : client.list_objects("catalog", "cluster-b/")) left.push_back(o.key);
    // The run record is not a backup's either: kept.
    CHECK(left == std::vector<std::string>{"cluster-b/" + newer + "/manifest.json",
                                           "cluster-b/" + newer + "/stream.xbstream.zst", "cluster-b/last-run.json",
                                           "cluster-b/notes.txt"});
    CHECK(run_backups_binary(store, "verify", to, tmp.path(), tmp.path() / "after.log") == 0);
}

namespace {

/// Starts the real `backup` of `member` (raw xbstream, 5 MiB parts) to `to` and returns once the stream flows.
pid_t start_streaming_backup(const std::string& member, const swift_store& store, const std::string& to,
                             const fs::path& dir, const fs::path& token_file, const fs::path& log) {
    const pid_t backup = spawn(with_store_flags({AGENT_BINARY, "backup", "--from", member, "--to", to,
                                                 "--auth-token-file", token_file.string(), "--compress", "none",
                                                 "--part-size", "5M"},
                                                store, dir),
                               log);
    wait_for_text(log, "is streaming its backup", 60s);
    return backup;
}

}  // namespace

TEST_CASE("a member stopped in the middle of a backup: exit 11, the multipart upload aborted, no manifest",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(20000);
    temp_dir tmp("mysql-agent-real-backup-cut");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    const fs::path sidecar_log = tmp.path() / "sidecar.log", backup_log = tmp.path() / "backup.log";
    // 1 MB/s: the stream takes seconds, so it is still flowing when the member stops.
    sidecar_process sidecar(*primary, "backup", password_file, token_file, sidecar_log, {"--max-rate", "1M"});
    swift_store& store = swift_store::instance();
    store.ensure_bucket("cut");
    const pid_t backup = start_streaming_backup(sidecar.address(), store, "s3://cut/a", tmp.path(), token_file,
                                                backup_log);
    CHECK(sidecar.stop() == 0);  // SIGTERM: the member ends the stream with a failed trailer
    const int rc = wait_for_exit(backup, 60s);
    INFO("backup log:\n" << slurp(backup_log) << "\nsidecar log:\n" << slurp(sidecar_log));
    CHECK(rc == mysql_agent::exit_code::clone_failed);
    CHECK_THAT(slurp(backup_log), Catch::Contains("multipart upload of a/") && Catch::Contains("aborted"));
    mysql_agent::objstore::s3_client client(store.client_options());
    CHECK(keys_but_run_record(client, "cut", "").empty());
    const auto record = run_record(store, "cut", "a/");
    CHECK_FALSE(record.committed);
    CHECK(record.failures_in_a_row == 1);
    // The stream is raw here: what was uploaded is what was received before the cut (0 when the member stopped
    // before its first byte).
    std::smatch received;
    const std::string backup_output = slurp(backup_log);
    REQUIRE(std::regex_search(backup_output, received, std::regex("\"event\":\"progress_finished\",\"bytes\":([0-9]+)")));
    CHECK(record.uploaded_bytes == std::stoull(received[1].str()));
    CHECK_THAT(record.error, Catch::Contains("failed after"));
    CHECK(client.list_uploads("cut", "").empty());
}

TEST_CASE("the store killed in the middle of a backup: exit 19 after the retries, no manifest, and once it is back "
          "backups prune aborts the upload left behind",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(20000);
    temp_dir tmp("mysql-agent-real-backup-store-down");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    const fs::path sidecar_log = tmp.path() / "sidecar.log", backup_log = tmp.path() / "backup.log";
    // 2 MB/s of raw xbstream in 5 MiB parts: a part is due every few seconds while the stream flows.
    sidecar_process sidecar(*primary, "backup", password_file, token_file, sidecar_log, {"--max-rate", "2M"});
    swift_store& store = swift_store::instance();
    store.ensure_bucket("down");
    const pid_t backup = start_streaming_backup(sidecar.address(), store, "s3://down/a", tmp.path(), token_file,
                                                backup_log);
    store.stop();
    const int rc = wait_for_exit(backup, 90s);
    store.start();
    const std::string output = slurp(backup_log);
    INFO("backup log:\n" << output);
    CHECK(rc == mysql_agent::exit_code::store_failed);
    CHECK_THAT(output, Catch::Contains("UploadPart") && Catch::Contains("attempts"));
    mysql_agent::objstore::s3_client client(store.client_options());
    CHECK(client.list_objects("down", "").empty());  // no manifest, no object: the backup does not exist
    // The upload could not be aborted while the store was down: it is still there, and prune aborts it once it is
    // older than --incomplete-after (1 s here: waited for on the clock, from the backup id, its start second).
    const auto uploads = client.list_uploads("down", "a/");
    REQUIRE(uploads.size() == 1);
    const std::string id = uploads[0].key.substr(2, 16);
    const auto started = mysql_agent::backup_store::backup_time(id);
    REQUIRE(started.has_value());
    while (std::chrono::system_clock::now() < *started + 3s) std::this_thread::sleep_for(10ms);
    const fs::path prune_log = tmp.path() / "prune.log";
    CHECK(run_backups_binary(store, "prune", "s3://down/a", tmp.path(), prune_log, {"--incomplete-after", "1"}) == 0);
    INFO("prune log:\n" << slurp(prune_log));
    CHECK(client.list_uploads("down", "").empty());
    CHECK(client.list_objects("down", "").empty());
}

// --- Restores from the object store (issue 20): the real `restore`, real mbstream and --prepare, mariadbd on the result.

namespace {

/// Runs the real `restore` of s3://... of `store` into `datadir` (killed after 120 s); its exit code.
int run_restore_binary(const swift_store& store, const std::string& from, const fs::path& datadir,
                       const fs::path& dir, const fs::path& log, const std::vector<std::string>& extra = {},
                       const std::string& endpoint = "") {
    auto args = with_store_flags({AGENT_BINARY, "restore", "--from", from, "--datadir", datadir.string(),
                                  "--xtrabackup", find_program("mariabackup"), "--xbstream", find_program("mbstream")},
                                 store, dir, false, endpoint);
    args.insert(args.end(), extra.begin(), extra.end());
    return wait_for_exit(spawn(args, log), 120s);
}

/// The id of the only complete backup under bucket/prefix.
std::string only_backup(const swift_store& store, const std::string& bucket, const std::string& prefix) {
    mysql_agent::objstore::s3_client client(store.client_options());
    std::vector<std::string> ids;
    for (const auto& o : client.list_objects(bucket, prefix))
        if (o.key.size() > prefix.size() + 16 && o.key.substr(prefix.size() + 16) == "/manifest.json")
            ids.push_back(o.key.substr(prefix.size(), 16));
    REQUIRE(ids.size() == 1);
    return ids[0];
}

/// The names in `dir`.
std::vector<std::string> entries_of(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("restore fills an empty datadir from a backup in the store: the same data as the primary, a marker naming "
          "the backup and its binlog position, and a second run keeps it",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(20000);
    auto root = primary->root();
    const auto primary_facts = table_facts(root);
    temp_dir tmp("mysql-agent-real-restore");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
    swift_store& store = swift_store::instance();
    store.ensure_bucket("restore");
    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://restore/c1/", tmp.path(), token_file,
                              tmp.path() / "backup.log") == 0);
    const std::string id = only_backup(store, "restore", "c1/");
    const auto manifest =
        mysql_agent::backup_store::parse_manifest(store.aws_get("restore", "c1/" + id + "/manifest.json"));
    REQUIRE(manifest);
    // Writes after the backup are not in it.
    root.execute("INSERT INTO shop.orders VALUES (900001, 'after the backup', 1, NULL)");

    const fs::path datadir = tmp.path() / "restored", log = tmp.path() / "restore.log";
    const int rc = run_restore_binary(store, "s3://restore/c1/", datadir, tmp.path(), log);
    const std::string output = slurp(log);
    INFO("restore log:\n" << output);
    REQUIRE(rc == 0);
    CHECK_THAT(output, Catch::Contains("restore from s3://restore/c1/" + id + "/ committed"));
    CHECK_THAT(output, !Catch::Contains(store.secret_key()));
    const auto marker = mysql_agent::marker_from_json("marker", slurp(datadir / mysql_agent::clone_marker_file));
    REQUIRE(marker);
    CHECK(marker->source == "s3://restore/c1/" + id + "/");
    CHECK(marker->stream_bytes == manifest->stream_bytes);
    REQUIRE(marker->coordinates.binlog.has_value());
    CHECK_THAT(manifest->binlog_info, Catch::Contains(marker->coordinates.binlog->file) &&
                                          Catch::Contains(std::to_string(marker->coordinates.binlog->position)));
    CHECK(!fs::exists(datadir / ".mysql-agent-staging"));

    // Run again: the datadir holds a completed restore, nothing is fetched.
    const fs::path again = tmp.path() / "again.log";
    CHECK(run_restore_binary(store, "s3://restore/c1/", datadir, tmp.path(), again) == 0);
    CHECK_THAT(slurp(again), Catch::Contains("nothing to do"));

    CHECK(facts_of_datadir(datadir, 4) == primary_facts);  // (moves the datadir into the server's own dir)

    // The test restore: into a scratch directory, a private mariadbd on it, CHECK TABLE and a count of every table.
    const fs::path check_log = tmp.path() / "verify-restore.log";
    const int checked = run_backups_binary(store, "verify", "s3://restore/c1/", tmp.path(), check_log,
                                           {"--restore", "--scratch-dir", tmp.path().string(), "--xtrabackup",
                                            find_program("mariabackup"), "--xbstream", find_program("mbstream")});
    const std::string check_output = slurp(check_log);
    INFO("verify --restore log:\n" << check_output);
    CHECK(checked == 0);
    // shop.orders (20,000 rows at the backup) and shop.audit (500): the write after the backup is not in it.
    CHECK_THAT(check_output, Catch::Contains("backup s3://restore/c1/" + id + "/ restores") &&
                                 Catch::Contains("2 tables pass CHECK TABLE, 20500 rows"));
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(tmp.path()))
        if (e.path().filename().string().rfind("mysql-agent-backup-", 0) == 0) left.push_back(e.path().string());
    CHECK(left.empty());  // the scratch directory is gone
}

TEST_CASE("a restore of a damaged, altered or missing backup commits nothing and exits with its own code",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(3000);
    temp_dir tmp("mysql-agent-real-restore-refused");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
    swift_store& store = swift_store::instance();
    store.ensure_bucket("restore-bad");
    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://restore-bad/a/", tmp.path(), token_file,
                              tmp.path() / "a.log") == 0);
    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://restore-bad/b/", tmp.path(), token_file,
                              tmp.path() / "b.log") == 0);
    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://restore-bad/c/", tmp.path(), token_file,
                              tmp.path() / "c.log") == 0);
    const std::string a = only_backup(store, "restore-bad", "a/"), b = only_backup(store, "restore-bad", "b/");
    const std::string c = only_backup(store, "restore-bad", "c/");
    // Writes `bytes` back over `key` with awscli (what anyone with write access to the bucket can do).
    auto put_back = [&](const std::string& key, const std::string& bytes) {
        const fs::path file = tmp.path() / "put-back";
        write(file, bytes);
        int status = 0;
        store.aws("s3api put-object --bucket restore-bad --key " + key + " --body " + file.string(), status);
        REQUIRE(status == 0);
    };
    // Flips one bit in the middle of a stream object.
    auto damage = [&](const std::string& key) {
        std::string bytes = store.aws_get("restore-bad", key);
        bytes[bytes.size() / 2] ^= 0x20;
        put_back(key, bytes);
    };
    // a: one flipped byte in its stream.
    damage("a/" + a + "/stream.xbstream.zst");
    // b: its manifest altered (another SHA-256 of the whole stream); the stream itself intact.
    std::string manifest = store.aws_get("restore-bad", "b/" + b + "/manifest.json");
    const auto sha_at = manifest.find("\"sha256\": \"");
    REQUIRE(sha_at != std::string::npos);
    char& digit = manifest[sha_at + 11];
    digit = digit == '0' ? '1' : '0';
    put_back("b/" + b + "/manifest.json", manifest);
    // c: a manifest as backups wrote it before parts had their sha256_through (every part's MD5 and the whole
    // SHA-256 are checked then), and one flipped byte in its stream.
    auto old = mysql_agent::backup_store::parse_manifest(store.aws_get("restore-bad", "c/" + c + "/manifest.json"));
    REQUIRE(old);
    for (auto& p : old->parts) p.sha256_through_hex.clear();
    put_back("c/" + c + "/manifest.json", mysql_agent::backup_store::manifest_json(*old));
    damage("c/" + c + "/stream.xbstream.zst");

    struct refusal {
        std::string name, from;
        int code;
        std::string says;
    };
    const std::vector<refusal> refusals = {
        {"a damaged part", "s3://restore-bad/a/", mysql_agent::exit_code::bad_input, "part 1 has another SHA-256"},
        {"an altered manifest", "s3://restore-bad/b/", mysql_agent::exit_code::bad_input, "SHA-256"},
        {"a damaged part under an older manifest", "s3://restore-bad/c/", mysql_agent::exit_code::bad_input,
         "part 1 has another MD5"},
        {"no backup under the prefix", "s3://restore-bad/none/", mysql_agent::exit_code::no_donor,
         "no complete backup under s3://restore-bad/none/"},
        {"no such bucket", "s3://no-such-bucket-restore/a/", mysql_agent::exit_code::store_no_bucket, "bucket"},
    };
    // One setup (two backups) for every case: a loop, not sections (Catch2 runs the test again for each section).
    for (const auto& r : refusals) {
        const fs::path datadir = tmp.path() / ("datadir-" + std::to_string(&r - refusals.data()));
        const fs::path log = datadir.string() + ".log";
        fs::create_directories(datadir);
        const int rc = run_restore_binary(store, r.from, datadir, tmp.path(), log);
        const std::string output = slurp(log);
        INFO(r.name << ": restore log:\n" << output);
        CHECK(rc == r.code);
        CHECK_THAT(output, Catch::Contains(r.says));
        // Nothing committed, nothing staged: the datadir is as the run found it.
        CHECK(entries_of(datadir).empty());
    }
}

// --- init --seed-from (issue 20): the real `init` of a replica, its primary's name resolved through a private hosts
// file (unshare -m, bind-mounted over /etc/hosts: the static binary reads it), the real sidecar of that primary.

namespace {

/// Runs the real `init` as `hostname` with --seed-from `from`; the name mysql-0.mysql resolves to 127.0.0.1 for it
/// alone (and no other name resolves), and `backup_port` is where the primary's sidecar listens. Its exit code.
int run_seeding_init(const swift_store& store, const std::string& hostname, const std::string& from,
                     std::uint16_t backup_port, const fs::path& datadir, const fs::path& dir, const fs::path& token_file,
                     const fs::path& log, const std::vector<std::string>& extra = {}) {
    write(dir / "hosts", "127.0.0.1 localhost\n127.0.0.1 mysql-0.mysql\n");
    // Every other name fails at once, on loopback: no query leaves the machine.
    write(dir / "resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
    fs::create_directories(dir / "config-src");
    write(dir / "config-src" / "master.cnf", "[mysqld]\nlog-bin\n");
    write(dir / "config-src" / "slave.cnf", "[mysqld]\nread-only\n");
    fs::create_directories(dir / "conf.d");
    auto args = with_store_flags(
        {"unshare", "-m", "sh", "-c",
         "mount --bind \"$0\" /etc/hosts && mount --bind \"$1\" /etc/resolv.conf && shift && exec \"$@\"",
         (dir / "hosts").string(), (dir / "resolv.conf").string(), AGENT_BINARY, "init", "--hostname", hostname, "--service", "mysql", "--backup-port",
         std::to_string(backup_port), "--config-src", (dir / "config-src").string(), "--config-dir",
         (dir / "conf.d").string(), "--datadir", datadir.string(), "--auth-token-file", token_file.string(),
         "--seed-from", from, "--xtrabackup", find_program("mariabackup"), "--xbstream", find_program("mbstream"),
         "--clone-wait", "5"},
        store, dir);
    args.insert(args.end(), extra.begin(), extra.end());
    return wait_for_exit(spawn(args, log), 120s);
}

}  // namespace

TEST_CASE("init --seed-from seeds an empty replica from the newest backup once its primary confirms the binlogs, and "
          "refuses a backup whose binlogs the primary purged, before a byte is downloaded",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(3000);
    auto root = primary->root();
    // The cluster's identity, as a primary's sidecar records it (cluster_identity.hpp): the manifest carries it.
    const std::string identity = "2f0c7a1e-3b4d-4c5e-8f60-718293a4b5c6";
    record_cluster_identity(root, identity);
    temp_dir tmp("mysql-agent-real-seed");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
    const auto port = static_cast<std::uint16_t>(std::stoi(sidecar.address().substr(sidecar.address().rfind(':') + 1)));
    swift_store& store = swift_store::instance();
    store.ensure_bucket("seed");
    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://seed/c/", tmp.path(), token_file,
                              tmp.path() / "backup.log") == 0);
    const std::string id = only_backup(store, "seed", "c/");
    const auto manifest = mysql_agent::backup_store::parse_manifest(store.aws_get("seed", "c/" + id + "/manifest.json"));
    REQUIRE(manifest);
    CHECK(manifest->cluster_identity == identity);
    const auto primary_facts = table_facts(root);
    // The primary goes on writing: the replica catches up from the backup's position through the binlog.
    root.execute("INSERT INTO shop.orders VALUES (900001, 'after the backup', 1, NULL)");

    const fs::path seeded = tmp.path() / "seeded", log = tmp.path() / "init.log";
    const int rc = run_seeding_init(store, "mysql-1", "s3://seed/c/", port, seeded, tmp.path(), token_file, log);
    std::string output = slurp(log);
    INFO("init log:\n" << output << "\nsidecar log:\n" << slurp(tmp.path() / "sidecar.log"));
    REQUIRE(rc == 0);
    CHECK_THAT(output, Catch::Contains("holds every binlog after the backup's position"));
    CHECK_THAT(output, Catch::Contains("restore from s3://seed/c/" + id + "/ committed"));
    CHECK_THAT(output, !Catch::Contains(store.secret_key()) && !Catch::Contains(token));
    const auto marker = mysql_agent::marker_from_json("marker", slurp(seeded / mysql_agent::clone_marker_file));
    REQUIRE(marker);
    CHECK(marker->source == "s3://seed/c/" + id + "/");
    CHECK_FALSE(marker->reseed.has_value());
    CHECK(fs::exists(tmp.path() / "conf.d" / "slave.cnf"));
    CHECK(facts_of_datadir(seeded, 5) == primary_facts);

    // A primary of another cluster identity behind the same name (a cluster recreated at a point in time starts a new
    // one): the backup is not used, and the member is cloned from its peers, which always agree with the primary.
    root.execute("UPDATE mysql_agent.cluster SET identity = '00000000-0000-4000-8000-000000000000' WHERE id = 1");
    {
        const fs::path foreign = tmp.path() / "foreign", foreign_log = tmp.path() / "foreign.log";
        const int foreign_rc =
            run_seeding_init(store, "mysql-3", "s3://seed/c/", port, foreign, tmp.path(), token_file, foreign_log);
        const std::string foreign_output = slurp(foreign_log);
        INFO(foreign_output);
        CHECK(foreign_rc == 0);
        CHECK_THAT(foreign_output, Catch::Contains("is a backup of another cluster identity (" + identity + ")") &&
                                       Catch::Contains("seeding from the peers instead") &&
                                       !Catch::Contains("restore from s3://"));
        const auto foreign_marker =
            mysql_agent::marker_from_json("marker", slurp(foreign / mysql_agent::clone_marker_file));
        REQUIRE(foreign_marker);
        CHECK(foreign_marker->source == "mysql-0.mysql:" + std::to_string(port));
    }
    root.execute("UPDATE mysql_agent.cluster SET identity = '" + identity + "' WHERE id = 1");

    // The primary purges its binlogs past the backup: a replica seeded from it could never catch up.
    root.execute("FLUSH BINARY LOGS");
    root.execute("INSERT INTO shop.orders VALUES (900002, 'in the new binlog', 1, NULL)");
    const auto master = root.query("SHOW MASTER STATUS");
    REQUIRE(master.size() == 1);
    // MariaDB keeps a file until its binlog checkpoint is written (it may be needed for crash recovery), which its
    // background thread does soon after the FLUSH: purged again until the oldest file is the current one.
    const std::string current = master[0].at("File").value_or("");
    const auto purge_until = std::chrono::steady_clock::now() + 30s;
    for (;;) {
        root.execute("PURGE BINARY LOGS TO '" + current + "'");
        if (root.query("SHOW BINARY LOGS").front().at("Log_name").value_or("") == current) break;
        REQUIRE(std::chrono::steady_clock::now() < purge_until);
        std::this_thread::sleep_for(50ms);
    }
    const fs::path refused = tmp.path() / "refused", refused_log = tmp.path() / "refused.log";
    const int refused_rc =
        run_seeding_init(store, "mysql-2", "s3://seed/c/", port, refused, tmp.path(), token_file, refused_log);
    output = slurp(refused_log);
    INFO("refused init log:\n" << output);
    CHECK(refused_rc == mysql_agent::exit_code::bad_input);
    CHECK_THAT(output, Catch::Contains("purged from its binlog") && Catch::Contains("nothing was downloaded"));
    CHECK_THAT(output, !Catch::Contains("restore: backup"));
    CHECK(entries_of(refused).empty());
}

TEST_CASE("a store that refuses parts with 503 SlowDown and 500 InternalError, and cuts a restore's download: backup "
          "and restore retry and resume, the same data arrives, and the backup sweeps a stale upload",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(20000);
    auto root = primary->root();
    root.execute("GRANT SELECT ON mysql_agent.* TO 'backup'@'localhost'");  // for GET /position, as a sidecar's own
    const auto primary_facts = table_facts(root);
    temp_dir tmp("mysql-agent-real-store-faults");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
    swift_store& store = swift_store::instance();
    store.ensure_bucket("faults");
    const std::string endpoint = store.endpoint();
    const auto store_port = static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
    auto via = [](const test_support::fault_proxy& p) { return "http://127.0.0.1:" + std::to_string(p.port()); };

    // An upload a cut-off backup left behind (its own abort failed), older than --sweep-after 1 by the time the
    // backup below commits.
    mysql_agent::objstore::s3_client client(store.client_options());
    client.create_upload("faults", "f/20200101T000000Z/stream.xbstream.zst");
    const auto left_at = std::chrono::system_clock::now();

    {
        // Raw xbstream in 5 MiB parts: several UploadPart requests, the first three refused with 503 SlowDown.
        test_support::fault_proxy proxy(store_port, {.refuse_matching = "partNumber=", .refusals = 3});
        while (std::chrono::system_clock::now() < left_at + 2s) std::this_thread::sleep_for(10ms);
        const fs::path log = tmp.path() / "backup-503.log";
        const int rc = run_backup_binary(sidecar.address(), store, "s3://faults/f/", tmp.path(), token_file, log,
                                         {"--compress", "none", "--sweep-after", "1"}, via(proxy));
        INFO("backup log:\n" << slurp(log));
        CHECK(rc == 0);
        CHECK(proxy.refusals_done() == 3);
        CHECK_THAT(slurp(log), Catch::Contains("backup: sweep: aborting the multipart upload of s3://faults/f/20200101T000000Z/"));
    }
    CHECK(client.list_uploads("faults", "f/").empty());
    const std::string id = only_backup(store, "faults", "f/");

    {
        // The first two POST requests (CreateMultipartUpload) refused with 500 InternalError, into another prefix.
        test_support::fault_proxy proxy(store_port, {.refuse_matching = "POST", .refusals = 2, .refusal_status = 500,
                                                     .refusal_code = "InternalError"});
        // --from names a member that does not answer first: the one that says where it stands is asked first.
        const fs::path log = tmp.path() / "backup-500.log";
        const int rc = run_backup_binary("127.0.0.1:1," + sidecar.address(), store, "s3://faults/g/", tmp.path(),
                                         token_file, log, {}, via(proxy));
        INFO("backup log:\n" << slurp(log));
        CHECK(rc == 0);
        CHECK(proxy.refusals_done() == 2);
        CHECK_THAT(slurp(log), Catch::Contains("backup: asking " + sidecar.address() + " (primary at ") &&
                                   Catch::Contains("then 127.0.0.1:1 (did not say where it stands)"));
    }
    CHECK(run_backups_binary(store, "verify", "s3://faults/g/", tmp.path(), tmp.path() / "verify-g.log") == 0);

    {
        // The restore's download cut twice at 4 MB: it resumes, the same data arrives.
        test_support::fault_proxy proxy(store_port, {.cut_after = 4'000'000, .cuts = 2});
        const fs::path datadir = tmp.path() / "restored", log = tmp.path() / "restore.log";
        const int rc = run_restore_binary(store, "s3://faults/f/", datadir, tmp.path(), log, {}, via(proxy));
        INFO("restore log:\n" << slurp(log));
        REQUIRE(rc == 0);
        CHECK(proxy.cuts_done() == 2);
        CHECK_THAT(slurp(log), Catch::Contains("restore from s3://faults/f/" + id + "/ committed"));
        CHECK(facts_of_datadir(datadir, 6) == primary_facts);
    }
}

TEST_CASE("SIGTERM during a restore whose store went silent: the download is abandoned at once, exit 11, the datadir "
          "as it was",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(3000);
    temp_dir tmp("mysql-agent-real-restore-sigterm");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
    swift_store& store = swift_store::instance();
    store.ensure_bucket("restore-stall");
    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://restore-stall/a/", tmp.path(), token_file,
                              tmp.path() / "backup.log", {"--compress", "none"}) == 0);
    const std::string endpoint = store.endpoint();
    // The stream's answer stops after 300 kB and its connection stays open and silent (the client's timeout: 30 s).
    test_support::fault_proxy proxy(static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1))),
                                    {.stall_after = 300'000});
    const fs::path datadir = tmp.path() / "datadir", log = tmp.path() / "restore.log";
    fs::create_directories(datadir);
    const pid_t restore =
        spawn(with_store_flags({AGENT_BINARY, "restore", "--from", "s3://restore-stall/a/", "--datadir",
                                datadir.string(), "--xtrabackup", find_program("mariabackup"), "--xbstream",
                                find_program("mbstream")},
                               store, tmp.path(), false, "http://127.0.0.1:" + std::to_string(proxy.port())),
              log);
    wait_for_text(log, "restore: backup", 60s);
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (!proxy.stalled() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
    REQUIRE(proxy.stalled());
    ::kill(restore, SIGTERM);
    // Well within the store client's 30 s timeout: the stalled read is cancelled, not waited out.
    const int rc = wait_for_exit(restore, 10s);
    const std::string output = slurp(log);
    INFO("restore log:\n" << output);
    CHECK(rc == mysql_agent::exit_code::clone_failed);
    CHECK_THAT(output, Catch::Contains("interrupted by signal 15") && Catch::Contains("files were removed"));
    CHECK(entries_of(datadir).empty());
}

TEST_CASE("the store killed in the middle of a restore: exit 19 after the client's attempts, nothing committed, the "
          "datadir as it was",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(3000);
    temp_dir tmp("mysql-agent-real-restore-store-killed");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
    swift_store& store = swift_store::instance();
    store.ensure_bucket("restore-killed");
    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://restore-killed/a/", tmp.path(), token_file,
                              tmp.path() / "backup.log", {"--compress", "none"}) == 0);
    const std::string endpoint = store.endpoint();
    // The stream's answer is cut after 300 kB, and from then on the store answers nothing: every connection closed.
    test_support::fault_proxy proxy(static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1))),
                                    {.cut_after = 300'000, .cuts = 1, .dead_after_cut = true});
    const fs::path datadir = tmp.path() / "datadir", log = tmp.path() / "restore.log";
    fs::create_directories(datadir);
    const int rc = run_restore_binary(store, "s3://restore-killed/a/", datadir, tmp.path(), log, {},
                                      "http://127.0.0.1:" + std::to_string(proxy.port()));
    const std::string output = slurp(log);
    INFO("restore log:\n" << output);
    CHECK(rc == mysql_agent::exit_code::store_failed);
    CHECK(proxy.cuts_done() == 1);
    CHECK(proxy.dead_refused() >= 4);  // the resumed GET's other attempts, each refused
    CHECK_THAT(output, Catch::Contains("attempts"));
    CHECK(entries_of(datadir).empty());
}

TEST_CASE("init --seed-from --primary-from-backup: an empty ordinal 0 that finds no member restores the newest backup "
          "as a re-seeded primary, read-only until its sidecar takes over",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(3000);
    auto root = primary->root();
    const auto primary_facts = table_facts(root);
    temp_dir tmp("mysql-agent-real-whole-cluster");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
    swift_store& store = swift_store::instance();
    store.ensure_bucket("whole");
    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://whole/c/", tmp.path(), token_file,
                              tmp.path() / "backup.log") == 0);
    const std::string id = only_backup(store, "whole", "c/");
    CHECK(sidecar.stop() == 0);  // the whole cluster is gone: only the bucket is left

    const fs::path datadir = tmp.path() / "mysql-0", log = tmp.path() / "init.log";
    const int rc = run_seeding_init(store, "mysql-0", "s3://whole/c/", 1, datadir, tmp.path(), token_file, log,
                                    {"--primary-from-backup"});
    const std::string output = slurp(log);
    INFO("init log:\n" << output);
    REQUIRE(rc == 0);
    CHECK_THAT(output, Catch::Contains("restore from s3://whole/c/" + id + "/ committed"));
    const auto marker = mysql_agent::marker_from_json("marker", slurp(datadir / mysql_agent::clone_marker_file));
    REQUIRE(marker);
    CHECK(marker->source == "s3://whole/c/" + id + "/");
    REQUIRE(marker->reseed.has_value());
    CHECK(marker->reseed->as_primary);
    CHECK_THAT(marker->reseed->reason, Catch::Contains("--primary-from-backup"));
    CHECK_FALSE(marker->reseed->position.empty());
    CHECK(fs::exists(tmp.path() / "conf.d" / "master.cnf"));
    CHECK(fs::exists(tmp.path() / "conf.d" / std::string(mysql_agent::reseed_read_only_file)));
    CHECK(facts_of_datadir(datadir, 7) == primary_facts);

    // Without --primary-from-backup the same ordinal 0 starts empty, as a first deployment does: nothing restored.
    const fs::path empty = tmp.path() / "mysql-0-empty", empty_log = tmp.path() / "init-empty.log";
    CHECK(run_seeding_init(store, "mysql-0", "s3://whole/c/", 1, empty, tmp.path(), token_file, empty_log) == 0);
    CHECK_THAT(slurp(empty_log), Catch::Contains("starting empty") && !Catch::Contains("restore: backup"));
    CHECK(entries_of(empty).empty());
}

// --- Client-side encryption (issue 20): `backup --encryption-key-file`; the bucket holds only what the key opens.

TEST_CASE("an encrypted backup: the bucket holds no plaintext, a restore needs its key and refuses another, and a "
          "stream rewritten with matching digests is refused by its tags",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(3000);
    auto root = primary->root();
    const auto primary_facts = table_facts(root);
    temp_dir tmp("mysql-agent-real-encrypted");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
    swift_store& store = swift_store::instance();
    store.ensure_bucket("sealed");
    const std::string key_hex = mysql_agent::text::to_hex(mysql_agent::sha256("the test's key"));
    write(tmp.path() / "key", key_hex + "\n");
    write(tmp.path() / "other-key", mysql_agent::text::to_hex(mysql_agent::sha256("another key")) + "\n");
    const std::vector<std::string> with_key = {"--encryption-key-file", (tmp.path() / "key").string()};

    const fs::path backup_log = tmp.path() / "backup.log";
    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://sealed/c/", tmp.path(), token_file, backup_log,
                              with_key) == 0);
    const std::string id = only_backup(store, "sealed", "c/");
    const std::string manifest_text = store.aws_get("sealed", "c/" + id + "/manifest.json");
    auto manifest = mysql_agent::backup_store::parse_manifest(manifest_text);
    REQUIRE(manifest);
    REQUIRE(manifest->encryption);
    CHECK(manifest->encryption->cipher == "aes-256-gcm");
    CHECK(manifest->stream_name == "stream.xbstream.zst.enc");
    const std::string stream = store.aws_get("sealed", "c/" + id + "/" + manifest->stream_name);
    CHECK(stream.substr(0, 8) == "MAGENC01");
    CHECK(stream.find("\x28\xb5\x2f\xfd") == std::string::npos);  // no zstd frame, anywhere
    CHECK(stream.find("XBSTCK01") == std::string::npos);          // no xbstream chunk
    for (const auto& text : {slurp(backup_log), manifest_text}) CHECK(text.find(key_hex) == std::string::npos);

    struct attempt {
        std::string name;
        std::vector<std::string> flags;
        int code;
        std::string says;
    };
    const std::vector<attempt> refused = {
        {"no key", {}, mysql_agent::exit_code::config,
         "is encrypted (key id " + manifest->encryption->key_id + "); give the key with --encryption-key-file"},
        {"another key", {"--encryption-key-file", (tmp.path() / "other-key").string()}, mysql_agent::exit_code::config,
         "was encrypted with key id " + manifest->encryption->key_id + ", --encryption-key-file holds key id "},
    };
    for (const auto& a : refused) {
        const fs::path datadir = tmp.path() / ("refused-" + std::to_string(&a - refused.data()));
        fs::create_directories(datadir);
        const fs::path log = datadir.string() + ".log";
        const int rc = run_restore_binary(store, "s3://sealed/c/", datadir, tmp.path(), log, a.flags);
        INFO(a.name << ": restore log:\n" << slurp(log));
        CHECK(rc == a.code);
        CHECK_THAT(slurp(log), Catch::Contains(a.says));
        CHECK(entries_of(datadir).empty());
    }

    const fs::path verify_log = tmp.path() / "verify.log";
    CHECK(run_backups_binary(store, "verify", "s3://sealed/c/", tmp.path(), verify_log, with_key) == 0);
    CHECK_THAT(slurp(verify_log), Catch::Contains("every encrypted segment authenticated with key id " +
                                                  manifest->encryption->key_id));

    const fs::path datadir = tmp.path() / "restored", log = tmp.path() / "restore.log";
    const int rc = run_restore_binary(store, "s3://sealed/c/", datadir, tmp.path(), log, with_key);
    INFO("restore log:\n" << slurp(log));
    REQUIRE(rc == 0);
    CHECK(slurp(log).find(key_hex) == std::string::npos);
    CHECK(facts_of_datadir(datadir, 5) == primary_facts);

    // Whoever can write to the bucket can rewrite a manifest's digests; not the tags. One byte flipped in the middle
    // of the stream, the part's MD5, every part's SHA-256 through it and the SHA-256 in the manifest made to match it.
    std::string altered = stream;
    const std::size_t at = altered.size() / 2;
    altered[at] ^= 0x01;
    std::uint64_t part_start = 0;
    for (auto& p : manifest->parts) {
        if (at >= part_start && at < part_start + p.bytes)
            p.md5_hex = mysql_agent::text::to_hex(mysql_agent::md5(std::string_view(altered).substr(part_start, p.bytes)));
        part_start += p.bytes;
        p.sha256_through_hex =
            mysql_agent::text::to_hex(mysql_agent::sha256(std::string_view(altered).substr(0, part_start)));
    }
    manifest->stream_sha256 = mysql_agent::text::to_hex(mysql_agent::sha256(altered));
    write(tmp.path() / "altered-stream", altered);
    write(tmp.path() / "altered-manifest", mysql_agent::backup_store::manifest_json(*manifest));
    int status = 0;
    store.aws("s3api put-object --bucket sealed --key c/" + id + "/" + manifest->stream_name + " --body " +
                  (tmp.path() / "altered-stream").string(),
              status);
    REQUIRE(status == 0);
    store.aws("s3api put-object --bucket sealed --key c/" + id + "/manifest.json --body " +
                  (tmp.path() / "altered-manifest").string(),
              status);
    REQUIRE(status == 0);
    const fs::path tampered = tmp.path() / "tampered", tampered_log = tmp.path() / "tampered.log";
    fs::create_directories(tampered);
    const int tampered_rc = run_restore_binary(store, "s3://sealed/c/", tampered, tmp.path(), tampered_log, with_key);
    INFO("tampered restore log:\n" << slurp(tampered_log));
    CHECK(tampered_rc == mysql_agent::exit_code::bad_input);
    CHECK_THAT(slurp(tampered_log), Catch::Contains("does not authenticate"));
    CHECK(entries_of(tampered).empty());
}

// --- The store's backups in /metrics and `status` (issue 20): sidecar --backup-status-from, last-run.json.

namespace {

/// /metrics of the sidecar at `address` once `ready` holds for it (read every 100 ms, at most `limit`).
std::string metrics_when(const std::string& address, const std::function<bool(const std::string&)>& ready,
                         std::chrono::seconds limit = 30s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    std::string text;
    do {
        text = test_support::http_get(port_of(address), "/metrics").body;
        if (ready(text)) return text;
        std::this_thread::sleep_for(100ms);
    } while (std::chrono::steady_clock::now() < until);
    FAIL("the sidecar's /metrics did not show what was awaited within " << limit.count() << " s:\n" << text);
    return text;
}

}  // namespace

TEST_CASE("sidecar --backup-status-from shows the newest complete backup and how the last backup runs went, in "
          "/metrics and status",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(3000);
    temp_dir tmp("mysql-agent-real-store-status");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    swift_store& store = swift_store::instance();
    store.ensure_bucket("status");
    const auto flags = with_store_flags({"--backup-status-from", "s3://status/c/", "--backup-status-interval", "1"},
                                        store, tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log", flags);
    // Read once before any backup: none complete, no run recorded.
    auto text = metrics_when(sidecar.address(), [](const std::string& t) {
        return metric(t, "mysql_agent_store_backups_complete") == 0.0;
    });
    CHECK_FALSE(metric(text, "mysql_agent_store_backup_last_success_timestamp_seconds"));
    CHECK_FALSE(metric(text, "mysql_agent_store_backup_last_run_success"));

    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://status/c/", tmp.path(), token_file,
                              tmp.path() / "backup.log") == 0);
    const std::string id = only_backup(store, "status", "c/");
    const auto manifest = mysql_agent::backup_store::parse_manifest(store.aws_get("status", "c/" + id + "/manifest.json"));
    REQUIRE(manifest);
    const auto record = mysql_agent::backup_store::parse_last_run(store.aws_get("status", "c/last-run.json"));
    REQUIRE(record);
    CHECK(record->committed);
    CHECK(record->id == id);
    CHECK(record->uploaded_bytes == manifest->stream_bytes);
    text = metrics_when(sidecar.address(), [](const std::string& t) {
        return metric(t, "mysql_agent_store_backups_complete") == 1.0;
    });
    const auto finished = mysql_agent::backup_store::parse_iso8601_utc(manifest->finished_at);
    REQUIRE(finished);
    CHECK(metric(text, "mysql_agent_store_backup_last_success_timestamp_seconds") ==
          static_cast<double>(std::chrono::system_clock::to_time_t(*finished)));
    CHECK(metric(text, "mysql_agent_store_backup_last_success_bytes") == static_cast<double>(manifest->stream_bytes));
    CHECK(metric(text, "mysql_agent_store_backup_last_run_success") == 1.0);
    CHECK(metric(text, "mysql_agent_store_backup_failures_in_a_row") == 0.0);

    // Two runs that fail (no member listens there): recorded, counted in a row; the newest complete backup stays.
    for (int run = 1; run <= 2; ++run) {
        const fs::path log = tmp.path() / ("failed-" + std::to_string(run) + ".log");
        CHECK(run_backup_binary("127.0.0.1:1", store, "s3://status/c/", tmp.path(), token_file, log, {"--retry-for",
                                "0"}) == mysql_agent::exit_code::no_donor);
    }
    text = metrics_when(sidecar.address(), [](const std::string& t) {
        return metric(t, "mysql_agent_store_backup_failures_in_a_row") == 2.0;
    });
    CHECK(metric(text, "mysql_agent_store_backup_last_run_success") == 0.0);
    CHECK(metric(text, "mysql_agent_store_backups_complete") == 1.0);
    CHECK(metric(text, "mysql_agent_store_read_failures_total") == 0.0);
    const auto failed = mysql_agent::backup_store::parse_last_run(store.aws_get("status", "c/last-run.json"));
    REQUIRE(failed);
    CHECK_THAT(failed->error, Catch::Contains("127.0.0.1:1"));
    CHECK_THAT(slurp(tmp.path() / "sidecar.log"), !Catch::Contains(store.secret_key()));

    const fs::path status_log = tmp.path() / "status.log";
    const int status_rc = wait_for_exit(
        spawn({AGENT_BINARY, "status", "--hostname", "mysql-0", "--datadir", primary->datadir().string(),
               "--mysql-socket", primary->socket().string(), "--user", "backup", "--password-file",
               password_file.string(), "--sidecar", sidecar.address()},
              status_log),
        60s);
    INFO("status output:\n" << slurp(status_log));
    CHECK(status_rc == 0);
    CHECK_THAT(slurp(status_log), Catch::Contains("1 complete, 0 incomplete; newest finished " + manifest->finished_at) &&
                                      Catch::Contains("FAILED at ") && Catch::Contains("(2 failed in a row)"));
}

// --- point-in-time recovery (issue 21): a backup, the primary's binlogs archived by the archiver while it writes,
// and restores to GTIDs, to a time and to the latest, each checked against the table's checksum the primary had at
// that point; a gap and a damaged archived file refused with nothing committed.

namespace {

/// CHECKSUM TABLE of shop.orders and the GTID position, read in one locked moment.
struct recorded_point {
    std::string checksum;
    std::string gtid;
};

/// CHECKSUM TABLE of `tables` (a comma-separated list), as "table=checksum;..." .
std::string checksums(mysql_agent::mysql_client& c, const std::string& tables) {
    std::string all;
    for (const auto& row : c.query("CHECKSUM TABLE " + tables))
        all += row.at("Table").value_or("") + "=" + row.at("Checksum").value_or("") + ";";
    return all;
}

/// The same on a restored datadir, started on a server of its own (binlog off), with the cluster identity it carries.
std::pair<std::string, std::string> restored_checksums_and_identity(const fs::path& datadir, const std::string& tables) {
    mariadb_server::options o;
    o.server_id = 77;
    o.log_bin = false;
    auto server = mariadb_server::start_on(datadir, o);
    auto c = server->root();
    return {checksums(c, tables), mysql_agent::read_cluster_identity(c).value_or("")};
}

recorded_point record_point(mysql_agent::mysql_client& c) {
    c.execute("FLUSH TABLES WITH READ LOCK");
    recorded_point p{checksums(c, "shop.orders"), c.query("SELECT @@gtid_binlog_pos AS p").at(0).at("p").value_or("")};
    c.execute("UNLOCK TABLES");
    return p;
}

}  // namespace

TEST_CASE("point-in-time restore: a backup and the archived binlogs give back the data as it was at a GTID, a time "
          "and the latest, while a gap and a damaged archived file are refused, nothing committed",
          "[io][real]") {
    auto primary = primary_with_orders(2000);
    auto c = primary->root();
    // The cluster's identity, as a primary's sidecar records it: the backup's manifest and the archive's records carry
    // it, and a restore to a point gives the restored data a new one.
    const std::string identity = "2f0c7a1e-3b4d-4c5e-8f60-718293a4b5c6";
    record_cluster_identity(c, identity);
    temp_dir tmp("mysql-agent-real-pitr");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
    swift_store& store = swift_store::instance();
    store.ensure_bucket("pitr");
    mysql_agent::binlog_archive::binlog_archiver_options ao;
    ao.store = store.client_options();
    ao.at = {"pitr", "c/"};
    ao.mysql = primary->root_socket();
    ao.datadir = primary->datadir();
    ao.interval = std::chrono::seconds(0);
    mysql_agent::binlog_archive::binlog_archiver archiver(ao);
    archiver.pass();  // the fill's binlog archived before the backup

    REQUIRE(run_backup_binary(sidecar.address(), store, "s3://pitr/c/", tmp.path(), token_file,
                              tmp.path() / "backup.log") == 0);
    // After the backup: writes in three batches, each followed by a recorded point; files closed and archived
    // between them, so that the points fall at file boundaries and inside files.
    c.execute("UPDATE shop.orders SET amount = amount + 1 WHERE id <= 500");
    archiver.pass();
    c.execute("INSERT INTO shop.orders SELECT seq, 'after-backup', 1, NULL FROM shop.seq_2001_to_2100");
    const recorded_point inside = record_point(c);  // inside the next file
    c.execute("DELETE FROM shop.orders WHERE id BETWEEN 100 AND 150");
    archiver.pass();
    const recorded_point boundary = record_point(c);  // at a file's end
    // A time: everything so far began committing by the second `t`; the next batch only after it.
    const auto t = std::chrono::system_clock::now();
    const auto t_second = std::chrono::floor<std::chrono::seconds>(t);
    while (std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) <= t_second)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the clock passes a second boundary
    c.execute("UPDATE shop.orders SET customer = 'oops'");  // the UPDATE without a WHERE
    archiver.pass();
    const recorded_point latest = record_point(c);
    REQUIRE(archiver.snapshot().failures == 0);
    REQUIRE(inside.checksum != boundary.checksum);
    REQUIRE(boundary.checksum != latest.checksum);

    struct row {
        std::string name;
        std::vector<std::string> target;
        std::string checksum;
    };
    const std::vector<row> rows = {
        {"to a GTID inside a file", {"--to-gtid", inside.gtid}, inside.checksum},
        {"to a GTID at a file's end", {"--to-gtid", boundary.gtid}, boundary.checksum},
        {"to a time before the UPDATE without a WHERE", {"--to-time", mysql_agent::backup_store::iso8601_utc(t)},
         boundary.checksum},
        {"to the latest archived", {"--latest"}, latest.checksum},
    };
    for (const auto& r : rows) {
        const fs::path datadir = tmp.path() / ("restored-" + std::to_string(&r - rows.data()));
        const fs::path log = datadir.string() + ".log";
        auto extra = r.target;
        const int rc = run_restore_binary(store, "s3://pitr/c/", datadir, tmp.path(), log, extra);
        INFO(r.name << ": restore log:\n" << slurp(log));
        REQUIRE(rc == 0);
        CHECK_THAT(slurp(log), Catch::Contains("the last transaction applied"));
        const auto [restored, restored_identity] = restored_checksums_and_identity(datadir, "shop.orders");
        CHECK(restored == r.checksum);
        if (r.target.front() == "--latest") {
            CHECK(restored_identity == identity);  // the history goes on
        } else {  // the history after the point is discarded: a new identity, named in the log
            CHECK(mysql_agent::is_identity(restored_identity));
            CHECK(restored_identity != identity);
            CHECK_THAT(slurp(log), Catch::Contains("the cluster identity is now " + restored_identity + " (was " +
                                                   identity + ")"));
        }
    }
    // The archive's records carry the identity of the history they belong to.
    {
        mysql_agent::objstore::s3_client records(store.client_options());
        const auto archived = mysql_agent::binlog_archive::read_archive(records, {"pitr", "c/"});
        REQUIRE(!archived.empty());
        for (const auto& r : archived) CHECK(r.cluster_identity == identity);
    }

    // init recreating the lost cluster at a point in time: an empty ordinal 0 that finds no member, told
    // --primary-from-backup --to-gtid, restores the backup carried to that GTID and becomes a re-seeded primary at it
    // (read-only until its sidecar takes over), under a new cluster identity.
    {
        const fs::path datadir = tmp.path() / "mysql-0", log = tmp.path() / "init-pitr.log";
        const int rc = run_seeding_init(store, "mysql-0", "s3://pitr/c/", 1, datadir, tmp.path(), token_file, log,
                                        {"--primary-from-backup", "--to-gtid", inside.gtid});
        const std::string output = slurp(log);
        INFO("init log:\n" << output);
        REQUIRE(rc == 0);
        CHECK_THAT(output, Catch::Contains("point-in-time restore --to-gtid " + inside.gtid));
        const auto marker = mysql_agent::marker_from_json("marker", slurp(datadir / mysql_agent::clone_marker_file));
        REQUIRE(marker);
        REQUIRE(marker->reseed.has_value());
        CHECK(marker->reseed->as_primary);
        CHECK_THAT(marker->reseed->reason, Catch::Contains("recreated at --to-gtid " + inside.gtid));
        REQUIRE(marker->coordinates.binlog.has_value());
        CHECK(marker->coordinates.binlog->gtid_set == inside.gtid);  // where the takeover makes its binlog continue
        CHECK(fs::exists(tmp.path() / "conf.d" / "master.cnf"));
        CHECK(fs::exists(tmp.path() / "conf.d" / std::string(mysql_agent::reseed_read_only_file)));
        const auto [restored, restored_identity] = restored_checksums_and_identity(datadir, "shop.orders");
        CHECK(restored == inside.checksum);
        CHECK(restored_identity != identity);

        // Without --primary-from-backup the flags are refused before anything is written.
        const fs::path refused = tmp.path() / "mysql-0-refused", refused_log = tmp.path() / "init-refused.log";
        fs::create_directories(refused);
        CHECK(run_seeding_init(store, "mysql-0", "s3://pitr/c/", 1, refused, tmp.path(), token_file, refused_log,
                               {"--latest"}) == mysql_agent::exit_code::config);
        CHECK_THAT(slurp(refused_log), Catch::Contains("need --primary-from-backup"));
        CHECK(entries_of(refused).empty());
    }

    // A binlog tool that is not there: a configuration error before anything is downloaded (exit 3).
    {
        const fs::path datadir = tmp.path() / "restored-no-tool", log = tmp.path() / "restored-no-tool.log";
        fs::create_directories(datadir);
        const int rc = run_restore_binary(store, "s3://pitr/c/", datadir, tmp.path(), log,
                                          {"--latest", "--binlog-tool", "/no/such/mariadb-binlog"});
        INFO(slurp(log));
        CHECK(rc == mysql_agent::exit_code::config);
        CHECK_THAT(slurp(log), Catch::Contains("--binlog-tool"));
        CHECK(entries_of(datadir).empty());
    }

    // SIGTERM while the binlogs are replayed (a replay that would run for hours: a binlog tool that never ends):
    // the tool and the private server are killed at once, the restore exits 11, nothing committed.
    {
        const fs::path datadir = tmp.path() / "restored-stopped", log = tmp.path() / "restored-stopped.log";
        const fs::path record = tmp.path() / "binlog-tool.pid";
        fs::create_directories(datadir);
        ::setenv("FAKE_RECORD", record.c_str(), 1);
        const pid_t restore = spawn(
            with_store_flags({AGENT_BINARY, "restore", "--from", "s3://pitr/c/", "--datadir", datadir.string(),
                              "--xtrabackup", find_program("mariabackup"), "--xbstream", find_program("mbstream"),
                              "--latest", "--binlog-tool", std::string(FAKES_DIR) + "/fake-binlog-tool-stall"},
                             store, tmp.path()),
            log);
        ::unsetenv("FAKE_RECORD");
        const auto until = std::chrono::steady_clock::now() + 120s;
        while (!fs::exists(record) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
        INFO(slurp(log));
        REQUIRE(fs::exists(record));
        ::kill(restore, SIGTERM);
        const int rc = wait_for_exit(restore, 60s);
        const std::string output = slurp(log);
        INFO(output);
        CHECK(rc == mysql_agent::exit_code::clone_failed);
        CHECK_THAT(output, Catch::Contains("interrupted by signal 15"));
        CHECK(entries_of(datadir).empty());
        const pid_t tool = std::stoi(slurp(record));
        CHECK(::kill(tool, 0) != 0);  // killed and reaped by the restore
    }

    // A damaged archived file: refused before anything is committed (exit 4), the datadir as it was.
    // The victim: the archived file that ends where `boundary` was recorded (after the backup, before the last).
    mysql_agent::objstore::s3_client client(store.client_options());
    std::string victim;
    for (const auto& r : mysql_agent::binlog_archive::read_archive(client, {"pitr", "c/"}))
        if (to_string(r.end) == boundary.gtid) victim = "c/binlogs/" + r.name + ".binlog";
    REQUIRE(!victim.empty());
    const std::string original = store.aws_get("pitr", victim);
    std::string damaged = original;
    damaged[damaged.size() / 2] ^= 0x01;
    client.put_object("pitr", victim, damaged);
    {
        const fs::path datadir = tmp.path() / "restored-damaged", log = tmp.path() / "restored-damaged.log";
        fs::create_directories(datadir);
        const int rc = run_restore_binary(store, "s3://pitr/c/", datadir, tmp.path(), log, {"--latest"});
        INFO(slurp(log));
        CHECK(rc == mysql_agent::exit_code::bad_input);
        CHECK_THAT(slurp(log), Catch::Contains("does not match the SHA-256 of its index record"));
        CHECK(entries_of(datadir).empty());
    }
    // A gap: that file's index record removed too (as if it had never been archived): refused, named, exit 20.
    client.delete_object("pitr", victim.substr(0, victim.size() - 7) + ".json");
    client.delete_object("pitr", victim);
    {
        const fs::path datadir = tmp.path() / "restored-gap", log = tmp.path() / "restored-gap.log";
        fs::create_directories(datadir);
        const int rc = run_restore_binary(store, "s3://pitr/c/", datadir, tmp.path(), log, {"--to-gtid", latest.gtid});
        INFO(slurp(log));
        CHECK(rc == mysql_agent::exit_code::pitr_unreachable);
        CHECK_THAT(slurp(log), Catch::Contains("a gap"));
        CHECK(entries_of(datadir).empty());
    }
}

TEST_CASE("sidecar --archive-binlogs with the least-privileged backup account: the primary's binlogs closed every "
          "interval and archived, shown in /metrics, and a read-only member archives nothing",
          "[io][real][objstore]") {
    auto primary = primary_with_orders(100);
    temp_dir tmp("mysql-agent-real-archive");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    swift_store& store = swift_store::instance();
    store.ensure_bucket("archived");
    const auto flags = with_store_flags({"--archive-binlogs", "s3://archived/c/", "--archive-interval", "1"}, store,
                                        tmp.path());
    sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log", flags);
    auto c = primary->root();
    c.execute("INSERT INTO shop.orders VALUES (100001, 'archived', 1, NULL)");
    // Closed by the sidecar (FLUSH BINARY LOGS under the backup account's RELOAD) and archived within the interval.
    const std::string position = c.query("SELECT @@gtid_binlog_pos AS p").at(0).at("p").value_or("");
    metrics_when(sidecar.address(), [](const std::string& m) {
        return metric(m, "mysql_agent_binlog_archive_archiving") == 1.0 &&
               metric(m, "mysql_agent_binlog_archive_files_total").value_or(0) >= 1;
    });
    mysql_agent::objstore::s3_client client(store.client_options());
    bool reached = false;
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (!reached && std::chrono::steady_clock::now() < until) {
        for (const auto& r : mysql_agent::binlog_archive::read_archive(client, {"archived", "c/"}))
            reached = reached || to_string(r.end) == position;
        if (!reached) std::this_thread::sleep_for(100ms);
    }
    INFO(slurp(tmp.path() / "sidecar.log"));
    CHECK(reached);  // the insert's transaction is in the archive
    const auto m = test_support::http_get(port_of(sidecar.address()), "/metrics").body;
    CHECK(metric(m, "mysql_agent_binlog_archive_failures_total") == 0.0);
    CHECK(metric(m, "mysql_agent_binlog_archive_gaps") == 0.0);

    // Made read-only (a replica's state): the sidecar stops archiving and says so.
    c.execute("SET GLOBAL read_only = 1");
    metrics_when(sidecar.address(),
                 [](const std::string& text) { return metric(text, "mysql_agent_binlog_archive_archiving") == 0.0; });
    CHECK_THAT(slurp(tmp.path() / "sidecar.log"), Catch::Contains("replica (read_only): not archiving"));
}

// --- The proof (issue 21): sysbench writes while a recorder takes consistent snapshots; the sidecar and mysqld are
// killed on the way; every recorded point restored by GTID or by time gives the recorded checksums.

namespace {

struct proof_point {
    std::string checksums;  ///< CHECKSUM TABLE of every sbtest table, joined
    std::string gtid;
    std::chrono::system_clock::time_point second;  ///< every transaction in `gtid` began committing by this second
    bool by_time = false;  ///< and every transaction after it began committing after this second
};

const std::string sbtest_tables = "sbtest.sbtest1, sbtest.sbtest2";

std::vector<std::string> sysbench_args(const mariadb_server& db, const std::string& command) {
    return {find_program("sysbench"), "oltp_write_only", "--db-driver=mysql", "--mysql-socket=" + db.socket().string(),
            "--mysql-user=root", "--mysql-db=sbtest", "--tables=2", "--table-size=2000", "--threads=2",
            "--time=0", "--events=0", "--report-interval=0", "--rand-seed=7",
            // 100 transactions a second whatever the machine: minutes of writes stay a bounded replay per point.
            "--rate=100", command};
}

/// Sessions that may still commit a transaction begun by now: any at work but this one, a plain read, or a
/// statement waiting for a row lock (sysbench's transactions are explicit: a stopped thread's open transaction
/// commits only after SIGCONT). Includes a COMMIT waiting for the backup lock, and a statement just received whose
/// text is not known yet.
std::string may_commit(mysql_agent::mysql_client& c) {
    std::string busy;
    for (const auto& row : c.query(
             "SELECT p.id, p.command, p.state, p.info FROM information_schema.processlist p WHERE p.id <> "
             "CONNECTION_ID() AND p.command NOT IN ('Sleep', 'Daemon', 'Binlog Dump') AND (p.info IS NULL OR "
             "(p.info NOT LIKE 'SELECT%' AND p.info NOT LIKE 'SHOW%')) AND NOT EXISTS (SELECT 1 FROM "
             "information_schema.innodb_trx t WHERE t.trx_mysql_thread_id = p.id AND t.trx_state = 'LOCK WAIT')"))
        busy += row.at("id").value_or("") + " " + row.at("command").value_or("") + " " + row.at("state").value_or("") +
                " " + row.at("info").value_or("NULL") + "\n";
    return busy;
}

/// A consistent point while sysbench writes: sysbench stopped (SIGSTOP) and, once nothing of it is at work, every
/// commit blocked (BACKUP STAGE BLOCK_COMMIT: it waits for the commits in progress, and a COMMIT that arrives later
/// waits for the lock) while the checksums and the GTID position are read. The block is held until the clock passes
/// the point's second; the point serves a restore by time only when no session is then waiting to commit (a COMMIT
/// sent before SIGSTOP that reached the server late began within the point's second; by GTID, the point holds).
proof_point record_point(pid_t sysbench, mysql_agent::mysql_client& c) {
    ::kill(sysbench, SIGSTOP);
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (!may_commit(c).empty() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
    c.execute("BACKUP STAGE START");
    c.execute("BACKUP STAGE BLOCK_COMMIT");
    auto position = [&] { return c.query("SELECT @@gtid_binlog_pos AS p").at(0).at("p").value_or(""); };
    proof_point p;
    p.gtid = position();
    p.checksums = checksums(c, sbtest_tables);
    p.second = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const std::string again = position();
    while (std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) <= p.second)
        std::this_thread::sleep_for(20ms);  // waits for the clock, not for another process
    const std::string waiting = may_commit(c);
    p.by_time = waiting.empty();
    if (!p.by_time) UNSCOPED_INFO("a point by GTID only, these may commit within its second:\n" << waiting);
    c.execute("BACKUP STAGE END");
    ::kill(sysbench, SIGCONT);
    REQUIRE(again == p.gtid);  // nothing committed while the block was held
    return p;
}

}  // namespace

TEST_CASE("point-in-time proof: sysbench writes while a recorder snapshots checksums, the sidecar and mysqld are "
          "killed on the way, and every point restores to its recorded checksums by GTID and by time",
          "[io][real][pitr][long]") {
    auto primary = primary_with_orders(10);
    temp_dir tmp("mysql-agent-real-proof");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    swift_store& store = swift_store::instance();
    store.ensure_bucket("proof");
    auto c = primary->root();
    c.execute("CREATE DATABASE sbtest");
    // Row-based binlogs: sysbench's statements replayed as the rows they changed.
    c.execute("SET GLOBAL binlog_format = 'ROW'");
    REQUIRE(wait_for_exit(spawn(sysbench_args(*primary, "prepare"), tmp.path() / "prepare.log"), 120s) == 0);
    const auto archive_flags = with_store_flags({"--archive-binlogs", "s3://proof/c/", "--archive-interval", "2"},
                                                store, tmp.path());
    std::optional<sidecar_process> sidecar;
    sidecar.emplace(*primary, "backup", password_file, token_file, tmp.path() / "sidecar-1.log", archive_flags);
    REQUIRE(run_backup_binary(sidecar->address(), store, "s3://proof/c/", tmp.path(), token_file,
                              tmp.path() / "backup.log") == 0);

    // Writes for PROOF_SECONDS (180 by default) in four phases, a point every 2.5 s: 40 % with the sidecar
    // archiving, 15 % with it killed, 15 % after its restart, 30 % after mysqld was killed under the writes.
    const double seconds = std::getenv("PROOF_SECONDS") ? std::stod(std::getenv("PROOF_SECONDS")) : 180.0;
    auto span = [&](double share) {
        return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds * share));
    };
    pid_t writer = spawn(sysbench_args(*primary, "run"), tmp.path() / "run-1.log");
    std::vector<proof_point> points;
    auto pace = [] { std::this_thread::sleep_for(2500ms); };  // writes between points: pacing, not a wait on an event
    auto points_for = [&](std::chrono::steady_clock::duration d) {
        const auto end = std::chrono::steady_clock::now() + d;
        do {
            pace();
            points.push_back(record_point(writer, c));
        } while (std::chrono::steady_clock::now() < end);
    };
    std::vector<std::size_t> chosen;  // the points restored: around every fault, and spread over the run
    points_for(span(0.4));
    chosen.insert(chosen.end(), {0, points.size() / 2, points.size() - 1});
    // The sidecar killed mid-work, and started again: it resumes from the archive's records.
    sidecar->kill();
    points_for(span(0.15));
    sidecar.emplace(*primary, "backup", password_file, token_file, tmp.path() / "sidecar-2.log", archive_flags);
    chosen.push_back(points.size() - 1);
    points_for(span(0.15));
    chosen.push_back(points.size() - 1);
    // mysqld killed under the writes (its open binlog left without a Stop event), then started again.
    ::kill(writer, SIGKILL);
    wait_for_exit(writer, 30s);
    primary->crash();
    primary->start();
    c = primary->root();
    writer = spawn(sysbench_args(*primary, "run"), tmp.path() / "run-2.log");
    const std::size_t after_crash = points.size();
    points_for(span(0.3));
    chosen.insert(chosen.end(), {after_crash, (after_crash + points.size()) / 2, points.size() - 1});
    // Enough of them serve a time (almost every point does): more points restored if not.
    auto times_chosen = [&] {
        return std::count_if(chosen.begin(), chosen.end(), [&](std::size_t i) { return points[i].by_time; });
    };
    for (std::size_t i = 0; i < points.size() && times_chosen() < 4; ++i)
        if (points[i].by_time && std::find(chosen.begin(), chosen.end(), i) == chosen.end()) chosen.push_back(i);
    std::sort(chosen.begin(), chosen.end());
    chosen.erase(std::unique(chosen.begin(), chosen.end()), chosen.end());
    pace();  // transactions after the last point
    ::kill(writer, SIGTERM);
    wait_for_exit(writer, 30s);
    const std::string final_gtid = c.query("SELECT @@gtid_binlog_pos AS p").at(0).at("p").value_or("");
    // Everything archived: within a few intervals the archive reaches the final position.
    mysql_agent::objstore::s3_client client(store.client_options());
    std::vector<mysql_agent::binlog_archive::archived_binlog> archive;
    const auto until = std::chrono::steady_clock::now() + 60s;
    auto reaches_final = [&] {
        for (const auto& r : archive)
            if (to_string(r.end) == final_gtid) return true;
        return false;
    };
    while (std::chrono::steady_clock::now() < until) {
        archive = mysql_agent::binlog_archive::read_archive(client, {"proof", "c/"});
        if (reaches_final()) break;
        std::this_thread::sleep_for(200ms);
    }
    INFO(slurp(tmp.path() / "sidecar-2.log"));
    REQUIRE(reaches_final());
    // No gap, no duplicate: the files chain end to start, each range once (an empty file's start is its end).
    std::sort(archive.begin(), archive.end(), [](const auto& a, const auto& b) {
        const auto key = [](const auto& r) {
            return std::make_pair(r.start.seq_in(0).value_or(0), r.end.seq_in(0).value_or(0));
        };
        return key(a) < key(b);
    });
    std::string listing;
    for (const auto& r : archive)
        listing += r.name + " " + r.file + " " + to_string(r.start) + ".." + to_string(r.end) + " " +
                   std::to_string(r.transactions) + "\n";
    INFO("the archive:\n" << listing);
    CHECK(mysql_agent::binlog_archive::find_gaps(archive).empty());
    for (std::size_t i = 1; i < archive.size(); ++i) CHECK(archive[i].start == archive[i - 1].end);

    // The chosen points restored: by time where one serves, alternating with GTIDs; the last by GTID.
    std::size_t times = 0, gtids = 0;
    INFO(points.size() << " points recorded");
    for (const std::size_t i : chosen) {
        const auto& p = points[i];
        const bool use_time = p.by_time && times <= gtids && i + 1 < points.size();
        (use_time ? times : gtids) += 1;
        const fs::path datadir = tmp.path() / ("point-" + std::to_string(i) + (use_time ? "-time" : "-gtid"));
        const fs::path log = datadir.string() + ".log";
        const std::vector<std::string> target =
            use_time ? std::vector<std::string>{"--to-time", mysql_agent::backup_store::iso8601_utc(p.second)}
                     : std::vector<std::string>{"--to-gtid", p.gtid};
        const int rc = run_restore_binary(store, "s3://proof/c/", datadir, tmp.path(), log, target);
        INFO("point " << i << (use_time ? " by time " : " by GTID ") << target[1] << " (at " << p.gtid << "):\n"
                      << slurp(log));
        REQUIRE(rc == 0);
        CHECK(restored_checksums_and_identity(datadir, sbtest_tables).first == p.checksums);
    }
    CHECK(times >= 3);
    CHECK(gtids >= 3);
}

// --- A restore across a re-seeded primary (issue 21): the old primary archived a file past the point its successor
// was cloned at; the re-seeded primary (the real takeover: its binlog continues that point, sequence numbers jumped
// 2^32) archives files named like the old ones. --latest follows the live history: the old file up to the branch
// point, then the new primary's files; a GTID only the old history holds still restores it.

TEST_CASE("point-in-time restore across a re-seeded primary: the live history is followed from the branch point, "
          "and the old primary's lost tail only when asked for by GTID",
          "[io][real][pitr]") {
    auto primary = primary_with_orders(500);
    auto c = primary->root();
    const std::string identity = "6a1f0c2e-9b8d-4e7f-a1b2-c3d4e5f60718";
    record_cluster_identity(c, identity);
    temp_dir tmp("mysql-agent-real-pitr-reseed");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    swift_store& store = swift_store::instance();
    store.ensure_bucket("reseed");
    auto archiver_of = [&](const mariadb_server& server, const std::string& endpoint = "") {
        mysql_agent::binlog_archive::binlog_archiver_options ao;
        ao.store = store.client_options();
        if (!endpoint.empty()) ao.store.endpoint = *mysql_agent::objstore::parse_endpoint(endpoint);
        ao.at = {"reseed", "c/"};
        ao.mysql = server.root_socket();
        ao.datadir = server.datadir();
        ao.interval = std::chrono::seconds(0);
        return std::make_unique<mysql_agent::binlog_archive::binlog_archiver>(ao);
    };
    {
        sidecar_process sidecar(*primary, "backup", password_file, token_file, tmp.path() / "sidecar.log");
        REQUIRE(run_backup_binary(sidecar.address(), store, "s3://reseed/c/", tmp.path(), token_file,
                                  tmp.path() / "backup.log") == 0);
    }
    auto old_archiver = archiver_of(*primary);
    old_archiver->pass();  // the current file closed: the next one holds the writes below

    c.execute("UPDATE shop.orders SET amount = amount + 7 WHERE id <= 200");
    const recorded_point branch = record_point(c);
    // The member the primary is re-seeded from: a replica that stopped at this point (it lagged), and a clone of it.
    c.execute("CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'r3pl-pitr'");
    c.execute("GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'");
    mariadb_server::options replica_options;
    replica_options.server_id = 2;
    replica_options.log_bin = false;
    auto replica = mariadb_server::start_fresh(replica_options);
    {
        auto r = replica->root();
        r.execute("CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = " + std::to_string(primary->port()) +
                  ", MASTER_USER = 'repl', MASTER_PASSWORD = 'r3pl-pitr', MASTER_USE_GTID = slave_pos");
        r.execute("START SLAVE UNTIL master_gtid_pos = '" + branch.gtid + "'");
        REQUIRE(r.query("SELECT MASTER_GTID_WAIT('" + branch.gtid + "', 60) AS w").at(0).at("w").value_or("") == "0");
    }
    // The old primary's tail, in the same binlog file: archived, then the old primary is lost with it.
    c.execute("DELETE FROM shop.orders WHERE id BETWEEN 300 AND 350");
    const recorded_point old_tail = record_point(c);
    old_archiver->pass();
    REQUIRE(old_archiver->snapshot().failures == 0);
    old_archiver.reset();
    primary->stop();
    const fs::path clone = tmp.path() / "clone";
    {
        const fs::path cnf = tmp.path() / "clone-client.cnf";
        write(cnf, "[client]\nuser=root\nsocket=" + replica->socket().string() + "\n");
        test_support::run_tool({"mariabackup", "--defaults-file=" + cnf.string(), "--backup", "--slave-info",
                                "--target-dir=" + clone.string()},
                               tmp.path() / "clone-backup.log");
        test_support::run_tool({"mariabackup", "--defaults-file=" + cnf.string(), "--prepare",
                                "--target-dir=" + clone.string()},
                               tmp.path() / "clone-prepare.log");
    }
    replica.reset();
    const auto coordinates = mysql_agent::parse_backup_metadata(mysql_agent::read_backup_files(clone));
    REQUIRE(coordinates);
    REQUIRE(coordinates->gtid_slave_pos.value_or("") == branch.gtid);
    // Its successor's first binlog file is created in a later second than the old primary's last one.
    const auto now_second = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    while (std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) <= now_second)
        std::this_thread::sleep_for(20ms);

    // The re-seeded primary: the clone with init's re-seed marker, started read-only as ordinal 0 (server id 1), and
    // the sidecar's real takeover.
    mysql_agent::clone_marker marker;
    marker.source = "mysql-1.mysql:3307";
    marker.coordinates = *coordinates;
    marker.digest = "xxh3-64:0000000000000000";
    marker.started_at = marker.finished_at = "2026-12-07T00:00:00Z";
    marker.reseed = mysql_agent::reseed_record{true, "ordinal 0's datadir was empty", branch.gtid};
    mysql_agent::write_file_atomically(clone / mysql_agent::clone_marker_file, mysql_agent::marker_to_json(marker));
    mariadb_server::options o;
    o.server_id = 1;
    o.extra_args = {"--read-only"};
    auto successor = mariadb_server::start_on(clone, o);
    {
        mysql_agent::replication_options ro;
        ro.local = successor->root_socket();
        ro.datadir = successor->datadir();
        ro.is_primary = true;
        ro.replication.source = mysql_agent::replication_source{"127.0.0.1", successor->port(), "repl", "r3pl-pitr"};
        ro.wait_for_server = 30s;
        const auto setup = mysql_agent::run_replication_setup(ro, std::stop_token{});
        INFO(setup.message);
        REQUIRE(setup.action == mysql_agent::replication_action::take_over);
    }
    {
        // The branch point lies inside one of the old primary's archived files (what makes the history fork there).
        mysql_agent::objstore::s3_client records(store.client_options());
        bool inside = false;
        const auto b = *mysql_agent::parse_mariadb_gtid_position(branch.gtid);
        for (const auto& r : mysql_agent::binlog_archive::read_archive(records, {"reseed", "c/"}))
            inside = inside || (r.start.seq_in(0).value_or(0) < b.seq_in(0).value_or(0) &&
                                b.seq_in(0).value_or(0) < r.end.seq_in(0).value_or(0));
        REQUIRE(inside);
    }
    auto s = successor->root();
    s.execute("INSERT INTO shop.orders VALUES (900001, 'after the re-seed', 1, NULL)");
    s.execute("UPDATE shop.orders SET customer = 'renamed' WHERE id <= 10");
    const recorded_point live = record_point(s);
    // The new primary's files archived through a store that refuses their first two uploads with 503 SlowDown: the
    // same faults as the backups', retried.
    const std::string endpoint = store.endpoint();
    const auto store_port = static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
    auto via = [](const test_support::fault_proxy& p) { return "http://127.0.0.1:" + std::to_string(p.port()); };
    {
        test_support::fault_proxy refusing(store_port, {.refuse_matching = ".binlog", .refusals = 2});
        auto new_archiver = archiver_of(*successor, via(refusing));
        new_archiver->pass();
        new_archiver->pass();  // the file it closed in the first pass, archived
        CHECK(new_archiver->snapshot().failures == 0);
        CHECK(refusing.refusals_done() == 2);
    }
    REQUIRE(live.checksum != old_tail.checksum);

    struct row {
        std::string name;
        std::vector<std::string> target;
        std::string checksum;
    };
    const std::vector<row> rows = {
        {"--latest: the live history, without the old primary's lost tail", {"--latest"}, live.checksum},
        {"--to-gtid in the old primary's tail: that history", {"--to-gtid", old_tail.gtid}, old_tail.checksum},
        {"--to-gtid at the branch point", {"--to-gtid", branch.gtid}, branch.checksum},
    };
    for (const auto& r : rows) {
        const fs::path datadir = tmp.path() / ("restored-" + std::to_string(&r - rows.data()));
        const fs::path log = datadir.string() + ".log";
        // --latest downloads through a store that cuts two answers after 3000 bytes: resumed, the same bytes.
        std::optional<test_support::fault_proxy> cutting;
        if (r.target.front() == "--latest") cutting.emplace(store_port, test_support::fault_plan{.cut_after = 3000, .cuts = 2});
        const int rc = run_restore_binary(store, "s3://reseed/c/", datadir, tmp.path(), log, r.target,
                                          cutting ? via(*cutting) : std::string());
        if (cutting) CHECK(cutting->cuts_done() == 2);
        const std::string output = slurp(log);
        INFO(r.name << ": restore log:\n" << output);
        REQUIRE(rc == 0);
        CHECK(restored_checksums_and_identity(datadir, "shop.orders").first == r.checksum);
        if (r.target.front() == "--latest")
            CHECK_THAT(output, Catch::Contains("the next file's history branched off at " + branch.gtid));
    }
}

// --- The backup tool's open files (issue 23): mariabackup opens every tablespace at once.

TEST_CASE("a sidecar whose open-files limit cannot cover the datadir's tablespaces refuses the backup before the tool "
          "starts, saying what to raise, and a low soft limit under a high hard one is raised",
          "[io][real]") {
    auto primary = primary_with_orders(10);
    auto root = primary->root();
    root.execute("CREATE DATABASE many");
    for (int i = 0; i < 400; ++i)
        root.execute("CREATE TABLE many.t" + std::to_string(i) + " (id INT PRIMARY KEY) ENGINE=InnoDB");
    std::uint64_t tablespaces = 0;
    for (const auto& e : fs::recursive_directory_iterator(primary->datadir()))
        if (e.is_regular_file() && e.path().extension() == ".ibd") ++tablespaces;
    REQUIRE(tablespaces >= 400);
    temp_dir tmp("mysql-agent-real-open-files");
    const auto [password_file, token_file] = write_secrets(tmp.path());
    {
        // A hard limit of 300: nothing can raise it; the clone is told why, and nothing is sent.
        const fs::path sidecar_log = tmp.path() / "sidecar-300.log", log = tmp.path() / "clone-300.log";
        const fs::path datadir = tmp.path() / "clone-300";
        fs::create_directories(datadir);
        sidecar_process sidecar(*primary, "backup", password_file, token_file, sidecar_log, {},
                                {find_program("prlimit"), "--nofile=300:300", "--"});
        const int rc = run_clone(sidecar.address(), datadir, token_file, log, 100s);
        const std::string output = slurp(log);
        INFO("clone log:\n" << output << "\nsidecar log:\n" << slurp(sidecar_log));
        CHECK(rc == mysql_agent::exit_code::clone_failed);
        CHECK_THAT(output, Catch::Contains("the datadir holds " + std::to_string(tablespaces) + " InnoDB tablespaces") &&
                               Catch::Contains("at least " + std::to_string(tablespaces + 256)) &&
                               Catch::Contains("the sidecar's is 300 (hard limit 300)"));
        CHECK_THAT(slurp(sidecar_log), Catch::Contains("backup_refused") && !Catch::Contains("started: pid"));
        CHECK(entries_of(datadir).empty());
    }
    {
        // A soft limit of 300 under a hard one of 4096: raised at start, the backup goes through.
        const fs::path sidecar_log = tmp.path() / "sidecar-4096.log", log = tmp.path() / "clone-4096.log";
        const fs::path datadir = tmp.path() / "clone-4096";
        fs::create_directories(datadir);
        sidecar_process sidecar(*primary, "backup", password_file, token_file, sidecar_log, {},
                                {find_program("prlimit"), "--nofile=300:4096", "--"});
        const int rc = run_clone(sidecar.address(), datadir, token_file, log, 100s);
        INFO("clone log:\n" << slurp(log) << "\nsidecar log:\n" << slurp(sidecar_log));
        CHECK(rc == 0);
        CHECK_THAT(slurp(sidecar_log), Catch::Contains("open files limit 4096 (hard 4096)") &&
                                           Catch::Contains("--open-files-limit=4096"));
    }
}
