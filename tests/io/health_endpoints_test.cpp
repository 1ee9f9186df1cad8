// The sidecar's GET /healthz and /readyz: the verdicts of `mysql-agent probe live|ready` over HTTP, against a
// real MariaDB, with the checks run off the event loop.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "http_get.hpp"
#include "running_server.hpp"
#include "mariadb_server.hpp"
#include "mysql_agent/io/backup_server.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/position_report.hpp"
#include "mysql_agent/io/member_registry.hpp"
#include "mysql_agent/io/cluster_position.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace mysql_agent;
using test_support::http_get;
using test_support::running_server;


backup_server_options options_for(const test_support::mariadb_server& db, bool replica) {
    backup_server_options o;
    o.listen = "127.0.0.1:0";
    o.tools.backup = "/bin/false";
    o.tools.stream = "/bin/false";
    o.datadir = db.datadir();
    o.mysql.socket = db.socket().string();
    o.mysql.user = "root";
    o.replica = replica;
    o.request_timeout = 5s;
    return o;
}

/// A TCP port that accepts connections (the kernel completes the handshake) but never says anything: a hung mysqld.
class silent_listener {
public:
    silent_listener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd_, 16) == 0);
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port_ = ntohs(addr.sin_port);
    }
    ~silent_listener() { ::close(fd_); }
    silent_listener(const silent_listener&) = delete;
    silent_listener& operator=(const silent_listener&) = delete;
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace

