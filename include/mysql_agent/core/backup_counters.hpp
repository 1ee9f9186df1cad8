#pragma once
// The backup server's counters, shared with its /metrics handler (and readable from any thread).

#include <array>
#include <atomic>
#include <cstdint>

#include "mysql_agent/core/agent_metrics.hpp"

namespace mysql_agent {

struct backup_counters {
    std::atomic<std::uint64_t> started{0};
    std::atomic<std::uint64_t> succeeded{0};
    std::atomic<std::uint64_t> failed{0};
    std::atomic<std::uint64_t> in_flight{0};
    std::atomic<std::uint64_t> bytes{0};
    std::atomic<std::uint64_t> uncompressed_bytes{0};
    std::atomic<std::uint64_t> max_rate{0};
    std::atomic<std::uint64_t> throttled_micros{0};
    std::array<std::atomic<std::uint64_t>, backup_duration_buckets.size()> duration_le{};
    std::atomic<std::uint64_t> duration_count{0};
    std::atomic<std::uint64_t> duration_micros{0};

    /// One backup ended (ok or not) after `seconds`.
    void finished(bool ok, double seconds) {
        (ok ? succeeded : failed).fetch_add(1);
        for (std::size_t i = 0; i < backup_duration_buckets.size(); ++i)
            if (seconds <= backup_duration_buckets[i]) duration_le[i].fetch_add(1);
        duration_micros.fetch_add(static_cast<std::uint64_t>(seconds * 1e6));
        duration_count.fetch_add(1);
        in_flight.fetch_sub(1);
    }

    /// The values now (each read on its own: a scrape during a finishing backup may see it half-counted).
    backup_counter_values snapshot() const {
        backup_counter_values v;
        v.started = started.load();
        v.succeeded = succeeded.load();
        v.failed = failed.load();
        v.in_flight = in_flight.load();
        v.bytes = bytes.load();
        v.uncompressed_bytes = uncompressed_bytes.load();
        v.max_rate = max_rate.load();
        v.throttled_seconds = static_cast<double>(throttled_micros.load()) / 1e6;
        for (std::size_t i = 0; i < duration_le.size(); ++i) v.duration_le[i] = duration_le[i].load();
        v.duration_count = duration_count.load();
        v.duration_sum = static_cast<double>(duration_micros.load()) / 1e6;
        return v;
    }
};

}  // namespace mysql_agent
