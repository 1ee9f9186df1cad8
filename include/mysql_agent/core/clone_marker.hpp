#pragma once
// The marker a completed clone writes last into the datadir, and the journal that makes the commit
// (moving prepared files out of the staging dir) restartable. File names and the JSON live here so
// init, sidecar, status and metrics read the same thing.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// Hidden names inside the datadir (the datadir is usually a mount point and cannot be renamed).
inline constexpr std::string_view clone_staging_dir = ".mysql-agent-staging";    ///< stream extracted + prepared here
inline constexpr std::string_view clone_journal_file = ".mysql-agent-commit";   ///< lists entries being moved
inline constexpr std::string_view clone_marker_file = ".mysql-agent-clone.json"; ///< written last: clone complete
/// `clone --force`: the datadir's foreign entries, moved aside at commit and removed once the marker is written
/// (or moved back when the commit is undone).
inline constexpr std::string_view clone_displaced_dir = ".mysql-agent-displaced";
inline constexpr std::string_view replication_applied_file = ".mysql-agent-replication-applied";
/// Written by a re-seeded primary's sidecar just before it resets the binlog (primary_takeover.hpp): the position
/// and the time. For the operator; no decision reads it.
inline constexpr std::string_view takeover_record_file = ".mysql-agent-takeover";

/// Written by a replica's sidecar when it halted replication (its primary is not the one its data came from): the
/// reason, one line. probe ready, /readyz, status and /metrics report it; removed when the sidecar resumes.
inline constexpr std::string_view replication_halted_file = ".mysql-agent-replication-halted";

/// Written by `mysql-agent reseed`: the next `init` re-seeds this member (its data is replaced at commit).
inline constexpr std::string_view reseed_request_file = ".mysql-agent-reseed";

/// A clone made to replace a member's data rather than to fill an empty replica.
struct reseed_record {
    bool as_primary = false;  ///< ordinal 0: the sidecar makes it the primary (binlog state, no replica config)
    std::string reason;       ///< why: "ordinal 0's datadir was empty", "mysql-agent reseed"
    std::string position;     ///< the donor's position when chosen (GTID position or file:position)
    /// Members that stayed silent and that the operator gave up (`init --reseed-without NAME`): whatever they alone
    /// held is not in this clone. JSON `given_up`, written only when not empty.
    std::vector<std::string> given_up;
    bool operator==(const reseed_record&) const = default;
};

/// What a completed clone records.
struct clone_marker {
    std::string source;             ///< "mysql-0.mysql:3307"
    backup_metadata coordinates;    ///< parsed from the backup's binlog/slave info
    std::string digest;             ///< "xxh3-64:..." of the stream
    std::uint64_t stream_bytes = 0;
    std::uint64_t datadir_bytes = 0;  ///< bytes committed into the datadir
    std::string tool_version;       ///< from xtrabackup_info (tool_name tool_version)
    std::string server_version;     ///< of the donor, from xtrabackup_info
    std::string started_at;         ///< RFC 3339 UTC
    std::string finished_at;        ///< RFC 3339 UTC
    double duration_seconds = 0;
    std::optional<reseed_record> reseed;  ///< set when the clone re-seeded a member
    bool operator==(const clone_marker&) const = default;
};

/// JSON of the marker (one object, pretty-printed, trailing newline).
std::string marker_to_json(const clone_marker& m);
/// Parses a marker; an error names `file_name` and what is wrong.
result<clone_marker> marker_from_json(std::string_view file_name, std::string_view json);

}  // namespace mysql_agent
