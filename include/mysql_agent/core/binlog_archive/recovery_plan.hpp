#pragma once
// Point-in-time recovery planned on the archive's index records alone: which archived binlog files carry a restored
// backup from its GTID position to the target, in which order, and which of their transactions to replay. Pure.
//
// Positions are compared per replication domain by sequence number (MariaDB orders GTIDs within a domain by seq; a
// domain a position lacks is at 0). A file covers the transactions after its start up to its end. Files chain by
// GTIDs, not names: from the position reached so far, the next file is one that starts at or before it and ends
// after it (the furthest-reaching one when several do: after a failover the new primary's files overlap the old
// one's). A transaction at or before the position reached is skipped (the backup, or an earlier file, holds it).
//
// Histories branch: a re-seeded or failed-over primary starts its binlog at the position its data stood at, which
// may lie inside a file of the old primary (whose later transactions it never had). A file created after another
// and starting inside its range is such a branch: the chain leaves the old file at the branch point (cut_of; the old
// tail is not replayed) and follows the branch when the target does (--latest; --to-time after the branch's first
// file was created; --to-gtid beyond what the old file reaches), else it stays on the old history. After a whole
// file, only a file that starts exactly at its end continues it.
//
//   target        the chain goes on until                    refused when
//   --latest      no file continues it                       a file ends past the chain's end: a gap, named
//   --to-gtid G   the position reached includes G            no file continues it before G: the gap, named
//   --to-time T   a file holds a transaction later than T    no file continues it before one does: what the
//                 (time = when its COMMIT began, 1 s steps)  archive reaches and when, named
//   any           -                                          no file starts at or before the backup's position
//
// Within the chain (replay_window), transactions are replayed in binlog order until the first that is past the
// target (--to-gtid: in a domain of G, a seq beyond G's; --to-time: a time after T); it and every later one are left
// out. Binlog order is commit order; times are not strictly ordered in it (a COMMIT that waited on a lock carries the
// second it began), so --to-time means "up to the first transaction that began committing after T", as
// mariadb-binlog --stop-datetime does.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/binlog_archive/archive_index.hpp"
#include "mysql_agent/core/binlog_archive/binlog_scanner.hpp"
#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/result.hpp"

namespace mysql_agent::binlog_archive {

struct recovery_target {
    enum class kind { latest, gtid, time } what = kind::latest;
    mariadb_gtid_position gtid;  ///< kind::gtid
    std::uint32_t time = 0;      ///< kind::time: seconds since the epoch, UTC
};

/// "--latest", "--to-gtid 0-1-5", "--to-time 2026-12-07T14:02:00Z".
std::string describe(const recovery_target& t);

/// The files to replay after a backup at `base`, in order (empty: the backup is already at the target). Errors name
/// the gap or what the archive lacks.
result<std::vector<archived_binlog>> plan_recovery(std::vector<archived_binlog> archive,
                                                   const mariadb_gtid_position& base, const recovery_target& target);

/// A gap in the archive: transactions after `after` up to `before` that no archived file holds.
struct archive_gap {
    mariadb_gtid_position after;   ///< where the files before it end
    mariadb_gtid_position before;  ///< where the next file starts
    std::string next_name;         ///< that file
};

/// Every gap between the archive's earliest start and its furthest end.
std::vector<archive_gap> find_gaps(std::vector<archived_binlog> archive);

/// Which transactions of the chain's files to replay, fed in order, file after file.
class replay_window {
public:
    /// skip: the backup or an earlier file holds it; apply; cut: it and the rest of this file are a history the next
    /// file branched off from (cut_of), not replayed; stop: past the target, it and everything after.
    enum class verdict { skip, apply, cut, stop };
    replay_window(mariadb_gtid_position base, recovery_target target);

    /// The verdict on the next transaction. After stop, every later one is stop. A transaction to skip that
    /// follows one applied in the same file is an error (a file whose domains interleave around the position:
    /// its bytes cannot be cut there).
    result<verdict> next(const binlog_transaction& t);
    /// A new file begins: what is skipped at its start may again follow what was applied in the previous one.
    /// `cut`: where the chain leaves it for another history (cut_of), nullopt: it is replayed to its end.
    void next_file(std::optional<mariadb_gtid_position> cut = std::nullopt);

    const mariadb_gtid_position& reached() const noexcept { return reached_; }
    /// The last transaction applied, if any.
    const std::optional<binlog_transaction>& last_applied() const noexcept { return last_; }
    bool stopped() const noexcept { return stopped_; }

private:
    mariadb_gtid_position reached_;
    recovery_target target_;
    std::optional<binlog_transaction> last_;
    bool stopped_ = false;
    bool applied_in_file_ = false;
    std::optional<mariadb_gtid_position> cut_;
    bool cut_reached_ = false;
};

/// Where the chain leaves file `i` for the next, when the next starts before file i's end (another history that
/// branched off it: a re-seeded or failed-over primary): that start. nullopt: file i is replayed to its end.
std::optional<mariadb_gtid_position> cut_of(const std::vector<archived_binlog>& chain, std::size_t i);

/// A complete backup a point-in-time restore could start from.
struct base_candidate {
    std::string id;
    mariadb_gtid_position position;  ///< its binlog GTID position (xtrabackup_binlog_info)
    std::uint32_t finished_at = 0;   ///< seconds since the epoch
    std::string cluster_identity;    ///< its manifest's, "" when it names none
};

/// The archived files of the history a backup of cluster `identity` continues: those recorded with that identity or
/// with none (archived before the cluster recorded one). A cluster recreated at a point in time carries a new identity
/// and reuses the discarded transactions' GTIDs: chained by GTIDs alone, its files and the old history's would mix.
/// `identity` "": every file.
std::vector<archived_binlog> of_history(std::vector<archived_binlog> archive, std::string_view identity);

/// The backup to start from: --latest the newest; --to-gtid the newest whose position is not past the target in a
/// domain of the target; --to-time the newest that finished at or before it (its data is of an earlier moment).
/// nullopt: none qualifies.
std::optional<base_candidate> choose_base(std::vector<base_candidate> backups, const recovery_target& target);

/// Whether the position reached meets the target (--to-gtid: every domain of G reached exactly; the others
/// have no bearing). --latest and --to-time are met by construction of the chain.
bool meets(const mariadb_gtid_position& reached, const recovery_target& target) noexcept;

}  // namespace mysql_agent::binlog_archive
