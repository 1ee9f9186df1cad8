#pragma once
// `sidecar --archive-binlogs s3://BUCKET/PREFIX`: every binlog file the primary closes is uploaded to
// PREFIX/binlogs/ with its index record (core/binlog_archive/archive_index.hpp), and the current file is closed
// (FLUSH BINARY LOGS) every interval when it holds a transaction, so that what a lost cluster loses is bounded by the
// interval. On a thread of its own; I/O layer (the server, the data volume, the S3 client).
//
// Why the files are read from the data volume and not through the server (a binlog dump connection, or
// mysqlbinlog --read-from-remote-server --raw): a closed binlog file never changes, the sidecar mounts the same
// volume to serve backups already, and the bytes archived are then exactly the server's file, CRC-32 of every event
// included, which the scanner checks before anything is uploaded. A dump connection would need a replication account
// and a second protocol implementation for the same bytes; mysqlbinlog would have to ship in the agent's image.
// What the server is asked: whether it is the primary (read_only off), where its binlogs are (log_bin_basename), its
// binlog list (SHOW BINARY LOGS), its position (gtid_binlog_pos) and the current file's start (BINLOG_GTID_POS).
//
// Every pass: the primary's closed files that are not in the archive yet (matched by creation time, server id, start
// position and size: file names are reused) are archived oldest first: up to 16 MiB read once and sent in one PUT from
// memory; beyond, read twice, once to scan and digest them (every event's CRC-32, the GTIDs; a damaged file is not
// archived and is reported), once into a multipart upload whose SHA-256 must be the first read's; then the index
// record is written, the commit point. A file the
// server purged before it was archived is logged and counted, and shows as a gap. The archive's records are listed
// once at start (resuming where the archive is, whoever archived it) and kept up to date after.

#include <chrono>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "mysql_agent/core/binlog_archive/archive_progress.hpp"
#include "mysql_agent/core/mysql_connection.hpp"
#include "mysql_agent/core/objstore/s3_location.hpp"
#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"
#include "mysql_agent/io/periodic_task.hpp"

namespace mysql_agent::binlog_archive {

struct binlog_archiver_options {
    objstore::s3_client_options store;
    objstore::s3_url at;
    mysql_connection mysql;
    std::filesystem::path datadir;          ///< where the sidecar sees the data volume (the server's @@datadir there)
    std::chrono::seconds interval{60};      ///< --archive-interval: the current file is closed this often
    std::chrono::milliseconds poll{5000};   ///< how often closed files are looked for
};

class binlog_archiver {
public:
    explicit binlog_archiver(binlog_archiver_options options);
    /// Stops the thread (a request in flight is cancelled).
    ~binlog_archiver();
    binlog_archiver(const binlog_archiver&) = delete;
    binlog_archiver& operator=(const binlog_archiver&) = delete;

    /// Starts archiving: a pass at once, then every poll.
    void start();
    /// One pass, on the caller's thread (tests, and the thread's loop). Throws nothing: a failure is counted.
    void pass();
    archive_facts snapshot() const;

private:
    void pass_or_throw();
    void refresh_facts();
    void archive_file(const std::filesystem::path& path, const local_binlog& f, const std::string& identity);
    /// The server's cluster identity for the records, "" when it records none or cannot be read (logged once).
    std::string identity_of(mysql_client& c);

    binlog_archiver_options o_;
    objstore::s3_client client_;
    std::vector<archived_binlog> archive_;
    bool archive_loaded_ = false;
    std::string identity_problem_;  ///< the last failure to read the cluster identity, logged once
    std::set<std::string> waiting_;  ///< closed files not archived at the last pass
    std::chrono::steady_clock::time_point last_flush_;
    mutable std::mutex mutex_;
    archive_facts facts_;
    std::optional<periodic_task> task_;  ///< last: stopped and joined first
};

}  // namespace mysql_agent::binlog_archive
