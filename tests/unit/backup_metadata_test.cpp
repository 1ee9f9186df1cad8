#include "mysql_agent/core/backup_metadata.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

// Expected results come from tests/fixtures/backup-metadata/README.md, section 2, unless a row is
// marked synthetic: those cover rules of section 1 that no fixture shows.

namespace mysql_agent {

// static: other test files may print these types too; internal linkage keeps the definitions apart
// while argument-dependent lookup still finds them for Catch's messages.
static std::string show(const std::optional<std::string>& s) { return s ? "'" + *s + "'" : "null"; }

static std::ostream& operator<<(std::ostream& os, const binlog_coordinates& b) {
    return os << "{file '" << b.file << "', position " << b.position << ", gtid_set '" << b.gtid_set << "'}";
}

static std::ostream& operator<<(std::ostream& os, const replication_entry& e) {
    return os << "{channel '" << e.channel << "', file '" << e.file << "', position " << e.position
              << ", auto_position " << (e.auto_position ? "true" : "false") << "}";
}

static std::ostream& operator<<(std::ostream& os, const slave_info& s) {
    os << "{entries [";
    for (const auto& e : s.entries) os << e << " ";
    return os << "], gtid_purged " << show(s.gtid_purged) << ", gtid_slave_pos " << show(s.gtid_slave_pos) << "}";
}

static std::ostream& operator<<(std::ostream& os, const backup_metadata& m) {
    os << "{binlog ";
    if (m.binlog) os << *m.binlog;
    else os << "null";
    os << ", replication [";
    for (const auto& e : m.replication) os << e << " ";
    return os << "], gtid_purged " << show(m.gtid_purged) << ", gtid_slave_pos " << show(m.gtid_slave_pos) << "}";
}

}  // namespace mysql_agent

namespace Catch {
template <>
struct StringMaker<std::optional<mysql_agent::binlog_coordinates>> {
    static std::string convert(const std::optional<mysql_agent::binlog_coordinates>& b) {
        if (!b) return "nullopt";
        std::ostringstream os;
        os << *b;
        return os.str();
    }
};
}  // namespace Catch

namespace {

using namespace mysql_agent;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

const std::string fixture_dir = std::string(FIXTURES_DIR) + "/backup-metadata";

std::string read_fixture(const std::string& name) {
    std::ifstream in(fixture_dir + "/" + name, std::ios::binary);
    INFO("fixture " << fixture_dir << "/" << name);
    REQUIRE(in.is_open());
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// Every parse error must say which file and which line is wrong, so that an operator can look.
void check_error(const std::string& message, const std::string& file_name, std::size_t line,
                 const std::string& fragment) {
    CHECK_THAT(message, StartsWith(file_name + " line " + std::to_string(line) + ": ") && Contains(fragment));
    // A CR from a CRLF file would garble the operator's terminal line.
    CHECK_THAT(message, !Contains("\r"));
}

std::vector<std::pair<std::string, std::string>> pairs_of(const std::vector<key_value>& kv) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& p : kv) out.emplace_back(p.key, p.value);
    return out;
}

// --- binlog info ---------------------------------------------------------------------------------

struct binlog_row {
    std::string name;
    std::string input;  ///< a fixture file name, or the content itself for synthetic rows
    std::optional<binlog_coordinates> expected;
};

const std::vector<binlog_row> binlog_fixture_rows = {
    {"mariabackup 10.11 without GTID writes a trailing TAB: empty GTID", "mb1011_binlog_info_nogtid_trailingtab.txt",
     binlog_coordinates{"mariadb-bin.000001", 330, ""}},
    {"mariabackup 10.11 primary with a MariaDB GTID", "mb1011_binlog_info_gtid.txt",
     binlog_coordinates{"mariadb-bin.000001", 1198, "0-1-5"}},
    {"PXB 2.4 without GTID: two fields", "xb24_binlog_info_nogtid.txt",
     binlog_coordinates{"mysql-bin.000002", 18304406, ""}},
    {"PXB 2.4.18 on MySQL 5.7 with one server UUID", "xb24_binlog_info_gtid.txt",
     binlog_coordinates{"mysql-bin.000003", 86412752, "55d3d9b9-4d49-11ea-932c-02000aba3fa6:1-595859"}},
    {"PXB 8.0 with one server UUID", "xb80_binlog_info_gtid.txt",
     binlog_coordinates{"binlog.000006", 196, "4b272950-e317-11eb-a829-d45d64347a19:1-2"}},
    {"PXB 8.0 with two server UUIDs on one line", "xb80_binlog_info_gtid_multi.txt",
     binlog_coordinates{"binlog.000003", 1274,
                        "5b5a8e4e-9b43-11ea-900d-0242ac170002:1-10,5b642cb6-9b43-11ea-8914-0242ac170003:1-7"}},
    {"PXB 8.0.35 without GTID", "xb80_binlog_info_nogtid.txt", binlog_coordinates{"binlog.000072", 157, ""}},
    {"PXB 8.4 without GTID", "xb84_binlog_info_nogtid.txt", binlog_coordinates{"binlog.000002", 158, ""}},
};

TEST_CASE("binlog info: every fixture parses as the README says", "[metadata]") {
    const auto row = GENERATE(from_range(binlog_fixture_rows));
    INFO(row.name << " (" << row.input << ")");
    const auto parsed = parse_binlog_info("xtrabackup_binlog_info", read_fixture(row.input));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == row.expected);
}

