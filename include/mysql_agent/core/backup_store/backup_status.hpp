#pragma once
// What the backups in the store look like to a sidecar given --backup-status-from (its /metrics and so `status`),
// and the record `backup` leaves of its last run. Pure: the record's JSON, the metric families.
//
//   <prefix>last-run.json   {"format": 1, "finished_at": "2026-12-07T07:49:02Z", "outcome": "committed" | "failed",
//                            "id": "20261207T074830Z", "uploaded_bytes": N, "failures_in_a_row": N, "error": "..."}
//
// Every `backup` run that reached the store writes it at its end (after the manifest when it committed, after the
// upload's abort when it failed), best effort: a failure to write it is logged, never the backup's failure. It sits
// beside the backups, not under a backup id, so listing and retention never take it for one. The newest complete
// backup (time, size) is read from its manifest, not from this record: the record says how the runs went (a run
// that failed leaves no backup), the manifests what there is to restore.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/metrics_text.hpp"
#include "mysql_agent/core/result.hpp"

namespace mysql_agent::backup_store {

inline constexpr std::string_view last_run_name = "last-run.json";
/// Most bytes a last-run record may have: read from a bucket, bounded like anything from the network.
inline constexpr std::size_t last_run_limit = 16u << 10;
/// Most characters of a failure's message kept in the record.
inline constexpr std::size_t last_run_error_limit = 400;

struct last_run {
    std::string finished_at;  ///< ISO 8601 UTC
    bool committed = false;
    std::string id;           ///< the backup's id (a failed run's too: the prefix it would have had)
    std::uint64_t uploaded_bytes = 0;
    std::uint32_t failures_in_a_row = 0;  ///< 0 after a committed run
    std::string error;                    ///< the failure's message, cut and made printable; "" when committed
};

std::string last_run_json(const last_run& r);
/// A record read back: every field present and of its type, the outcome one of the two, the time ISO 8601, the error
/// within its limit. An error value otherwise (or over last_run_limit bytes).
result<last_run> parse_last_run(std::string_view json);

/// The record of a run that ended now: failures_in_a_row 0 when it committed, else one more than `previous` said;
/// the error cut to last_run_error_limit and made printable.
last_run next_last_run(const std::optional<last_run>& previous, bool committed, std::string id,
                       std::uint64_t uploaded_bytes, std::string finished_at, std::string_view error);

/// "2026-12-07T07:49:02Z" as a time point; nullopt when it is not of that form.
std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(std::string_view s);

/// What the sidecar last read from the store.
struct store_status_facts {
    std::uint64_t read_failures = 0;  ///< reads (listing, manifest, record) that failed since the sidecar started
    std::optional<std::chrono::system_clock::time_point> read_at;  ///< the last read that succeeded
    std::uint64_t complete = 0, incomplete = 0;  ///< backups under the prefix, at that read
    struct newest_backup {
        std::string id;
        std::optional<std::chrono::system_clock::time_point> finished_at;
        std::uint64_t stream_bytes = 0;
    };
    std::optional<newest_backup> newest;  ///< the newest complete backup
    std::optional<last_run> last;         ///< the last run's record, when there is one
    std::string last_error;               ///< why the last read failed ("" after a read that succeeded)
};

/// The mysql_agent_store_* families: the read's own health always; the backups' only after a read succeeded; the
/// newest backup's and the last run's only when there is one.
std::vector<metric_family> store_status_families(const store_status_facts& facts);

}  // namespace mysql_agent::backup_store
