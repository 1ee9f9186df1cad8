// `mysql-agent init --no-clone`, `--version`, `--help` and the usage contract of the built binary.

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "cli_support.hpp"

namespace fs = std::filesystem;

namespace {

struct pod_dirs {
    cli::temp_dir root;
    fs::path src = root.path / "config-map";
    fs::path conf = root.path / "conf.d";
    pod_dirs() {
        fs::create_directories(src);
        fs::create_directories(conf);
        cli::write_text(src / "master.cnf", "[mysqld]\nlog-bin\n");
        cli::write_text(src / "slave.cnf", "[mysqld]\nsuper-read-only\n");
    }
    std::vector<std::string> args(const std::string& hostname) const {
        return {"init", "--hostname", hostname, "--config-src", src.string(), "--config-dir", conf.string(),
                "--no-clone"};
    }
    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(conf)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
};

}  // namespace

TEST_CASE("init --no-clone writes master.cnf on ordinal 0 and slave.cnf elsewhere", "[cli]") {
    struct row {
        const char* name;
        const char* hostname;
        const char* role_file;
        const char* role_content;
        const char* server_id_cnf;
    };
    const row rows[] = {
        {"primary", "mysql-0", "master.cnf", "[mysqld]\nlog-bin\n",
         "[mysqld]\nserver-id=100\nreport-host=mysql-0.mysql\n"},
        {"replica", "mysql-2", "slave.cnf", "[mysqld]\nsuper-read-only\n",
         "[mysqld]\nserver-id=102\nreport-host=mysql-2.mysql\n"},
        {"long StatefulSet name", "my-db-cluster-12", "slave.cnf", "[mysqld]\nsuper-read-only\n",
         "[mysqld]\nserver-id=112\nreport-host=my-db-cluster-12.mysql\n"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            pod_dirs pod;
            const auto res = cli::run_agent(pod.args(r.hostname));
            INFO(res.err);
            REQUIRE(res.code == 0);
            std::vector<std::string> expected{r.role_file, "server-id.cnf"};
            std::sort(expected.begin(), expected.end());
            CHECK(pod.listing() == expected);
            CHECK(cli::slurp(pod.conf / r.role_file) == r.role_content);
            CHECK(cli::slurp(pod.conf / "server-id.cnf") == r.server_id_cnf);

            // Twice gives the same result.
            const auto again = cli::run_agent(pod.args(r.hostname));
            REQUIRE(again.code == 0);
            CHECK(pod.listing() == expected);
            CHECK(cli::slurp(pod.conf / "server-id.cnf") == r.server_id_cnf);
        }
    }
}

TEST_CASE("init takes --server-id-base and --service, also from the environment", "[cli]") {
    pod_dirs pod;
    const auto res = cli::run_agent(pod.args("db-3"), "MYSQL_AGENT_SERVER_ID_BASE=1000 MYSQL_AGENT_SERVICE=dbsvc ");
    INFO(res.err);
    REQUIRE(res.code == 0);
    CHECK(cli::slurp(pod.conf / "server-id.cnf") == "[mysqld]\nserver-id=1003\nreport-host=db-3.dbsvc\n");
}

TEST_CASE("init removes a role file left by an earlier run", "[cli]") {
    pod_dirs pod;
    cli::write_text(pod.conf / "master.cnf", "stale");
    REQUIRE(cli::run_agent(pod.args("mysql-1")).code == 0);
    CHECK(pod.listing() == std::vector<std::string>{"server-id.cnf", "slave.cnf"});
}