TEST_CASE("GET /healthz and /readyz answer the probe's verdicts, 200 or 503", "[io][health]") {
    auto db = test_support::mariadb_server::start_fresh({});
    const std::string endpoint = "unix:" + db->socket().string();
    struct row {
        const char* name;
        bool replica;
        const char* path;
        int status;
        std::string starts_with;
    };
    const row rows[] = {
        {"a live mysqld: 200 live", true, "/healthz", 200, "live: mysqld at " + endpoint + " answers"},
        {"a writable primary: 200 ready", false, "/readyz", 200, "ready: primary"},
        {"a replica without a clone marker: 503, live but not ready", true, "/readyz", 503, "not ready:"},
        {"a query string is ignored", false, "/readyz?verbose=1", 200, "ready: primary"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        running_server s(options_for(*db, r.replica));
        const auto a = http_get(s.port(), r.path);
        INFO(a.body);
        CHECK(a.status == r.status);
        CHECK_THAT(a.body, Catch::StartsWith(r.starts_with));
        CHECK(std::count(a.body.begin(), a.body.end(), '\n') == 1);
        CHECK(a.content_type == "text/plain; charset=utf-8");
    }

    SECTION("the replica's reason names the missing marker, and the primary turns unready when read-only") {
        running_server replica(options_for(*db, true));
        CHECK_THAT(http_get(replica.port(), "/readyz").body, Catch::Contains("no clone marker"));
        running_server primary(options_for(*db, false));
        db->root().execute("SET GLOBAL read_only=1");
        const auto ro = http_get(primary.port(), "/readyz");
        CHECK(ro.status == 503);
        CHECK_THAT(ro.body, Catch::StartsWith("not ready: primary is read-only"));
    }
    SECTION("a stopped mysqld: /healthz 503 saying where it looked") {
        running_server s(options_for(*db, true));
        db->stop();
        const auto a = http_get(s.port(), "/healthz");
        CHECK(a.status == 503);
        CHECK_THAT(a.body, Catch::StartsWith("not live: mysqld at " + endpoint + " does not answer"));
    }
    SECTION("other methods get 405, and no token is needed even when /backup wants one") {
        auto o = options_for(*db, false);
        o.auth_token = "secret-token";
        running_server s(o);
        CHECK(http_get(s.port(), "/healthz").status == 200);
        CHECK(http_get(s.port(), "/backup").status == 401);
    }
}

TEST_CASE("a health check waiting on a hung mysqld does not block the server", "[io][health]") {
    silent_listener hung;
    backup_server_options o;
    o.listen = "127.0.0.1:0";
    o.tools.backup = "/bin/false";
    o.tools.stream = "/bin/false";
    o.datadir = "/nonexistent";
    o.mysql.host = "127.0.0.1";
    o.mysql.port = hung.port();
    o.health_timeout = 2s;
    running_server s(o);

    auto ready = std::async(std::launch::async, [&] { return http_get(s.port(), "/readyz"); });
    std::this_thread::sleep_for(300ms);
    const auto other = http_get(s.port(), "/nothing-here", 5s);
    CHECK(other.status == 404);
    CHECK(other.took < 1s);
    // The /readyz request was still waiting on mysqld while the 404 was answered.
    CHECK(ready.wait_for(0ms) == std::future_status::timeout);

    const auto verdict = ready.get();
    INFO(verdict.body);
    CHECK(verdict.status == 503);
    CHECK_THAT(verdict.body, Catch::StartsWith("not ready: mysqld at 127.0.0.1:" + std::to_string(hung.port())));
    CHECK(verdict.took >= 1500ms);
}

TEST_CASE("GET /position: where the server stands, behind the token, parsed by the peers' client", "[io][position]") {
    auto db = test_support::mariadb_server::start_fresh({});
    auto o = options_for(*db, false);
    o.auth_token = "position-token";
    running_server s(o);

    CHECK(http_get(s.port(), "/position").status == 401);
    CHECK(http_get(s.port(), "/position", 15s, std::string("wrong-token")).status == 401);

    auto root = db->root();
    root.execute("CREATE DATABASE app");
    root.execute("CREATE TABLE app.t (id INT PRIMARY KEY)");
    root.execute("INSERT INTO app.t VALUES (1)");
    auto a = http_get(s.port(), "/position", 15s, std::string("position-token"));
    INFO(a.body);
    REQUIRE(a.status == 200);
    CHECK(a.content_type == "application/json");
    auto report = position_report_from_json(a.body);
    REQUIRE(report.has_value());
    CHECK(report->flavor == server_flavor::mariadb);
    CHECK(report->primary);
    CHECK_FALSE(report->read_only);
    CHECK_THAT(report->version, Catch::Contains("MariaDB"));
    const auto gtid = parse_mariadb_gtid_position(report->gtid_position);
    REQUIRE(gtid.has_value());
    REQUIRE_FALSE(gtid->empty());
    REQUIRE(report->binlog_position.has_value());
    CHECK_THAT(report->binlog_position->file, Catch::StartsWith("mariadb-bin."));
    CHECK_FALSE(report->cluster_identity.has_value());  // no mysql_agent schema yet

    SECTION("a recorded identity and a later write are in the next answer") {
        const std::string identity = ensure_cluster_identity(root);
        CHECK(ensure_cluster_identity(root) == identity);  // recorded once
        root.execute("INSERT INTO app.t VALUES (2)");
        const auto next = position_report_from_json(http_get(s.port(), "/position", 15s, std::string("position-token")).body);
        REQUIRE(next.has_value());
        CHECK(next->cluster_identity == identity);
        CHECK(parse_mariadb_gtid_position(next->gtid_position)->seq_in(0) > gtid->seq_in(0));
        CHECK(next->binlog_position->position > report->binlog_position->position);
    }
    SECTION("the members the primary records are in the next answer; nothing is written while nothing changes") {
        CHECK(report->members.empty());  // no mysql_agent.members yet
        root.execute("SET GLOBAL read_only=1");
        CHECK(record_members(root, "mysql-0.mysql") == 0);  // a read-only (re-seeded) primary writes nothing yet
        CHECK(read_members(root).empty());
        root.execute("SET GLOBAL read_only=0");
        CHECK(record_members(root, "mysql-0.mysql") == 1);
        const auto binlog_after = root.query("SHOW MASTER STATUS").front().at("Position");
        CHECK(record_members(root, "mysql-0.mysql") == 0);
        CHECK(root.query("SHOW MASTER STATUS").front().at("Position") == binlog_after);  // no binlog event
        const auto next = position_report_from_json(http_get(s.port(), "/position", 15s, std::string("position-token")).body);
        REQUIRE(next.has_value());
        CHECK(next->members == std::vector<std::string>{"mysql-0.mysql"});
    }
    SECTION("a stopped mysqld: 503 saying so, never a made-up position") {
        db->stop();
        const auto down = http_get(s.port(), "/position", 15s, std::string("position-token"));
        CHECK(down.status == 503);
        CHECK_THAT(down.body, Catch::StartsWith("mysqld cannot say where it stands"));
    }
}
