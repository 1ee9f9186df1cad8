#include "mysql_agent/core/status_report.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "mysql_agent/core/backup_store/manifest.hpp"
#include "mysql_agent/core/metrics_text.hpp"

namespace mysql_agent {
namespace {

/// Unix seconds (as /metrics carries them) as ISO 8601 UTC.
std::string when(double unix_seconds) {
    return backup_store::iso8601_utc(
        std::chrono::system_clock::time_point(std::chrono::seconds(static_cast<std::int64_t>(unix_seconds))));
}

using row = std::pair<std::string, std::string>;

std::string yes_no(bool b) { return b ? "yes" : "no"; }

std::string error_text(unsigned number, const std::string& message) {
    if (number == 0) return "none";
    return std::to_string(number) + (message.empty() ? "" : ": " + message);
}

std::string marker_state_name(agent_metrics_facts::marker_state s) {
    switch (s) {
        case agent_metrics_facts::marker_state::present: return "present";
        case agent_metrics_facts::marker_state::unreadable: return "unreadable";
        case agent_metrics_facts::marker_state::absent: break;
    }
    return "absent";
}

std::vector<row> rows_of(const status_facts& f) {
    std::vector<row> rows;
    rows.emplace_back("pod", f.pod + (f.is_primary ? " (primary)" : " (replica)"));
    if (!f.mysqld_answers) {
        rows.emplace_back("mysqld", "does not answer at " + f.endpoint + (f.mysqld_error.empty() ? "" : ": " + f.mysqld_error));
    } else {
        rows.emplace_back("mysqld", "answers at " + f.endpoint);
        if (!f.mysqld_error.empty()) rows.emplace_back("  problem", f.mysqld_error);
        rows.emplace_back("server", f.flavor.empty() ? "unknown" : f.flavor + " " + f.version);
        rows.emplace_back("server-id", f.server_id ? std::to_string(*f.server_id) : "unknown");
        rows.emplace_back("read-only", f.read_only ? yes_no(*f.read_only) : "unknown");
        rows.emplace_back("GTID position",
                          f.gtid_variable.empty() ? "unknown"
                                                  : (f.gtid_position.empty() ? "(empty)" : f.gtid_position) + "  (" +
                                                        f.gtid_variable + ")");
    }

    if (f.mysqld_answers) {
        if (!f.replica.configured) {
            rows.emplace_back("replication", f.is_primary ? "none (this is the primary)" : "not configured");
        } else {
            rows.emplace_back("replication", "from " + f.source_host + ":" + std::to_string(f.source_port) + ", " +
                                                 std::string(replica_state_of(f.replica) == replica_state::running
                                                                 ? "running"
                                                                 : replica_state_of(f.replica) == replica_state::failed
                                                                       ? "FAILED"
                                                                       : "stopped"));
            rows.emplace_back("  IO thread", f.replica.io_running.empty() ? "unknown" : f.replica.io_running);
            rows.emplace_back("  SQL thread", f.replica.sql_running.empty() ? "unknown" : f.replica.sql_running);
            rows.emplace_back("  lag", f.seconds_behind ? std::to_string(*f.seconds_behind) + " s"
                                                        : "unknown (NULL: a thread is not running)");
            rows.emplace_back("  last IO error", error_text(f.replica.last_io_errno, f.replica.last_io_error));
            rows.emplace_back("  last SQL error", error_text(f.replica.last_sql_errno, f.replica.last_sql_error));
        }
    }
    if (f.halted) rows.emplace_back("replication halted", *f.halted);

    switch (f.marker) {
        case agent_metrics_facts::marker_state::absent:
            rows.emplace_back("clone", "none (no clone marker in the datadir)");
            break;
        case agent_metrics_facts::marker_state::unreadable:
            rows.emplace_back("clone", "marker unreadable: " + f.marker_problem);
            break;
        case agent_metrics_facts::marker_state::present:
            rows.emplace_back("clone", "from " + f.clone.source);
            rows.emplace_back("  finished", f.clone.finished_at.empty() ? "unknown" : f.clone.finished_at);
            rows.emplace_back("  size", human_bytes(f.clone.stream_bytes) + " streamed, " +
                                            human_bytes(f.clone.datadir_bytes) + " in the datadir");
            rows.emplace_back("  duration", human_duration(f.clone.duration_seconds));
            rows.emplace_back("  replication set up", yes_no(f.replication_applied));
            break;
    }

    if (!f.sidecar_reachable) {
        rows.emplace_back("backups served", "sidecar not reachable at " + f.sidecar +
                                                (f.sidecar_error.empty() ? "" : ": " + f.sidecar_error));
    } else if (!f.backups) {
        rows.emplace_back("backups served", "unknown: the sidecar at " + f.sidecar + " does not report them");
    } else {
        const auto& b = *f.backups;
        rows.emplace_back("backups served", std::to_string(b.succeeded) + " ok, " + std::to_string(b.failed) +
                                                " failed, " + std::to_string(b.in_flight) + " in flight (" +
                                                human_bytes(b.bytes) + " sent)");
    }
    if (f.stored) {
        const auto& s = *f.stored;
        if (!s.read_at) {
            rows.emplace_back("stored backups", "not read yet (" + std::to_string(s.read_failures) + " failed reads)");
        } else {
            std::string v = std::to_string(s.complete) + " complete, " + std::to_string(s.incomplete) + " incomplete";
            if (s.last_success_at)
                v += "; newest finished " + when(*s.last_success_at) +
                     (s.last_success_bytes ? ", " + human_bytes(static_cast<std::uint64_t>(*s.last_success_bytes)) : "");
            v += " (read " + when(*s.read_at) +
                 (s.read_failures > 0 ? ", " + std::to_string(s.read_failures) + " failed reads" : "") + ")";
            rows.emplace_back("stored backups", v);
        }
        if (s.last_run_committed)
            rows.emplace_back("last backup run",
                              std::string(*s.last_run_committed ? "committed" : "FAILED") +
                                  (s.last_run_at ? " at " + when(*s.last_run_at) : "") +
                                  (s.failures_in_a_row > 0
                                       ? " (" + std::to_string(s.failures_in_a_row) + " failed in a row)"
                                       : ""));
    }
    if (f.archive) {
        const auto& a = *f.archive;
        std::string v = a.archiving ? "archiving" : "not archiving (not the primary, or binlog off)";
        v += "; " + std::to_string(a.records) + " files in the archive, " + std::to_string(a.files) +
             " archived by this sidecar";
        if (a.newest_transaction_at) v += "; newest archived transaction " + when(*a.newest_transaction_at);
        if (a.failures > 0) v += "; " + std::to_string(a.failures) + " failed passes";
        rows.emplace_back("binlog archive", v);
        if (a.gaps > 0 || a.purged_unarchived > 0)
            rows.emplace_back("  GAPS", std::to_string(a.gaps) + " gaps (a restore cannot cross them), " +
                                            std::to_string(a.purged_unarchived) +
                                            " files purged before they were archived: see the sidecar's log");
    }
    return rows;
}

nlohmann::json optional_double(const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json stored_json(const std::optional<stored_backups_view>& s) {
    if (!s) return nullptr;
    return {{"read_failures", s->read_failures},
            {"read_at", optional_double(s->read_at)},
            {"complete", s->complete},
            {"incomplete", s->incomplete},
            {"last_success_at", optional_double(s->last_success_at)},
            {"last_success_bytes", optional_double(s->last_success_bytes)},
            {"last_run_committed", s->last_run_committed ? nlohmann::json(*s->last_run_committed) : nullptr},
            {"last_run_at", optional_double(s->last_run_at)},
            {"failures_in_a_row", s->failures_in_a_row}};
}

nlohmann::json archive_json(const std::optional<binlog_archive_view>& a) {
    if (!a) return nullptr;
    return {{"archiving", a->archiving},
            {"files", a->files},
            {"records", a->records},
            {"last_success_at", optional_double(a->last_success_at)},
            {"newest_transaction_at", optional_double(a->newest_transaction_at)},
            {"gaps", a->gaps},
            {"purged_unarchived", a->purged_unarchived},
            {"failures", a->failures}};
}

nlohmann::json optional_number(const std::optional<std::uint64_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::string_view gtid_position_variable(const server_version& server) {
    return server.is_mariadb() ? "@@gtid_current_pos" : "@@gtid_executed";
}

std::string human_bytes(std::uint64_t bytes) {
    static constexpr const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    if (bytes < 1000) return std::to_string(bytes) + " B";
    double v = static_cast<double>(bytes);
    std::size_t u = 0;
    while (v >= 1000 && u + 1 < std::size(units)) {
        v /= 1000;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

std::string human_duration(double seconds) {
    char buf[48];
    if (!(seconds >= 0)) return "unknown";
    if (seconds < 60) {
        std::snprintf(buf, sizeof buf, "%.1fs", seconds);
        return buf;
    }
    const auto total = static_cast<std::uint64_t>(std::llround(seconds));
    const auto h = total / 3600, m = (total / 60) % 60, s = total % 60;
    if (h > 0)
        std::snprintf(buf, sizeof buf, "%lluh %02llum %02llus", static_cast<unsigned long long>(h),
                      static_cast<unsigned long long>(m), static_cast<unsigned long long>(s));
    else
        std::snprintf(buf, sizeof buf, "%llum %02llus", static_cast<unsigned long long>(m),
                      static_cast<unsigned long long>(s));
    return buf;
}

std::string render_status_table(const status_facts& facts) {
    const auto rows = rows_of(facts);
    std::size_t width = 0;
    for (const auto& [label, value] : rows) width = std::max(width, label.size());
    std::string out;
    for (const auto& [label, value] : rows) {
        out += label;
        out.append(width + 2 - label.size(), ' ');
        // A server message may span lines; keep one fact per line.
        for (const char c : value) out += c == '\n' ? ' ' : c;
        out += '\n';
    }
    return out;
}

nlohmann::json status_json(const status_facts& f) {
    using nlohmann::json;
    json mysqld = {
        {"endpoint", f.endpoint},
        {"answers", f.mysqld_answers},
        {"error", f.mysqld_error.empty() ? json(nullptr) : json(f.mysqld_error)},
        {"server_id", optional_number(f.server_id)},
        {"flavor", f.flavor.empty() ? json(nullptr) : json(f.flavor)},
        {"version", f.version.empty() ? json(nullptr) : json(f.version)},
        {"read_only", f.read_only ? json(*f.read_only) : json(nullptr)},
        {"gtid", f.gtid_variable.empty() ? json(nullptr)
                                         : json{{"variable", f.gtid_variable}, {"position", f.gtid_position}}},
    };
    json replication = nullptr;
    if (f.mysqld_answers) {
        replication = {{"configured", f.replica.configured}};
        if (f.replica.configured) {
            replication["source"] = {{"host", f.source_host}, {"port", f.source_port}};
            replication["io_running"] = f.replica.io_running;
            replication["sql_running"] = f.replica.sql_running;
            replication["seconds_behind"] = optional_number(f.seconds_behind);
            replication["last_io_error"] = {{"number", f.replica.last_io_errno}, {"message", f.replica.last_io_error}};
            replication["last_sql_error"] = {{"number", f.replica.last_sql_errno},
                                             {"message", f.replica.last_sql_error}};
        }
    }
    if (f.mysqld_answers && !f.is_primary) replication["halted"] = f.halted ? json(*f.halted) : json(nullptr);
    json clone = {{"marker", marker_state_name(f.marker)}, {"replication_applied", f.replication_applied}};
    if (f.marker == agent_metrics_facts::marker_state::unreadable) clone["problem"] = f.marker_problem;
    if (f.marker == agent_metrics_facts::marker_state::present) {
        clone["source"] = f.clone.source;
        clone["started_at"] = f.clone.started_at;
        clone["finished_at"] = f.clone.finished_at;
        clone["stream_bytes"] = f.clone.stream_bytes;
        clone["datadir_bytes"] = f.clone.datadir_bytes;
        clone["duration_seconds"] = f.clone.duration_seconds;
    }
    json sidecar = {{"endpoint", f.sidecar},
                    {"reachable", f.sidecar_reachable},
                    {"error", f.sidecar_error.empty() ? json(nullptr) : json(f.sidecar_error)},
                    {"backups", nullptr}};
    if (f.backups) {
        sidecar["backups"] = {{"started", f.backups->started},     {"succeeded", f.backups->succeeded},
                              {"failed", f.backups->failed},       {"in_flight", f.backups->in_flight},
                              {"bytes_sent", f.backups->bytes}};
    }
    return {{"pod", f.pod},           {"role", f.is_primary ? "primary" : "replica"},
            {"mysqld", mysqld},       {"replication", replication},
            {"clone", clone},         {"sidecar", sidecar},
            {"stored_backups", stored_json(f.stored)}, {"binlog_archive", archive_json(f.archive)}};
}

std::optional<stored_backups_view> stored_backups_from_metrics(std::string_view exposition) {
    const auto failures = find_metric_value(exposition, "mysql_agent_store_read_failures_total");
    if (!failures) return std::nullopt;
    auto count = [&](std::string_view name) {
        const auto v = find_metric_value(exposition, name);
        return v && *v >= 0 ? static_cast<std::uint64_t>(*v) : std::uint64_t{0};
    };
    stored_backups_view s;
    s.read_failures = *failures >= 0 ? static_cast<std::uint64_t>(*failures) : 0;
    s.read_at = find_metric_value(exposition, "mysql_agent_store_last_read_timestamp_seconds");
    s.complete = count("mysql_agent_store_backups_complete");
    s.incomplete = count("mysql_agent_store_backups_incomplete");
    s.last_success_at = find_metric_value(exposition, "mysql_agent_store_backup_last_success_timestamp_seconds");
    s.last_success_bytes = find_metric_value(exposition, "mysql_agent_store_backup_last_success_bytes");
    if (const auto ok = find_metric_value(exposition, "mysql_agent_store_backup_last_run_success"))
        s.last_run_committed = *ok == 1;
    s.last_run_at = find_metric_value(exposition, "mysql_agent_store_backup_last_run_timestamp_seconds");
    s.failures_in_a_row = count("mysql_agent_store_backup_failures_in_a_row");
    return s;
}

std::optional<binlog_archive_view> binlog_archive_from_metrics(std::string_view exposition) {
    const auto archiving = find_metric_value(exposition, "mysql_agent_binlog_archive_archiving");
    if (!archiving) return std::nullopt;
    auto count = [&](std::string_view name) {
        const auto v = find_metric_value(exposition, name);
        return v && *v >= 0 ? static_cast<std::uint64_t>(*v) : std::uint64_t{0};
    };
    binlog_archive_view a;
    a.archiving = *archiving == 1;
    a.files = count("mysql_agent_binlog_archive_files_total");
    a.records = count("mysql_agent_binlog_archive_records");
    a.last_success_at = find_metric_value(exposition, "mysql_agent_binlog_archive_last_success_timestamp_seconds");
    a.newest_transaction_at =
        find_metric_value(exposition, "mysql_agent_binlog_archive_newest_transaction_timestamp_seconds");
    a.gaps = count("mysql_agent_binlog_archive_gaps");
    a.purged_unarchived = count("mysql_agent_binlog_archive_purged_unarchived_total");
    a.failures = count("mysql_agent_binlog_archive_failures_total");
    return a;
}

std::optional<backup_counter_values> backup_counters_from_metrics(std::string_view exposition) {
    const auto started = find_metric_value(exposition, "mysql_agent_backups_started_total");
    if (!started) return std::nullopt;
    auto count = [&](std::string_view name) {
        const auto v = find_metric_value(exposition, name);
        return v && *v >= 0 ? static_cast<std::uint64_t>(*v) : std::uint64_t{0};
    };
    backup_counter_values b;
    b.started = static_cast<std::uint64_t>(*started);
    b.succeeded = count("mysql_agent_backups_succeeded_total");
    b.failed = count("mysql_agent_backups_failed_total");
    b.in_flight = count("mysql_agent_backups_in_flight");
    b.bytes = count("mysql_agent_backup_sent_bytes_total");
    b.duration_count = count("mysql_agent_backup_duration_seconds_count");
    b.duration_sum = find_metric_value(exposition, "mysql_agent_backup_duration_seconds_sum").value_or(0);
    return b;
}

}  // namespace mysql_agent
