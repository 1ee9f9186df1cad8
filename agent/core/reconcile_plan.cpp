#include "mysql_agent/core/reconcile_plan.hpp"

#include <algorithm>
#include <utility>

#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/text.hpp"

namespace mysql_agent {
namespace {

// The IO thread's error when the primary cannot send what the replica asks for (purged binlogs, a position or
// GTID its binlog does not hold): ER_MASTER_FATAL_ERROR_READING_BINLOG, 1236 in MariaDB and MySQL 5.7; MySQL 8.0+
// reports it in Last_IO_Errno as ER_SERVER_SOURCE_FATAL_ERROR_READING_BINLOG (MY-013114, "Got fatal error 1236
// from source ..."). Local to this planner: only the reconcile loop decides on it.
// https://mariadb.com/kb/en/mariadb-error-code-reference/ ;
// https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html
constexpr unsigned fatal_error_reading_binlog = 1236;
constexpr unsigned source_fatal_error_reading_binlog = 13114;

const char* const reseed_advice = "`mysql-agent reseed` followed by a restart of this pod re-seeds this replica";

bool io_stopped_on_fatal_binlog_error(const replica_status& r) {
    const bool io_runs = !r.io_running.empty() && r.io_running != "No";
    return !io_runs &&
           (r.last_io_errno == fatal_error_reading_binlog || r.last_io_errno == source_fatal_error_reading_binlog);
}

std::optional<std::string_view> identity(const std::optional<std::string>& id) {
    if (!id) return std::nullopt;
    const auto t = text::trim(*id);
    if (t.empty()) return std::nullopt;
    return t;
}

// How this replica stands against the primary it asked.
struct verdict {
    enum kind { unreachable, matches, mismatched, unverifiable, read_only } what = unreachable;
    std::string why;  // mismatched, unverifiable: one clause naming the facts
};

/// MariaDB: whether this replica holds what its primary lacks, by position (reconcile_plan.hpp).
verdict judge_mariadb(const reconcile_facts& f) {
    const auto& p = f.primary;
    const auto mine = parse_mariadb_gtid_position(*f.gtid_current_pos);
    if (!mine) return {verdict::unverifiable, "this replica's @@gtid_current_pos: " + mine.message()};
    const auto primary = parse_mariadb_gtid_position(*p.gtid_binlog_pos);
    if (!primary) return {verdict::unverifiable, "the primary " + p.endpoint + "'s @@gtid_binlog_pos: " +
                                                     primary.message()};
    const std::string holds = "this replica's @@gtid_current_pos " + to_string(*mine);
    for (const auto& g : mine->gtids) {
        const auto theirs = primary->seq_in(g.domain);
        if (!theirs || *theirs < g.seq)
            return {verdict::mismatched,
                    holds + " is ahead of the primary " + p.endpoint + "'s @@gtid_binlog_pos " + to_string(*primary) +
                        " in domain " + std::to_string(g.domain) +
                        ": it holds transactions the primary lacks (the primary is not where this replica's data "
                        "came from, or something wrote on this replica)"};
    }
    for (const auto& t : p.takeovers) {
        if (std::find(f.takeovers.begin(), f.takeovers.end(), t) != f.takeovers.end()) continue;
        const auto base = parse_mariadb_gtid_position(t);
        if (!base) return {verdict::unverifiable, "the primary " + p.endpoint + "'s takeover record: " + base.message()};
        for (const auto& g : mine->gtids) {
            const auto at = base->seq_in(g.domain);
            if (!at || *at < g.seq)
                return {verdict::mismatched,
                        "the primary " + p.endpoint + " was re-seeded at " + to_string(*base) + " (mysql_agent."
                        "takeovers), and " + holds + " passed it in domain " + std::to_string(g.domain) +
                        " without following it there: it holds transactions the re-seeded primary never had"};
        }
    }
    return {verdict::matches, ""};
}

verdict judge(const reconcile_facts& f) {
    const auto& p = f.primary;
    if (!p.reachable) return {verdict::unreachable, "the primary " + p.endpoint + " does not answer" +
                                                        (p.unreachable_because.empty() ? "" : " (" +
                                                         p.unreachable_because + ")")};
    const auto own = identity(f.own_identity);
    const auto theirs = identity(p.cluster_identity);
    if (own && (!theirs || !text::iequals(*own, *theirs)))
        return {verdict::mismatched, "the primary " + p.endpoint + " carries " +
                                         (theirs ? "cluster identity " + std::string(*theirs) : "no cluster identity") +
                                         ", this replica " + std::string(*own) +
                                         ": it is not the primary this replica's data came from"};
    if (p.read_only)
        return {verdict::read_only, "the primary " + p.endpoint + " is read-only (re-seeded and not taken over by "
                                    "its sidecar yet, or its takeover was refused: its position is not final)"};
    if (f.gtid_executed && p.gtid_executed) {
        const auto mine = parse_mysql_gtid_set(*f.gtid_executed);
        if (!mine) return {verdict::unverifiable, "this replica's @@gtid_executed: " + mine.message()};
        const auto primary = parse_mysql_gtid_set(*p.gtid_executed);
        if (!primary) return {verdict::unverifiable, "the primary " + p.endpoint + "'s @@gtid_executed: " +
                                                         primary.message()};
        if (!is_subset(*mine, *primary)) {
            const auto extra = subtract(*mine, *primary);
            return {verdict::mismatched,
                    "this replica's @@gtid_executed holds " + std::to_string(transaction_count(extra)) +
                        " transaction(s) the primary " + p.endpoint + " lacks (" + to_string(extra) +
                        "): the primary is not where this replica's data came from, or something wrote on this "
                        "replica"};
        }
    }
    if (f.gtid_current_pos && p.gtid_binlog_pos) return judge_mariadb(f);
    return {verdict::matches, ""};
}

std::string identity_clause(const reconcile_facts& f) {
    const auto own = identity(f.own_identity);
    return own ? "cluster identity " + std::string(*own) : "no cluster identity on either side";
}

reconcile_plan decided(reconcile_action action, std::string reason, std::vector<sql_statement> statements = {}) {
    return reconcile_plan{action, std::move(reason), std::move(statements), {}};
}

reconcile_plan halt(std::string reason, const replica_control& control, std::string record) {
    return reconcile_plan{reconcile_action::halt, std::move(reason), {control.stop}, std::move(record)};
}

/// The agent halted replication earlier.
reconcile_plan plan_halted(const reconcile_facts& f, const replica_control& control, const verdict& v) {
    const std::string& recorded = *f.halted;
    const bool running = replica_state_of(f.replica) == replica_state::running;
    if (v.what == verdict::matches)
        return decided(reconcile_action::resume,
                       "the primary " + f.primary.endpoint + " matches this replica again (" + identity_clause(f) +
                           "): " + (running ? "replication already runs; " : "starting replication; ") +
                           "clearing the halt (was: " + recorded + ")",
                       running ? std::vector<sql_statement>{} : std::vector<sql_statement>{control.start});
    if (running)
        // The halt is in force until the primary is shown to match; a restarted mysqld starts its threads by itself.
        return halt("replication was halted by the agent but runs again (mysqld restarted?) while " + v.why +
                        ": stopping it again; halted because: " + recorded,
                    control, recorded);
    switch (v.what) {
        case verdict::unreachable:
            return decided(reconcile_action::nothing,
                           "replication stays halted: " + v.why + ", so its identity cannot be checked; halted "
                           "because: " + recorded);
        case verdict::read_only:
            return decided(reconcile_action::nothing,
                           "replication stays halted: " + v.why + "; halted because: " + recorded);
        case verdict::unverifiable:
            return decided(reconcile_action::report_error,
                           "replication stays halted: cannot compare GTID sets, " + v.why + "; halted because: " +
                               recorded);
        default:
            return decided(reconcile_action::nothing, "replication stays halted: " + v.why);
    }
}

}  // namespace

std::string_view to_string(reconcile_action action) {
    switch (action) {
        case reconcile_action::nothing: return "nothing";
        case reconcile_action::halt: return "halt";
        case reconcile_action::resume: return "resume";
        case reconcile_action::start: return "start";
        case reconcile_action::report_unrecoverable: return "report_unrecoverable";
        case reconcile_action::report_error: return "report_error";
    }
    return "unknown";
}

reconcile_plan plan_reconcile(const reconcile_facts& f, const replica_control& control) {
    const std::string now = describe_replica(f.replica);
    if (!f.applied)
        return decided(reconcile_action::nothing,
                       "replication was not set up by the agent: leaving it alone (" + now + ")");
    const replica_state state = replica_state_of(f.replica);
    if (state == replica_state::none)
        return decided(reconcile_action::report_error,
                       "replication was set up by the agent but the server has none now (RESET SLAVE ALL?); not "
                       "configuring it again: " + std::string(reseed_advice));

    const verdict v = judge(f);
    if (f.halted) return plan_halted(f, control, v);

    if (v.what == verdict::mismatched) {
        std::string record = v.why + "; replication stopped, no data changed: if the primary was replaced on "
                                     "purpose, " + reseed_advice + "; otherwise bring back the primary that "
                                     "holds this cluster's data";
        return halt(record, control, record);
    }
    if (v.what == verdict::unverifiable)
        return decided(reconcile_action::report_error,
                       "cannot compare GTID sets, " + v.why + "; replication left as it is (" + now + ")");
    if (state == replica_state::failed) {
        if (io_stopped_on_fatal_binlog_error(f.replica) && v.what == verdict::read_only)
            return decided(reconcile_action::nothing,
                           v.why + ": its binlog may not hold this replica's position until it is writable; "
                           "waiting (" + now + ")");
        if (io_stopped_on_fatal_binlog_error(f.replica)) {
            // A primary that was just re-seeded answers before its sidecar made its binlog continue the
            // cluster's history; a replica that connected in between got 1236 for a position that exists a
            // second later. So while the primary matches, every pass asks again (a START is cheap and changes
            // no data); one that truly purged what the replica needs answers 1236 again.
            const bool retry = v.what == verdict::matches;
            return decided(reconcile_action::report_unrecoverable,
                           "the primary " + f.primary.endpoint + " no longer has what this replica needs (" + now +
                               "); replication cannot continue from here: " + std::string(reseed_advice) +
                               (retry ? " (asking the primary again on every pass, in case it was re-seeded a "
                                        "moment ago)"
                                      : ""),
                           retry ? std::vector<sql_statement>{control.start} : std::vector<sql_statement>{});
        }
        return decided(reconcile_action::report_error,
                       "replication stopped on an error (" + now + "); not resetting it: fix the cause and start "
                       "replication, or " + reseed_advice);
    }
    if (v.what == verdict::unreachable || v.what == verdict::read_only)
        return decided(reconcile_action::nothing,
                       v.why + ": " +
                           (state == replica_state::stopped
                                ? "not starting replication until its identity can be checked (" + now + ")"
                                : "leaving replication as it is (" + now + ")"));
    if (state == replica_state::stopped)
        return decided(reconcile_action::start,
                       "replication set up by the agent is stopped without an error (" + now +
                           "): starting it; the primary " + f.primary.endpoint + " matches (" + identity_clause(f) +
                           ")",
                       {control.start});
    return decided(reconcile_action::nothing,
                   "replicating from " + f.primary.endpoint + " (" + identity_clause(f) + "): " + now);
}

bool starts_replication(const reconcile_plan& plan) {
    return !plan.statements.empty() &&
           (plan.action == reconcile_action::start || plan.action == reconcile_action::resume ||
            plan.action == reconcile_action::report_unrecoverable);
}

reconcile_plan deferred_for_backup(const reconcile_plan& plan) {
    if (!starts_replication(plan)) return plan;
    return decided(reconcile_action::nothing,
                   "a backup is being taken from this replica (mariabackup --safe-slave-backup stops the SQL thread "
                   "and starts it again when done): not starting replication during it; after it, this pass would " +
                       std::string(to_string(plan.action)) + ": " + plan.reason);
}

}  // namespace mysql_agent