TEST_CASE("binlog info: rules no fixture shows (synthetic)", "[metadata]") {
    const std::string uuid1 = "5b5a8e4e-9b43-11ea-900d-0242ac170002";
    const std::string uuid2 = "5b642cb6-9b43-11ea-8914-0242ac170003";
    const std::string uuid3 = "4b272950-e317-11eb-a829-d45d64347a19";
    const std::vector<binlog_row> rows = {
        {"CRLF line end, no GTID column", "mysql-bin.000001\t154\r\n", binlog_coordinates{"mysql-bin.000001", 154, ""}},
        {"CRLF line end after a trailing TAB", "mariadb-bin.000001\t330\t\r\n",
         binlog_coordinates{"mariadb-bin.000001", 330, ""}},
        {"CRLF line end after a GTID", "mariadb-bin.000001\t1198\t0-1-5\r\n",
         binlog_coordinates{"mariadb-bin.000001", 1198, "0-1-5"}},
        {"no newline at the end of the file", "binlog.000072\t157", binlog_coordinates{"binlog.000072", 157, ""}},
        {"blank lines around the record are ignored", "\nbinlog.000072\t157\n\n",
         binlog_coordinates{"binlog.000072", 157, ""}},
        {"PXB 2.4 verbatim Executed_Gtid_Set: two UUIDs over two lines",
         "mysql-bin.000003\t194\t" + uuid1 + ":1-10,\n" + uuid2 + ":1-7\n",
         binlog_coordinates{"mysql-bin.000003", 194, uuid1 + ":1-10," + uuid2 + ":1-7"}},
        {"PXB 2.4 GTID over three lines, continuation lines padded with spaces and CRLF",
         "mysql-bin.000003\t194\t" + uuid1 + ":1-10,\r\n  " + uuid2 + ":1-7,  \r\n " + uuid3 + ":1-2\r\n",
         binlog_coordinates{"mysql-bin.000003", 194, uuid1 + ":1-10," + uuid2 + ":1-7," + uuid3 + ":1-2"}},
        {"MDEV-27524 multi-binlog lines: the last line counts",
         "mariadb-bin.000001\t330\t0-1-5\nmariadb-bin.000002\t385\t0-1-7\n",
         binlog_coordinates{"mariadb-bin.000002", 385, "0-1-7"}},
        {"MDEV-27524: '[]' on the last line means no GTID, even after a GTID line",
         "mariadb-bin.000001\t330\t0-1-5\nmariadb-bin.000002\t385\t[]\n",
         binlog_coordinates{"mariadb-bin.000002", 385, ""}},
        {"MDEV-27524: a single line with '[]'", "mariadb-bin.000004\t400\t[]\n",
         binlog_coordinates{"mariadb-bin.000004", 400, ""}},
        {"PXB 8.0 binlog off, GTID on: empty file name, position 0", "\t0\t" + uuid3 + ":1-2\n",
         binlog_coordinates{"", 0, uuid3 + ":1-2"}},
        {"spaces inside a MariaDB GTID list are removed", "mariadb-bin.000001\t1198\t0-1-6, 1-3-6\n",
         binlog_coordinates{"mariadb-bin.000001", 1198, "0-1-6,1-3-6"}},
        {"the largest 64-bit position", "mysql-bin.000001\t18446744073709551615\n",
         binlog_coordinates{"mysql-bin.000001", std::numeric_limits<std::uint64_t>::max(), ""}},
        {"empty content: no coordinates", "", std::nullopt},
        {"whitespace-only content: no coordinates", " \n\t\r\n\n", std::nullopt},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    const auto parsed = parse_binlog_info("xtrabackup_binlog_info", row.input);
    INFO((parsed ? std::string() : parsed.message()));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == row.expected);
}

struct error_row {
    std::string name;
    std::string file_name;
    std::string content;
    std::size_t line;
    std::string fragment;
};

TEST_CASE("binlog info: malformed content is an error naming the file and line", "[metadata]") {
    const std::string xb = "xtrabackup_binlog_info";
    const std::string mb = "mariadb_backup_binlog_info";
    const std::vector<error_row> rows = {
        {"position is not a number", xb, "mysql-bin.000001\tabc\n", 1, "position 'abc' is not a number"},
        {"negative position", xb, "mysql-bin.000001\t-4\n", 1, "position '-4' is not a number"},
        {"empty position", xb, "mysql-bin.000001\t\t0-1-5\n", 1, "position '' is not a number"},
        {"position beyond 64 bits", xb, "mysql-bin.000001\t18446744073709551616\n", 1,
         "position '18446744073709551616' does not fit in 64 bits"},
        {"first line without a TAB (spaces instead)", xb, "mysql-bin.000001 154\n", 1,
         "found 'mysql-bin.000001 154'"},
        {"first line without a TAB, CRLF: the CR is not part of the quoted line", xb, "mysql-bin.000001 154\r\n", 1,
         "found 'mysql-bin.000001 154'"},
        {"a leading blank line still counts as a line", xb, "\nmysql-bin.000001 154\n", 2,
         "found 'mysql-bin.000001 154'"},
        {"four TAB-separated fields", xb, "mysql-bin.000001\t4\t0-1-1\textra\n", 1, "has 4 TAB-separated fields"},
        {"neither a file name nor a GTID", xb, "\t0\t\n", 1, "neither a binlog file name nor a GTID set"},
        {"a line without TAB after a record without GTID column", xb, "mysql-bin.000002\t18304406\nstray\n", 2,
         "'stray' has no TAB and does not continue a GTID set"},
        {"a line without TAB after a GTID set that does not end in ','", xb,
         "binlog.000003\t1274\ta:1-10\nb:1-7\n", 2, "does not continue a GTID set"},
        {"a GTID set cut short after ','", xb, "mysql-bin.000003\t194\ta:1-10,\n", 1, "ends in ','"},
        {"a GTID set cut short after ',' on its second line", xb, "mysql-bin.000003\t194\ta:1-10,\nb:1-7,\n", 2,
         "ends in ','"},
        {"a bad position on a later MDEV-27524 line, CRLF line ends", mb,
         "mariadb-bin.000001\t330\t[]\r\nmariadb-bin.000002\tx\t[]\r\n", 2, "position 'x' is not a number"},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    const auto parsed = parse_binlog_info(row.file_name, row.content);
    REQUIRE_FALSE(parsed.has_value());
    check_error(parsed.message(), row.file_name, row.line, row.fragment);
}

TEST_CASE("binlog info: a bad position names the file, the line and the value, word for word", "[metadata]") {
    const auto parsed = parse_binlog_info("xtrabackup_binlog_info", "mysql-bin.000001\tabc\n");
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.message() == "xtrabackup_binlog_info line 1: position 'abc' is not a number");
}

// --- binlog pos innodb ---------------------------------------------------------------------------

