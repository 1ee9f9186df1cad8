#pragma once
// What the archiver decides from facts it gathered: whether a binlog file of the server's is archived already (no
// duplicate after a restart of the sidecar or of mysqld), whether the current file should be closed now, which files
// the server purged before they were archived, and the archive's facts as metric families. Pure.

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mysql_agent/core/binlog_archive/archive_index.hpp"
#include "mysql_agent/core/binlog_archive/recovery_plan.hpp"
#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/metrics_text.hpp"

namespace mysql_agent::binlog_archive {

/// One of the server's binlog files, as SHOW BINARY LOGS and its first events tell.
struct local_binlog {
    std::string file;
    std::uint64_t size = 0;
    std::uint32_t created = 0;    ///< its Format_description event's timestamp
    std::uint32_t server_id = 0;
    mariadb_gtid_position start;  ///< its Gtid_list event
};

/// Where the sidecar reads the server's binlog `file` (a name SHOW BINARY LOGS listed): in the folder of the
/// server's log_bin_basename, which under the server's datadir is the same folder under the sidecar's (one volume,
/// perhaps mounted at another path), and elsewhere is taken as it is. Compared by path components, not characters:
/// /var/lib/mysql2 is not under /var/lib/mysql. An error for a name that is not a plain file name.
result<std::string> sidecar_path_of(std::string_view file, std::string_view log_bin_basename,
                                    std::string_view server_datadir, std::string_view sidecar_datadir);

/// Whether this member archives: it writes a binlog (log_bin 1) and is the primary (read_only 0). `state` says why
/// not, for the log and /metrics.
struct archiving_verdict {
    bool archiving = false;
    std::string state;
};
archiving_verdict archiving_of(std::string_view log_bin, std::string_view read_only);

/// The furthest position any record reaches (per domain), and the newest archived transaction's time (0: none).
mariadb_gtid_position archive_reach(const std::vector<archived_binlog>& archive);
std::uint32_t newest_transaction_time(const std::vector<archived_binlog>& archive);

/// Whether `f` is archived already: a record of the same creation time, server id, start position and file size. (A
/// file name alone proves nothing: names are reused after a re-seed or a restore. And two files can share a second,
/// a server id and a start: a file a crash left without transactions, and the one the restarted server opens next.)
bool archived_already(const local_binlog& f, const std::vector<archived_binlog>& archive);

/// Whether to close the current binlog file now (FLUSH BINARY LOGS): it holds a transaction (the server's position
/// is past the file's start) and `interval` has passed since the last close.
bool flush_due(const mariadb_gtid_position& file_start, const mariadb_gtid_position& server_position,
               std::chrono::seconds since_last_flush, std::chrono::seconds interval);

/// How often the archiver looks for closed files for a flush `interval`: a quarter of it (a file closed at the interval
/// is archived within a quarter more), at least 250 ms and at most 5 s.
std::chrono::milliseconds poll_interval(std::chrono::seconds interval) noexcept;

/// The files that were waiting to be archived and are gone from the server's list: purged before they were archived.
std::vector<std::string> purged_unarchived(const std::set<std::string>& waiting, const std::vector<local_binlog>& now);

/// What the archiver knows, for /metrics and `status`.
struct archive_facts {
    bool archiving = false;             ///< this member is the primary and archives
    std::string state;                  ///< "archiving", "replica: not archiving", "binlog off", "starting"
    std::uint64_t archived_files = 0;   ///< files archived by this sidecar since it started
    std::uint64_t archived_bytes = 0;
    std::uint64_t archive_files = 0;    ///< index records in the archive
    std::optional<std::chrono::system_clock::time_point> last_archived_at;
    std::uint32_t newest_transaction_time = 0;  ///< the newest archived transaction's time (0: none)
    mariadb_gtid_position archive_end;  ///< the furthest position the archive holds
    std::vector<archive_gap> gaps;
    std::uint64_t purged_unarchived = 0;
    std::uint64_t failures = 0;
    std::string last_error;
};

/// The log line for a gap in the archive, with what it means for a restore: "binlog archive: a gap: no archived
/// binlog holds the transactions after A up to B (the next archived one, NAME, starts there): a point-in-time restore
/// reaches A at most from a backup taken before it; a backup taken at or after B restores past it".
std::string describe_gap(const archive_gap& g);

/// The gaps in `now` that `before` did not list (each is logged once).
std::vector<archive_gap> new_gaps(const std::vector<archive_gap>& before, const std::vector<archive_gap>& now);

/// mysql_agent_binlog_archive_* families: archiving (0/1), archived files and bytes, the archive's records, the last
/// archive time, the newest archived transaction's time, gaps, files purged before they were archived, failures.
std::vector<metric_family> archive_families(const archive_facts& f);

}  // namespace mysql_agent::binlog_archive
