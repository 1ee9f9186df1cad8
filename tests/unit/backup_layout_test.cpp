// What a donor's stream may contain: paths as they arrive, the extracted layout, .ren targets and the rebuilt
// backup-my.cnf. Every row is a name a real tool writes (kept) or one an attacker would send (refused).

#include "mysql_agent/core/backup_layout.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "mysql_agent/core/text.hpp"

using namespace mysql_agent;
using namespace std::string_literals;

TEST_CASE("stream paths: what a backup tool writes passes", "[layout]") {
    const auto path = GENERATE(as<std::string>{}, "ibdata1", "ib_logfile0", "backup-my.cnf", "xtrabackup_info",
                               "mariadb_backup_checkpoints", "aria_log.00000001", "shop/orders.ibd", "shop/db.opt",
                               "shop/p#P#p0.new", "mysql/user.MAI", "#innodb_redo/#ib_redo10", "undo_001",
                               "db@002dname/t@0020x.frm", "shop/t$1.MYD", "mysql-bin.000003", "ts1.ibd");
    INFO(path);
    CHECK(check_stream_path(path).has_value());
}

TEST_CASE("stream paths: what escapes, hides or loads code is refused, with the reason", "[layout]") {
    struct row {
        std::string path;
        const char* why;
    };
    const std::vector<row> rows = {
        {"", "is empty"},
        {"../x", "'..' component"},
        {"shop/../../etc/passwd", "'..' component"},
        {"shop/..", "'..' component"},
        {"/tmp/x", "is absolute"},
        {"./a", "'.' component"},
        {"a//b", "empty component"},
        {"shop/", "empty component"},
        {".mysql-agent-clone.json", "starts with '.'"},
        {".mysql-agent-staging", "starts with '.'"},
        {"shop/.hidden", "starts with '.'"},
        {"evil.so", "shared object"},
        {"shop/libx.so.1", "shared object"},
        {"lib.SO.1.2", "shared object"},
        {"a/b/c", "more than two levels"},
        {"a b", "character ' '"},
        {"a\nb", "character '\\x0a'"},
        {"x\\y", "character '\\x5c'"},
        {"t\xc3\xa4.ibd", "character '\\xc3'"},
        {"a\0b"s, "character '\\x00'"},
    };
    for (const auto& r : rows) {
        INFO(text::printable(r.path));
        const auto s = check_stream_path(r.path);
        REQUIRE_FALSE(s.has_value());
        CHECK_THAT(s.message(), Catch::Contains(r.why));
    }
}

