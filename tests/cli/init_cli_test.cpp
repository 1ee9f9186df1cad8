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
