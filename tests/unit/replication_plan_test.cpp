// replication_plan: the sidecar's replication decision and the SQL it runs, as tables (the accounts' own statements:
// account_plan_test.cpp).

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/account_statements.hpp"
#include "mysql_agent/core/replication_plan.hpp"
#include "mysql_agent/core/server_version.hpp"

using namespace mysql_agent;
using strings = std::vector<std::string>;

namespace {

const char* const mariadb = "10.11.19-MariaDB-0+deb12u1-log";
const std::string password = "s3cr'et\\pw";  // a quote and a backslash: must come out escaped, and never in logs
const std::string mysql_uuid = "4b272950-e317-11eb-a829-d45d64347a19";

server_version version(const char* text) {
    const auto v = parse_server_version(text);
    REQUIRE(v.has_value());
    return *v;
}

strings texts(const std::vector<sql_statement>& statements) {
    strings out;
    for (const auto& s : statements) out.push_back(s.text);
    return out;
}

// SHOW SLAVE STATUS as MariaDB 10.11 returns it (the columns the agent reads, plus a few it ignores).
sql_row mariadb_status_row(const char* io, const char* sql, const char* io_errno = "0", const char* io_error = "",
                           const char* sql_errno = "0", const char* sql_error = "") {
    return sql_row{{"Slave_IO_State", "Waiting for master to send event"},
                   {"Master_Host", "127.0.0.1"},
                   {"Slave_IO_Running", io},
                   {"Slave_SQL_Running", sql},
                   {"Relay_Master_Log_File", "mariadb-bin.000002"},
                   {"Exec_Master_Log_Pos", "1234"},
                   {"Last_IO_Errno", io_errno},
                   {"Last_IO_Error", io_error},
                   {"Last_SQL_Errno", sql_errno},
                   {"Last_SQL_Error", sql_error},
                   {"Gtid_IO_Pos", "0-1-5"},
                   {"Using_Gtid", "Slave_Pos"}};
}

replica_status status_of(const sql_row& row) {
    const auto s = replica_status_from_rows({row});
    REQUIRE(s.has_value());
    return *s;
}

replica_status running() { return status_of(mariadb_status_row("Yes", "Yes")); }
replica_status connecting_with_error() {
    return status_of(mariadb_status_row("Connecting", "Yes", "1045", "Access denied for user 'repl'@'localhost'"));
}
replica_status stopped() { return status_of(mariadb_status_row("No", "No")); }
replica_status sql_stopped() { return status_of(mariadb_status_row("Yes", "No")); }
replica_status failed_sql() {
    return status_of(mariadb_status_row("Yes", "No", "0", "", "1062", "Duplicate entry '1' for key 'PRIMARY'"));
}
replica_status failed_io() {
    return status_of(mariadb_status_row("No", "Yes", "1236", "Could not find first log file name in binary log"));
}

backup_metadata gtid_coordinates() {
    backup_metadata m;
    m.binlog = binlog_coordinates{"mariadb-bin.000002", 1234, "0-1-5"};
    return m;
}

replication_config config() {
    replication_config c;
    c.source = replication_source{"mysql-0.mysql", 3306, "repl", password};
    return c;
}

replication_facts replica_facts(replica_status status, bool applied, std::string executed = "0-1-5") {
    replication_facts f;
    f.server = version(mariadb);
    f.marker = replication_facts::marker_state::present;
    f.coordinates = gtid_coordinates();
    f.applied = applied;
    f.replica = std::move(status);
    f.executed_gtid_set = std::move(executed);
    return f;
}

// "*" + HEX(SHA1(SHA1(password))), what the I/O layer computes (password_hash.hpp), and that of "password".
const std::string password_hash = "*E6F898189F13DCD30A129FD5B2CBCA7730E9C9F4";
const std::string other_hash = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19";

// The primary's facts: MariaDB 10.11 holding `accounts`.
replication_facts primary_facts(std::vector<account_facts> accounts) {
    replication_facts f;
    f.is_primary = true;
    f.server = version(mariadb);
    f.accounts = std::move(accounts);
    return f;
}

// An account as the server holds it: missing, or with `hash` and the SHOW GRANTS `grants`.
account_facts account(const std::string& user, const std::string& host, const std::string& hash, strings grants,
                      const std::string& configured_hash = password_hash) {
    account_facts a;
    a.user = user;
    a.host = host;
    a.stored = hash.empty() ? stored_account{} : stored_account{true, "mysql_native_password", hash};
    a.grants = std::move(grants);
    a.hashes.native = configured_hash;
    return a;
}

const std::string repl_grants_line =
    "GRANT REPLICATION SLAVE ON *.* TO `repl`@`%` IDENTIFIED BY PASSWORD '*E6F898189F13DCD30A129FD5B2CBCA7730E9C9F4'";

// What SHOW GRANTS prints for the replication account's read of the cluster identity (cluster_identity.hpp).
const std::string identity_line = "GRANT SELECT ON `mysql_agent`.* TO `repl`@`%`";

const std::string change_master_shown =
    "CHANGE MASTER TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
    "MASTER_PASSWORD='s3cr\\'et\\\\pw', MASTER_CONNECT_RETRY=5, MASTER_USE_GTID=slave_pos;";
const std::string change_master_redacted =
    "CHANGE MASTER TO MASTER_HOST='mysql-0.mysql', MASTER_PORT=3306, MASTER_USER='repl', "
    "MASTER_PASSWORD='<redacted>', MASTER_CONNECT_RETRY=5, MASTER_USE_GTID=slave_pos;";

}  // namespace

