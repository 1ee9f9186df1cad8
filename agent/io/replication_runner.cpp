#include "mysql_agent/io/replication_runner.hpp"

#include "mysql_agent/io/stoppable.hpp"

#include <algorithm>
#include <ctime>
#include <optional>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/io/cluster_position.hpp"
#include "mysql_agent/io/halt_record.hpp"
#include "mysql_agent/core/sql_literal.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/io/password_hash.hpp"
#include "mysql_agent/io/takeover_runner.hpp"

namespace mysql_agent {
namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double seconds_since(clock::time_point t0) {
    return std::chrono::duration<double>(clock::now() - t0).count();
}

// Connects to the local mysqld, waiting while it starts. nullopt when stopped first.
std::optional<mysql_client> wait_for_server(const replication_options& o, std::stop_token stop) {
    const auto t0 = clock::now();
    auto next_log = t0 + o.progress_interval;
    return retry_until_stopped(stop, {o.retry_initial, o.retry_max}, [&](unsigned, milliseconds) {
        try {
            mysql_client client(o.local);
            if (clock::now() - t0 > o.progress_interval)
                spdlog::info("replication: mysqld at {} answers after {:.1f} s", o.local.endpoint(), seconds_since(t0));
            return std::optional<mysql_client>(std::move(client));
        } catch (const mysql_error& e) {
            // Access denied or a missing plugin will not fix itself: fail now with the client's hint.
            if (!is_retryable_connect_error(e)) throw;
            if (o.wait_for_server.count() > 0 && clock::now() - t0 >= o.wait_for_server)
                throw mysql_error(e.code, e.sqlstate,
                                  fmt::format("mysqld did not accept connections within {:.0f} s; last attempt: {}",
                                              std::chrono::duration<double>(o.wait_for_server).count(), e.what()));
            if (clock::now() >= next_log) {
                spdlog::info("replication: waiting for mysqld at {} to accept connections ({:.0f} s so far): {}",
                             o.local.endpoint(), seconds_since(t0), e.what());
                next_log = clock::now() + o.progress_interval;
            }
            return std::optional<mysql_client>();
        }
    });
}

std::string single_value(mysql_client& client, const char* sql) {
    const auto rows = client.query(sql);
    if (rows.empty() || rows.front().empty()) return "";
    return rows.front().begin()->second.value_or("");
}


// What the server holds for `account`, and the configured password's hashes (password_hash.hpp), for the planner.
account_facts read_account(mysql_client& client, const kept_account& account, const server_version& server,
                           bool no_backslash_escapes) {
    account_facts a;
    a.user = account.spec.user;
    a.host = account.spec.host;
    const auto queries = account_queries_for(a.user, a.host, server, no_backslash_escapes);
    auto stored = stored_account_from_rows(client.query(queries.stored));
    if (!stored)
        throw mysql_error(0, "", "reading " + describe_account(account) + " on " + client.endpoint() + ": " +
                                     stored.message());
    a.stored = std::move(*stored);
    if (a.stored.exists)
        for (const auto& row : client.query(queries.grants))
            if (!row.empty()) a.grants.push_back(row.begin()->second.value_or(""));

    const std::string& password = account.spec.password;
    a.hashes.native = native_password_hash(password);
    if (!server.is_mariadb()) {  // MariaDB has no caching_sha2_password
        a.hashes.caching_sha2 = caching_sha2_auth_string(password, random_caching_sha2_salt());
        if (const auto params = caching_sha2_params_of(a.stored.auth_string))
            a.hashes.caching_sha2_stored_salt = caching_sha2_auth_string(password, params->salt, params->rounds);
    }
    return a;
}

// The clone marker and the applied record, as the planner sees them.
void read_marker(const std::filesystem::path& datadir, replication_facts& f) {
    std::error_code ec;
    f.applied = std::filesystem::exists(datadir / replication_applied_file, ec);
    const auto marker_path = datadir / clone_marker_file;
    const auto text = read_file_if_exists(marker_path);
    if (!text) return;
    auto marker = marker_from_json(marker_path.string(), *text);
    if (marker) {
        f.marker = replication_facts::marker_state::present;
        f.coordinates = marker->coordinates;
        f.reseed = marker->reseed;
    } else {
        f.marker = replication_facts::marker_state::unreadable;
        f.marker_problem = marker.message();
    }
}

replication_facts gather_facts(mysql_client& client, const replication_options& o) {
    replication_facts f;
    f.is_primary = o.is_primary;
    f.server = client.version();
    f.no_backslash_escapes = has_no_backslash_escapes(single_value(client, "SELECT @@SESSION.sql_mode"));
    read_marker(o.datadir, f);
    if (f.is_primary) {
        f.read_only = single_value(client, "SELECT @@GLOBAL.read_only") == "1";
        // Without the accounts (a configuration error), the planner reports that error itself.
        if (const auto accounts = primary_accounts(o.replication, f.server))
            for (const auto& a : *accounts)
                f.accounts.push_back(read_account(client, a, f.server, f.no_backslash_escapes));
        return f;
    }

    if (f.server.is_mariadb()) {
        f.executed_gtid_set = single_value(client, "SELECT @@GLOBAL.gtid_slave_pos");
    } else {
        const auto rows = client.query("SELECT @@GLOBAL.gtid_mode AS mode, @@GLOBAL.gtid_executed AS executed");
        if (!rows.empty()) {
            f.mysql_gtid_mode_on = rows.front().at("mode").value_or("") == "ON";
            f.executed_gtid_set = rows.front().at("executed").value_or("");
        }
    }
    f.replica = read_replica_status(client, replica_control_for(f.server, o.replication.channel,
                                                                f.no_backslash_escapes));
    return f;
}

// Waits until both threads run, a thread stops on an error, or the timeout. Returns false when stopped.
bool verify_running(mysql_client& client, const replica_control& control, const replication_options& o,
                    std::stop_token stop) {
    const auto t0 = clock::now();
    for (;;) {
        const replica_status s = read_replica_status(client, control);
        const replica_state state = replica_state_of(s);
        // "Connecting" counts as running for decisions, but here the IO thread must really be connected.
        if (state == replica_state::running && s.io_running == "Yes" && s.sql_running == "Yes") {
            spdlog::info("replication: running {:.2f} s after start ({})", seconds_since(t0), describe_replica(s));
            return true;
        }
        if (state == replica_state::failed || state == replica_state::none)
            throw replication_error("replication did not start on " + client.endpoint() + ": " + describe_replica(s) +
                                    "; fix the cause (source reachable? replication user and password?) and restart");
        // The IO thread retries a refused login only every MASTER_CONNECT_RETRY (60 s): waiting longer will not
        // help. The grace second lets START clear an error left from before.
        if (s.io_running != "Yes" && is_access_denied(s.last_io_errno) && clock::now() - t0 >= std::chrono::seconds{1})
            throw replication_error("the source " + o.replication.source.host + ":" +
                                    std::to_string(o.replication.source.port) + " refused the replication user '" +
                                    o.replication.source.user + "' (" + describe_replica(s) +
                                    "); check the replication password file and the account on the primary");
        if (clock::now() - t0 >= o.verify_timeout)
            throw replication_error(fmt::format(
                "replication threads on {} were not both running {:.0f} s after start: {}; check that the source {}:{} "
                "is reachable and accepts the replication user",
                client.endpoint(), std::chrono::duration<double>(o.verify_timeout).count(), describe_replica(s),
                o.replication.source.host, o.replication.source.port));
        if (!wait_unless_stopped(stop, milliseconds{100})) return false;
    }
}

// Writes the applied record, unless it exists: the first record (with the coordinates) is kept.
void record_applied(const replication_options& o, const replication_facts& facts, const replication_plan& plan) {
    if (facts.applied) return;
    std::string content = "# Written by mysql-agent once replication from the clone ran; while this file exists the "
                          "agent never reconfigures replication from the clone's coordinates.\n";
    content += "action: " + std::string(to_string(plan.action)) + "\n";
    content += fmt::format("recorded_at: {:%FT%TZ}\n", fmt::gmtime(std::time(nullptr)));
    if (plan.start)
        content += "coordinates: " + plan.start->origin +
                   (plan.start->use_gtid ? ", GTID " + plan.start->gtid_set
                                         : ", " + plan.start->file + ":" + std::to_string(plan.start->position)) +
                   "\n";
    for (const auto& s : plan.statements) content += "statement: " + s.redacted + "\n";
    write_file_atomically(o.datadir / replication_applied_file, content);
    spdlog::info("replication: recorded in {}", (o.datadir / replication_applied_file).string());
}

// Runs `statements` in order, logging each (redacted) and counting it in `out`.
void run_statements(mysql_client& client, const std::vector<sql_statement>& statements, replication_outcome& out) {
    for (const auto& s : statements) {
        spdlog::info("replication: {}", s.redacted);
        client.execute(s);
        ++out.statements_run;
    }
}

// The plan for `facts`, logged; a found error is logged as one: the operator must see it, the agent will not act
// on it.
replication_plan plan_and_log(mysql_client& client, const replication_facts& facts, const replication_options& o) {
    auto planned = plan_replication(facts, o.replication);
    if (!planned) throw config_error("replication setup: " + planned.message());
    spdlog::log(planned->action == replication_action::report_error ? spdlog::level::err : spdlog::level::info,
                "replication: {} on {} ({}): {}", to_string(planned->action), client.endpoint(), facts.server.text,
                planned->reason);
    return std::move(planned).value();
}

// What was decided, on which facts.
struct decision {
    replication_facts facts;
    replication_plan plan;
    std::string earlier;  ///< "<first reason>; then: " when the first plan stopped replication to look again
};

// Gathers the facts and plans. A plan that stops replication to look again is carried out at once, and the plan
// made on the facts after it is the one.
decision decide(mysql_client& client, const replication_options& o, replication_outcome& out) {
    decision d;
    d.facts = gather_facts(client, o);
    d.plan = plan_and_log(client, d.facts, o);
    if (d.plan.action != replication_action::stop_and_recheck) return d;
    run_statements(client, d.plan.statements, out);
    d.earlier = d.plan.reason + "; then: ";
    d.facts = gather_facts(client, o);
    d.plan = plan_and_log(client, d.facts, o);
    if (d.plan.action == replication_action::stop_and_recheck)
        throw replication_error("replication on " + client.endpoint() + " still runs after " +
                                d.plan.statements.front().redacted + " (" + describe_replica(d.facts.replica) + ")");
    return d;
}

// Carries out the decision's plan. Returns false when `stop` came before replication was seen running.
bool carry_out(mysql_client& client, const decision& d, const replication_options& o, std::stop_token stop,
               replication_outcome& out) {
    const replication_plan& plan = d.plan;
    const auto t0 = clock::now();
    switch (plan.action) {
        case replication_action::take_over: {
            const takeover_plan done = run_takeover(client, d.facts.coordinates, d.facts.server,
                                                    d.facts.no_backslash_escapes, o.datadir, out.statements_run,
                                                    o.after_takeover_statement);
            if (done.step == takeover_step::refuse) {
                out.action = replication_action::report_error;
                out.message = "re-seeded primary: takeover refused: " + done.reason;
                return true;
            }
            out.message += "takeover " + std::string(to_string(done.step)) + ": " + done.reason + "; ";
            run_statements(client, plan.statements, out);
            record_applied(o, d.facts, plan);
            break;
        }
        case replication_action::ensure_users:
            run_statements(client, plan.statements, out);
            break;
        case replication_action::configure:
        case replication_action::start: {
            run_statements(client, plan.statements, out);
            const auto control =
                replica_control_for(d.facts.server, o.replication.channel, d.facts.no_backslash_escapes);
            if (!verify_running(client, control, o, stop)) return false;
            record_applied(o, d.facts, plan);
            out.message += fmt::format("; done in {:.2f} s", seconds_since(t0));
            break;
        }
        case replication_action::record_applied:
            record_applied(o, d.facts, plan);
            break;
        case replication_action::report_error:  // logged by plan_and_log, returned to the caller
        case replication_action::nothing:
        case replication_action::ok:
        case replication_action::stop_and_recheck:  // replaced by the second decision in decide()
            break;
    }
    return true;
}

// The primary records the cluster's identity once its accounts are in place.
void record_cluster_identity(mysql_client& client) {
    try {
        spdlog::info("replication: cluster identity {}", ensure_cluster_identity(client));
    } catch (const mysql_error& e) {
        // Replicas that cannot read it report "unknown" and keep replicating; the next start tries again.
        spdlog::warn("replication: cannot record the cluster identity: {}", e.what());
    }
}

}  // namespace