TEST_CASE("init config errors: one line, exit 3, nothing written", "[cli]") {
    struct row {
        const char* name;
        const char* hostname;
        const char* remove_source;
        std::vector<std::string> extra;
        const char* says;
    };
    const row rows[] = {
        {"hostname without ordinal", "mysql", nullptr, {}, "'mysql'"},
        {"hostname with a negative ordinal", "mysql--1", nullptr, {}, "'mysql--1'"},
        {"ordinal above 2^31", "mysql-2147483648", nullptr, {}, "above the largest"},
        {"missing slave.cnf in the ConfigMap", "mysql-1", "slave.cnf", {}, "slave.cnf"},
        {"server-id overflow", "mysql-1", nullptr, {"--server-id-base", "4294967295"}, "exceeds 4294967295"},
        {"bad service name", "mysql-1", nullptr, {"--service", "My_Svc"}, "--service"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            pod_dirs pod;
            if (r.remove_source) fs::remove(pod.src / r.remove_source);
            auto args = pod.args(r.hostname);
            args.insert(args.end(), r.extra.begin(), r.extra.end());
            const auto res = cli::run_agent(args);
            CHECK(res.code == 3);
            CHECK_THAT(res.err, Catch::Contains(r.says));
            CHECK(std::count(res.err.begin(), res.err.end(), '\n') == 1);
            CHECK(pod.listing().empty());
        }
    }
}

TEST_CASE("version, help and usage errors", "[cli]") {
    const auto version = cli::run_agent({"--version"});
    CHECK(version.code == 0);
    CHECK_THAT(version.out, Catch::StartsWith(std::string("mysql-agent ") + MYSQL_AGENT_VERSION));

    const auto help = cli::run_agent({"--help"});
    CHECK(help.code == 0);
    for (const char* sub : {"init", "inspect-backup", "replication-sql"}) CHECK_THAT(help.out, Catch::Contains(sub));
    CHECK_THAT(help.out, !Catch::Contains("not implemented"));

    CHECK(cli::run_agent({"init", "--no-such-flag"}).code == 2);
    CHECK(cli::run_agent({}).code == 2);
    CHECK(cli::run_agent({"replication-sql", "/tmp"}).code == 2);  // --server-version and --source-host required
}

TEST_CASE("the binary is statically linked", "[cli]") {
    // `file` says "statically linked" for a -static ELF; ldd would fail on it too.
    const int status = std::system(("file " + cli::shell_quote(AGENT_BINARY) + " | grep -q 'statically linked'").c_str());
    CHECK(status == 0);
}

TEST_CASE("init on a replica: no donor reachable is exit 10, foreign data is kept", "[cli]") {
    pod_dirs pod;
    const fs::path datadir = pod.root.path / "data";
    fs::create_directories(datadir);
    std::vector<std::string> args{"init", "--hostname", "mysql-1", "--config-src", pod.src.string(),
                                  "--config-dir", pod.conf.string(), "--datadir", datadir.string(),
                                  "--xtrabackup", "/bin/true", "--xbstream", "/bin/true", "--clone-wait", "0"};

    SECTION("nothing listens on the donor port") {
        args.insert(args.end(), {"--clone-from", "127.0.0.1:1"});
        const auto res = cli::run_agent(args);
        CHECK(res.code == 10);
        CHECK_THAT(res.err, Catch::Contains("127.0.0.1:1"));
        CHECK(fs::is_empty(datadir));
        CHECK(fs::exists(pod.conf / "slave.cnf"));  // the config is written before cloning
    }
    SECTION("data without the agent's marker is never touched") {
        cli::write_text(datadir / "ibdata1", "precious");
        args.insert(args.end(), {"--clone-from", "127.0.0.1:1"});
        const auto res = cli::run_agent(args);
        INFO(res.err);
        CHECK(res.code == 0);
        CHECK_THAT(res.err, Catch::Contains("did not create"));
        CHECK(cli::slurp(datadir / "ibdata1") == "precious");
    }
}