TEST_CASE("binlog pos innodb: the leading ./ or .\\ is stripped", "[metadata]") {
    const std::vector<std::pair<std::string, std::string>> rows = {
        {"fixture: mariabackup 10.11 --prepare --binlog-info=1", read_fixture("mb1011_binlog_pos_innodb.txt")},
        {"synthetic: Windows .\\ prefix", ".\\mariadb-bin.000001\t1840\n"},
        {"synthetic: no prefix, CRLF", "mariadb-bin.000001\t1840\r\n"},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.first);
    const auto parsed = parse_binlog_pos_innodb("xtrabackup_binlog_pos_innodb", row.second);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == binlog_coordinates{"mariadb-bin.000001", 1840, ""});
}

TEST_CASE("binlog pos innodb: malformed content is an error naming the file and line", "[metadata]") {
    const std::string f = "xtrabackup_binlog_pos_innodb";
    const std::vector<error_row> rows = {
        {"empty file", f, "", 1, "the file is empty"},
        {"no TAB", f, "./mariadb-bin.000001 1840\n", 1, "found './mariadb-bin.000001 1840'"},
        {"a GTID column it never has", f, "./mariadb-bin.000001\t1840\t0-1-5\n", 1, "expected './<binlog file>"},
        {"only the ./ prefix as file name", f, "./\t1840\n", 1, "the binlog file name is empty"},
        {"position is not a number", f, "./mariadb-bin.000001\tx\n", 1, "position 'x' is not a number"},
        {"a second line", f, "./mariadb-bin.000001\t1840\n./mariadb-bin.000002\t4\n", 2, "unexpected second line"},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    const auto parsed = parse_binlog_pos_innodb(row.file_name, row.content);
    REQUIRE_FALSE(parsed.has_value());
    check_error(parsed.message(), row.file_name, row.line, row.fragment);
}

// --- slave info ----------------------------------------------------------------------------------

struct slave_row {
    std::string name;
    std::string input;  ///< a fixture file name, or the content itself for synthetic rows
    slave_info expected;
};

const std::string pxb80_purged =
    "4b272950-e317-11eb-a829-d45d64347a19:1-2,8ba3a5b3-e317-11eb-9c3d-d45d64347a19:1-5";

const std::vector<slave_row> slave_fixture_rows = {
    {"mariabackup 10.11, file/pos replica", "mb1011_slave_info_filepos.txt",
     {{{"", "mariadb-bin.000001", 1840, false}}, std::nullopt, std::nullopt}},
    {"mariabackup 10.11, GTID replica: gtid_slave_pos + master_use_gtid", "mb1011_slave_info_gtid.txt",
     {{{"", "", 0, true}}, std::nullopt, "0-1-5"}},
    {"mariabackup 10.11 multi-source: default by GTID, 'src3' by file/pos", "mb1011_slave_info_multisource_mixed.txt",
     {{{"", "", 0, true}, {"src3", "mariadb-bin.000001", 1389, false}}, std::nullopt, "0-1-6,1-3-6"}},
    {"PXB 2.3 file/pos without ';'", "xb23_slave_info_filepos_nosemicolon.txt",
     {{{"", "mysql-bin.000001", 481, false}}, std::nullopt, std::nullopt}},
    {"PXB 2.3 on MariaDB: gtid_slave_pos, master_use_gtid without ';'", "xb23_slave_info_mariadb_gtid_nosemicolon.txt",
     {{{"", "", 0, true}}, std::nullopt, "0-1-100"}},
    {"PXB 2.4 file/pos", "xb24_slave_info_filepos.txt",
     {{{"", "mysql-bin.000001", 481, false}}, std::nullopt, std::nullopt}},
    {"PXB 2.4 GTID: gtid_purged with ', ' is normalised", "xb24_slave_info_gtid_multiuuid.txt",
     {{{"", "", 0, true}},
      "5b5a8e4e-9b43-11ea-900d-0242ac170002:1-10,5b642cb6-9b43-11ea-8914-0242ac170003:1-7",
      std::nullopt}},
    {"PXB 2.4 empty file: the donor was not a replica", "xb24_slave_info_empty_not_a_replica.txt", {}},
    {"PXB 8.0 file/pos", "xb80_slave_info_filepos.txt",
     {{{"", "mysql-bin.000001", 1543, false}}, std::nullopt, std::nullopt}},
    {"PXB 8.0 GTID", "xb80_slave_info_gtid.txt", {{{"", "", 0, true}}, pxb80_purged, std::nullopt}},
    {"PXB 8.0 two channels by GTID, gtid_purged once", "xb80_slave_info_multichannel_gtid.txt",
     {{{"ch1", "", 0, true}, {"ch2", "", 0, true}}, pxb80_purged, std::nullopt}},
    {"PXB 8.4 file/pos with SOURCE_ options", "xb84_slave_info_filepos.txt",
     {{{"", "mysql-bin.000001", 1543, false}}, std::nullopt, std::nullopt}},
};

TEST_CASE("slave info: every fixture parses as the README says", "[metadata]") {
    const auto row = GENERATE(from_range(slave_fixture_rows));
    INFO(row.name << " (" << row.input << ")");
    const auto parsed = parse_slave_info("xtrabackup_slave_info", read_fixture(row.input));
    INFO((parsed ? std::string() : parsed.message()));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == row.expected);
}

