#include "mysql_agent/io/status_facts.hpp"

#include "mysql_agent/io/halt_record.hpp"
#include "mysql_agent/io/http_get.hpp"

#include <charconv>
#include <exception>
#include <system_error>


#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/health_checker.hpp"

namespace mysql_agent {
namespace {


/// The first of `columns` present and not NULL in `row` (MySQL 8.0.22+ renamed Master_* to Source_*).
std::optional<std::string> column(const sql_row& row, std::initializer_list<const char*> columns) {
    for (const char* c : columns) {
        const auto it = row.find(c);
        if (it != row.end() && it->second) return *it->second;
    }
    return std::nullopt;
}

template <typename T>
std::optional<T> number(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    T v{};
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
    return v;
}

void gather_mysqld(const status_gather_options& o, status_facts& f) {
    mysql_connection c = o.connection;
    c.connect_timeout = c.read_timeout = c.write_timeout = o.timeout;
    std::optional<mysql_client> client;
    try {
        client.emplace(c);
        f.mysqld_answers = true;
    } catch (const std::exception& e) {
        f.mysqld_error = e.what();
        return;
    }
    // Each question on its own: one that fails (privileges, an old server) still leaves the others shown.
    try {
        const auto v = client->version();
        f.flavor = v.is_mariadb() ? "MariaDB" : "MySQL";
        f.version = v.text;
        const auto rows = client->query("SELECT @@server_id AS id, @@read_only AS ro");
        if (!rows.empty()) {
            f.server_id = number<std::uint64_t>(column(rows.front(), {"id"}));
            if (const auto ro = column(rows.front(), {"ro"})) f.read_only = *ro != "0";
        }
        const std::string variable(gtid_position_variable(v));
        const auto gtid = client->query("SELECT " + variable + " AS pos");
        f.gtid_variable = variable;
        if (!gtid.empty()) f.gtid_position = column(gtid.front(), {"pos"}).value_or("");
        const auto status = client->query(replica_control_for(v, "").show_status);
        if (auto r = replica_status_from_rows(status)) {
            f.replica = *r;
        } else {
            f.mysqld_error = r.message();
        }
        if (status.size() == 1) {
            const auto& row = status.front();
            f.source_host = column(row, {"Master_Host", "Source_Host"}).value_or("");
            f.source_port = number<std::uint16_t>(column(row, {"Master_Port", "Source_Port"})).value_or(0);
            f.seconds_behind = number<std::uint64_t>(column(row, {"Seconds_Behind_Master", "Seconds_Behind_Source"}));
        }
    } catch (const std::exception& e) {
        f.mysqld_error = e.what();
    }
}

void gather_sidecar(const status_gather_options& o, status_facts& f) {
    try {
        const auto answer = http_get({.host = o.sidecar_host,
                                      .port = o.sidecar_port,
                                      .target = "/metrics",
                                      .bearer = std::nullopt,
                                      .timeout = o.timeout,
                                      .body_limit = 1024 * 1024,
                                      .tls = o.sidecar_tls});
        if (answer.status != 200)
            throw agent_error(exit_code::io, "GET /metrics answered " + std::to_string(answer.status));
        f.sidecar_reachable = true;
        f.backups = backup_counters_from_metrics(answer.body);
        f.stored = stored_backups_from_metrics(answer.body);
        f.archive = binlog_archive_from_metrics(answer.body);
    } catch (const std::exception& e) {
        f.sidecar_error = e.what();
    }
}

}  // namespace

status_facts gather_status(const status_gather_options& o) {
    status_facts f;
    f.pod = o.pod;
    f.is_primary = o.is_primary;
    f.endpoint = o.connection.endpoint();
    f.sidecar = o.sidecar_host + ":" + std::to_string(o.sidecar_port);
    gather_mysqld(o, f);
    const auto marker = read_marker_reading(o.datadir);
    f.marker = marker.state;
    f.clone = marker.marker;
    f.marker_problem = marker.problem;
    std::error_code ec;
    f.replication_applied = std::filesystem::exists(o.datadir / replication_applied_file, ec);
    f.halted = read_halt_record(o.datadir);
    gather_sidecar(o, f);
    return f;
}

}  // namespace mysql_agent