TEST_CASE("replica status rows from MariaDB and MySQL 8.0.22+", "[replication]") {
    SECTION("no row: not configured") {
        const auto s = replica_status_from_rows({});
        REQUIRE(s.has_value());
        CHECK_FALSE(s->configured);
        CHECK(replica_state_of(*s) == replica_state::none);
    }
    SECTION("MariaDB SHOW SLAVE STATUS") {
        const auto s = status_of(mariadb_status_row("Connecting", "Yes", "2003", "error connecting to master"));
        CHECK(s.configured);
        CHECK(s.io_running == "Connecting");
        CHECK(s.sql_running == "Yes");
        CHECK(s.last_io_errno == 2003);
        CHECK(s.last_io_error == "error connecting to master");
        CHECK(s.source_file == "mariadb-bin.000002");
        CHECK(s.source_position == 1234);
    }
    SECTION("MySQL 8.0.22+ SHOW REPLICA STATUS says Replica and Source") {
        const sql_row row{{"Replica_IO_Running", "Yes"},     {"Replica_SQL_Running", "No"},
                          {"Relay_Source_Log_File", "binlog.000003"}, {"Exec_Source_Log_Pos", "157"},
                          {"Last_IO_Errno", "0"},            {"Last_IO_Error", ""},
                          {"Last_SQL_Errno", "1146"},        {"Last_SQL_Error", "Table 'd.t' doesn't exist"}};
        const auto s = status_of(row);
        CHECK(s.io_running == "Yes");
        CHECK(s.sql_running == "No");
        CHECK(s.last_sql_errno == 1146);
        CHECK(s.source_file == "binlog.000003");
        CHECK(s.source_position == 157);
        CHECK(replica_state_of(s) == replica_state::failed);
    }
    SECTION("NULL values read as empty") {
        sql_row row = mariadb_status_row("No", "No");
        row["Last_IO_Error"] = std::nullopt;
        row["Exec_Master_Log_Pos"] = std::nullopt;
        const auto s = status_of(row);
        CHECK(s.last_io_error.empty());
        CHECK(s.source_position == 0);
    }
    SECTION("several channels without FOR CHANNEL is an error") {
        const auto s = replica_status_from_rows({mariadb_status_row("Yes", "Yes"), mariadb_status_row("Yes", "Yes")});
        REQUIRE_FALSE(s.has_value());
        CHECK_THAT(s.message(), Catch::Contains("2 rows"));
    }
    SECTION("a missing column is named") {
        sql_row row = mariadb_status_row("Yes", "Yes");
        row.erase("Slave_SQL_Running");
        const auto s = replica_status_from_rows({row});
        REQUIRE_FALSE(s.has_value());
        CHECK_THAT(s.message(), Catch::Contains("Slave_SQL_Running / Replica_SQL_Running"));
    }
    SECTION("a non-number errno is named with its value") {
        sql_row row = mariadb_status_row("Yes", "Yes");
        row["Last_IO_Errno"] = "12x";
        const auto s = replica_status_from_rows({row});
        REQUIRE_FALSE(s.has_value());
        CHECK_THAT(s.message(), Catch::Contains("Last_IO_Errno") && Catch::Contains("'12x'"));
    }
}