TEST_CASE("slave info: rules no fixture shows (synthetic)", "[metadata]") {
    const std::string uuid = "4b272950-e317-11eb-a829-d45d64347a19";
    const std::vector<slave_row> rows = {
        {"PXB 8.4 GTID: CHANGE REPLICATION SOURCE, SOURCE_AUTO_POSITION, FOR CHANNEL",
         "SET GLOBAL gtid_purged='" + uuid + ":1-2';\nCHANGE REPLICATION SOURCE TO SOURCE_AUTO_POSITION=1 FOR CHANNEL 'c1';\n",
         {{{"c1", "", 0, true}}, uuid + ":1-2", std::nullopt}},
        {"PXB 2.4 file/pos channels stay in file order, not sorted",
         "CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000004', MASTER_LOG_POS=120 FOR CHANNEL 'zeta';\n"
         "CHANGE MASTER TO MASTER_LOG_FILE='mysql-bin.000002', MASTER_LOG_POS=4 FOR CHANNEL 'alpha';\n",
         {{{"zeta", "mysql-bin.000004", 120, false}, {"alpha", "mysql-bin.000002", 4, false}}, {}, {}}},
        {"keywords and option names in lower case",
         "change master to master_log_file='mysql-bin.000001', master_log_pos=481;\n",
         {{{"", "mysql-bin.000001", 481, false}}, {}, {}}},
        {"SOURCE_ names in mixed case under CHANGE MASTER, position before file",
         "Change Master To Source_Log_Pos=7, Source_Log_File='b.000001';\n", {{{"", "b.000001", 7, false}}, {}, {}}},
        {"PXB 2.3 GTID: no ';', gtid_purged with ', ' between UUIDs",
         "SET GLOBAL gtid_purged='a:1-5, b:1-3'\nCHANGE MASTER TO MASTER_AUTO_POSITION=1\n",
         {{{"", "", 0, true}}, "a:1-5,b:1-3", std::nullopt}},
        {"two statements on one line, split at ';', no final newline",
         "SET GLOBAL gtid_slave_pos = '0-1-9';CHANGE MASTER TO master_use_gtid = slave_pos;",
         {{{"", "", 0, true}}, std::nullopt, "0-1-9"}},
        {"master_use_gtid = current_pos counts as auto-position",
         "CHANGE MASTER 'a' TO master_use_gtid = current_pos;\n", {{{"a", "", 0, true}}, {}, {}}},
        {"master_use_gtid = no with a file and position is not auto-position",
         "CHANGE MASTER TO master_use_gtid = no, MASTER_LOG_FILE='mariadb-bin.000002', MASTER_LOG_POS=77;\n",
         {{{"", "mariadb-bin.000002", 77, false}}, {}, {}}},
        {"MASTER_AUTO_POSITION=0 with a file and position is not auto-position",
         "CHANGE MASTER TO MASTER_AUTO_POSITION=0, MASTER_LOG_FILE='mysql-bin.000009', MASTER_LOG_POS=4;\n",
         {{{"", "mysql-bin.000009", 4, false}}, {}, {}}},
        {"never-connected MySQL channel: empty file, position 0, kept as is",
         "CHANGE MASTER TO MASTER_LOG_FILE='', MASTER_LOG_POS=0;\n", {{{"", "", 0, false}}, {}, {}}},
        {"never-connected MariaDB connection (MDEV-21037 result): empty file, position 4",
         "CHANGE MASTER 'master2' TO MASTER_LOG_FILE='', MASTER_LOG_POS=4;\n", {{{"master2", "", 4, false}}, {}, {}}},
        {"quotes doubled and backslash-escaped inside names",
         "CHANGE MASTER 'it''s' TO MASTER_LOG_FILE='a\\'b.000001', MASTER_LOG_POS=4;\n",
         {{{"it's", "a'b.000001", 4, false}}, {}, {}}},
        {"MySQL backslash escapes: \\n, \\t, \\\\ decoded, \\_ keeps its backslash",
         "CHANGE MASTER 'c\\n1\\t\\\\' TO MASTER_LOG_FILE='mysql\\_bin.000001', MASTER_LOG_POS=4;\n",
         {{{"c\n1\t\\", "mysql\\_bin.000001", 4, false}}, {}, {}}},
        {"';' inside quotes does not end the statement",
         "CHANGE MASTER TO MASTER_LOG_FILE='x;y', MASTER_LOG_POS=4 FOR CHANNEL 'c;1';\n",
         {{{"c;1", "x;y", 4, false}}, {}, {}}},
        {"CRLF line ends and blank lines", "SET GLOBAL gtid_purged='a:1';\r\n\r\nCHANGE MASTER TO MASTER_AUTO_POSITION=1;\r\n",
         {{{"", "", 0, true}}, "a:1", std::nullopt}},
        {"an empty gtid_purged is kept as an empty value, not as absent",
         "SET GLOBAL gtid_purged='';\nCHANGE MASTER TO MASTER_AUTO_POSITION=1;\n", {{{"", "", 0, true}}, "", {}}},
        {"whitespace-only file: the donor was not a replica", " \n\r\n", {}},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    const auto parsed = parse_slave_info("xtrabackup_slave_info", row.input);
    INFO((parsed ? std::string() : parsed.message()));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == row.expected);
}

