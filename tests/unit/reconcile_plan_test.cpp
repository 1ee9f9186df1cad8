// reconcile_plan: what a replica's sidecar does about its replication on each pass, one row per case of the decision
// table in reconcile_plan.hpp.

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/reconcile_plan.hpp"
#include "mysql_agent/core/server_version.hpp"

using namespace mysql_agent;
using strings = std::vector<std::string>;

namespace {

const std::string identity_x = "6f1c2a9e-5d0b-4c1e-9a77-0f3e2b1d4c5a";
const std::string identity_y = "b03d7c41-2e8f-4a6d-8c19-7e5f3a2b1c0d";
const std::string uuid_a = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
const std::string uuid_b = "4b272950-e317-11eb-a829-d45d64347a19";
const std::string recorded_halt = "the primary mysql-0.mysql:3306 carries cluster identity " + identity_y +
                                  ", this replica " + identity_x + ": it is not the primary this replica's data came "
                                  "from; replication stopped, no data changed";

server_version version(const char* text) {
    const auto v = parse_server_version(text);
    REQUIRE(v.has_value());
    return *v;
}

replica_status status(const char* io, const char* sql, unsigned io_errno = 0, const char* io_error = "",
                      unsigned sql_errno = 0, const char* sql_error = "") {
    replica_status s;
    s.configured = true;
    s.io_running = io;
    s.sql_running = sql;
    s.last_io_errno = io_errno;
    s.last_io_error = io_error;
    s.last_sql_errno = sql_errno;
    s.last_sql_error = sql_error;
    s.source_file = "mariadb-bin.000002";
    s.source_position = 1234;
    return s;
}

replica_status running() { return status("Yes", "Yes"); }
// What --safe-slave-backup leaves behind when the backup is aborted: the SQL thread stopped, no error.
replica_status sql_stopped() { return status("Yes", "No"); }
replica_status both_stopped() { return status("No", "No"); }
replica_status failed_sql() { return status("Yes", "No", 0, "", 1062, "Duplicate entry '1' for key 'PRIMARY'"); }
replica_status failed_1236() {
    return status("No", "Yes", 1236,
                  "Got fatal error 1236 from master when reading data from binary log: 'Could not find GTID state "
                  "requested by slave in any binlog files. Probably the slave state is too old and required binlog "
                  "files have been purged.'");
}
replica_status failed_13114() {
    return status("No", "Yes", 13114,
                  "Got fatal error 1236 from source when reading data from binary log: 'Cannot replicate because the "
                  "source purged required binary logs.'");
}
replica_status retrying() { return status("Connecting", "Yes", 2003, "error connecting to master 'repl@mysql-0'"); }

// A replica the agent set up, running, whose reachable primary carries the replica's own identity.
reconcile_facts facts(replica_status replica = running()) {
    reconcile_facts f;
    f.replica = std::move(replica);
    f.applied = true;
    f.own_identity = identity_x;
    f.primary.reachable = true;
    f.primary.endpoint = "mysql-0.mysql:3306";
    f.primary.cluster_identity = identity_x;
    return f;
}

template <class Change>
reconcile_facts with(reconcile_facts f, Change change) {
    change(f);
    return f;
}

reconcile_facts primary_says(std::optional<std::string> identity, replica_status replica = running()) {
    return with(facts(std::move(replica)), [&](reconcile_facts& f) { f.primary.cluster_identity = identity; });
}

reconcile_facts unreachable(reconcile_facts f) {
    f.primary = primary_answer{};
    f.primary.endpoint = "mysql-0.mysql:3306";
    f.primary.unreachable_because = "Can't connect to server on 'mysql-0.mysql' (115)";
    return f;
}

reconcile_facts read_only(reconcile_facts f) {
    f.primary.read_only = true;
    return f;
}

reconcile_facts halted(reconcile_facts f) {
    f.halted = recorded_halt;
    return f;
}

// MySQL: the replica's and the primary's @@gtid_executed.
reconcile_facts mysql_sets(std::string replica_set, std::string primary_set, replica_status replica = running()) {
    auto f = facts(std::move(replica));
    f.gtid_executed = std::move(replica_set);
    f.primary.gtid_executed = std::move(primary_set);
    return f;
}

// MariaDB: the replica's @@gtid_current_pos and takeovers, the primary's @@gtid_binlog_pos and takeovers.
reconcile_facts mariadb_positions(std::string replica_pos, std::string primary_pos,
                                  std::vector<std::string> primary_takeovers = {},
                                  std::vector<std::string> replica_takeovers = {},
                                  replica_status replica = running()) {
    auto f = facts(std::move(replica));
    f.gtid_current_pos = std::move(replica_pos);
    f.takeovers = std::move(replica_takeovers);
    f.primary.gtid_binlog_pos = std::move(primary_pos);
    f.primary.takeovers = std::move(primary_takeovers);
    return f;
}

strings texts(const std::vector<sql_statement>& statements) {
    strings out;
    for (const auto& s : statements) out.push_back(s.text);
    return out;
}

}  // namespace