replica_status read_replica_status(mysql_client& client, const replica_control& control) {
    std::vector<sql_row> rows;
    try {
        rows = client.query(control.show_status);
    } catch (const mysql_error& e) {
        if (!is_replication_not_configured(e)) throw;  // an unknown channel/connection is "not configured"
    }
    auto status = replica_status_from_rows(rows);
    if (!status)
        throw mysql_error(0, "", "reading `" + control.show_status.redacted + "` on " + client.endpoint() + ": " +
                                     status.message());
    return *status;
}

replication_outcome run_replication_setup(const replication_options& o, std::stop_token stop) {
    replication_outcome out;
    auto client = wait_for_server(o, stop);
    if (!client) {
        out.stopped = true;
        out.message = "stopped while waiting for mysqld at " + o.local.endpoint();
        return out;
    }
    if (!o.is_primary) {
        if (const auto halted = read_halt_record(o.datadir)) {
            out.message = "replication is halted (" + *halted + "): the reconcile loop resumes it once the primary "
                          "carries this replica's history again";
            return out;
        }
    }
    const decision d = decide(*client, o, out);
    out.action = d.plan.action;
    out.message = d.earlier + d.plan.reason;
    if (!carry_out(*client, d, o, stop, out)) {
        out.stopped = true;
        out.message += "; stopped before replication was seen running";
        return out;
    }
    if (o.is_primary &&
        (out.action == replication_action::take_over || out.action == replication_action::ensure_users))
        record_cluster_identity(*client);
    return out;
}

}  // namespace mysql_agent
