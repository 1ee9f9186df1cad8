#include "mysql_agent/io/health_facts.hpp"

#include <charconv>
#include <exception>
#include <system_error>

#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/io/halt_record.hpp"

namespace mysql_agent {
namespace {

std::optional<std::uint64_t> lag_of(const std::vector<sql_row>& rows) {
    if (rows.size() != 1) return std::nullopt;
    // MySQL 8.0.22+ renamed the column with SHOW REPLICA STATUS.
    for (const char* column : {"Seconds_Behind_Master", "Seconds_Behind_Source"}) {
        const auto it = rows.front().find(column);
        if (it == rows.front().end() || !it->second) continue;
        std::uint64_t v = 0;
        const auto& text = *it->second;
        if (std::from_chars(text.data(), text.data() + text.size(), v).ec == std::errc{}) return v;
    }
    return std::nullopt;
}

}  // namespace

liveness_facts gather_liveness(const mysql_connection& connection) {
    liveness_facts f;
    f.endpoint = connection.endpoint();
    try {
        mysql_client client(connection);
        client.ping();
        f.answers = true;
    } catch (const std::exception& e) {
        f.error = e.what();
    }
    return f;
}

readiness_facts gather_readiness(const mysql_connection& connection, const std::filesystem::path& datadir,
                                 bool is_primary, std::uint64_t max_lag) {
    readiness_facts f;
    f.server.endpoint = connection.endpoint();
    f.is_primary = is_primary;
    f.max_lag = max_lag;
    try {
        mysql_client client(connection);
        f.server.answers = true;
        const auto ro = client.query("SELECT @@read_only AS ro");
        f.read_only = !ro.empty() && ro.front().at("ro").value_or("0") != "0";
        if (!is_primary) {
            std::error_code ec;
            f.marker_present = std::filesystem::exists(datadir / clone_marker_file, ec);
            f.applied = std::filesystem::exists(datadir / replication_applied_file, ec);
            f.halted = read_halt_record(datadir);
            const auto rows = client.query(replica_control_for(client.version(), "").show_status);
            if (auto status = replica_status_from_rows(rows)) f.replica = *status;
            f.seconds_behind = lag_of(rows);
        }
    } catch (const std::exception& e) {
        f.server.answers = false;
        f.server.error = e.what();
    }
    return f;
}

}  // namespace mysql_agent
