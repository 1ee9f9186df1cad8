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
