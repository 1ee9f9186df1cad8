#include "mysql_agent/io/cluster_position.hpp"

#include <fstream>

#include "mysql_agent/core/cluster_identity.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/replication_plan.hpp"
#include "mysql_agent/io/member_registry.hpp"

#include <spdlog/spdlog.h>

namespace mysql_agent {
namespace {

void random_bytes(unsigned char (&bytes)[16]) {
    std::ifstream in("/dev/urandom", std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(bytes), sizeof bytes))
        throw file_error("cannot read /dev/urandom for a new cluster identity");
}

}  // namespace

std::optional<std::string> read_cluster_identity(mysql_client& client) {
    try {
        const auto rows = client.query(identity_query());
        const std::string id = first_value(rows, "identity");
        if (id.empty()) return std::nullopt;
        return id;
    } catch (const mysql_error& e) {
        if (is_missing_table(e)) return std::nullopt;
        throw;
    }
}

std::string new_cluster_identity() {
    unsigned char bytes[16];
    random_bytes(bytes);
    return identity_from_random(bytes);
}

std::string ensure_cluster_identity(mysql_client& client) {
    if (auto existing = read_cluster_identity(client)) return *existing;
    const std::string fresh = new_cluster_identity();
    const auto statements = record_identity_statements(fresh);
    if (!statements) throw file_error(statements.message());
    for (const auto& statement : *statements) client.execute(statement);
    // INSERT IGNORE: a concurrent writer's row wins; report what the server holds.
    return read_cluster_identity(client).value_or(fresh);
}

namespace {

/// Where the server's oldest binlog begins (position_report.hpp); nullopt when the binlog is off or a query fails:
/// the field is advice for a seed, never a reason to fail GET /position.
std::optional<std::string> binlog_start_of(mysql_client& client, const position_queries& q) {
    try {
        if (!q.purged.empty()) {
            std::string purged = first_value(client.query(q.purged), "pos");
            std::erase_if(purged, [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
            return purged;
        }
        const auto logs = client.query(q.binlogs);
        if (logs.empty()) return std::nullopt;
        const auto name = logs.front().find("Log_name");
        if (name == logs.front().end() || !name->second) return std::nullopt;
        const auto rows = client.query(binlog_start_query(*name->second));
        if (rows.empty() || rows.front().empty() || !rows.front().begin()->second) return std::nullopt;
        return *rows.front().begin()->second;
    } catch (const mysql_error& e) {
        spdlog::debug("GET /position: where the oldest binlog begins is unknown: {}", e.what());
        return std::nullopt;
    }
}

}  // namespace

position_report gather_position(mysql_client& client, bool is_primary) {
    position_report r;
    const server_version server = client.version();
    const position_queries q = position_queries_for(server);
    r.flavor = server.flavor;
    r.version = server.text;
    r.primary = is_primary;
    std::string gtid = first_value(client.query(q.gtid), "pos");
    std::erase_if(gtid, [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; });
    r.gtid_position = std::move(gtid);
    r.read_only = first_value(client.query(q.read_only), "ro") == "1";
    r.cluster_identity = read_cluster_identity(client);
    for (auto& m : read_members(client)) r.members.push_back(std::move(m.name));
    std::vector<sql_row> rows;
    if (!is_primary) {
        try {
            rows = client.query(replica_control_for(server, "").show_status);
        } catch (const mysql_error& e) {
            if (!is_replication_not_configured(e)) throw;
        }
    }
    if (rows.empty()) rows = client.query(q.own_binlog);
    if (!rows.empty()) r.binlog_position = binlog_position_of_row(rows.front());
    r.binlog_start = binlog_start_of(client, q);
    return r;
}

}  // namespace mysql_agent