TEST_CASE("replica states from the two threads and their errors", "[replication]") {
    struct row {
        const char* name;
        replica_status status;
        replica_state expected;
    };
    const row rows[] = {
        {"both Yes: running", running(), replica_state::running},
        {"IO retrying after an error, SQL Yes: running (it retries by itself)", connecting_with_error(),
         replica_state::running},
        {"MariaDB Preparing counts as running", status_of(mariadb_status_row("Preparing", "Yes")),
         replica_state::running},
        {"both No without errors: stopped", stopped(), replica_state::stopped},
        {"SQL No without error (STOP SLAVE SQL_THREAD): stopped", sql_stopped(), replica_state::stopped},
        {"SQL No with its error: failed", failed_sql(), replica_state::failed},
        {"IO No with its error: failed", failed_io(), replica_state::failed},
        {"an old IO error with the IO thread back up and SQL stopped cleanly: stopped",
         status_of(mariadb_status_row("Yes", "No", "2003", "old")), replica_state::stopped},
        {"not configured: none", replica_status{}, replica_state::none},
    };
    for (const auto& r : rows) {
        SECTION(r.name) { CHECK(replica_state_of(r.status) == r.expected); }
    }
    CHECK(describe_replica(connecting_with_error()) ==
          "IO thread Connecting, last error 1045: Access denied for user 'repl'@'localhost'; SQL thread Yes");
    CHECK(describe_replica(replica_status{}) == "no replication configured");
}

TEST_CASE("whether a replica moved past the clone's coordinates", "[replication]") {
    start_coordinates gtid;
    gtid.use_gtid = true;
    gtid.gtid_set = "0-1-5,1-2-7";
    start_coordinates file;
    file.file = "mariadb-bin.000002";
    file.position = 1234;
    const std::string mysql_set = mysql_uuid + ":1-20,\n8ba3a5b3-e317-11eb-9c3d-d45d64347a19:1-5";
    start_coordinates mysql_gtid;
    mysql_gtid.use_gtid = true;
    mysql_gtid.gtid_set = "8BA3A5B3-E317-11EB-9C3D-D45D64347A19:1-5," + mysql_uuid + ":1-20";

    struct row {
        const char* name;
        start_coordinates start;
        replica_status status;
        std::string executed;
        bool moved;
    };
    const row rows[] = {
        {"GTID: the same set, domains in another order: not moved", gtid, stopped(), "1-2-7,0-1-5", false},
        {"GTID: a domain advanced: moved", gtid, stopped(), "0-1-6,1-2-7", true},
        {"GTID: empty executed set (unknown): moved, the safe side", gtid, stopped(), "", true},
        {"GTID: MySQL set printed with a newline and other case: not moved", mysql_gtid, stopped(), mysql_set, false},
        {"GTID: MySQL set with more transactions: moved", mysql_gtid, stopped(),
         mysql_uuid + ":1-21,8ba3a5b3-e317-11eb-9c3d-d45d64347a19:1-5", true},
        {"file: still at the clone's file and position: not moved", file, stopped(), "", false},
        {"file: position advanced: moved", file, status_of([] {
             auto r = mariadb_status_row("Yes", "Yes");
             r["Exec_Master_Log_Pos"] = "2000";
             return r;
         }()),
         "", true},
        {"file: next binlog file: moved", file, status_of([] {
             auto r = mariadb_status_row("Yes", "Yes");
             r["Relay_Master_Log_File"] = "mariadb-bin.000003";
             return r;
         }()),
         "", true},
        {"file: not configured (unknown): moved", file, replica_status{}, "", true},
    };
    for (const auto& r : rows) {
        SECTION(r.name) { CHECK(replica_moved_past(r.start, r.status, r.executed) == r.moved); }
    }
}