TEST_CASE("init acts on a re-seed request only when mysql-agent reseed signed it", "[cli]") {
    pod_dirs pod;
    const fs::path datadir = pod.root.path / "data";
    const fs::path token = pod.root.path / "backup-token";
    const fs::path request = datadir / ".mysql-agent-reseed";
    fs::create_directories(datadir);
    cli::write_text(token, "s3cret-token\n");
    // Data: without a request init keeps it; a request replaces it once a new clone is committed.
    cli::write_text(datadir / "ibdata1", "the replica's data");
    std::vector<std::string> args{"init", "--hostname", "mysql-2", "--config-src", pod.src.string(),
                                  "--config-dir", pod.conf.string(), "--datadir", datadir.string(),
                                  "--auth-token-file", token.string(), "--clone-from", "127.0.0.1:1",
                                  "--xtrabackup", "/bin/true", "--xbstream", "/bin/true", "--clone-wait", "0"};

    SECTION("a plain file of that name (SELECT ... INTO OUTFILE) is logged and kept, and the data stays") {
        cli::write_text(request, "requested_at: 2026-12-07T00:30:00Z\npod: mysql-2\nreason: from SQL\n");
        const auto res = cli::run_agent(args);
        INFO(res.err);
        CHECK(res.code == 0);
        CHECK_THAT(res.err, Catch::Contains("ignoring the re-seed request " + request.string()) &&
                                Catch::Contains("no signature") && Catch::Contains("the data is kept"));
        CHECK_THAT(res.err, Catch::Contains("did not create: keeping it untouched"));
        CHECK(fs::exists(request));  // never removed silently
        CHECK(cli::slurp(datadir / "ibdata1") == "the replica's data");
    }
    SECTION("a request signed with another token is ignored the same way") {
        const fs::path other = pod.root.path / "other-token";
        cli::write_text(other, "not-the-token\n");
        REQUIRE(cli::run_agent({"reseed", "--hostname", "mysql-2", "--datadir", datadir.string(),
                                "--auth-token-file", other.string()})
                    .code == 0);
        const auto res = cli::run_agent(args);
        INFO(res.err);
        CHECK(res.code == 0);
        CHECK_THAT(res.err, Catch::Contains("does not match"));
        CHECK(fs::exists(request));
    }
    SECTION("without --auth-token-file, init cannot verify a request and keeps the data") {
        REQUIRE(cli::run_agent({"reseed", "--hostname", "mysql-2", "--datadir", datadir.string(),
                                "--auth-token-file", token.string()})
                    .code == 0);
        args.erase(std::find(args.begin(), args.end(), "--auth-token-file"),
                   std::find(args.begin(), args.end(), "--auth-token-file") + 2);
        const auto res = cli::run_agent(args);
        INFO(res.err);
        CHECK(res.code == 0);
        CHECK_THAT(res.err, Catch::Contains("no --auth-token-file"));
        CHECK(cli::slurp(datadir / "ibdata1") == "the replica's data");
    }
    SECTION("a request mysql-agent reseed signed with the token re-seeds (here: no donor answers, exit 10)") {
        const auto written = cli::run_agent({"reseed", "--hostname", "mysql-2", "--datadir", datadir.string(),
                                             "--auth-token-file", token.string(), "--reason", "1236 after a purge"});
        INFO(written.err);
        REQUIRE(written.code == 0);
        CHECK_THAT(cli::slurp(request), Catch::Contains("pod: mysql-2\nreason: 1236 after a purge\nsignature: "
                                                        "hmac-sha256:"));
        const auto res = cli::run_agent(args);
        INFO(res.err);
        CHECK(res.code == 10);
        CHECK_THAT(res.err, Catch::Contains("`mysql-agent reseed` asked for it (1236 after a purge)"));
        CHECK(cli::slurp(datadir / "ibdata1") == "the replica's data");  // replaced only by a committed clone
    }
}

TEST_CASE("mysql-agent reseed refuses to write a request it cannot sign", "[cli]") {
    cli::temp_dir root;
    const auto res = cli::run_agent({"reseed", "--hostname", "mysql-2", "--datadir", root.path.string(),
                                     "--auth-token-file", (root.path / "missing").string()});
    CHECK(res.code == 3);
    CHECK_THAT(res.err, Catch::Contains("--auth-token-file") && Catch::Contains("missing"));
    CHECK(fs::is_empty(root.path));
    const auto empty = cli::run_agent({"reseed", "--hostname", "mysql-2", "--datadir", root.path.string(),
                                       "--auth-token-file", ""});
    CHECK(empty.code == 3);
    CHECK_THAT(empty.err, Catch::Contains("signed with the backup token"));
    CHECK(fs::is_empty(root.path));
}
