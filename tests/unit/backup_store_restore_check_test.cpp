// restore_check: the private server's arguments, the statements (names quoted), and CHECK TABLE's answers judged.

#include <catch2/catch.hpp>

#include "mysql_agent/core/backup_store/restore_check.hpp"

using namespace mysql_agent;
using namespace mysql_agent::backup_store;

namespace {

sql_row check_row(const char* type, const char* text) {
    return {{"Table", "shop.orders"}, {"Op", "check"}, {"Msg_type", type}, {"Msg_text", text}};
}

}  // namespace

TEST_CASE("restore check: CHECK TABLE's answers judged", "[backup_store]") {
    struct row {
        const char* name;
        std::vector<sql_row> rows;
        bool ok;
        const char* says;
    };
    const std::vector<row> rows = {
        {"status OK", {check_row("status", "OK")}, true, ""},
        {"a note, then status OK", {check_row("note", "The storage engine for the table doesn't support check"),
                                    check_row("status", "OK")}, true, ""},
        {"an error, then a status", {check_row("error", "Table 'orders' is marked as crashed"),
                                     check_row("status", "Operation failed")}, false, "marked as crashed"},
        {"status Corrupt", {check_row("status", "Corrupt")}, false, "status: Corrupt"},
        {"no answer", {}, false, "did not end with status OK"},
        {"a warning last", {check_row("status", "OK"), check_row("warning", "something")}, false,
         "did not end with status OK"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        const auto v = check_table_verdict(r.rows);
        CHECK(static_cast<bool>(v) == r.ok);
        if (!r.ok) CHECK_THAT(v.message(), Catch::Contains(r.says));
    }
}

TEST_CASE("restore check: table names from the server are quoted, never spliced", "[backup_store]") {
    const table_name odd{"we`ird db", "t`1; DROP TABLE x"};
    CHECK(check_table_statement(odd) == "CHECK TABLE `we``ird db`.`t``1; DROP TABLE x`");
    CHECK(count_rows_statement({"shop", "orders"}) == "SELECT COUNT(*) AS n FROM `shop`.`orders`");
    const auto tables = tables_of({{{"schema", "shop"}, {"name", "orders"}}, {{"schema", "shop"}, {"name", "audit"}}});
    REQUIRE(tables);
    CHECK(*tables == std::vector<table_name>{{"shop", "orders"}, {"shop", "audit"}});
    CHECK_FALSE(tables_of({{{"schema", "shop"}}}));
}

TEST_CASE("restore check: the private server reads no my.cnf, listens on no port, skips grants and replication",
          "[backup_store]") {
    const auto args = scratch_server_args("/s/data", "/s/sock", "/s/err", "mysql");
    REQUIRE_FALSE(args.empty());
    CHECK(args.front() == "--no-defaults");
    for (const char* flag : {"--skip-networking", "--skip-grant-tables", "--skip-slave-start", "--skip-log-bin",
                             "--datadir=/s/data", "--socket=/s/sock", "--user=mysql"})
        CHECK(std::find(args.begin(), args.end(), flag) != args.end());
}