TEST_CASE("slave info: malformed content is an error naming the file and line", "[metadata]") {
    const std::string xb = "xtrabackup_slave_info";
    const std::string mb = "mariadb_backup_slave_info";
    const std::string ok_line = "CHANGE MASTER TO MASTER_LOG_FILE='f.000001', MASTER_LOG_POS=4;\n";
    const std::vector<error_row> rows = {
        {"unknown statement", xb, "START SLAVE;\n", 1, "unknown statement starting with 'START'"},
        {"unknown statement after a valid one", mb, ok_line + "RESET SLAVE;\n", 2,
         "unknown statement starting with 'RESET'"},
        {"a statement starting with a string", xb, "'x';\n", 1, "unknown statement starting with string 'x'"},
        {"unknown option: the file never carries a host", xb,
         "CHANGE MASTER TO MASTER_HOST='h', MASTER_LOG_FILE='f', MASTER_LOG_POS=4;\n", 1,
         "unknown option 'MASTER_HOST'"},
        {"unknown option without MASTER_ or SOURCE_ prefix", xb, "CHANGE MASTER TO LOG_POS=4;\n", 1,
         "unknown option 'LOG_POS'"},
        {"unknown variable", xb, "SET GLOBAL gtid_mode='ON';\n", 1, "unknown variable 'gtid_mode'"},
        {"SET without GLOBAL", xb, "SET gtid_purged='a:1';\n", 1, "expected GLOBAL after SET, found 'gtid_purged'"},
        {"SET with an unquoted value", xb, "SET GLOBAL gtid_purged=a;\n", 1, "expected a quoted GTID set"},
        {"gtid_purged set twice", xb, "SET GLOBAL gtid_purged='a:1';\nSET GLOBAL gtid_purged='a:2';\n", 2,
         "gtid_purged is set a second time"},
        {"quoted position", xb, "CHANGE MASTER TO MASTER_LOG_FILE='f', MASTER_LOG_POS='481';\n", 1,
         "expected a number after MASTER_LOG_POS=, found string '481'"},
        {"position beyond 64 bits", xb, "CHANGE MASTER TO MASTER_LOG_FILE='f', MASTER_LOG_POS=18446744073709551616;\n",
         1, "does not fit in 64 bits"},
        {"unquoted file name", xb, "CHANGE MASTER TO MASTER_LOG_FILE=f, MASTER_LOG_POS=4;\n", 1,
         "expected a quoted file name"},
        {"missing '=' after an option", xb, "CHANGE MASTER TO MASTER_LOG_FILE 'f', MASTER_LOG_POS=4;\n", 1,
         "expected '=' after MASTER_LOG_FILE"},
        {"unterminated string on line 3, CRLF line ends", mb,
         "SET GLOBAL gtid_slave_pos = '0-1-5';\r\n\r\nCHANGE MASTER 'src TO master_use_gtid = slave_pos;\r\n", 3,
         "no closing quote"},
        {"a newline inside quotes still counts as a line", xb,
         "CHANGE MASTER TO MASTER_LOG_FILE='a\nb', MASTER_LOG_POS=4;\nSTART SLAVE;\n", 3, "'START'"},
        {"CHANGE without MASTER or REPLICATION SOURCE", xb, "CHANGE SOURCE TO SOURCE_LOG_POS=4;\n", 1,
         "expected MASTER or REPLICATION SOURCE after CHANGE, found 'SOURCE'"},
        {"CHANGE REPLICATION without SOURCE", xb, "CHANGE REPLICATION TO SOURCE_LOG_POS=4;\n", 1,
         "expected SOURCE after CHANGE REPLICATION"},
        {"missing TO", xb, "CHANGE MASTER MASTER_LOG_FILE='f', MASTER_LOG_POS=4;\n", 1,
         "expected TO before the options, found 'MASTER_LOG_FILE'"},
        {"missing comma between options", xb, "CHANGE MASTER TO MASTER_LOG_FILE='f' MASTER_LOG_POS=4;\n", 1,
         "expected ',' between options, FOR CHANNEL or the end of the statement, found 'MASTER_LOG_POS'"},
        {"a log file without a position", xb, "CHANGE MASTER TO MASTER_LOG_FILE='f';\n", 1,
         "gives a log file but no log position"},
        {"a position without a log file", xb, "CHANGE MASTER TO MASTER_LOG_POS=4;\n", 1,
         "gives a log position but no log file"},
        {"neither a file and position nor auto-position", xb, "CHANGE MASTER TO MASTER_AUTO_POSITION=0;\n", 1,
         "gives neither a log file and position nor GTID auto-positioning"},
        {"auto-position together with a file and position", xb,
         "CHANGE MASTER TO MASTER_AUTO_POSITION=1, MASTER_LOG_FILE='f', MASTER_LOG_POS=4;\n", 1,
         "MASTER_AUTO_POSITION selects GTID positioning, but the statement also gives a log file or position"},
        {"master_use_gtid together with a file and position", mb,
         "CHANGE MASTER TO master_use_gtid = slave_pos, MASTER_LOG_POS=4;\n", 1, "also gives a log file or position"},
        {"MASTER_AUTO_POSITION=2", xb, "CHANGE MASTER TO MASTER_AUTO_POSITION=2;\n", 1,
         "MASTER_AUTO_POSITION=2 is neither 0 nor 1"},
        {"master_use_gtid with an unknown value", mb, "CHANGE MASTER TO master_use_gtid = yes;\n", 1,
         "master_use_gtid = yes is not slave_pos, current_pos or no"},
        {"an option given twice", xb, "CHANGE MASTER TO MASTER_LOG_FILE='f', MASTER_LOG_POS=4, MASTER_LOG_POS=5;\n",
         1, "MASTER_LOG_POS is given twice"},
        {"the MASTER_ and SOURCE_ spelling of one option", xb,
         "CHANGE MASTER TO MASTER_LOG_FILE='a', SOURCE_LOG_FILE='b', MASTER_LOG_POS=4;\n", 1,
         "SOURCE_LOG_FILE is given twice"},
        {"MASTER_AUTO_POSITION and MASTER_USE_GTID together", xb,
         "CHANGE MASTER TO MASTER_AUTO_POSITION=1, MASTER_USE_GTID=slave_pos;\n", 1,
         "both MASTER_AUTO_POSITION and MASTER_USE_GTID are given"},
        {"the same channel twice", xb,
         "CHANGE MASTER TO MASTER_AUTO_POSITION=1 FOR CHANNEL 'ch1';\nCHANGE MASTER TO MASTER_AUTO_POSITION=1 FOR "
         "CHANNEL 'ch1';\n",
         2, "channel 'ch1' already appeared on line 1"},
        {"the default connection twice, once named ''", mb,
         "CHANGE MASTER TO master_use_gtid = slave_pos;\nCHANGE MASTER '' TO MASTER_LOG_FILE='f', MASTER_LOG_POS=4;\n",
         2, "the default channel already appeared on line 1"},
        {"a connection name and FOR CHANNEL together", mb,
         "CHANGE MASTER 'a' TO MASTER_LOG_FILE='f', MASTER_LOG_POS=4 FOR CHANNEL 'b';\n", 1,
         "names the channel twice: 'a' after CHANGE MASTER and 'b' after FOR CHANNEL"},
        {"FOR without CHANNEL", xb, "CHANGE MASTER TO MASTER_AUTO_POSITION=1 FOR 'c';\n", 1,
         "expected CHANNEL after FOR"},
        {"an unquoted channel name", xb, "CHANGE MASTER TO MASTER_AUTO_POSITION=1 FOR CHANNEL c;\n", 1,
         "expected a quoted channel name after FOR CHANNEL, found 'c'"},
        {"words after FOR CHANNEL 'c'", xb, "CHANGE MASTER TO MASTER_AUTO_POSITION=1 FOR CHANNEL 'c' now;\n", 1,
         "expected the end of the statement, found 'now'"},
        {"a character SQL from a backup tool never has", xb, "SET GLOBAL @@gtid_purged='a:1';\n", 1,
         "unexpected character '@'"},
        {"a control byte", xb, std::string("CHANGE MASTER TO MASTER_AUTO_POSITION=1\x01;\n"), 1,
         "unexpected character byte 1"},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    const auto parsed = parse_slave_info(row.file_name, row.content);
    REQUIRE_FALSE(parsed.has_value());
    check_error(parsed.message(), row.file_name, row.line, row.fragment);
}

// --- the whole backup ----------------------------------------------------------------------------

struct metadata_row {
    std::string name;
    backup_files files;
    backup_metadata expected;
};

named_content fixture_as(const std::string& name, const std::string& fixture) {
    return named_content{name, read_fixture(fixture)};
}

TEST_CASE("backup metadata: binlog info and slave info combined", "[metadata]") {
    const std::vector<metadata_row> rows = {
        {"no coordinate files at all: empty metadata", {}, {}},
        {"PXB 8.0 primary: binlog info only",
         {fixture_as("xtrabackup_binlog_info", "xb80_binlog_info_gtid_multi.txt"), std::nullopt},
         {binlog_coordinates{"binlog.000003", 1274,
                             "5b5a8e4e-9b43-11ea-900d-0242ac170002:1-10,5b642cb6-9b43-11ea-8914-0242ac170003:1-7"},
          {},
          std::nullopt,
          std::nullopt}},
        {"PXB 2.4 donor that was not a replica: empty slave info adds nothing",
         {fixture_as("xtrabackup_binlog_info", "xb24_binlog_info_nogtid.txt"),
          fixture_as("xtrabackup_slave_info", "xb24_slave_info_empty_not_a_replica.txt")},
         {binlog_coordinates{"mysql-bin.000002", 18304406, ""}, {}, std::nullopt, std::nullopt}},
        {"PXB 8.0 GTID replica with two channels: entries and gtid_purged move over",
         {fixture_as("xtrabackup_binlog_info", "xb80_binlog_info_gtid.txt"),
          fixture_as("xtrabackup_slave_info", "xb80_slave_info_multichannel_gtid.txt")},
         {binlog_coordinates{"binlog.000006", 196, "4b272950-e317-11eb-a829-d45d64347a19:1-2"},
          {{"ch1", "", 0, true}, {"ch2", "", 0, true}},
          pxb80_purged,
          std::nullopt}},
        {"mariabackup multi-source replica: gtid_slave_pos and both connections",
         {fixture_as("mariadb_backup_binlog_info", "mb1011_binlog_info_gtid.txt"),
          fixture_as("mariadb_backup_slave_info", "mb1011_slave_info_multisource_mixed.txt")},
         {binlog_coordinates{"mariadb-bin.000001", 1198, "0-1-5"},
          {{"", "", 0, true}, {"src3", "mariadb-bin.000001", 1389, false}},
          std::nullopt,
          "0-1-6,1-3-6"}},
        {"slave info without binlog info (binlog disabled on the donor)",
         {std::nullopt, fixture_as("xtrabackup_slave_info", "xb84_slave_info_filepos.txt")},
         {std::nullopt, {{"", "mysql-bin.000001", 1543, false}}, std::nullopt, std::nullopt}},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    const auto parsed = parse_backup_metadata(row.files);
    INFO((parsed ? std::string() : parsed.message()));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == row.expected);
}

TEST_CASE("backup metadata: an error in either file names that file", "[metadata]") {
    SECTION("damaged binlog info, valid slave info") {
        const backup_files files{named_content{"mariadb_backup_binlog_info", "mariadb-bin.000001\tabc\n"},
                                 named_content{"mariadb_backup_slave_info", read_fixture("mb1011_slave_info_gtid.txt")}};
        const auto parsed = parse_backup_metadata(files);
        REQUIRE_FALSE(parsed.has_value());
        check_error(parsed.message(), "mariadb_backup_binlog_info", 1, "position 'abc' is not a number");
    }
    SECTION("valid binlog info, damaged slave info") {
        const backup_files files{named_content{"xtrabackup_binlog_info", read_fixture("xb80_binlog_info_gtid.txt")},
                                 named_content{"xtrabackup_slave_info", "SET GLOBAL gtid_purged='a:1';\nSTART SLAVE;\n"}};
        const auto parsed = parse_backup_metadata(files);
        REQUIRE_FALSE(parsed.has_value());
        check_error(parsed.message(), "xtrabackup_slave_info", 2, "unknown statement starting with 'START'");
    }
}

// --- key/value files -----------------------------------------------------------------------------

struct checkpoints_row {
    std::string name;
    std::string fixture;
    std::vector<std::pair<std::string, std::string>> expected;
};

const std::vector<checkpoints_row> checkpoints_rows = {
    {"mariabackup 10.11 right after the backup: full-backuped", "mb1011_checkpoints_backup.txt",
     {{"backup_type", "full-backuped"},
      {"from_lsn", "0"},
      {"to_lsn", "44878"},
      {"last_lsn", "44894"},
      {"recover_binlog_info", "0"}}},
    {"mariabackup 10.11 after --prepare: log-applied", "mb1011_checkpoints_prepared.txt",
     {{"backup_type", "log-applied"},
      {"from_lsn", "0"},
      {"to_lsn", "44878"},
      {"last_lsn", "50531"},
      {"recover_binlog_info", "1"}}},
    {"PXB 8.0: full-backuped with flushed_lsn and redo fields", "xb80_checkpoints.txt",
     {{"backup_type", "full-backuped"},
      {"from_lsn", "0"},
      {"to_lsn", "30304090"},
      {"last_lsn", "30304090"},
      {"flushed_lsn", "30304080"},
      {"redo_memory", "0"},
      {"redo_frames", "0"}}},
};

TEST_CASE("checkpoints: every fixture gives its keys in file order", "[metadata]") {
    const auto row = GENERATE(from_range(checkpoints_rows));
    INFO(row.name << " (" << row.fixture << ")");
    const auto parsed = parse_key_value_file("xtrabackup_checkpoints", read_fixture(row.fixture));
    REQUIRE(parsed.has_value());
    CHECK(pairs_of(*parsed) == row.expected);
}

struct info_row {
    std::string name;
    std::string fixture;
    std::size_t key_count;
    std::vector<std::pair<std::string, std::optional<std::string>>> values;  ///< nullopt: the key must be absent
};

const std::vector<info_row> info_rows = {
    {"mariabackup 10.11: empty name, '=' inside tool_command, empty GTID in binlog_pos", "mb1011_info.txt", 17,
     {{"uuid", "982604a4-e9fd-11f1-bd52-02fc00000001"},
      {"name", ""},
      {"tool_command", "--defaults-file=m1/my.cnf --backup --slave-info --target-dir=bk/A_m1_fresh"},
      {"server_version", "10.11.19-MariaDB-0+deb12u1-log"},
      {"binlog_pos", "filename 'mariadb-bin.000001', position '330', GTID of the last change ''"},
      {"compressed", "N"},
      {"encrypted", std::nullopt}}},
    {"PXB 8.0.35: binlog_pos without GTID, no compact", "xb80_info.txt", 18,
     {{"name", ""},
      {"tool_version", "8.0.35-35"},
      {"binlog_pos", "filename 'binlog.000072', position '157'"},
      {"encrypted", "N"},
      {"compact", std::nullopt}}},
    {"PXB 8.4: server_flavor, lock_ddl_type, backup_size", "xb84_info.txt", 21,
     {{"server_version", "8.4.8-8"},
      {"server_flavor", "Percona Server (GPL), Release 8, Revision 1c288264"},
      {"binlog_pos", "filename 'binlog.000002', position '158'"},
      {"lock_ddl_type", "ON"},
      {"backup_size", "88689086"}}},
};

TEST_CASE("xtrabackup_info: every fixture gives its values", "[metadata]") {
    const auto row = GENERATE(from_range(info_rows));
    INFO(row.name << " (" << row.fixture << ")");
    const auto parsed = parse_key_value_file("xtrabackup_info", read_fixture(row.fixture));
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->size() == row.key_count);
    CHECK(parsed->front().key == "uuid");
    for (const auto& [key, value] : row.values) {
        INFO("key " << key);
        CHECK(find_value(*parsed, key) == value);
    }
}