TEST_CASE("reconcile decision table", "[reconcile]") {
    const replica_control control = replica_control_for(version("10.11.19-MariaDB-0+deb12u1-log"), "");
    const strings stop = {"STOP SLAVE;"};
    const strings start = {"START SLAVE;"};
    using a = reconcile_action;
    struct row {
        const char* name;
        reconcile_facts facts;
        reconcile_action action;
        strings statements;
        strings says;  // each in the reason
    };
    const row rows[] = {
        {"replication not set up by the agent: nothing, even against another identity",
         with(primary_says(identity_y), [](reconcile_facts& f) { f.applied = false; }), a::nothing, {},
         {"not set up by the agent"}},
        {"running, the primary carries the replica's identity: nothing", facts(), a::nothing, {},
         {"replicating from mysql-0.mysql:3306 (cluster identity " + identity_x + ")"}},
        {"identity unknown on both sides (a cluster from before identities): nothing",
         with(primary_says(std::nullopt), [](reconcile_facts& f) { f.own_identity.reset(); }), a::nothing, {},
         {"no cluster identity on either side"}},
        {"an empty identity counts as none", with(primary_says(""), [](reconcile_facts& f) { f.own_identity = " "; }),
         a::nothing, {}, {"no cluster identity on either side"}},
        {"the replica has no identity, the primary has one (the replica predates identities): nothing",
         with(facts(), [](reconcile_facts& f) { f.own_identity.reset(); }), a::nothing, {}, {"replicating from"}},
        {"identities compared ignoring case", primary_says("6F1C2A9E-5D0B-4C1E-9A77-0F3E2B1D4C5A"), a::nothing, {},
         {"replicating from"}},
        {"the primary carries another identity: halt at once, STOP only", primary_says(identity_y), a::halt, stop,
         {"the primary mysql-0.mysql:3306 carries cluster identity " + identity_y + ", this replica " + identity_x +
              ": it is not the primary this replica's data came from; replication stopped, no data changed: ",
          "mysql-agent reseed"}},
        {"the primary carries no identity while the replica has one: halt", primary_says(std::nullopt), a::halt, stop,
         {"carries no cluster identity, this replica " + identity_x}},
        {"another identity while replication is stopped: halt, so that nothing starts it",
         primary_says(identity_y, sql_stopped()), a::halt, stop, {"carries cluster identity " + identity_y}},
        {"another identity and IO error 1236: halt (the identity explains the error)",
         primary_says(identity_y, failed_1236()), a::halt, stop, {"carries cluster identity " + identity_y}},
        {"primary unreachable, replica running: nothing (a down primary is not another history)", unreachable(facts()),
         a::nothing, {}, {"mysql-0.mysql:3306 does not answer (Can't connect", "leaving replication as it is"}},
        {"primary unreachable, replica stopped without error: nothing until the primary can be checked",
         unreachable(facts(sql_stopped())), a::nothing, {}, {"not starting replication until"}},
        {"primary unreachable while halted: stay halted", unreachable(halted(facts(both_stopped()))), a::nothing, {},
         {"stays halted", "does not answer", recorded_halt}},
        {"halted and still mismatched: nothing new, no repeated STOP", halted(primary_says(identity_y, both_stopped())),
         a::nothing, {}, {"stays halted", "carries cluster identity " + identity_y}},
        {"halted, the identity matches again: resume with START", halted(facts(both_stopped())), a::resume, start,
         {"matches this replica again", "clearing the halt", recorded_halt}},
        {"halted, matches again, already running: resume without a statement", halted(facts()), a::resume, {},
         {"already runs", "clearing the halt"}},
        {"halted and mismatched but running again (mysqld restarted): STOP again, the first reason kept",
         halted(primary_says(identity_y, running())), a::halt, stop, {"runs again", "stopping it again"}},
        {"halted, primary unreachable, running again: STOP again", unreachable(halted(facts(running()))), a::halt,
         stop, {"runs again", "does not answer"}},
        {"stopped without an error (an aborted --safe-slave-backup): start", facts(sql_stopped()), a::start, start,
         {"stopped without an error", "matches"}},
        {"both threads stopped without an error: start", facts(both_stopped()), a::start, start, {"starting it"}},
        {"stopped with an error: report, not start", facts(failed_sql()), a::report_error, {},
         {"Duplicate entry", "not resetting it"}},
        {"IO error 1236: report unrecoverable, the way to re-seed named, and ask the matching primary again",
         facts(failed_1236()), a::report_unrecoverable, start,
         {"no longer has what this replica needs", "1236", "`mysql-agent reseed` followed by a restart of this pod",
          "asking the primary again"}},
        {"MySQL 8.0 IO error 13114 (1236 from source): report unrecoverable", facts(failed_13114()),
         a::report_unrecoverable, start, {"13114", "mysql-agent reseed"}},
        {"IO error 1236 while the primary is unreachable: still reported", unreachable(facts(failed_1236())),
         a::report_unrecoverable, {}, {"1236"}},
        {"an SQL error while the primary is unreachable: still reported", unreachable(facts(failed_sql())),
         a::report_error, {}, {"Duplicate entry"}},
        {"IO thread retrying after a connection error: nothing (it retries by itself)", facts(retrying()), a::nothing,
         {}, {"Connecting, last error 2003"}},
        {"set up by the agent but replication is gone: report", facts(replica_status{}), a::report_error, {},
         {"has none now", "mysql-agent reseed"}},
        {"halted but replication is gone: report", halted(facts(replica_status{})), a::report_error, {},
         {"has none now"}},
        {"MySQL: the replica's set inside the primary's (it lags): nothing",
         mysql_sets(uuid_a + ":1-20", uuid_a + ":1-25"), a::nothing, {}, {"replicating from"}},
        {"MySQL: equal sets printed differently (newline, case): nothing",
         mysql_sets(uuid_a + ":1-20,\n" + uuid_b + ":1-3",
                    "4B272950-E317-11EB-A829-D45D64347A19:1-3," + uuid_a + ":1-20"),
         a::nothing, {}, {"replicating from"}},
        {"MySQL: the replica holds a transaction the primary lacks: halt, naming it",
         mysql_sets(uuid_a + ":1-21", uuid_a + ":1-20," + uuid_b + ":1-5"), a::halt, stop,
         {"holds 1 transaction(s) the primary mysql-0.mysql:3306 lacks (" + uuid_a + ":21)",
          "replication stopped, no data changed"}},
        {"MySQL: sets from two histories (disjoint UUIDs): halt", mysql_sets(uuid_a + ":1-20", uuid_b + ":1-20"),
         a::halt, stop, {"holds 20 transaction(s)"}},
        {"MySQL: sets not compared while the primary is unreachable: nothing",
         unreachable(mysql_sets(uuid_a + ":1-21", uuid_a + ":1-20")), a::nothing, {}, {"does not answer"}},
        {"MySQL: the primary's set does not parse: report, neither halt nor start",
         mysql_sets(uuid_a + ":1-20", "garbage", sql_stopped()), a::report_error, {},
         {"cannot compare GTID sets", "the primary mysql-0.mysql:3306's @@gtid_executed"}},
        {"MySQL: halted, and the replica's set does not parse: report, stay halted",
         halted(mysql_sets(uuid_a + ":0", uuid_a + ":1-20", both_stopped())), a::report_error, {},
         {"stays halted", "this replica's @@gtid_executed"}},
        {"MySQL: halted on an extra transaction that the primary now holds too: resume",
         halted(mysql_sets(uuid_a + ":1-21", uuid_a + ":1-30", both_stopped())), a::resume, start,
         {"clearing the halt"}},
        {"MariaDB: the replica is behind its primary in every domain: nothing",
         mariadb_positions("0-100-1523,1-100-7", "0-100-1600,1-101-9"), a::nothing, {}, {"replicating from"}},
        {"MariaDB: the replica is ahead of its primary in a domain: halt",
         mariadb_positions("0-100-1600", "0-100-1523"), a::halt, stop,
         {"is ahead of the primary", "in domain 0", "0-100-1600"}},
        {"MariaDB: the replica holds a domain the primary lacks: halt",
         mariadb_positions("0-100-10,2-102-1", "0-100-12"), a::halt, stop, {"in domain 2"}},
        {"MariaDB: the primary was re-seeded at exactly this replica's position (its donor): nothing",
         mariadb_positions("0-100-1523", "0-100-4294968821", {"0-100-1523"}), a::nothing, {}, {"replicating from"}},
        {"MariaDB: the primary was re-seeded behind this replica, whose sequence it passed since: halt",
         mariadb_positions("0-100-1600", "0-100-4294968821", {"0-100-1523"}, {}, sql_stopped()), a::halt, stop,
         {"was re-seeded at 0-100-1523", "0-100-1600", "never had"}},
        {"MariaDB: a takeover this replica followed (it holds the record): nothing",
         mariadb_positions("0-100-4294968830", "0-100-4294968830", {"0-100-1523"}, {"0-100-1523"}), a::nothing, {},
         {"replicating from"}},
        {"MariaDB: halted past a takeover, the primary's sequence passed it since: stays halted",
         halted(mariadb_positions("0-100-1600", "0-100-4294969999", {"0-100-1523"}, {}, both_stopped())), a::nothing,
         {}, {"stays halted"}},
        {"MariaDB: the primary's position does not parse: report, neither halt nor start",
         mariadb_positions("0-100-1", "0-100", {}, {}, sql_stopped()), a::report_error, {},
         {"cannot compare GTID sets", "@@gtid_binlog_pos"}},
        {"MariaDB: not compared while the primary is unreachable: nothing",
         unreachable(mariadb_positions("0-100-1600", "0-100-1")), a::nothing, {}, {"does not answer"}},
        // A re-seeded primary answers before its sidecar's takeover: read-only, its @@gtid_binlog_pos still empty
        // (seen in the e2e member-recovery logs: every replica halted for one pass, then resumed).
        {"MariaDB: a read-only primary (re-seeded, takeover pending) whose position is empty: nothing, no halt",
         read_only(mariadb_positions("0-100-1523", "")), a::nothing, {}, {"is read-only", "leaving replication"}},
        {"MariaDB: a read-only primary, replica stopped without error: not started yet",
         read_only(mariadb_positions("0-100-1523", "", {}, {}, both_stopped())), a::nothing, {},
         {"is read-only", "not starting replication"}},
        {"MariaDB: a read-only primary answers 1236 to the replica: waited out, not reported for a re-seed",
         read_only(mariadb_positions("0-100-1523", "", {}, {}, failed_1236())), a::nothing, {},
         {"is read-only", "waiting"}},
        {"MariaDB: halted, the primary read-only: stays halted, not resumed",
         halted(read_only(mariadb_positions("0-100-1523", "", {}, {}, both_stopped()))), a::nothing, {},
         {"stays halted", "is read-only"}},
        {"MariaDB: halted and running again, the primary read-only: stopped again",
         halted(read_only(mariadb_positions("0-100-1523", ""))), a::halt, stop, {"stopping it again"}},
        {"a read-only primary of another identity: halt (identity is compared whatever its state)",
         read_only(primary_says(identity_y)), a::halt, stop, {"carries cluster identity " + identity_y}},
        {"MariaDB: the same facts once the primary is writable: halt (the position is compared then)",
         mariadb_positions("0-100-1523", ""), a::halt, stop, {"is ahead of the primary"}},
        {"a read-only primary, the replica failed on an SQL error: still reported",
         read_only(facts(failed_sql())), a::report_error, {}, {"stopped on an error"}},
        {"MySQL: another identity wins over matching sets: halt",
         with(mysql_sets(uuid_a + ":1-20", uuid_a + ":1-20"),
              [](reconcile_facts& f) { f.primary.cluster_identity = identity_y; }),
         a::halt, stop, {"carries cluster identity " + identity_y}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto plan = plan_reconcile(r.facts, control);
            CHECK(to_string(plan.action) == to_string(r.action));
            CHECK(texts(plan.statements) == r.statements);
            for (const auto& s : r.says) CHECK_THAT(plan.reason, Catch::Contains(s));
            // Only the channel's STOP and START: nothing the planner decides changes data.
            for (const auto& s : plan.statements) CHECK((s == control.stop || s == control.start));
            // A halt always records why; a repeated halt keeps the reason first recorded.
            if (plan.action == reconcile_action::halt) {
                CHECK_FALSE(plan.halt_record.empty());
                if (r.facts.halted) CHECK(plan.halt_record == *r.facts.halted);
                else CHECK(plan.halt_record == plan.reason);
            } else {
                CHECK(plan.halt_record.empty());
            }
        }
    }
}

