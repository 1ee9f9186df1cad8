// The backup tool's argv and the option file with the credentials, as text. That the option-file parser reads
// the escaped values back is checked against the real my_print_defaults in tests/io/backup_server_test.cpp.

#include "mysql_agent/core/backup_tool_args.hpp"
#include "mysql_agent/core/open_files.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mysql_agent;

namespace {

struct argv_row {
    std::string name;
    backup_tool_settings settings;
    std::vector<std::string> expected_after_common;  ///< what follows the four arguments every backup has
};

struct value_row {
    std::string name;
    std::string value;
    std::string expected;
};

struct file_row {
    std::string name;
    mysql_connection connection;
    std::string expected;
};

mysql_connection connection(std::string password, std::string socket) {
    mysql_connection c;
    c.user = "backup";
    c.password = std::move(password);
    c.host = "10.0.0.7";
    c.port = 3307;
    c.socket = std::move(socket);
    return c;
}

const std::string file_head = "# written by mysql-agent sidecar for one backup; removed when it ends\n[client]\n";

}  // namespace

TEST_CASE("backup_tool_arguments: the option file first, then what the role and tool need", "[sidecar]") {
    const std::vector<argv_row> rows = {
        {"a primary's xtrabackup: --datadir only", {"/var/lib/mysql", false, false, 0}, {"--datadir=/var/lib/mysql"}},
        {"a primary's mariabackup: no replica options", {"/var/lib/mysql", false, true, 0}, {"--datadir=/var/lib/mysql"}},
        {"no datadir: the tool asks the server", {"", false, false, 0}, {}},
        {"a replica's xtrabackup: --slave-info", {"/d", true, false, 0}, {"--datadir=/d", "--slave-info"}},
        {"a replica's mariabackup: --slave-info and --safe-slave-backup",
         {"/d", true, true, 0},
         {"--datadir=/d", "--slave-info", "--safe-slave-backup"}},
        {"the open-files limit it inherits, said", {"/d", false, true, 20000}, {"--datadir=/d", "--open-files-limit=20000"}},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    std::vector<std::string> expected = {"--defaults-extra-file=/tmp/p/client.cnf", "--backup", "--stream=xbstream",
                                         "--target-dir=/tmp/p/target"};
    expected.insert(expected.end(), row.expected_after_common.begin(), row.expected_after_common.end());
    CHECK(backup_tool_arguments(row.settings, "/tmp/p/client.cnf", "/tmp/p/target") == expected);
}

TEST_CASE("option_file_value quotes and escapes what would end or change the value", "[sidecar]") {
    const std::vector<value_row> rows = {
        {"plain text is only quoted", "backup", "\"backup\""},
        {"empty stays an empty quoted value", "", "\"\""},
        {"spaces, '#' and ';' are safe inside quotes", "a b#c;d ", "\"a b#c;d \""},
        {"a double quote is escaped", "a\"b", "\"a\\\"b\""},
        {"a backslash is doubled", "a\\b", "\"a\\\\b\""},
        {"a single quote stays", "a'b", "\"a'b\""},
        {"newline, carriage return and tab become \\n \\r \\t", "a\nb\rc\td", "\"a\\nb\\rc\\td\""},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    CHECK(option_file_value(row.value) == row.expected);
}

TEST_CASE("client_option_file: a [client] group with the user, the password if any, and where to connect",
          "[sidecar]") {
    const std::vector<file_row> rows = {
        {"TCP with a password", connection("pw", ""),
         file_head + "user=\"backup\"\npassword=\"pw\"\nhost=\"10.0.0.7\"\nport=3307\n"},
        {"no password: no password line", connection("", ""),
         file_head + "user=\"backup\"\nhost=\"10.0.0.7\"\nport=3307\n"},
        {"a socket replaces host and port; host=localhost makes the client use it",
         connection("pw", "/run/mysqld/mysqld.sock"),
         file_head + "user=\"backup\"\npassword=\"pw\"\nhost=localhost\nsocket=\"/run/mysqld/mysqld.sock\"\n"},
        {"the password is escaped", connection("a\"b\\c\nd", ""),
         file_head + "user=\"backup\"\npassword=\"a\\\"b\\\\c\\nd\"\nhost=\"10.0.0.7\"\nport=3307\n"},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    CHECK(client_option_file(row.connection) == row.expected);
}

TEST_CASE("open files: a datadir needs its tablespaces plus a margin, and a limit below says what to raise", "[sidecar]") {
    CHECK(open_files_needed(0) == open_files_margin);
    CHECK(open_files_needed(15000) == 15000 + open_files_margin);
    CHECK(check_open_files(100, 1024, 1024).has_value());
    CHECK(check_open_files(1024 - open_files_margin, 1024, 1024).has_value());  // exactly enough
    const auto short_of = check_open_files(30000, 20000, 20000);
    REQUIRE_FALSE(short_of.has_value());
    CHECK(short_of.message() ==
          "the datadir holds 30000 InnoDB tablespaces (.ibd files) and the backup tool opens every one at once: it "
          "needs an open-files limit of at least 30256, the sidecar's is 20000 (hard limit 20000); raise the "
          "container's nofile limit (the runtime's default_ulimits or LimitNOFILE of its service) to at least "
          "30256. Nothing was sent");
    CHECK_FALSE(check_open_files(1024 - open_files_margin + 1, 1024, 4096).has_value());
}