TEST_CASE("GTID choice the server can honour", "[replication]") {
    const auto mariadb_v = version(mariadb);
    const auto mysql_v = version("8.0.36");
    CHECK(*effective_gtid_choice(mariadb_v, gtid_choice::automatic, false) == gtid_choice::automatic);
    CHECK(*effective_gtid_choice(mariadb_v, gtid_choice::on, false) == gtid_choice::on);
    CHECK(*effective_gtid_choice(mysql_v, gtid_choice::automatic, true) == gtid_choice::automatic);
    CHECK(*effective_gtid_choice(mysql_v, gtid_choice::automatic, false) == gtid_choice::off);
    CHECK(*effective_gtid_choice(mysql_v, gtid_choice::off, true) == gtid_choice::off);
    const auto refused = effective_gtid_choice(mysql_v, gtid_choice::on, false);
    REQUIRE_FALSE(refused.has_value());
    CHECK_THAT(refused.message(), Catch::Contains("gtid_mode"));
}

TEST_CASE("stop, reset, start and status statements per flavour and channel", "[replication]") {
    struct row {
        const char* name;
        const char* version;
        const char* channel;
        strings expected;  // stop, reset_all, start, show_status
    };
    const row rows[] = {
        {"MariaDB default connection", mariadb, "",
         {"STOP SLAVE;", "RESET SLAVE ALL;", "START SLAVE;", "SHOW SLAVE STATUS;"}},
        {"MariaDB named connection goes after the verb", mariadb, "c'1",
         {"STOP SLAVE 'c\\'1';", "RESET SLAVE 'c\\'1' ALL;", "START SLAVE 'c\\'1';", "SHOW SLAVE 'c\\'1' STATUS;"}},
        {"MySQL 5.7", "5.7.44-log", "", {"STOP SLAVE;", "RESET SLAVE ALL;", "START SLAVE;", "SHOW SLAVE STATUS;"}},
        {"MySQL 8.0.36 default channel", "8.0.36", "",
         {"STOP REPLICA;", "RESET REPLICA ALL;", "START REPLICA;", "SHOW REPLICA STATUS;"}},
        {"MySQL 8.4 FOR CHANNEL", "8.4.3", "ch1",
         {"STOP REPLICA FOR CHANNEL 'ch1';", "RESET REPLICA ALL FOR CHANNEL 'ch1';", "START REPLICA FOR CHANNEL 'ch1';",
          "SHOW REPLICA STATUS FOR CHANNEL 'ch1';"}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto c = replica_control_for(version(r.version), r.channel);
            CHECK(strings{c.stop.text, c.reset_all.text, c.start.text, c.show_status.text} == r.expected);
            CHECK(c.stop.redacted == c.stop.text);
        }
    }
}

