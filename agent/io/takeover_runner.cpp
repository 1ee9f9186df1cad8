#include "mysql_agent/io/takeover_runner.hpp"

#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/mysql_errors.hpp"
#include "mysql_agent/io/atomic_file.hpp"

namespace mysql_agent {
namespace {

/// MariaDB: the GTID list the oldest binlog file opens with (its Gtid_list event); nullopt when there is no binlog
/// or no such event.
std::optional<std::string> oldest_binlog_start(mysql_client& client, const takeover_queries& q, bool nbe) {
    const std::string file = first_value(client.query(q.binlog_files), "Log_name");
    if (file.empty()) return std::nullopt;
    for (const auto& row : client.query(binlog_start_query(file, nbe))) {
        const auto type = row.find("Event_type");
        const auto info = row.find("Info");
        if (type == row.end() || info == row.end() || type->second.value_or("") != "Gtid_list") continue;
        return gtid_list_of_event_info(info->second.value_or(""));
    }
    return std::nullopt;
}

takeover_facts gather(mysql_client& client, const backup_metadata& clone, const server_version& server, bool nbe,
                      const std::string& position) {
    takeover_facts f;
    f.clone = clone;
    f.server = server;
    f.no_backslash_escapes = nbe;
    const takeover_queries q = takeover_queries_for(server, position, nbe);
    f.gtid_state = first_value(client.query(q.gtid_state), "state");
    if (server.is_mariadb()) {
        f.binlog_start = oldest_binlog_start(client, q, nbe);
        try {
            f.recorded = first_value(client.query(q.recorded), "n") != "0";
        } catch (const mysql_error& e) {
            if (!is_missing_table(e)) throw;
        }
    } else {
        f.binlog_start = first_value(client.query(q.purged), "purged");
    }
    return f;
}

void record_start(const std::filesystem::path& datadir, const takeover_plan& plan) {
    write_file_atomically(datadir / takeover_record_file,
                          fmt::format("# Written by mysql-agent before it reset the binlog of this re-seeded primary. "
                                      "Informational: whether to reset is decided from the server's own state.\n"
                                      "position: {}\nstarted_at: {:%FT%TZ}\n",
                                      plan.position, fmt::gmtime(std::time(nullptr))));
}

}  // namespace

takeover_plan run_takeover(mysql_client& client, const backup_metadata& clone, const server_version& server,
                           bool nbe, const std::filesystem::path& datadir, std::size_t& run,
                           const statement_hook& after_statement) {
    const auto position = takeover_position(clone, server);
    if (!position) throw replication_error("re-seeded primary: " + position.message());
    const auto send = [&](const sql_statement& s) {
        spdlog::info("replication: takeover: {}", s.redacted);
        client.execute(s);
        ++run;
        if (after_statement) after_statement(s);
    };
    for (const auto& s : takeover_prelude(server)) send(s);
    const takeover_lock lock = takeover_lock_for(server);
    if (!lock.lock.empty()) {
        // A long transaction holding the lock off must not make the sidecar hang: fail, and decide again later.
        client.execute("SET SESSION lock_wait_timeout=60");
        send(plain_statement(lock.lock + ";"));
    }
    const takeover_facts facts = gather(client, clone, server, nbe, *position);
    auto planned = plan_takeover(facts);
    if (!planned) {
        if (!lock.unlock.empty()) client.execute(lock.unlock);
        throw replication_error("re-seeded primary: " + planned.message());
    }
    spdlog::log(planned->step == takeover_step::refuse ? spdlog::level::err : spdlog::level::info,
                "replication: takeover ({}), server state {}: {}", to_string(planned->step),
                facts.gtid_state.empty() ? "empty" : facts.gtid_state, planned->reason);
    if (planned->step == takeover_step::full) record_start(datadir, *planned);
    for (const auto& s : planned->under_lock) send(s);
    if (!lock.unlock.empty()) send(plain_statement(lock.unlock + ";"));
    if (planned->step == takeover_step::refuse) return std::move(planned).value();
    for (const auto& s : planned->after_lock) send(s);
    return std::move(planned).value();
}

}  // namespace mysql_agent