TEST_CASE("reconcile statements follow the server's dialect and channel", "[reconcile]") {
    const auto control = replica_control_for(version("8.0.36"), "ch1");
    const auto halt = plan_reconcile(primary_says(identity_y), control);
    CHECK(texts(halt.statements) == strings{"STOP REPLICA FOR CHANNEL 'ch1';"});
    const auto start = plan_reconcile(facts(sql_stopped()), control);
    CHECK(texts(start.statements) == strings{"START REPLICA FOR CHANNEL 'ch1';"});
}

TEST_CASE("reconcile action names", "[reconcile]") {
    CHECK(to_string(reconcile_action::nothing) == "nothing");
    CHECK(to_string(reconcile_action::halt) == "halt");
    CHECK(to_string(reconcile_action::resume) == "resume");
    CHECK(to_string(reconcile_action::start) == "start");
    CHECK(to_string(reconcile_action::report_unrecoverable) == "report_unrecoverable");
    CHECK(to_string(reconcile_action::report_error) == "report_error");
}

// While the replica serves a backup (backup_gate.hpp), whatever would START waits; STOP and plans without
// statements go ahead unchanged.
TEST_CASE("a plan that starts replication waits for the backup being taken", "[reconcile]") {
    const replica_control control = replica_control_for(version("10.11.19-MariaDB-0+deb12u1-log"), "");
    struct row {
        const char* name;
        reconcile_facts facts;
        bool starts;
    };
    const std::vector<row> rows = {
        {"start: the SQL thread --safe-slave-backup stopped", facts(sql_stopped()), true},
        {"resume: halted, the primary matches again", halted(facts(both_stopped())), true},
        {"report_unrecoverable with its retried START", facts(failed_1236()), true},
        {"halt: STOP", primary_says(identity_y), false},
        {"nothing: running", facts(), false},
        {"report_error: stopped on an error", facts(failed_sql()), false},
        {"resume of a running replica: no statement", halted(facts()), false},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto plan = plan_reconcile(r.facts, control);
            CHECK(starts_replication(plan) == r.starts);
            const auto deferred = deferred_for_backup(plan);
            if (r.starts) {
                CHECK(deferred.action == reconcile_action::nothing);
                CHECK(deferred.statements.empty());
                CHECK(deferred.halt_record.empty());
                CHECK_THAT(deferred.reason, Catch::Contains("a backup is being taken from this replica"));
                // It says what the pass would have done, for the log.
                CHECK_THAT(deferred.reason, Catch::Contains(std::string(to_string(plan.action)) + ": " + plan.reason));
            } else {
                CHECK(deferred.action == plan.action);
                CHECK(texts(deferred.statements) == texts(plan.statements));
                CHECK(deferred.reason == plan.reason);
                CHECK(deferred.halt_record == plan.halt_record);
            }
        }
    }
}