TEST_CASE("key/value files: synthetic rows and find_value", "[metadata]") {
    SECTION("CRLF line ends and blank lines; an empty value stays empty") {
        const auto parsed = parse_key_value_file("xtrabackup_checkpoints",
                                                 "backup_type = incremental\r\n\r\nfrom_lsn = 44878\r\nname = \r\n");
        REQUIRE(parsed.has_value());
        CHECK(pairs_of(*parsed) == std::vector<std::pair<std::string, std::string>>{
                                       {"backup_type", "incremental"}, {"from_lsn", "44878"}, {"name", ""}});
    }
    SECTION("no spaces around '='") {
        const auto parsed = parse_key_value_file("xtrabackup_checkpoints", "backup_type=full-prepared\n");
        REQUIRE(parsed.has_value());
        CHECK(find_value(*parsed, "backup_type") == std::optional<std::string>("full-prepared"));
    }
    SECTION("find_value: the first of repeated keys, exact key match, absent key") {
        const std::vector<key_value> kv{{"to_lsn", "1"}, {"to_lsn", "2"}, {"name", ""}};
        CHECK(find_value(kv, "to_lsn") == std::optional<std::string>("1"));
        CHECK(find_value(kv, "name") == std::optional<std::string>(""));
        CHECK(find_value(kv, "TO_LSN") == std::nullopt);
        CHECK(find_value(kv, "from_lsn") == std::nullopt);
    }
    SECTION("empty content gives no keys") {
        const auto parsed = parse_key_value_file("xtrabackup_info", "");
        REQUIRE(parsed.has_value());
        CHECK(parsed->empty());
    }
}

