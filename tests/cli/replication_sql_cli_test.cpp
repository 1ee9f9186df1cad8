// `mysql-agent replication-sql` on fixture backup directories.

#include <catch2/catch.hpp>

#include "cli_support.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path fixtures = fs::path(FIXTURES_DIR) / "backup-metadata";

struct backup_dir {
    cli::temp_dir dir;
    backup_dir(std::initializer_list<std::pair<const char*, const char*>> files) {
        for (const auto& [fixture, name] : files) fs::copy_file(fixtures / fixture, dir.path / name);
    }
};

}  // namespace

TEST_CASE("replication-sql prints the statements for the server's dialect", "[cli]") {
    struct row {
        const char* name;
        std::initializer_list<std::pair<const char*, const char*>> files;
        std::vector<std::string> extra;
        std::string expected;
    };
    const row rows[] = {
        {"MariaDB clone of the primary with GTID",
         {{"mb1011_binlog_info_gtid.txt", "xtrabackup_binlog_info"}},
         {"--server-version", "10.11.19-MariaDB-0+deb12u1-log"},
         "SET GLOBAL gtid_slave_pos='0-1-5';\n"
         "CHANGE MASTER TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
         "MASTER_CONNECT_RETRY=5, MASTER_USE_GTID=slave_pos;\n"
         "START SLAVE;\n"},
        {"MariaDB clone of a replica, file/position (slave info wins over the donor's binlog)",
         {{"mb1011_binlog_info_gtid.txt", "xtrabackup_binlog_info"},
          {"mb1011_slave_info_filepos.txt", "xtrabackup_slave_info"}},
         {"--server-version", "10.11.19-MariaDB-0+deb12u1-log"},
         "CHANGE MASTER TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
         "MASTER_CONNECT_RETRY=5, MASTER_LOG_FILE='mariadb-bin.000001', MASTER_LOG_POS=1840;\n"
         "START SLAVE;\n"},
        {"MySQL 8.4 from PXB 8.4 slave info",
         {{"xb84_binlog_info_nogtid.txt", "xtrabackup_binlog_info"},
          {"xb84_slave_info_filepos.txt", "xtrabackup_slave_info"}},
         {"--server-version", "8.4.3", "--source-port", "3307"},
         "CHANGE REPLICATION SOURCE TO SOURCE_HOST='mysql-0.mysql', SOURCE_PORT=3307, SOURCE_USER='repl', "
         "SOURCE_CONNECT_RETRY=5, SOURCE_LOG_FILE='mysql-bin.000001', SOURCE_LOG_POS=1543, GET_SOURCE_PUBLIC_KEY=1;\n"
         "START REPLICA;\n"},
        {"MySQL 5.7 from PXB 2.3 without semicolons",
         {{"xb23_slave_info_filepos_nosemicolon.txt", "xtrabackup_slave_info"}},
         {"--server-version", "5.7.44-log"},
         "CHANGE MASTER TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
         "MASTER_CONNECT_RETRY=5, MASTER_LOG_FILE='mysql-bin.000001', MASTER_LOG_POS=481;\n"
         "START SLAVE;\n"},
        {"MySQL 8.0 multi-channel with --channel ch2",
         {{"xb80_slave_info_multichannel_gtid.txt", "xtrabackup_slave_info"}},
         {"--server-version", "8.0.36", "--channel", "ch2"},
         "RESET MASTER;\n"
         "SET GLOBAL gtid_purged='4b272950-e317-11eb-a829-d45d64347a19:1-2,8ba3a5b3-e317-11eb-9c3d-d45d64347a19:1-5';\n"
         "CHANGE REPLICATION SOURCE TO SOURCE_HOST='mysql-0.mysql', SOURCE_PORT=3306, SOURCE_USER='repl', "
         "SOURCE_CONNECT_RETRY=5, SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1 FOR CHANNEL 'ch2';\n"
         "START REPLICA FOR CHANNEL 'ch2';\n"},
        {"hostile host stays one literal",
         {{"xb80_binlog_info_nogtid.txt", "xtrabackup_binlog_info"}},
         {"--server-version", "8.0.36", "--source-host", "db'; DROP TABLE t; --"},
         "CHANGE REPLICATION SOURCE TO SOURCE_HOST='db\\'; DROP TABLE t; --', SOURCE_PORT=3306, SOURCE_USER='repl', "
         "SOURCE_CONNECT_RETRY=5, SOURCE_LOG_FILE='binlog.000072', SOURCE_LOG_POS=157, GET_SOURCE_PUBLIC_KEY=1;\n"
         "START REPLICA;\n"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            backup_dir b(r.files);
            std::vector<std::string> args{"replication-sql", b.dir.path.string()};
            bool has_host = false;
            for (const auto& a : r.extra) has_host = has_host || a == "--source-host";
            if (!has_host) args.insert(args.end(), {"--source-host", "mysql-0.mysql"});
            args.insert(args.end(), r.extra.begin(), r.extra.end());
            const auto res = cli::run_agent(args);
            INFO(res.err);
            REQUIRE(res.code == 0);
            CHECK(res.out == r.expected);
        }
    }
}

