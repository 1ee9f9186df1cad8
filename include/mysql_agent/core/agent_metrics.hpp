#pragma once
// Which metric families the sidecar's /metrics serves, built from facts (pure; rendered by metrics_text.hpp).
// The names and what they mean are listed in docs/operations.md.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/metrics_text.hpp"
#include "mysql_agent/core/readiness.hpp"

namespace mysql_agent {

/// Upper bounds (seconds) of the backup duration histogram: a small test datadir streams in under a second,
/// a large one for hours.
inline constexpr std::array<double, 10> backup_duration_buckets = {1, 10, 30, 60, 300, 600, 1800, 3600, 7200, 21600};

/// The backup server's counters at one moment (backup_counters::snapshot()).
struct backup_counter_values {
    std::uint64_t started = 0;
    std::uint64_t succeeded = 0;
    std::uint64_t failed = 0;  ///< every backup that did not end with an ok trailer (also client gone, shutdown)
    std::uint64_t in_flight = 0;
    std::uint64_t bytes = 0;   ///< stream bytes sent, counted as each chunk goes out
    std::uint64_t uncompressed_bytes = 0;  ///< the tools' output bytes (what `bytes` holds before compression)
    std::uint64_t max_rate = 0;            ///< sidecar --max-rate in bytes per second; 0: unlimited
    double throttled_seconds = 0;          ///< time streams waited for --max-rate, summed over streams
    std::array<std::uint64_t, backup_duration_buckets.size()> duration_le{};  ///< cumulative per bucket
    std::uint64_t duration_count = 0;
    double duration_sum = 0;
};

/// What /metrics reports.
struct agent_metrics_facts {
    std::string version;
    backup_counter_values backups;
    enum class marker_state { absent, unreadable, present };
    marker_state marker = marker_state::absent;
    clone_marker clone;
    std::optional<readiness_facts> health;  ///< nullopt: mysqld was not asked (then no mysqld/replication series)
};

/// The families, in a stable order. Absent clone marker: `mysql_agent_clone_info 0` and no other clone series;
/// unreadable marker: `mysql_agent_clone_info{result="unreadable"} 0`. Replication series only on a replica
/// whose mysqld answered; lag only while the server reports it (it is NULL while a thread is stopped).
std::vector<metric_family> agent_metric_families(const agent_metrics_facts& facts);

}  // namespace mysql_agent
