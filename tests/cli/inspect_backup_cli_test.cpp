// The built binary on backup directories assembled from the shared fixtures.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path fixtures = fs::path(FIXTURES_DIR) / "backup-metadata";

/// A backup dir holding fixture files under the names the tools write.
struct backup_dir {
    cli::temp_dir dir;
    backup_dir(std::initializer_list<std::pair<const char*, const char*>> files) {
        for (const auto& [fixture, name] : files) fs::copy_file(fixtures / fixture, dir.path / name);
    }
};

}  // namespace

TEST_CASE("inspect-backup prints the documented JSON for each fixture", "[cli]") {
    struct row {
        const char* name;
        std::initializer_list<std::pair<const char*, const char*>> files;
        json expected;
    };
    const row rows[] = {
        {"mariabackup primary with GTID",
         {{"mb1011_binlog_info_gtid.txt", "xtrabackup_binlog_info"}},
         {{"binlog", {{"file", "mariadb-bin.000001"}, {"position", 1198}, {"gtid_set", "0-1-5"}}},
          {"replication", json::array()},
          {"gtid_purged", nullptr},
          {"gtid_slave_pos", nullptr}}},
        {"mariabackup primary: trailing TAB means no GTID",
         {{"mb1011_binlog_info_nogtid_trailingtab.txt", "xtrabackup_binlog_info"}},
         {{"binlog", {{"file", "mariadb-bin.000001"}, {"position", 330}, {"gtid_set", ""}}},
          {"replication", json::array()},
          {"gtid_purged", nullptr},
          {"gtid_slave_pos", nullptr}}},
        {"mariabackup replica, multi-source mixed",
         {{"mb1011_binlog_info_gtid.txt", "xtrabackup_binlog_info"},
          {"mb1011_slave_info_multisource_mixed.txt", "xtrabackup_slave_info"}},
         {{"binlog", {{"file", "mariadb-bin.000001"}, {"position", 1198}, {"gtid_set", "0-1-5"}}},
          {"replication",
           {{{"channel", ""}, {"file", ""}, {"position", 0}, {"auto_position", true}},
            {{"channel", "src3"}, {"file", "mariadb-bin.000001"}, {"position", 1389}, {"auto_position", false}}}},
          {"gtid_purged", nullptr},
          {"gtid_slave_pos", "0-1-6,1-3-6"}}},
        {"PXB 2.4 replica with GTID over two UUIDs (space removed)",
         {{"xb24_binlog_info_nogtid.txt", "xtrabackup_binlog_info"},
          {"xb24_slave_info_gtid_multiuuid.txt", "xtrabackup_slave_info"}},
         {{"binlog", {{"file", "mysql-bin.000002"}, {"position", 18304406}, {"gtid_set", ""}}},
          {"replication", {{{"channel", ""}, {"file", ""}, {"position", 0}, {"auto_position", true}}}},
          {"gtid_purged",
           "5b5a8e4e-9b43-11ea-900d-0242ac170002:1-10,5b642cb6-9b43-11ea-8914-0242ac170003:1-7"},
          {"gtid_slave_pos", nullptr}}},
        {"PXB 8.0 multi-channel",
         {{"xb80_slave_info_multichannel_gtid.txt", "xtrabackup_slave_info"}},
         {{"binlog", nullptr},
          {"replication",
           {{{"channel", "ch1"}, {"file", ""}, {"position", 0}, {"auto_position", true}},
            {{"channel", "ch2"}, {"file", ""}, {"position", 0}, {"auto_position", true}}}},
          {"gtid_purged",
           "4b272950-e317-11eb-a829-d45d64347a19:1-2,8ba3a5b3-e317-11eb-9c3d-d45d64347a19:1-5"},
          {"gtid_slave_pos", nullptr}}},
        {"PXB 8.4 SOURCE_ syntax",
         {{"xb84_binlog_info_nogtid.txt", "xtrabackup_binlog_info"},
          {"xb84_slave_info_filepos.txt", "xtrabackup_slave_info"}},
         {{"binlog", {{"file", "binlog.000002"}, {"position", 158}, {"gtid_set", ""}}},
          {"replication", {{{"channel", ""}, {"file", "mysql-bin.000001"}, {"position", 1543}, {"auto_position", false}}}},
          {"gtid_purged", nullptr},
          {"gtid_slave_pos", nullptr}}},
        {"PXB 2.4 empty slave info: not a replica",
         {{"xb24_binlog_info_gtid.txt", "xtrabackup_binlog_info"},
          {"xb24_slave_info_empty_not_a_replica.txt", "xtrabackup_slave_info"}},
         {{"binlog",
           {{"file", "mysql-bin.000003"}, {"position", 86412752},
            {"gtid_set", "55d3d9b9-4d49-11ea-932c-02000aba3fa6:1-595859"}}},
          {"replication", json::array()},
          {"gtid_purged", nullptr},
          {"gtid_slave_pos", nullptr}}},
        {"mariadb_backup_* wins over xtrabackup_*",
         {{"mb1011_binlog_info_gtid.txt", "mariadb_backup_binlog_info"},
          {"xb80_binlog_info_nogtid.txt", "xtrabackup_binlog_info"}},
         {{"binlog", {{"file", "mariadb-bin.000001"}, {"position", 1198}, {"gtid_set", "0-1-5"}}},
          {"replication", json::array()},
          {"gtid_purged", nullptr},
          {"gtid_slave_pos", nullptr}}},
        {"no metadata files at all",
         {},
         {{"binlog", nullptr}, {"replication", json::array()}, {"gtid_purged", nullptr}, {"gtid_slave_pos", nullptr}}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            backup_dir b(r.files);
            const auto res = cli::run_agent({"inspect-backup", b.dir.path.string()});
            INFO(res.err);
            REQUIRE(res.code == 0);
            const json got = json::parse(res.out);
            CHECK(got == r.expected);
            // Keys in the documented order.
            CHECK(res.out.find("\"binlog\"") < res.out.find("\"replication\""));
            CHECK(res.out.find("\"replication\"") < res.out.find("\"gtid_purged\""));
            CHECK(res.out.find("\"gtid_purged\"") < res.out.find("\"gtid_slave_pos\""));
        }
    }
}

