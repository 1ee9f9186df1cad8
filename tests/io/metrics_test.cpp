// The sidecar's GET /metrics: backup counters as backups succeed and fail, the clone marker, and mysqld's state.

#include <stdlib.h>

#include <fstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "http_get.hpp"
#include "running_server.hpp"
#include "mariadb_server.hpp"
#include "mysql_agent/io/backup_server.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/metrics_text.hpp"

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace mysql_agent;
using test_support::http_get;
using test_support::running_server;

const fs::path fakes_dir = FAKES_DIR;
const fs::path fixture_stream = fs::path(FIXTURES_DIR) / "xbstream" / "mb1011_small_ok.xbs";


double value(const std::string& text, const std::string& name, const metric_labels& labels = {}) {
    const auto v = find_metric_value(text, name, labels);
    INFO(name << " in:\n" << text);
    REQUIRE(v.has_value());
    return *v;
}

}  // namespace

TEST_CASE("GET /metrics counts backups that succeed and fail, without a token", "[io][metrics]") {
    test_support::temp_dir dir;
    const fs::path datadir = dir.path() / "data";
    fs::create_directories(datadir);
    // The fake tools read the stream to send from the environment, which they inherit from this process.
    ::setenv("FAKE_STREAM_FILE", fixture_stream.c_str(), 1);
    const auto stream_bytes = static_cast<double>(fs::file_size(fixture_stream));

    backup_server_options o;
    o.listen = "127.0.0.1:0";
    o.auth_token = "tok-metrics";
    o.tools.backup = fakes_dir / "fake-backup-ok";
    o.tools.stream = "/usr/bin/mbstream";
    o.datadir = datadir;
    o.mysql.host = "127.0.0.1";
    o.mysql.port = test_support::free_port();  // nothing listens: mysqld is down
    o.health_timeout = 1s;
    running_server s(o);

    const auto before = http_get(s.port(), "/metrics");
    CHECK(before.status == 200);
    CHECK(before.content_type == metrics_content_type);
    CHECK(value(before.body, "mysql_agent_backups_started_total") == 0);
    CHECK(value(before.body, "mysql_agent_build_info", {{"version", MYSQL_AGENT_VERSION}}) == 1);
    CHECK(value(before.body, "mysql_agent_mysqld_up") == 0);
    CHECK(value(before.body, "mysql_agent_clone_info") == 0);

    const auto ok = http_get(s.port(), "/backup", 30s, std::string("tok-metrics"));
    REQUIRE(ok.status == 200);
    CHECK(http_get(s.port(), "/backup", 30s, std::string("wrong")).status == 401);

    const auto after = http_get(s.port(), "/metrics").body;
    CHECK(value(after, "mysql_agent_backups_started_total") == 1);  // a refused request starts no backup
    CHECK(value(after, "mysql_agent_backups_succeeded_total") == 1);
    CHECK(value(after, "mysql_agent_backups_failed_total") == 0);
    CHECK(value(after, "mysql_agent_backups_in_flight") == 0);
    CHECK(value(after, "mysql_agent_backup_sent_bytes_total") == stream_bytes);
    CHECK(value(after, "mysql_agent_backup_duration_seconds_count") == 1);
    CHECK(value(after, "mysql_agent_backup_duration_seconds_bucket", {{"le", "+Inf"}}) == 1);
    CHECK(value(after, "mysql_agent_backup_duration_seconds_sum") > 0);
}

TEST_CASE("GET /metrics counts a failed backup as failed", "[io][metrics]") {
    test_support::temp_dir dir;
    backup_server_options o;
    o.listen = "127.0.0.1:0";
    o.tools.backup = fakes_dir / "fake-backup-fail";
    o.tools.stream = "/usr/bin/mbstream";
    o.datadir = dir.path();
    o.mysql.port = test_support::free_port();
    o.health_timeout = 1s;
    running_server s(o);
    REQUIRE(http_get(s.port(), "/backup", 30s).status == 200);  // the failure travels in the trailer
    const auto text = http_get(s.port(), "/metrics").body;
    CHECK(value(text, "mysql_agent_backups_started_total") == 1);
    CHECK(value(text, "mysql_agent_backups_succeeded_total") == 0);
    CHECK(value(text, "mysql_agent_backups_failed_total") == 1);
}

TEST_CASE("GET /metrics reports the clone marker and a real replica's threads", "[io][metrics]") {
    auto db = test_support::mariadb_server::start_fresh({});
    clone_marker m;
    m.source = "mysql-0.mysql:3307";
    m.stream_bytes = 4242;
    m.datadir_bytes = 5000;
    m.duration_seconds = 3.5;
    m.tool_version = "mariabackup 10.11.19";
    m.started_at = "2024-01-01T00:00:00Z";
    m.finished_at = "2024-01-01T00:00:03Z";
    std::ofstream(db->datadir() / std::string(clone_marker_file)) << marker_to_json(m);
    // A replica pointed at a source that does not exist: configured, IO thread connecting, SQL thread running.
    db->root().execute("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=" +
                       std::to_string(test_support::free_port()) +
                       ", MASTER_USER='repl', MASTER_CONNECT_RETRY=1");
    db->root().execute("START SLAVE");

    backup_server_options o;
    o.listen = "127.0.0.1:0";
    o.tools.backup = "/bin/false";
    o.tools.stream = "/bin/false";
    o.datadir = db->datadir();
    o.mysql.socket = db->socket().string();
    o.replica = true;
    running_server s(o);
    const auto text = http_get(s.port(), "/metrics").body;
    CHECK(value(text, "mysql_agent_clone_info",
                {{"source", "mysql-0.mysql:3307"}, {"result", "ok"}, {"tool_version", "mariabackup 10.11.19"}}) == 1);
    CHECK(value(text, "mysql_agent_clone_stream_bytes") == 4242);
    CHECK(value(text, "mysql_agent_clone_duration_seconds") == 3.5);
    CHECK(value(text, "mysql_agent_mysqld_up") == 1);
    CHECK(value(text, "mysql_agent_ready") == 0);
    CHECK(value(text, "mysql_agent_replication_configured") == 1);
    CHECK(value(text, "mysql_agent_replication_sql_running") == 1);
    CHECK(value(text, "mysql_agent_replication_io_running") == 0);
    CHECK_FALSE(find_metric_value(text, "mysql_agent_replication_lag_seconds").has_value());
    db->root().execute("STOP SLAVE");
}