TEST_CASE("key/value files: malformed lines are errors naming the file and line", "[metadata]") {
    const std::string f = "mariadb_backup_checkpoints";
    const std::vector<error_row> rows = {
        {"a line without '='", f, "backup_type = full-backuped\nfrom_lsn 0\n", 2,
         "expected 'key = value', found 'from_lsn 0'"},
        {"a line without '=', CRLF: the CR is not part of the quoted line", f, "from_lsn 0\r\n", 1,
         "found 'from_lsn 0'"},
        {"nothing before '='", f, "backup_type = full-backuped\r\n\r\n = 0\r\n", 3, "expected a single word before '='"},
        {"a key with a space in it", f, "to lsn = 5\n", 1, "expected a single word before '='"},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    const auto parsed = parse_key_value_file(row.file_name, row.content);
    REQUIRE_FALSE(parsed.has_value());
    check_error(parsed.message(), row.file_name, row.line, row.fragment);
}

// xb_galera_info.txt (`uuid:seqno`) has no parser of its own here; what matters for this module is
// that it can never pass for binlog info or for a key/value file if a caller hands over the wrong file.
TEST_CASE("galera info fixture is rejected by the binlog and key/value parsers", "[metadata]") {
    const std::string content = read_fixture("xb_galera_info.txt");
    const auto binlog = parse_binlog_info("xtrabackup_galera_info", content);
    REQUIRE_FALSE(binlog.has_value());
    check_error(binlog.message(), "xtrabackup_galera_info", 1, "found '8797f811-7f73-11e2-0800-8b513b3819c1:22809'");
    const auto kv = parse_key_value_file("xtrabackup_galera_info", content);
    REQUIRE_FALSE(kv.has_value());
    check_error(kv.message(), "xtrabackup_galera_info", 1, "expected 'key = value'");
}

// --- file choice -----------------------------------------------------------------------------------

TEST_CASE("choose_metadata_file: mariadb_backup_* wins when both exist", "[metadata]") {
    struct row {
        std::string name;
        std::string base;
        bool mariadb_exists;
        bool xtrabackup_exists;
        std::optional<std::string> expected;
    };
    const std::vector<row> rows = {
        {"PXB or mariabackup <= 11.0: only xtrabackup_*", "binlog_info", false, true, "xtrabackup_binlog_info"},
        {"mariabackup 11.1+: only mariadb_backup_*", "slave_info", true, false, "mariadb_backup_slave_info"},
        {"both exist: mariadb_backup_* wins", "checkpoints", true, true, "mariadb_backup_checkpoints"},
        {"both exist, another base", "info", true, true, "mariadb_backup_info"},
        {"neither exists", "binlog_info", false, false, std::nullopt},
    };
    const auto r = GENERATE_COPY(from_range(rows));
    INFO(r.name);
    CHECK(choose_metadata_file(r.base, r.mariadb_exists, r.xtrabackup_exists) == r.expected);
}

// --- JSON ----------------------------------------------------------------------------------------

struct json_row {
    std::string name;
    backup_metadata metadata;
    std::string expected;  ///< JSON text, compared as parsed JSON
};

TEST_CASE("to_json: every key present, values as documented", "[metadata]") {
    const std::vector<json_row> rows = {
        {"empty metadata: nulls and an empty replication list", {},
         R"({"binlog": null, "replication": [], "gtid_purged": null, "gtid_slave_pos": null})"},
        {"binlog without GTID: gtid_set is an empty string",
         {binlog_coordinates{"mysql-bin.000002", 18304406, ""}, {}, std::nullopt, std::nullopt},
         R"({"binlog": {"file": "mysql-bin.000002", "position": 18304406, "gtid_set": ""},
             "replication": [], "gtid_purged": null, "gtid_slave_pos": null})"},
        {"MySQL GTID replica: auto-position entry has file \"\" and position 0",
         {binlog_coordinates{"binlog.000003", 1274, "a:1-10,b:1-7"},
          {{"ch1", "", 0, true}, {"ch2", "mysql-bin.000001", 481, false}},
          "a:1-10,b:1-7",
          std::nullopt},
         R"({"binlog": {"file": "binlog.000003", "position": 1274, "gtid_set": "a:1-10,b:1-7"},
             "replication": [{"channel": "ch1", "file": "", "position": 0, "auto_position": true},
                             {"channel": "ch2", "file": "mysql-bin.000001", "position": 481, "auto_position": false}],
             "gtid_purged": "a:1-10,b:1-7", "gtid_slave_pos": null})"},
        {"MariaDB replica: gtid_slave_pos, no binlog", {std::nullopt, {{"", "", 0, true}}, std::nullopt, "0-1-6,1-3-6"},
         R"({"binlog": null,
             "replication": [{"channel": "", "file": "", "position": 0, "auto_position": true}],
             "gtid_purged": null, "gtid_slave_pos": "0-1-6,1-3-6"})"},
        {"empty gtid_purged is \"\", not null", {std::nullopt, {}, "", std::nullopt},
         R"({"binlog": null, "replication": [], "gtid_purged": "", "gtid_slave_pos": null})"},
        {"the largest position stays an exact integer",
         {binlog_coordinates{"f", std::numeric_limits<std::uint64_t>::max(), ""}, {}, std::nullopt, std::nullopt},
         R"({"binlog": {"file": "f", "position": 18446744073709551615, "gtid_set": ""},
             "replication": [], "gtid_purged": null, "gtid_slave_pos": null})"},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    const std::string text = to_json(row.metadata);
    INFO(text);
    CHECK(nlohmann::json::parse(text) == nlohmann::json::parse(row.expected));
    CHECK(text.ends_with("}\n"));
}

