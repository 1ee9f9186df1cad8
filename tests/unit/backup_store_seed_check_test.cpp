// seed_check: a member is seeded from a backup only when the primary still holds every binlog after the backup's
// position; the position a backup's metadata gives.

#include <catch2/catch.hpp>

#include "mysql_agent/core/backup_store/seed_check.hpp"

using namespace mysql_agent;
using namespace mysql_agent::backup_store;

TEST_CASE("seed check: the primary serves a backup's position only while its oldest binlog begins at or before it",
          "[backup_store]") {
    struct row {
        const char* name;
        server_flavor flavor;
        const char* backup;
        const char* start;
        bool serves;
        const char* says;
    };
    const auto mariadb = server_flavor::mariadb, mysql = server_flavor::mysql;
    const std::vector<row> rows = {
        {"mariadb: nothing purged (an empty start)", mariadb, "0-100-1523", "", true, ""},
        {"mariadb: the oldest binlog begins before the backup", mariadb, "0-100-1523", "0-100-900", true, ""},
        {"mariadb: begins exactly at the backup", mariadb, "0-100-1523", "0-100-1523", true, ""},
        {"mariadb: the backup is behind the oldest binlog", mariadb, "0-100-1523", "0-100-1524", false,
         "ends at GTID 0-100-1523, but the primary's oldest binlog begins at 0-100-1524"},
        {"mariadb: another server id, the same domain: seq decides", mariadb, "0-101-2000", "0-100-1900", true, ""},
        {"mariadb: a domain the backup lacks was purged", mariadb, "0-100-1523", "0-100-1,1-100-5", false,
         "1-100-5"},
        {"mariadb: the backup is ahead in every domain", mariadb, "0-100-10,1-100-9", "0-100-3,1-100-9", true, ""},
        {"mariadb: a start that does not parse (from the network)", mariadb, "0-100-1", "0-100", false,
         "the primary's binlog start '0-100'"},
        {"mysql: nothing purged", mysql, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-50", "", true, ""},
        {"mysql: purged within the backup", mysql, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-50",
         "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-40", true, ""},
        {"mysql: purged past the backup", mysql, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-50",
         "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-60", false, "3e11fa47-71ca-11e1-9e33-c80aa9429562:51-60"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        const auto got = check_primary_serves(r.flavor, r.backup, r.start);
        CHECK(static_cast<bool>(got) == r.serves);
        if (!r.serves) CHECK_THAT(got.message(), Catch::Contains(r.says));
    }
}

TEST_CASE("seed check: the backup's position is its gtid_slave_pos on MariaDB when its donor was a replica, else its "
          "binlog GTID",
          "[backup_store]") {
    backup_metadata primary_backup;
    primary_backup.binlog = binlog_coordinates{"mariadb-bin.000002", 1234, "0-100-77"};
    CHECK(backup_gtid_position(primary_backup, server_flavor::mariadb) == "0-100-77");
    backup_metadata replica_backup = primary_backup;
    replica_backup.gtid_slave_pos = "0-100-70";
    CHECK(backup_gtid_position(replica_backup, server_flavor::mariadb) == "0-100-70");
    CHECK(backup_gtid_position(replica_backup, server_flavor::mysql) == "0-100-77");
    backup_metadata file_position;
    file_position.binlog = binlog_coordinates{"mariadb-bin.000002", 1234, ""};
    CHECK_FALSE(backup_gtid_position(file_position, server_flavor::mariadb).has_value());
}

TEST_CASE("seed verdict: another cluster or a backup past the primary is skipped, purged binlogs refuse, missing facts leave it unchecked", "[backup_store]") {
    backup_manifest m;
    m.cluster_identity = "2f0c7a1e-3b4d-4c5e-8f60-718293a4b5c6";
    m.binlog_info = "mariadb-bin.000002\t385\t0-100-50\n";
    m.tool_info = "server_version = 10.11.19-MariaDB\n";
    position_report primary;
    primary.cluster_identity = m.cluster_identity;
    primary.binlog_start = "0-100-40";
    primary.gtid_position = "0-100-80";
    using kind = seed_verdict::kind;
    CHECK(backup_flavor(m) == server_flavor::mariadb);
    CHECK(judge_seed(m, primary).decision == kind::go);
    CHECK(judge_seed(m, std::nullopt).decision == kind::unchecked);

    auto other = primary;
    other.cluster_identity = "00000000-0000-4000-8000-000000000000";
    const auto foreign = judge_seed(m, other);
    CHECK(foreign.decision == kind::skip);
    CHECK_THAT(foreign.reason, Catch::Contains("another cluster identity") && Catch::Contains("from the peers"));

    // The primary was restored to an earlier point: the backup holds transactions it does not.
    for (const char* behind : {"0-100-49", "", "1-100-90", "0-100-49,1-100-90"}) {
        INFO(behind);
        auto restored = primary;
        restored.gtid_position = behind;
        const auto past = judge_seed(m, restored);
        CHECK(past.decision == kind::skip);
        CHECK_THAT(past.reason, Catch::Contains("past the primary's"));
    }
    for (const char* holding : {"0-100-50", "0-100-51,1-100-3"}) {
        auto ahead = primary;
        ahead.gtid_position = holding;
        CHECK(judge_seed(m, ahead).decision == kind::go);
    }
    CHECK(holds_backup(server_flavor::mysql, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5",
                       "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9"));
    CHECK_FALSE(holds_backup(server_flavor::mysql, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10",
                             "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9"));
    CHECK_FALSE(holds_backup(server_flavor::mariadb, "0-1-5", "not a position"));

    auto purged = primary;
    purged.binlog_start = "0-100-60";
    CHECK(judge_seed(m, purged).decision == kind::refused);

    auto silent = primary;
    silent.binlog_start.reset();
    CHECK(judge_seed(m, silent).decision == kind::unchecked);

    auto no_gtid = m;
    no_gtid.binlog_info = "mariadb-bin.000002\t385\n";
    CHECK(judge_seed(no_gtid, primary).decision == kind::unchecked);

    auto garbage = m;
    garbage.binlog_info = "not coordinates at all\tx\ty\tz\n";
    CHECK(judge_seed(garbage, primary).decision == kind::refused);
}
