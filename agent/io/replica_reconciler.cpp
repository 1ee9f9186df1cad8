#include "mysql_agent/io/replica_reconciler.hpp"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_gate.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/mysql_errors.hpp"
#include "mysql_agent/core/primary_takeover.hpp"
#include "mysql_agent/core/sql_literal.hpp"
#include "mysql_agent/io/cluster_position.hpp"
#include "mysql_agent/io/halt_record.hpp"
#include "mysql_agent/io/stoppable.hpp"

namespace mysql_agent {
namespace {

std::string gtid_executed_of(mysql_client& client) {
    const auto rows = client.query("SELECT @@GLOBAL.gtid_executed AS executed");
    if (rows.empty()) return "";
    return rows.front().at("executed").value_or("");
}

std::string single_value(mysql_client& client, const char* sql, const char* column) {
    const auto rows = client.query(sql);
    if (rows.empty()) return "";
    return rows.front().at(column).value_or("");
}

/// The positions mysql_agent.takeovers names (none when it does not exist), at most 1000 of them.
std::vector<std::string> takeover_positions(mysql_client& client) {
    std::vector<std::string> out;
    try {
        for (const auto& row : client.query(takeover_positions_query() + " ORDER BY id LIMIT 1000"))
            if (const auto it = row.find("position"); it != row.end() && it->second) out.push_back(*it->second);
    } catch (const mysql_error& e) {
        if (!is_missing_table(e)) throw;
    }
    return out;
}

primary_answer ask_primary(const replication_options& o, const server_version& local,
                           std::chrono::seconds timeout) {
    const replication_source& source = o.replication.source;
    primary_answer a;
    a.endpoint = source.host + ":" + std::to_string(source.port);
    mysql_connection c;
    c.host = source.host;
    c.port = source.port;
    c.user = source.user;
    c.password = source.password.value_or("");
    // The replication password crosses the network here: TLS verified against the cluster CA when there is one
    // (the same CA and name check as the replication channel), else RSA only with a pinned key or when allowed.
    c.tls_ca = source.tls_ca.value_or("");
    c.server_public_key = o.primary_public_key;
    c.get_server_public_key = o.get_primary_public_key;
    c.connect_timeout = c.read_timeout = c.write_timeout = timeout;
    try {
        mysql_client primary(c);
        // First: the takeover turns read_only off last, so positions read after an OFF are final; read the other
        // way round, a takeover in between would pair an OFF with the empty position from before it.
        a.read_only = single_value(primary, "SELECT @@GLOBAL.read_only AS ro", "ro") != "0";
        a.cluster_identity = read_cluster_identity(primary);
        if (!local.is_mariadb()) {
            a.gtid_executed = gtid_executed_of(primary);
        } else {
            a.gtid_binlog_pos = single_value(primary, "SELECT @@GLOBAL.gtid_binlog_pos AS pos", "pos");
            a.takeovers = takeover_positions(primary);
        }
        a.reachable = true;
    } catch (const mysql_error& e) {
        // Also a refused SELECT on the identity (a primary whose agent predates it): not evidence of another
        // history, so the replica is left as it is.
        a.unreachable_because = e.what();
    }
    return a;
}

void act(const replication_options& o, mysql_client& local, const reconcile_plan& plan) {
    for (const auto& s : plan.statements) {
        spdlog::info("replication: {}", s.redacted);
        local.execute(s);
    }
    if (plan.action == reconcile_action::halt) write_halt_record(o.datadir, plan.halt_record);
    if (plan.action == reconcile_action::resume) clear_halt_record(o.datadir);
}

}  // namespace

reconcile_plan reconcile_once(const replication_options& o, std::chrono::seconds primary_timeout) {
    mysql_client local(o.local);
    const server_version server = local.version();
    const auto modes = local.query("SELECT @@SESSION.sql_mode AS m");
    const std::string sql_mode = modes.empty() ? "" : modes.front().at("m").value_or("");
    const bool nbe = has_no_backslash_escapes(sql_mode);
    const replica_control control = replica_control_for(server, o.replication.channel, nbe);

    reconcile_facts f;
    std::error_code ec;
    f.applied = std::filesystem::exists(o.datadir / replication_applied_file, ec);
    if (!f.applied) return plan_reconcile(f, control);  // not the agent's to manage: ask nobody
    f.replica = read_replica_status(local, control);
    f.halted = read_halt_record(o.datadir);
    f.own_identity = read_cluster_identity(local);
    // Before asking the primary (reconcile_plan.hpp says why).
    if (!server.is_mariadb()) {
        f.gtid_executed = gtid_executed_of(local);
    } else {
        f.gtid_current_pos = single_value(local, "SELECT @@GLOBAL.gtid_current_pos AS pos", "pos");
        f.takeovers = takeover_positions(local);
    }
    f.primary = ask_primary(o, server, primary_timeout);
    reconcile_plan plan = plan_reconcile(f, control);
    // A START waits while this replica serves a backup, and no backup starts while it runs (backup_gate.hpp).
    if (o.backups != nullptr && starts_replication(plan)) {
        if (!o.backups->unless_backup([&] { act(o, local, plan); })) plan = deferred_for_backup(plan);
        return plan;
    }
    act(o, local, plan);
    return plan;
}

void run_reconcile_loop(const replication_options& o, std::chrono::milliseconds interval, std::stop_token stop) {
    std::string last;
    const auto primary_timeout = std::chrono::seconds(3);
    do {
        std::string line;
        spdlog::level::level_enum level = spdlog::level::info;
        try {
            const reconcile_plan plan = reconcile_once(o, primary_timeout);
            line = std::string(to_string(plan.action)) + ": " + plan.reason;
            if (plan.action == reconcile_action::halt || plan.action == reconcile_action::report_error ||
                plan.action == reconcile_action::report_unrecoverable)
                level = spdlog::level::err;
        } catch (const std::exception& e) {
            line = std::string("pass failed: ") + e.what();
            level = spdlog::level::warn;
        }
        if (line != last) spdlog::log(level, "replication reconcile: {}", line);
        last = std::move(line);
    } while (wait_unless_stopped(stop, interval));
}

}  // namespace mysql_agent
