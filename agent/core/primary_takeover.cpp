#include "mysql_agent/core/primary_takeover.hpp"

#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/sql_dialect.hpp"
#include "mysql_agent/core/sql_literal.hpp"
#include "mysql_agent/core/text.hpp"

namespace mysql_agent {
namespace {

const char* const keep_advice =
    "mysqld stays read-only and the takeover stops here. Those writes are in this server's tables and binlog only: "
    "save what you need of them (mariadb-binlog / mysqlbinlog of its binlog), then run `mysql-agent reseed` on "
    "ordinal 0 and restart it to re-seed it from the replicas; or, if this server's data is to be the cluster's, "
    "set read_only=OFF by hand and re-seed every replica from it (its binlog does not continue their position)";

/// MariaDB: the record of the takeover, written with a jump of every domain of P past what any member may hold.
/// Domains whose logged sequence already passed the jump are not jumped again.
std::vector<sql_statement> jump_and_record(const mariadb_gtid_position& p, const mariadb_gtid_position& logged,
                                           const std::string& position_literal) {
    std::vector<sql_statement> out;
    bool first = true;
    for (const auto& g : p.gtids) {
        const std::uint64_t jump = g.seq + takeover_seq_jump;
        out.push_back(plain_statement("SET SESSION gtid_domain_id=" + std::to_string(g.domain) + ";"));
        if (logged.seq_in(g.domain).value_or(0) < jump)
            out.push_back(plain_statement("SET SESSION gtid_seq_no=" + std::to_string(jump) + ";"));
        if (first) {
            // Under the jump, so that these GTIDs too lie past every member's.
            out.push_back(plain_statement("CREATE DATABASE IF NOT EXISTS mysql_agent;"));
            out.push_back(plain_statement(
                "CREATE TABLE IF NOT EXISTS mysql_agent.takeovers (id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT "
                "PRIMARY KEY, position VARCHAR(2048) NOT NULL, domain_id INT UNSIGNED NOT NULL, jumped_to BIGINT "
                "UNSIGNED NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB;"));
            first = false;
        }
        out.push_back(plain_statement("INSERT INTO mysql_agent.takeovers (position, domain_id, jumped_to) VALUES (" +
                                      position_literal + ", " + std::to_string(g.domain) + ", " +
                                      std::to_string(jump) + ");"));
    }
    out.push_back(plain_statement("SET SESSION gtid_domain_id=@@GLOBAL.gtid_domain_id;"));
    return out;
}

std::vector<sql_statement> writable(const server_version& server) {
    std::vector<sql_statement> out;
    if (!server.is_mariadb()) out.push_back(plain_statement("SET GLOBAL super_read_only=OFF;"));
    out.push_back(plain_statement("SET GLOBAL read_only=OFF;"));
    return out;
}

result<takeover_plan> plan_mariadb(const takeover_facts& f, std::string position) {
    const auto p = parse_mariadb_gtid_position(position);
    if (!p) return error{"the clone's position: " + p.message()};
    const auto logged = parse_mariadb_gtid_position(f.gtid_state);
    if (!logged) return error{"the server's @@gtid_binlog_state: " + logged.message()};
    const std::string lit = sql_string_literal(position, f.no_backslash_escapes);
    takeover_plan plan;
    plan.position = position;
    std::optional<mariadb_gtid_position> start;
    if (f.binlog_start) {
        auto parsed = parse_mariadb_gtid_position(*f.binlog_start);
        if (!parsed) return error{"the server's oldest binlog file starts at: " + parsed.message()};
        start = std::move(parsed).value();
    }
    if (start && *start == *p) {
        plan.step = takeover_step::finish;
        plan.reason = "the binlog already continues the clone's position " + position +
                      " (a takeover reset it before and did not finish): not resetting it again";
        if (!f.recorded) plan.after_lock = jump_and_record(*p, *logged, lit);
    } else if (logged->empty()) {
        plan.step = takeover_step::full;
        plan.reason = "nothing was logged since mysqld started on the clone: resetting the binlog to continue " +
                      position;
        plan.under_lock = {plain_statement("RESET MASTER;"),
                           plain_statement("SET GLOBAL gtid_binlog_state=" + lit + ";")};
        plan.after_lock = jump_and_record(*p, mariadb_gtid_position{}, lit);
    } else {
        plan.step = takeover_step::refuse;
        plan.reason = "the binlog logged GTIDs (@@gtid_binlog_state " + f.gtid_state +
                      ") since mysqld started on the clone of " + position +
                      ", before the takeover: writes the server accepted, which RESET MASTER would erase; " +
                      keep_advice;
        return plan;
    }
    const auto w = writable(f.server);
    plan.after_lock.insert(plan.after_lock.end(), w.begin(), w.end());
    return plan;
}

result<takeover_plan> plan_mysql(const takeover_facts& f, std::string position) {
    const auto p = parse_mysql_gtid_set(position);
    if (!p) return error{"the clone's position: " + p.message()};
    const auto executed = parse_mysql_gtid_set(f.gtid_state);
    if (!executed) return error{"the server's @@gtid_executed: " + executed.message()};
    const sql_dialect d = dialect_for(f.server);
    takeover_plan plan;
    plan.position = position;
    if (is_subset(*executed, *p)) {
        plan.step = takeover_step::full;
        plan.reason = "the server executed nothing beyond the clone's " + position +
                      ": resetting the binlog to continue it";
        plan.under_lock = {plain_statement(d.reset_gtid + ";"),
                           plain_statement("SET GLOBAL gtid_purged=" +
                                           sql_string_literal(position, f.no_backslash_escapes) + ";")};
    } else {
        std::optional<mysql_gtid_set> purged;
        if (f.binlog_start) {
            auto parsed = parse_mysql_gtid_set(*f.binlog_start);
            if (!parsed) return error{"the server's @@gtid_purged: " + parsed.message()};
            purged = std::move(parsed).value();
        }
        const auto extra = to_string(subtract(*executed, *p));
        if (purged && is_subset(*p, *purged)) {
            plan.step = takeover_step::finish;
            plan.reason = "the binlog already continues the clone's " + position + " (@@gtid_purged holds it) and " +
                          "executed " + extra + " since: not resetting it again";
        } else {
            plan.step = takeover_step::refuse;
            plan.reason = "the server executed " + extra + " beyond the clone's " + position +
                          " before the takeover: transactions RESET would erase from the binlog; " + keep_advice;
            return plan;
        }
    }
    plan.after_lock = writable(f.server);
    return plan;
}

}  // namespace

result<std::string> takeover_position(const backup_metadata& clone, const server_version& server) {
    const std::string none = "the clone carries no GTID position, so a re-seeded primary's binlog cannot continue "
                             "where the replicas stand (they follow file/position coordinates of a binlog that is "
                             "gone): re-seed the replicas too, or start the primary with --bootstrap-empty";
    if (server.is_mariadb()) {
        const std::string pos = clone.gtid_slave_pos && !clone.gtid_slave_pos->empty()
                                    ? *clone.gtid_slave_pos
                                    : (clone.binlog ? clone.binlog->gtid_set : std::string());
        if (pos.empty()) return error{none};
        return gtid_binlog_state_value(pos);
    }
    if (!clone.binlog || clone.binlog->gtid_set.empty()) return error{none};
    auto set = parse_mysql_gtid_set(clone.binlog->gtid_set);
    if (!set) return set.err();
    return to_string(*set);
}

std::vector<sql_statement> takeover_prelude(const server_version& server) {
    const sql_dialect d = dialect_for(server);
    return {plain_statement(d.stop_replica + ";"), plain_statement(d.reset_replica_all + ";")};
}

takeover_lock takeover_lock_for(const server_version& server) {
    if (server.is_mariadb()) return {"FLUSH TABLES WITH READ LOCK", "UNLOCK TABLES"};
    return {};
}

takeover_queries takeover_queries_for(const server_version& server, const std::string& position,
                                      bool no_backslash_escapes) {
    takeover_queries q;
    if (server.is_mariadb()) {
        q.gtid_state = "SELECT @@GLOBAL.gtid_binlog_state AS state";
        q.binlog_files = "SHOW BINARY LOGS";
        q.recorded = "SELECT COUNT(*) AS n FROM mysql_agent.takeovers WHERE position = " +
                     sql_string_literal(position, no_backslash_escapes);
    } else {
        q.gtid_state = "SELECT @@GLOBAL.gtid_executed AS state";
        q.purged = "SELECT @@GLOBAL.gtid_purged AS purged";
    }
    return q;
}

std::string binlog_start_query(const std::string& file, bool no_backslash_escapes) {
    return "SHOW BINLOG EVENTS IN " + sql_string_literal(file, no_backslash_escapes) + " LIMIT 4";
}

std::optional<std::string> gtid_list_of_event_info(std::string_view info) {
    const auto t = text::trim(info);
    if (t.size() < 2 || t.front() != '[' || t.back() != ']') return std::nullopt;
    std::string out;
    for (const char c : t.substr(1, t.size() - 2))
        if (c != ' ') out += c;
    return out;
}

std::string_view to_string(takeover_step step) {
    switch (step) {
        case takeover_step::full: return "full";
        case takeover_step::finish: return "finish";
        case takeover_step::refuse: return "refuse";
    }
    return "unknown";
}

result<takeover_plan> plan_takeover(const takeover_facts& f) {
    auto position = takeover_position(f.clone, f.server);
    if (!position) return position.err();
    if (f.server.is_mariadb()) return plan_mariadb(f, std::move(position).value());
    return plan_mysql(f, std::move(position).value());
}

result<std::vector<sql_statement>> takeover_statements(const backup_metadata& clone, const server_version& server,
                                                       bool no_backslash_escapes) {
    takeover_facts f;
    f.clone = clone;
    f.server = server;
    f.no_backslash_escapes = no_backslash_escapes;
    const auto plan = plan_takeover(f);
    if (!plan) return plan.err();
    std::vector<sql_statement> out = takeover_prelude(server);
    const takeover_lock lock = takeover_lock_for(server);
    if (!lock.lock.empty()) out.push_back(plain_statement(lock.lock + ";"));
    out.insert(out.end(), plan->under_lock.begin(), plan->under_lock.end());
    if (!lock.unlock.empty()) out.push_back(plain_statement(lock.unlock + ";"));
    out.insert(out.end(), plan->after_lock.begin(), plan->after_lock.end());
    return out;
}

std::string takeover_positions_query() { return "SELECT position FROM mysql_agent.takeovers"; }

}  // namespace mysql_agent
