#include "mysql_agent/io/member_registry.hpp"

#include <spdlog/spdlog.h>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/mysql_errors.hpp"
#include "mysql_agent/io/stoppable.hpp"

namespace mysql_agent {

std::vector<member> read_members(mysql_client& client) {
    try {
        return members_from_rows(client.query(members_query()));
    } catch (const mysql_error& e) {
        if (is_missing_table(e)) return {};
        throw;
    }
}

std::size_t record_members(mysql_client& client, const std::string& self_name) {
    std::vector<member> seen = replicas_from_rows(client.query(replica_hosts_query(client.version())));
    const auto rows = client.query("SELECT @@server_id AS id, @@read_only AS ro");
    const auto column = [&](const char* name) -> std::string {
        if (rows.empty()) return "";
        const auto it = rows.front().find(name);
        return it == rows.front().end() ? "" : it->second.value_or("");
    };
    // A re-seeded primary stays read-only until its sidecar made its binlog continue the cluster's history (RESET
    // MASTER, then gtid_binlog_state): a write of ours before that would be lost, or refuse the takeover (1956).
    if (column("ro") == "1") return 0;
    const std::string id = column("id");
    seen.push_back(member{self_name, static_cast<std::uint32_t>(std::strtoul(id.c_str(), nullptr, 10))});
    const auto statements = record_members_statements(read_members(client), seen);
    for (const auto& s : statements) client.execute(s);
    // The first two statements create the schema and the table; the rest are one per member written.
    return statements.empty() ? 0 : statements.size() - 2;
}

void run_member_loop(const mysql_connection& local, const std::string& self_name, std::chrono::milliseconds interval,
                     std::stop_token stop) {
    std::string last_problem;
    do {
        try {
            mysql_client client(local);
            if (const auto written = record_members(client, self_name); written > 0)
                spdlog::info("members: recorded {} member(s) in mysql_agent.members (now: {})", written,
                             [&] {
                                 std::string names;
                                 for (const auto& m : read_members(client)) names += (names.empty() ? "" : ", ") + m.name;
                                 return names;
                             }());
            last_problem.clear();
        } catch (const std::exception& e) {
            if (e.what() != last_problem) spdlog::warn("members: cannot record the cluster's members: {}", e.what());
            last_problem = e.what();
        }
    } while (wait_unless_stopped(stop, interval));
}

}  // namespace mysql_agent
