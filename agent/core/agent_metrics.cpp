#include "mysql_agent/core/agent_metrics.hpp"

namespace mysql_agent {
namespace {

metric_family family(std::string name, std::string help, metric_type type) {
    return metric_family{std::move(name), std::move(help), type, {}};
}

metric_family single(std::string name, std::string help, metric_type type, double value, metric_labels labels = {}) {
    auto f = family(std::move(name), std::move(help), type);
    f.samples.push_back({std::move(labels), value, ""});
    return f;
}

double flag(bool b) { return b ? 1 : 0; }

/// The backup server's counters and the duration histogram.
void add_backup_families(std::vector<metric_family>& out, const backup_counter_values& b) {
    out.push_back(single("mysql_agent_backups_started_total", "GET /backup requests that started a backup",
                         metric_type::counter, static_cast<double>(b.started)));
    out.push_back(single("mysql_agent_backups_succeeded_total", "Backups that ended with an ok trailer",
                         metric_type::counter, static_cast<double>(b.succeeded)));
    out.push_back(single("mysql_agent_backups_failed_total",
                         "Backups that did not end with an ok trailer (tool failed, client gone, shutdown)",
                         metric_type::counter, static_cast<double>(b.failed)));
    out.push_back(single("mysql_agent_backups_in_flight", "Backups being streamed now", metric_type::gauge,
                         static_cast<double>(b.in_flight)));
    out.push_back(single("mysql_agent_backup_sent_bytes_total", "Backup stream bytes sent to clients",
                         metric_type::counter, static_cast<double>(b.bytes)));
    out.push_back(single("mysql_agent_backup_uncompressed_bytes_total",
                         "Backup tool output bytes streamed (before compression; equal to sent bytes without it)",
                         metric_type::counter, static_cast<double>(b.uncompressed_bytes)));
    out.push_back(single("mysql_agent_backup_max_rate_bytes_per_second",
                         "sidecar --max-rate: the most bytes per second all backup streams together send; 0: unlimited",
                         metric_type::gauge, static_cast<double>(b.max_rate)));
    out.push_back(single("mysql_agent_backup_throttled_seconds_total",
                         "Seconds backup streams waited to stay within --max-rate, summed over streams",
                         metric_type::counter, b.throttled_seconds));
    auto duration = family("mysql_agent_backup_duration_seconds", "Duration of finished backups, from request to trailer",
                           metric_type::histogram);
    for (std::size_t i = 0; i < backup_duration_buckets.size(); ++i)
        duration.samples.push_back({{{"le", format_metric_value(backup_duration_buckets[i])}},
                                    static_cast<double>(b.duration_le[i]), "_bucket"});
    duration.samples.push_back({{{"le", "+Inf"}}, static_cast<double>(b.duration_count), "_bucket"});
    duration.samples.push_back({{}, b.duration_sum, "_sum"});
    duration.samples.push_back({{}, static_cast<double>(b.duration_count), "_count"});
    out.push_back(std::move(duration));
}

/// The clone marker: mysql_agent_clone_info always, the clone's numbers only when the marker is there.
void add_clone_families(std::vector<metric_family>& out, const agent_metrics_facts& facts) {
    const std::string info_help = "1 when this pod's datadir was cloned by mysql-agent (labels: source = the donor, result, tool_version); "
                                  "0 without a clone marker";
    switch (facts.marker) {
        case agent_metrics_facts::marker_state::absent:
            out.push_back(single("mysql_agent_clone_info", info_help, metric_type::gauge, 0));
            break;
        case agent_metrics_facts::marker_state::unreadable:
            out.push_back(single("mysql_agent_clone_info", info_help, metric_type::gauge, 0, {{"result", "unreadable"}}));
            break;
        case agent_metrics_facts::marker_state::present: {
            const auto& m = facts.clone;
            // The marker is written last, only by a clone that completed: its presence means result="ok".
            out.push_back(single("mysql_agent_clone_info", info_help, metric_type::gauge, 1,
                                 {{"source", m.source}, {"result", "ok"}, {"tool_version", m.tool_version}}));
            out.push_back(single("mysql_agent_clone_stream_bytes", "Bytes of the backup stream this pod was cloned from",
                                 metric_type::gauge, static_cast<double>(m.stream_bytes)));
            out.push_back(single("mysql_agent_clone_datadir_bytes", "Bytes the clone committed into the datadir",
                                 metric_type::gauge, static_cast<double>(m.datadir_bytes)));
            out.push_back(single("mysql_agent_clone_duration_seconds", "How long the clone took, prepare included",
                                 metric_type::gauge, m.duration_seconds));
            break;
        }
    }
}

/// mysqld and readiness; the replication series only on a replica whose mysqld answered.
void add_health_families(std::vector<metric_family>& out, const readiness_facts& h) {
    out.push_back(single("mysql_agent_mysqld_up", "1 when the local mysqld answered the agent", metric_type::gauge,
                         flag(h.server.answers)));
    out.push_back(single("mysql_agent_ready", "1 when /readyz (mysql-agent probe ready) says ready", metric_type::gauge,
                         flag(ready_verdict(h).ok)));
    if (!h.server.answers) return;
    const bool replica = !h.is_primary;
    out.push_back(single("mysql_agent_replication_configured",
                         "1 when this replica has replication configured (always 0 on the primary, ordinal 0)",
                         metric_type::gauge, flag(replica && h.replica.configured)));
    if (replica)
        out.push_back(single("mysql_agent_replication_halted",
                             "1 while the sidecar has halted replication because the primary is not the one this "
                             "replica's data came from (the reason: mysql-agent status, /readyz)",
                             metric_type::gauge, flag(h.halted.has_value())));
    if (!replica || !h.replica.configured) return;
    out.push_back(single("mysql_agent_replication_io_running", "1 when the replica IO thread runs (Slave_IO_Running=Yes)",
                         metric_type::gauge, flag(h.replica.io_running == "Yes")));
    out.push_back(single("mysql_agent_replication_sql_running",
                         "1 when the replica SQL thread runs (Slave_SQL_Running=Yes)", metric_type::gauge,
                         flag(h.replica.sql_running == "Yes")));
    if (h.seconds_behind)
        out.push_back(single("mysql_agent_replication_lag_seconds", "Seconds_Behind_Master; absent while it is NULL",
                             metric_type::gauge, static_cast<double>(*h.seconds_behind)));
    auto errors = family("mysql_agent_replication_last_error_number",
                         "Last_IO_Errno / Last_SQL_Errno of the replica; 0 when none", metric_type::gauge);
    errors.samples.push_back({{{"thread", "io"}}, static_cast<double>(h.replica.last_io_errno), ""});
    errors.samples.push_back({{{"thread", "sql"}}, static_cast<double>(h.replica.last_sql_errno), ""});
    out.push_back(std::move(errors));
}

}  // namespace

std::vector<metric_family> agent_metric_families(const agent_metrics_facts& facts) {
    std::vector<metric_family> out;
    out.push_back(single("mysql_agent_build_info", "mysql-agent version; always 1", metric_type::gauge, 1,
                         {{"version", facts.version}}));
    add_backup_families(out, facts.backups);
    add_clone_families(out, facts);
    if (facts.health) add_health_families(out, *facts.health);
    return out;
}

}  // namespace mysql_agent