TEST_CASE("the extracted layout: kept, dropped and refused entries", "[layout]") {
    const std::vector<std::string> data_files = {"ibdata1", "mydata2"};
    struct row {
        const char* name;
        layout_entry entry;
        int expect;  // 0 keep, 1 drop, 2 refuse
    };
    const std::vector<row> rows = {
        {"system tablespace", {"ibdata1", false}, 0},
        {"a data file named by innodb_data_file_path", {"mydata2", false}, 0},
        {"mariabackup's redo copy", {"ib_logfile0", false}, 0},
        {"the old redo copy name", {"xtrabackup_logfile", false}, 0},
        {"MariaDB 11.1 metadata", {"mariadb_backup_info", false}, 0},
        {"MySQL undo tablespace", {"undo_002", false}, 0},
        {"MariaDB undo tablespace", {"undo003", false}, 0},
        {"MySQL 8 data dictionary", {"mysql.ibd", false}, 0},
        {"Aria log", {"aria_log.00000001", false}, 0},
        {"Aria control", {"aria_log_control", false}, 0},
        {"buffer pool dump", {"ib_buffer_pool", false}, 0},
        {"binary log copied by XtraBackup 8", {"binlog.000012", false}, 0},
        {"its index", {"binlog.index", false}, 0},
        {"a database directory", {"shop", true}, 0},
        {"MySQL 8 redo directory", {"#innodb_redo", true}, 0},
        {"a table", {"shop/orders.ibd", false}, 0},
        {"MyISAM data", {"shop/m.MYD", false}, 0},
        {"CSV data", {"shop/c.CSV", false}, 0},
        {"a partition created during the backup", {"shop/p#P#p1.new", false}, 0},
        {"a rename recorded by --lock-ddl=REDUCED", {"shop/10.ren", false}, 0},
        {"database options", {"shop/db.opt", false}, 0},
        {"MySQL 8 redo file", {"#innodb_redo/#ib_redo7", false}, 0},
        {"MyRocks checkpoint file", {"#rocksdb/000012.sst", false}, 0},
        {"the donor's server UUID", {"auto.cnf", false}, 1},
        {"the donor's persisted variables", {"mysqld-auto.cnf", false}, 1},
        {"a shared object at the top", {"evil.so", false}, 2},
        {"a shell script at the top", {"run.sh", false}, 2},
        {"an option file at the top", {"my.cnf", false}, 2},
        {"a directory inside a database", {"shop/sub", true}, 2},
        {"a file of unknown extension in a database", {"shop/evil.sh", false}, 2},
        {"a plugin in a database directory", {"plugin/ha_evil.so", false}, 2},
        {"a file without extension in a database", {"shop/README", false}, 2},
        {"a redo directory with another file", {"#innodb_redo/x", false}, 2},
        {"frm at the top", {"orders.frm", false}, 2},
        {"deeper than two levels", {"a/b/c.ibd", false}, 2},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto v = check_layout_entry(r.entry, data_files);
            if (r.expect == 2) {
                REQUIRE_FALSE(v.has_value());
                CHECK_THAT(v.message(), Catch::Contains(r.entry.path));
            } else {
                REQUIRE(v.has_value());
                CHECK(*v == (r.expect == 0 ? layout_action::keep : layout_action::drop));
            }
        }
    }
}

TEST_CASE("page files are the ones whose first bytes are a checksum", "[layout]") {
    for (const char* p : {"ibdata1", "shop/t.ibd", "undo_001", "undo002", "ib_logfile0", "#innodb_redo/#ib_redo3",
                          "shop/t.new", "ts.ibu"})
        CHECK(is_page_file(p));
    for (const char* p : {"backup-my.cnf", "shop/t.frm", "evil", "shop/m.MYD", "xtrabackup_info", "aria_log.00000001"})
        CHECK_FALSE(is_page_file(p));
}

TEST_CASE(".ren targets must name a table inside the backup", "[layout]") {
    CHECK(check_rename_target("shop/new_name.ibd\n").has_value());
    CHECK(check_rename_target("test/t2").has_value());
    for (const char* bad : {"../../etc/x", "/tmp/x.ibd", "t2.ibd", "shop/.x", "a/b/c.ibd", ""}) {
        INFO(bad);
        CHECK_FALSE(check_rename_target(bad).has_value());
    }
}

TEST_CASE("backup-my.cnf: mariabackup 10.11's file is kept whole", "[layout]") {
    const std::string real = "# This options file was generated by innobackupex.\n\n# The server\n[mysqld]\n"
                             "innodb_checksum_algorithm=crc32\ninnodb_data_file_path=ibdata1:12M:autoextend\n"
                             "innodb_log_file_size=100663296\ninnodb_page_size=16384\ninnodb_undo_directory=./\n"
                             "innodb_undo_tablespaces=0\ninnodb_compression_level=6\n";
    const auto r = rebuild_backup_my_cnf(real);
    REQUIRE(r.has_value());
    CHECK(r->dropped.empty());
    CHECK(r->data_files == std::vector<std::string>{"ibdata1"});
    for (const char* line : {"innodb_checksum_algorithm=crc32\n", "innodb_data_file_path=ibdata1:12M:autoextend\n",
                             "innodb_log_file_size=100663296\n", "innodb_page_size=16384\n",
                             "innodb_undo_directory=./\n", "innodb_undo_tablespaces=0\n",
                             "innodb_compression_level=6\n"})
        CHECK_THAT(r->content, Catch::Contains(line));
    CHECK_THAT(r->content, Catch::StartsWith("# Rebuilt by mysql-agent"));
}

