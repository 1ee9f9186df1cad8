#include "mysql_agent/core/position_report.hpp"

#include <nlohmann/json.hpp>

#include "mysql_agent/core/members.hpp"
#include "mysql_agent/core/sql_literal.hpp"

namespace mysql_agent {
namespace {

using json = nlohmann::json;

std::optional<std::string> optional_string(const json& j, const char* key) {
    if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
    if (!j.at(key).is_string()) throw std::invalid_argument(std::string(key) + " is not a string");
    return j.at(key).get<std::string>();
}

}  // namespace

std::string to_json(const position_report& r) {
    json j;
    j["flavor"] = r.flavor == server_flavor::mariadb ? "mariadb" : "mysql";
    j["version"] = r.version;
    j["role"] = r.primary ? "primary" : "replica";
    j["gtid_position"] = r.gtid_position;
    j["binlog_position"] = r.binlog_position
                               ? json(r.binlog_position->file + ":" + std::to_string(r.binlog_position->position))
                               : json(nullptr);
    j["cluster_identity"] = r.cluster_identity ? json(*r.cluster_identity) : json(nullptr);
    j["read_only"] = r.read_only;
    j["members"] = r.members;
    j["binlog_start"] = r.binlog_start ? json(*r.binlog_start) : json(nullptr);
    return j.dump();
}

result<position_report> position_report_from_json(std::string_view text) {
    const json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return error{"the answer to GET /position is not a JSON object"};
    try {
        position_report r;
        const auto flavor = optional_string(j, "flavor").value_or("");
        if (flavor != "mariadb" && flavor != "mysql") return error{"GET /position: unknown flavor '" + flavor + "'"};
        r.flavor = flavor == "mariadb" ? server_flavor::mariadb : server_flavor::mysql;
        r.version = optional_string(j, "version").value_or("");
        r.primary = optional_string(j, "role").value_or("") == "primary";
        r.gtid_position = optional_string(j, "gtid_position").value_or("");
        if (const auto b = optional_string(j, "binlog_position")) {
            auto parsed = parse_binlog_file_position(*b);
            if (!parsed) return error{"GET /position: " + parsed.message()};
            r.binlog_position = std::move(parsed).value();
        }
        r.cluster_identity = optional_string(j, "cluster_identity");
        r.binlog_start = optional_string(j, "binlog_start");
        if (r.binlog_start && r.binlog_start->size() > 64 * 1024)
            return error{"GET /position: binlog_start is longer than 64 KiB"};
        r.read_only = j.contains("read_only") && j.at("read_only").is_boolean() && j.at("read_only").get<bool>();
        if (j.contains("members") && !j.at("members").is_null()) {
            const json& members = j.at("members");
            if (!members.is_array()) return error{"GET /position: members is not an array"};
            if (members.size() > max_members)
                return error{"GET /position: " + std::to_string(members.size()) + " members, more than the " +
                             std::to_string(max_members) + " a cluster records"};
            for (const json& m : members) {
                if (!m.is_string() || !is_member_name(m.get<std::string>()))
                    return error{"GET /position: members holds " + m.dump().substr(0, 80) + ", not a DNS name"};
                r.members.push_back(m.get<std::string>());
            }
        }
        return r;
    } catch (const std::exception& e) {
        return error{std::string("GET /position: ") + e.what()};
    }
}

peer_position to_peer_position(std::string name, const position_report& r) {
    return {std::move(name), r.flavor, true, r.gtid_position, r.binlog_position};
}

}  // namespace mysql_agent

namespace mysql_agent {

position_queries position_queries_for(const server_version& server) {
    position_queries q;
    q.gtid = server.is_mariadb() ? "SELECT @@gtid_current_pos AS pos" : "SELECT @@global.gtid_executed AS pos";
    q.read_only = "SELECT @@read_only AS ro";
    // MySQL 8.2 added SHOW BINARY LOG STATUS and 8.4 removed SHOW MASTER STATUS.
    q.own_binlog = !server.is_mariadb() && server.at_least(8, 2, 0) ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS";
    q.binlogs = server.is_mariadb() ? "SHOW BINARY LOGS" : "";
    q.purged = server.is_mariadb() ? "" : "SELECT @@global.gtid_purged AS pos";
    return q;
}

std::string binlog_start_query(std::string_view file) {
    return "SELECT BINLOG_GTID_POS(" + sql_string_literal(file) + ", 4) AS pos";
}

std::optional<binlog_file_position> binlog_position_of_row(const sql_row& row) {
    const auto value = [&](std::initializer_list<const char*> names) -> std::optional<std::string> {
        for (const char* name : names) {
            const auto it = row.find(name);
            if (it != row.end() && it->second && !it->second->empty()) return *it->second;
        }
        return std::nullopt;
    };
    auto file = value({"Relay_Master_Log_File", "Relay_Source_Log_File", "File"});
    const auto pos = value({"Exec_Master_Log_Pos", "Exec_Source_Log_Pos", "Position"});
    if (!file || !pos) return std::nullopt;
    auto parsed = parse_binlog_file_position(*file + ":" + *pos);
    if (!parsed) return std::nullopt;
    return std::move(parsed).value();
}

}  // namespace mysql_agent