TEST_CASE("to_json: exact text, key order and indentation", "[metadata]") {
    const backup_metadata metadata{binlog_coordinates{"binlog.000003", 1274, "a:1-10"},
                                   {{"", "", 0, true}},
                                   "a:1-10",
                                   std::nullopt};
    const std::string text = to_json(metadata);
    CHECK(text == R"({
  "binlog": {
    "file": "binlog.000003",
    "position": 1274,
    "gtid_set": "a:1-10"
  },
  "replication": [
    {
      "channel": "",
      "file": "",
      "position": 0,
      "auto_position": true
    }
  ],
  "gtid_purged": "a:1-10",
  "gtid_slave_pos": null
}
)");
    // Key order is part of the contract even when values change: check it structurally as well.
    const auto parsed = nlohmann::ordered_json::parse(text);
    std::vector<std::string> keys;
    for (const auto& item : parsed.items()) keys.push_back(item.key());
    CHECK(keys == std::vector<std::string>{"binlog", "replication", "gtid_purged", "gtid_slave_pos"});
    std::vector<std::string> entry_keys;
    for (const auto& item : parsed["replication"][0].items()) entry_keys.push_back(item.key());
    CHECK(entry_keys == std::vector<std::string>{"channel", "file", "position", "auto_position"});
}

TEST_CASE("to_json: names that are not UTF-8 do not throw", "[metadata]") {
    const backup_metadata metadata{binlog_coordinates{"bin\xff.000001", 4, ""}, {}, std::nullopt, std::nullopt};
    std::string text;
    REQUIRE_NOTHROW(text = to_json(metadata));
    const auto parsed = nlohmann::json::parse(text);
    CHECK(parsed["binlog"]["file"] == "bin\xEF\xBF\xBD.000001");  // U+FFFD replaces the bad byte
    CHECK(parsed["binlog"]["position"] == 4);
}

// --- coverage of the fixture directory -----------------------------------------------------------

TEST_CASE("every fixture file in backup-metadata has a row in these tests", "[metadata]") {
    std::set<std::string> covered = {"mb1011_binlog_pos_innodb.txt", "xb_galera_info.txt"};
    for (const auto& r : binlog_fixture_rows) covered.insert(r.input);
    for (const auto& r : slave_fixture_rows) covered.insert(r.input);
    for (const auto& r : checkpoints_rows) covered.insert(r.fixture);
    for (const auto& r : info_rows) covered.insert(r.fixture);

    std::set<std::string> on_disk;
    for (const auto& entry : std::filesystem::directory_iterator(fixture_dir))
        if (entry.path().extension() == ".txt") on_disk.insert(entry.path().filename().string());
    CHECK(on_disk == covered);
}

}  // namespace
