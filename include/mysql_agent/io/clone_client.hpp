#pragma once
// The receiving half of "backup streaming": fetch GET /backup from a donor's sidecar, extract the xbstream
// body into the staging dir while checking its framing and digest, prepare it, and commit it into the
// datadir (datadir_commit.hpp). Used by `mysql-agent clone` and by `init`. I/O layer (Asio coroutines).
// This file runs the steps; each lives in its own: donor_connection.hpp (reaching the donor, retries),
// stream_receiver.hpp (the body into the extractor), staged_backup.hpp (vetting), prepare.hpp, datadir_commit.hpp.
//
// Retries: only what happens before the donor answers 200 is retried (connection refused or timed out,
// DNS not resolvable yet, 503 busy, 5xx, no response): with exponential backoff and full jitter, or the
// donor's Retry-After, until --max-attempts attempts or --retry-for seconds are used up, whichever comes
// first; then no_donor. A 401 is never retried. Once the body flows, a failure (stream cut, idle timeout,
// donor's backup failed, bad digest, prepare failed) ends the run with clone_failed: restarting a
// multi-gigabyte transfer is the caller's decision (the pod's restart policy, or running clone again).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "mysql_agent/core/backoff.hpp"
#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/io/backup_tools.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/received_stream.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/donor_address.hpp"
#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/result.hpp"
#include "mysql_agent/io/tls_context.hpp"
#include "mysql_agent/core/stream_encoding.hpp"

namespace mysql_agent {

class datadir_lock;

struct clone_options {
    donor_address donor;
    std::filesystem::path datadir = "/var/lib/mysql";
    std::optional<std::string> token;  ///< sent as "Authorization: Bearer"; none: no header
    /// zstd: asked for with Accept-Encoding (a donor that ignores it sends the raw stream); none: not asked for
    protocol::compression_choice compression;
    backup_tools tools;                ///< xbstream for -x, xtrabackup for --prepare
    bool force = false;  ///< replace data the agent did not create, at commit (never a completed clone)
    /// A re-seed (init_plan.hpp): a completed clone is replaced at commit too, and the marker records why.
    bool replace_clone = false;
    std::optional<reseed_record> reseed;
    /// A re-seed: what the donor advertised on GET /position when it was chosen. The prepared backup must hold it
    /// (reseed_choice.hpp check_clone_holds), else the clone fails before its commit.
    std::optional<peer_position> advertised;
    /// The caller already holds the datadir's lock (init holds it across donors); null: the clone takes it.
    const datadir_lock* lock = nullptr;

    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};  ///< DNS + TCP connect, per attempt
    /// No byte from the donor for this long; and no activity of --prepare (CPU, reads, writes: core/activity_watch).
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds overall_timeout{0};  ///< 0 (default): none. The whole clone, prepare included
    unsigned max_attempts = 10;                                     ///< to reach a donor that answers 200; 0: no limit
    std::chrono::milliseconds retry_for{std::chrono::minutes(10)};  ///< stop retrying after this long; 0: no limit
    std::chrono::milliseconds first_backoff{std::chrono::seconds(1)};
    std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
    std::chrono::milliseconds progress_interval{std::chrono::seconds(5)};
    bool progress_tty = false;  ///< one updating line on stderr instead of log lines
    std::optional<tls_client_settings> tls;  ///< --tls-ca and friends: TLS only, the donor's certificate verified
    /// Run on the prepared staging dir after the checks and before the commit (a point-in-time restore replays
    /// archived binlogs there, io/binlog_archive/binlog_replay.hpp); it may change the coordinates and the source
    /// the marker records. Blocking: run on a thread of its own, within --timeout; `stop` is requested on SIGTERM or
    /// at the deadline, and it must then return soon (nothing is committed). Throwing commits nothing.
    std::function<void(const std::filesystem::path& staging, backup_metadata& coordinates, std::string& source,
                       std::stop_token stop)>
        before_commit;
};

/// What a clone run did.
struct clone_outcome {
    bool already_cloned = false;  ///< the datadir held a completed clone: nothing was fetched
    clone_marker marker;          ///< the committed marker (or the existing one, if readable)
};

/// Runs a whole clone (lock and settle the datadir, fetch with retries, extract, verify, vet, prepare, commit)
/// on the caller's executor. Throws no_donor_error, unauthorized_error, clone_failed_error,
/// datadir_not_ours_error, datadir_busy_error, file_error or config_error; on every failure the datadir is left
/// as the run found it (without files of this clone; data displaced by --force moved back).
boost::asio::awaitable<clone_outcome> async_clone_datadir(clone_options options);

/// What a source put into the staging dir, for the checks, the prepare and the marker that follow.
struct staged_stream {
    std::string what = "clone";   ///< in log lines and event names: "clone", "restore"
    std::string source;           ///< the marker's source: "mysql-0.mysql:3307", "s3://bucket/prefix/ID/"
    std::filesystem::path staging;  ///< create_staging_dir(datadir), holding the extracted stream
    received_stream got;          ///< the stream's facts (files and sizes as its framing said, digest, bytes)
    double request_seconds = 0;   ///< before the first byte: reaching the donor, reading a manifest
};

/// Fills the staging dir (create_staging_dir) from a source within the deadlines; throws as the source fails.
using stage_function = std::function<boost::asio::awaitable<staged_stream>(const deadlines&)>;

/// What async_clone_datadir does, with the stream from `stage` instead of a donor: lock and settle the datadir, stage,
/// vet, prepare, describe, check options.advertised, commit; on any failure the datadir is left as it was found.
/// options.donor is not used.
boost::asio::awaitable<clone_outcome> async_fill_datadir(clone_options options, stage_function stage);

/// async_clone_datadir on a private io_context, for callers without one.
clone_outcome clone_datadir(const clone_options& options);

}  // namespace mysql_agent