TEST_CASE("inspect-backup rejects malformed metadata naming the file and line", "[cli]") {
    cli::temp_dir d;
    cli::write_text(d.path / "xtrabackup_binlog_info", "mysql-bin.000001\t123\n");
    cli::write_text(d.path / "xtrabackup_slave_info",
                    "CHANGE MASTER TO MASTER_LOG_FILE='a.000001', MASTER_LOG_POS=4;\nDROP TABLE t;\n");
    const auto res = cli::run_agent({"inspect-backup", d.path.string()});
    CHECK(res.code == 4);
    CHECK(res.out.empty());
    CHECK_THAT(res.err, Catch::Contains("xtrabackup_slave_info"));
    CHECK_THAT(res.err, Catch::Contains("line 2"));
    CHECK(std::count(res.err.begin(), res.err.end(), '\n') == 1);

    cli::write_text(d.path / "xtrabackup_slave_info", "");
    cli::write_text(d.path / "xtrabackup_binlog_info", "mysql-bin.000001\tabc\n");
    const auto bad_pos = cli::run_agent({"inspect-backup", d.path.string()});
    CHECK(bad_pos.code == 4);
    CHECK_THAT(bad_pos.err, Catch::Contains("xtrabackup_binlog_info") && Catch::Contains("line 1"));
}

TEST_CASE("inspect-backup on a missing directory is a one-line I/O error", "[cli]") {
    const auto res = cli::run_agent({"inspect-backup", "/nonexistent/backup"});
    CHECK(res.code == 5);
    CHECK_THAT(res.err, Catch::Contains("/nonexistent/backup"));
}
