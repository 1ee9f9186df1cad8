// No secret in any log line: the real agent binary as sidecar (beside a real MariaDB, with a password, a token and a
// replication password) serves a real mariabackup clone to `mysql-agent clone` and answers `mysql-agent status`;
// every line either process wrote is searched for each secret. The sidecar's lines are also checked to be the
// JSON log format (stderr is a file here, not a terminal) with the fields its events promise.

#include <signal.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "mariadb_server.hpp"
#include "test_files.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace test_support;

const std::string password = "s3cr3t-Pw#42-backup";
const std::string token = "tok-9f8e7d6c5b4a-sidecar";
const std::string repl_password = "r3pl-Pw#77-secret";




std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("no password or token in any log line of a sidecar serving a real clone", "[io][logs][secrets]") {
    auto db = mariadb_server::start_fresh({});
    auto root = db->root();
    root.execute("CREATE USER 'backup'@'localhost' IDENTIFIED BY '" + password + "'");
    root.execute("GRANT ALL ON *.* TO 'backup'@'localhost' WITH GRANT OPTION");

    temp_dir tmp("mysql-agent-secrets");
    const fs::path password_file = tmp.path() / "password", token_file = tmp.path() / "token",
                   repl_file = tmp.path() / "repl-password";
    write(password_file, password + "\n");
    write(token_file, token + "\n");
    write(repl_file, repl_password + "\n");
    const fs::path sidecar_log = tmp.path() / "sidecar.log", clone_log = tmp.path() / "clone.log",
                   status_log = tmp.path() / "status.log";
    const fs::path clone_datadir = tmp.path() / "clone-data";
    fs::create_directories(clone_datadir);

    const pid_t sidecar = spawn({AGENT_BINARY, "sidecar", "--listen", "127.0.0.1:0", "--hostname", "mysql-0",
                                 "--datadir", db->datadir().string(), "--mysql-socket", db->socket().string(),
                                 "--user", "backup", "--password-file", password_file.string(), "--auth-token-file",
                                 token_file.string(), "--repl-password-file", repl_file.string()},
                                sidecar_log);
    struct stop_sidecar {
        pid_t pid;
        ~stop_sidecar() {
            ::kill(pid, SIGTERM);
            wait_for_exit(pid, 30s);
        }
    } stopper{sidecar};
    const std::string port = std::to_string(std::stoi(wait_for_text(sidecar_log, "listening on 127.0.0.1:", 30s)));
    // The sidecar's first pass creates mysql_agent (identity, members): the backup starts after it. Backed up while
    // that DDL runs, mariabackup sends mysql_agent/db.opt twice, which mbstream cannot extract (EEXIST, exit 0)
    // and the clone's verifier refuses (exit 11): seen once in three fresh-clone runs.
    wait_for_text(sidecar_log, "members: recorded", 30s);

    const int clone_rc = wait_for_exit(spawn({AGENT_BINARY, "clone", "--from", "127.0.0.1:" + port, "--datadir",
                                              clone_datadir.string(), "--auth-token-file", token_file.string()},
                                             clone_log),
                                       180s);
    INFO("clone log:\n" << slurp(clone_log) << "\nsidecar log:\n" << slurp(sidecar_log));
    REQUIRE(clone_rc == 0);
    // The replication thread of ordinal 0 logs its decision (it used the replication password).
    wait_for_text(sidecar_log, "replication: ensure_users", 30s);

    const int status_rc = wait_for_exit(
        spawn({AGENT_BINARY, "status", "--hostname", "mysql-0", "--datadir", db->datadir().string(), "--mysql-socket",
               db->socket().string(), "--user", "backup", "--password-file", password_file.string(), "--sidecar",
               "127.0.0.1:" + port},
              status_log),
        60s);
    INFO("status output:\n" << slurp(status_log));
    CHECK(status_rc == 0);
    CHECK_THAT(slurp(status_log), Catch::Contains("1 ok, 0 failed"));

    ::kill(sidecar, SIGTERM);
    CHECK(wait_for_exit(sidecar, 30s) == 0);

    for (const auto& [name, file] : {std::pair{"sidecar", sidecar_log}, {"clone", clone_log}, {"status", status_log}}) {
        const std::string text = slurp(file);
        INFO(name << " wrote:\n" << text);
        CHECK_FALSE(text.empty());
        for (const auto& secret : {password, token, repl_password}) {
            INFO("secret " << secret);
            CHECK(text.find(secret) == std::string::npos);
        }
    }

    // The sidecar's stderr is not a terminal: one JSON object per line, each with the pod, and the backup's
    // finishing event with the peer, bytes and duration as fields.
    bool saw_finished = false;
    for (const auto& line : lines_of(slurp(sidecar_log))) {
        INFO(line);
        const auto j = nlohmann::json::parse(line, nullptr, false);
        REQUIRE_FALSE(j.is_discarded());
        CHECK(j.contains("ts"));
        CHECK(j.contains("level"));
        CHECK(j.contains("msg"));
        CHECK(j.value("pod", "") == "mysql-0");
        if (j.value("event", "") == "backup_finished") {
            saw_finished = true;
            CHECK(j.value("ok", false));
            CHECK_THAT(j.value("peer", ""), Catch::StartsWith("127.0.0.1:"));
            CHECK(j.value("bytes", 0) > 1000);
            CHECK(j.contains("seconds"));
        }
    }
    CHECK(saw_finished);
}
