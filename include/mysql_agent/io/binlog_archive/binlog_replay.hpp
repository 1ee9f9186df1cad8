#pragma once
// A point-in-time restore's replay: the archived binlog files of a recovery plan (core/binlog_archive/recovery_plan.hpp)
// applied by the server's own tools to a prepared backup, before the commit. I/O layer (the S3 client, a private
// mysqld, mariadb-binlog piped into mariadb).
//
// Each file in turn: downloaded into `work_dir` (on the data volume: a binlog file is up to max_binlog_size, 1 GiB by
// default), its size and SHA-256 checked against its index record and every event's CRC-32 and the record's GTIDs
// against the file's own (a record does not choose what is replayed; the file it names must say the same); the replay
// window decides from which transaction and up to which one it is replayed, as byte offsets on transaction
// boundaries; then `mariadb-binlog --start-position S --stop-position E FILE | mariadb` into the private mysqld (no
// networking, no binlog, no replica threads; the grant tables loaded with FLUSH PRIVILEGES in the replaying session
// so that replayed account statements apply), and the file is removed. The server is stopped cleanly at the end. Any
// failure throws, and the caller commits nothing.

#include <chrono>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "mysql_agent/core/binlog_archive/archive_index.hpp"
#include "mysql_agent/core/binlog_archive/recovery_plan.hpp"
#include "mysql_agent/core/objstore/s3_location.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"

namespace mysql_agent::binlog_archive {

struct replay_options {
    objstore::s3_client_options store;
    objstore::s3_url at;                      ///< the archive is at.prefix + "binlogs/"
    std::vector<archived_binlog> chain;       ///< plan_recovery's files, in order
    mariadb_gtid_position base;               ///< the backup's position
    recovery_target target;
    std::filesystem::path mysqld = "mariadbd";
    std::filesystem::path binlog_tool = "mariadb-binlog";
    std::filesystem::path client = "mariadb";
    std::filesystem::path work_dir;           ///< created and removed by the replay
    std::chrono::seconds start_timeout{300};  ///< for the private mysqld to answer
    /// Not "": once replayed, the data's cluster identity (if it records one) is replaced by this one, a new history
    /// (core/cluster_identity.hpp replace_identity_statement); the private server runs for it even when the chain is
    /// empty.
    std::string new_identity;
};

struct replay_outcome {
    mariadb_gtid_position reached;
    std::optional<binlog_transaction> last_applied;
    std::uint64_t transactions = 0;  ///< applied
    std::uint64_t files = 0;         ///< replayed (at least one transaction applied)
    std::uint64_t bytes = 0;         ///< of binlog downloaded
    double seconds = 0;
    std::string old_identity;        ///< the identity replaced by new_identity, "" when the data recorded none
};

/// Replays `o.chain` into the prepared datadir `datadir`. Throws bad_input_error (a file that does not match its
/// record, damaged), clone_failed_error (the tools or the server failed, or `stop` was requested: the download is
/// cancelled, the tools and the private server are killed at once, for the datadir is discarded), objstore::s3_error.
replay_outcome replay_binlogs(const std::filesystem::path& datadir, const replay_options& o, std::stop_token stop = {});

}  // namespace mysql_agent::binlog_archive