TEST_CASE("backup-my.cnf: XtraBackup 8.0's keys are kept, its keyring plugin is not", "[layout]") {
    const std::string xb80 = "[mysqld]\ninnodb_checksum_algorithm=crc32\ninnodb_log_checksums=1\n"
                             "innodb_data_file_path=ibdata1:12M:autoextend\ninnodb_log_files_in_group=2\n"
                             "innodb_log_file_size=50331648\ninnodb_page_size=16384\ninnodb_undo_directory=./\n"
                             "innodb_undo_tablespaces=2\nserver_id=1\ninnodb_log_checksums=ON\n"
                             "innodb_redo_log_encrypt=OFF\ninnodb_undo_log_encrypt=OFF\n"
                             "plugin_load=keyring_file.so\nserver_uuid=8f4a9e1c-1f2b-11ee-9a3c-0242ac120002\n"
                             "master_key_id=0\n";
    const auto r = rebuild_backup_my_cnf(xb80);
    REQUIRE(r.has_value());
    CHECK(r->dropped == std::vector<std::string>{"plugin_load"});
    CHECK_THAT(r->content, !Catch::Contains("plugin"));
    CHECK_THAT(r->content, Catch::Contains("server_uuid=8f4a9e1c-1f2b-11ee-9a3c-0242ac120002\n"));
    CHECK_THAT(r->content, Catch::Contains("innodb_undo_tablespaces=2\n"));
}

TEST_CASE("backup-my.cnf: what would load or read something the donor chose is dropped", "[layout]") {
    const std::string hostile = "[mysqld]\nplugin_dir=/var/lib/mysql/.mysql-agent-staging\nplugin-load=evil.so\n"
                                "loose-plugin_load_add=evil.so\n!include /etc/shadow\n!includedir /root\n"
                                "innodb_page_size=16384\ninit_file=/tmp/x.sql\n[client]\npassword=x\n"
                                "innodb_page_size=65536\n[mariabackup]\nplugin_load=evil.so\n";
    const auto r = rebuild_backup_my_cnf(hostile);
    REQUIRE(r.has_value());
    CHECK(r->dropped == std::vector<std::string>{"plugin_dir", "plugin_load", "plugin_load_add", "!include",
                                                 "!includedir", "init_file", "[client]", "[mariabackup]"});
    for (const char* gone : {"plugin_dir", "plugin_load", "evil", "include", "init_file", "password", "65536"})
        CHECK_THAT(r->content, !Catch::Contains(gone));
    CHECK_THAT(r->content, Catch::Contains("innodb_page_size=16384\n"));
}

TEST_CASE("backup-my.cnf: a kept key with a value no tool writes fails the clone", "[layout]") {
    for (const char* bad : {"innodb_data_file_path=/etc/passwd:10M", "innodb_data_file_path=ibdata1:12M;../x:1M",
                            "innodb_data_file_path=ibdata1:12M:newraw", "innodb_data_file_path=",
                            "innodb_undo_directory=/var/lib/other", "innodb_log_group_home_dir=/tmp",
                            "innodb_data_home_dir=", "innodb_page_size=16384; rm", "innodb_checksum_algorithm=evil",
                            "innodb_buffer_pool_filename=../../x", "server_uuid=$(id)", "server_id=-1"}) {
        INFO(bad);
        const auto r = rebuild_backup_my_cnf("[mysqld]\n"s + bad + "\n");
        REQUIRE_FALSE(r.has_value());
        CHECK_THAT(r.message(), Catch::Contains("is not a value a backup tool writes"));
    }
}

TEST_CASE("backup-my.cnf: quoted values, CRLF, loose_ prefixes and dashes are understood", "[layout]") {
    const auto r = rebuild_backup_my_cnf("[mysqld]\r\nloose-innodb-page-size = \"16k\"\r\ninnodb_undo_directory='.'\r\n");
    REQUIRE(r.has_value());
    CHECK_THAT(r->content, Catch::Contains("innodb_page_size=16k\n"));
    CHECK_THAT(r->content, Catch::Contains("innodb_undo_directory=./\n"));
}