TEST_CASE("replication-sql redacts the password unless --show-password", "[cli]") {
    backup_dir b({{"mb1011_binlog_info_gtid.txt", "xtrabackup_binlog_info"}});
    cli::temp_dir secrets;
    cli::write_text(secrets.path / "repl-password", "pa'ss\n");
    const std::vector<std::string> base{"replication-sql", b.dir.path.string(), "--server-version", "10.11.19-MariaDB",
                                        "--source-host", "mysql-0.mysql", "--repl-password-file",
                                        (secrets.path / "repl-password").string()};
    const auto redacted = cli::run_agent(base);
    REQUIRE(redacted.code == 0);
    CHECK_THAT(redacted.out, Catch::Contains("MASTER_PASSWORD='<redacted>'"));
    CHECK_THAT(redacted.out + redacted.err, !Catch::Contains("pa'ss") && !Catch::Contains("pa\\'ss"));

    auto shown_args = base;
    shown_args.push_back("--show-password");
    const auto shown = cli::run_agent(shown_args);
    REQUIRE(shown.code == 0);
    CHECK_THAT(shown.out, Catch::Contains("MASTER_PASSWORD='pa\\'ss'"));  // trailing newline trimmed, quote escaped

    auto missing = base;
    missing.back() = (secrets.path / "nope").string();
    const auto no_file = cli::run_agent(missing);
    CHECK(no_file.code == 3);
    CHECK_THAT(no_file.err, Catch::Contains("--repl-password-file"));
    CHECK(no_file.out.empty());
}

TEST_CASE("replication-sql refuses unusable coordinates and prints no SQL", "[cli]") {
    struct row {
        const char* name;
        std::initializer_list<std::pair<const char*, const char*>> files;
        std::vector<std::string> extra;
        int code;
        const char* says;
    };
    const row rows[] = {
        {"no metadata", {}, {"--server-version", "8.0.36"}, 4, "no replication coordinates"},
        {"channel not in the backup",
         {{"xb80_slave_info_multichannel_gtid.txt", "xtrabackup_slave_info"}},
         {"--server-version", "8.0.36", "--channel", "ch9"},
         4,
         "no replication channel 'ch9'"},
        {"MariaDB GTID on MySQL",
         {{"mb1011_binlog_info_gtid.txt", "xtrabackup_binlog_info"}},
         {"--server-version", "8.0.36"},
         4,
         "MariaDB GTID"},
        {"bad server version",
         {{"mb1011_binlog_info_gtid.txt", "xtrabackup_binlog_info"}},
         {"--server-version", "latest"},
         3,
         "--server-version"},
        {"bad --gtid value", {}, {"--server-version", "8.0.36", "--gtid", "maybe"}, 2, "--gtid"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            backup_dir b(r.files);
            std::vector<std::string> args{"replication-sql", b.dir.path.string(), "--source-host", "mysql-0.mysql"};
            args.insert(args.end(), r.extra.begin(), r.extra.end());
            const auto res = cli::run_agent(args);
            CHECK(res.code == r.code);
            CHECK(res.out.empty());
            CHECK_THAT(res.err, Catch::Contains(r.says));
        }
    }
}

TEST_CASE("every flag can come from MYSQL_AGENT_<FLAG>", "[cli]") {
    backup_dir b({{"mb1011_binlog_info_gtid.txt", "xtrabackup_binlog_info"}});
    const auto res = cli::run_agent({"replication-sql", b.dir.path.string()},
                                    "MYSQL_AGENT_SERVER_VERSION=8.0.36 MYSQL_AGENT_SOURCE_HOST=db MYSQL_AGENT_GTID=off "
                                    "MYSQL_AGENT_SOURCE_PORT=3399 ");
    INFO(res.err);
    REQUIRE(res.code == 0);
    CHECK_THAT(res.out, Catch::Contains("SOURCE_HOST='db', SOURCE_PORT=3399"));
    CHECK_THAT(res.out, Catch::Contains("SOURCE_CONNECT_RETRY=5, SOURCE_LOG_FILE='mariadb-bin.000001'"));
}