TEST_CASE("replication decision table", "[replication]") {
    const strings configure_fresh = {"SET GLOBAL gtid_slave_pos='0-1-5';", change_master_shown, "START SLAVE;"};
    const strings configure_again = {"STOP SLAVE;", "RESET SLAVE ALL;", "SET GLOBAL gtid_slave_pos='0-1-5';",
                                     change_master_shown, "START SLAVE;"};
    const auto with_marker = [](replication_facts f, replication_facts::marker_state m, std::string problem = "") {
        f.marker = m;
        f.marker_problem = std::move(problem);
        return f;
    };
    const replication_facts primary = primary_facts({account("repl", "%", "", {})});
    replication_facts bad_coordinates = replica_facts(replica_status{}, false);
    bad_coordinates.coordinates = backup_metadata{};

    struct row {
        const char* name;
        replication_facts facts;
        replication_action action;
        strings statements;
        const char* reason_says;
    };
    const row rows[] = {
        {"primary, no replication account yet: created from the hash, granted", primary,
         replication_action::ensure_users,
         {"CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY PASSWORD '" + password_hash + "';",
          "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';", "GRANT SELECT ON mysql_agent.* TO 'repl'@'%';"},
         "ordinal 0 is the primary: the replication account 'repl'@'%' is missing"},
        {"primary, the account as configured (a restart): nothing to run",
         primary_facts({account("repl", "%", password_hash, {repl_grants_line, identity_line})}), replication_action::ensure_users,
         {}, "the replication account 'repl'@'%' is as configured: nothing to run"},
        {"primary, a rotated password: one ALTER USER with the new hash",
         primary_facts({account("repl", "%", other_hash, {repl_grants_line, identity_line})}), replication_action::ensure_users,
         {"ALTER USER 'repl'@'%' IDENTIFIED BY PASSWORD '" + password_hash + "';"}, "hash differs"},
        {"primary, the grant revoked: one GRANT",
         primary_facts({account("repl", "%", password_hash, {"GRANT USAGE ON *.* TO `repl`@`%`", identity_line})}),
         replication_action::ensure_users, {"GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';"}, "lacks REPLICATION SLAVE"},
        {"applied, running: ok", replica_facts(running(), true), replication_action::ok, {}, "IO thread Yes"},
        {"applied, IO retrying after access denied: ok, the error named", replica_facts(connecting_with_error(), true),
         replication_action::ok, {}, "1045"},
        {"applied, stopped without error (skip-slave-start): nothing until the reconcile loop checked the primary",
         replica_facts(sql_stopped(), true), replication_action::nothing, {}, "once it has checked the primary"},
        {"applied, SQL thread failed: report, never reset", replica_facts(failed_sql(), true),
         replication_action::report_error, {}, "Duplicate entry"},
        {"applied, IO thread failed: report", replica_facts(failed_io(), true), replication_action::report_error, {},
         "1236"},
        {"applied, replication gone: report, the clone's coordinates are stale", replica_facts(replica_status{}, true),
         replication_action::report_error, {}, "stale"},
        {"no marker, not applied: nothing, not a clone of ours",
         with_marker(replica_facts(running(), false), replication_facts::marker_state::absent),
         replication_action::nothing, {}, "not cloned by the agent"},
        {"unreadable marker: report, do not guess",
         with_marker(replica_facts(replica_status{}, false), replication_facts::marker_state::unreadable,
                     "marker.json: field 'coordinates' is missing"),
         replication_action::report_error, {}, "field 'coordinates' is missing"},
        {"marker without coordinates: report", bad_coordinates, replication_action::report_error, {},
         "no replication coordinates"},
        {"marker, nothing configured: configure", replica_facts(replica_status{}, false, ""),
         replication_action::configure, configure_fresh, "not yet set up"},
        {"marker, configured but stopped at the clone's GTID: configure again with stop + reset",
         replica_facts(stopped(), false, "0-1-5"), replication_action::configure, configure_again, "applied nothing"},
        {"marker, running at the clone's GTID: stop, then decide again on a still replica",
         replica_facts(running(), false, "0-1-5"), replication_action::stop_and_recheck, {"STOP SLAVE;"},
         "applied nothing yet"},
        {"marker, IO retrying on a wrong password, nothing applied: stop, then decide again",
         replica_facts(connecting_with_error(), false, "0-1-5"), replication_action::stop_and_recheck, {"STOP SLAVE;"},
         "applied nothing yet"},
        {"marker, SQL thread stopped at the clone's GTID: configure again", replica_facts(sql_stopped(), false, "0-1-5"),
         replication_action::configure, configure_again, "applied nothing"},
        {"marker, failed but nothing applied: configure again", replica_facts(failed_io(), false, "0-1-5"),
         replication_action::configure, configure_again, "applied nothing"},
        {"marker, running and moved (crash before the record): record only",
         replica_facts(running(), false, "0-1-9"), replication_action::record_applied, {}, "without touching it"},
        {"marker, stopped and moved: recorded, never reset; started by the reconcile loop",
         replica_facts(sql_stopped(), false, "0-1-9"), replication_action::record_applied, {}, "without a reset"},
        {"marker, failed and moved: report, never reset", replica_facts(failed_sql(), false, "0-1-9"),
         replication_action::report_error, {}, "would replay"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto plan = plan_replication(r.facts, config());
            REQUIRE(plan.has_value());
            CHECK(to_string(plan->action) == to_string(r.action));
            CHECK(texts(plan->statements) == r.statements);
            CHECK_THAT(plan->reason, Catch::Contains(r.reason_says));
            for (const auto& s : plan->statements) {
                INFO(s.redacted);
                CHECK_THAT(s.redacted, !Catch::Contains("s3cr"));
                CHECK_THAT(s.redacted, !Catch::Contains("E6F898"));
                // The primary's statements reach the binlog: not even their text holds the password.
                if (r.action == replication_action::ensure_users) CHECK_THAT(s.text, !Catch::Contains("s3cr"));
            }
            CHECK_THAT(plan->reason, !Catch::Contains("s3cr"));
        }
    }
}

TEST_CASE("replication plan details", "[replication]") {
    SECTION("configure shows the password only in the text, and records where it starts") {
        const auto plan = plan_replication(replica_facts(replica_status{}, false, ""), config());
        REQUIRE(plan.has_value());
        CHECK(plan->statements[1].redacted == change_master_redacted);
        REQUIRE(plan->start.has_value());
        CHECK(plan->start->use_gtid);
        CHECK(plan->start->gtid_set == "0-1-5");
    }
    SECTION("--gtid off configures by file and position, and tells moved by the position") {
        auto c = config();
        c.gtid = gtid_choice::off;
        auto plan = plan_replication(replica_facts(replica_status{}, false, ""), c);
        REQUIRE(plan.has_value());
        CHECK_THAT(plan->statements[0].text, Catch::Contains("MASTER_LOG_FILE='mariadb-bin.000002', MASTER_LOG_POS=1234"));
        // stopped() stands at mariadb-bin.000002:1234, the clone's position: nothing applied.
        plan = plan_replication(replica_facts(stopped(), false, "0-1-9"), c);
        REQUIRE(plan.has_value());
        CHECK(plan->action == replication_action::configure);
    }
    SECTION("primary also ensures a separate backup account, each only as needed") {
        auto c = config();
        c.backup_account = account_spec{account_kind::backup, "backup", "localhost", "b4ck"};
        const std::string backup_hash = "*46A6417D6EEAFF403FDDEB61AFB067064AA01A3A";  // "b4ck"
        auto f = primary_facts({account("repl", "%", password_hash, {repl_grants_line, identity_line}),
                                account("backup", "localhost", "", {}, backup_hash)});
        auto plan = plan_replication(f, c);
        REQUIRE(plan.has_value());
        CHECK(texts(plan->statements) ==
              strings{"CREATE USER IF NOT EXISTS 'backup'@'localhost' IDENTIFIED BY PASSWORD '" + backup_hash + "';",
                      "GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, SLAVE MONITOR ON *.* TO 'backup'@'localhost';"});
        CHECK_THAT(plan->reason, Catch::Contains("the replication account 'repl'@'%' is as configured; the backup "
                                                 "account 'backup'@'localhost' is missing"));
        f.accounts[1] = account("backup", "localhost", backup_hash,
                                {"GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, SLAVE MONITOR ON *.* TO "
                                 "`backup`@`localhost` IDENTIFIED BY PASSWORD '" + backup_hash + "'"},
                                backup_hash);
        plan = plan_replication(f, c);
        REQUIRE(plan.has_value());
        CHECK(plan->statements.empty());
        CHECK_THAT(plan->reason, Catch::EndsWith("is as configured: nothing to run"));
    }
    SECTION("the sidecar's layout: replication and backup privileges on the one replication account") {
        auto c = config();
        c.backup_account = account_spec{account_kind::backup, "repl", "%", password};
        auto plan = plan_replication(primary_facts({account("repl", "%", password_hash, {repl_grants_line, identity_line})}), c);
        REQUIRE(plan.has_value());
        CHECK(texts(plan->statements) ==
              strings{"GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, SLAVE MONITOR ON *.* TO 'repl'@'%';"});
        CHECK_THAT(plan->reason, Catch::Contains("the replication and backup account 'repl'@'%'"));
        const std::string merged_line =
            "GRANT RELOAD, PROCESS, LOCK TABLES, REPLICATION SLAVE, BINLOG MONITOR, SLAVE MONITOR ON *.* TO `repl`@`%` "
            "IDENTIFIED BY PASSWORD '" + password_hash + "'";
        plan = plan_replication(primary_facts({account("repl", "%", password_hash, {merged_line, identity_line})}), c);
        REQUIRE(plan.has_value());
        CHECK(plan->statements.empty());
        CHECK(plan->reason ==
              "ordinal 0 is the primary: the replication and backup account 'repl'@'%' is as configured: nothing to run");
    }
    SECTION("an account the I/O layer did not gather is an error, not a blind CREATE") {
        auto c = config();
        c.backup_account = account_spec{account_kind::backup, "backup", "localhost", "b4ck"};
        const auto plan = plan_replication(primary_facts({account("repl", "%", password_hash, {repl_grants_line, identity_line})}), c);
        REQUIRE_FALSE(plan.has_value());
        CHECK_THAT(plan.message(), Catch::Contains("the backup account 'backup'@'localhost'") &&
                                       Catch::Contains("not gathered"));
    }
    SECTION("primary_accounts: what the I/O layer gathers") {
        auto c = config();
        c.backup_account = account_spec{account_kind::backup, "repl", "%", password};
        const auto accounts = primary_accounts(c, version(mariadb));
        REQUIRE(accounts.has_value());
        REQUIRE(accounts->size() == 1);
        CHECK(accounts->front().spec.user == "repl");
        c.source.password.reset();
        CHECK_THAT(primary_accounts(c, version(mariadb)).message(), Catch::Contains("password is missing"));
    }
    SECTION("a missing replication password is a configuration error") {
        auto c = config();
        c.source.password.reset();
        const auto plan = plan_replication(replica_facts(replica_status{}, false, ""), c);
        REQUIRE_FALSE(plan.has_value());
        CHECK_THAT(plan.message(), Catch::Contains("password is missing"));
    }
    SECTION("--gtid on against MySQL without gtid_mode is a configuration error") {
        auto f = replica_facts(replica_status{}, false, "");
        f.server = version("8.0.36");
        f.coordinates.binlog = binlog_coordinates{"binlog.000002", 157, mysql_uuid + ":1-3"};
        auto c = config();
        c.gtid = gtid_choice::on;
        const auto plan = plan_replication(f, c);
        REQUIRE_FALSE(plan.has_value());
        CHECK_THAT(plan.message(), Catch::Contains("gtid_mode"));
    }
    SECTION("MySQL without gtid_mode falls back to file and position") {
        auto f = replica_facts(replica_status{}, false, "");
        f.server = version("8.0.36");
        f.coordinates.binlog = binlog_coordinates{"binlog.000002", 157, mysql_uuid + ":1-3"};
        const auto plan = plan_replication(f, config());
        REQUIRE(plan.has_value());
        CHECK(texts(plan->statements) ==
              strings{"CHANGE REPLICATION SOURCE TO SOURCE_HOST='mysql-0.mysql', SOURCE_PORT=3306, SOURCE_USER='repl', "
                      "SOURCE_PASSWORD='s3cr\\'et\\\\pw', SOURCE_CONNECT_RETRY=5, SOURCE_LOG_FILE='binlog.000002', SOURCE_LOG_POS=157, "
                      "GET_SOURCE_PUBLIC_KEY=1;",
                      "START REPLICA;"});
    }
    SECTION("MySQL with gtid_mode ON resets and sets gtid_purged") {
        auto f = replica_facts(replica_status{}, false, "");
        f.server = version("8.4.3");
        f.mysql_gtid_mode_on = true;
        f.coordinates.binlog = binlog_coordinates{"binlog.000002", 157, mysql_uuid + ":1-3"};
        const auto plan = plan_replication(f, config());
        REQUIRE(plan.has_value());
        CHECK(plan->statements[0].text == "RESET BINARY LOGS AND GTIDS;");
        CHECK(plan->statements[1].text == "SET GLOBAL gtid_purged='" + mysql_uuid + ":1-3';");
    }
}
