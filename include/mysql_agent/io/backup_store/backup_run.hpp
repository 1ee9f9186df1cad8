#pragma once
// `mysql-agent backup`: asks a member's sidecar for a backup (GET /backup, as a clone does) and streams the body,
// as it arrives, into a multipart upload (multipart_writer.hpp): no local staging. The body is checked as a clone
// checks it (stream_receiver.hpp: framing, byte count, digest, the donor's trailer, zstd frames); only a stream that
// passed every check is completed, and the manifest (core/backup_store/manifest.hpp) is written after it: the
// commit point. Any failure aborts the upload and writes no manifest. Either way the run leaves <prefix>last-run.json
// (core/backup_store/backup_status.hpp), best effort. I/O layer.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/backup_store/manifest.hpp"
#include "mysql_agent/core/donor_address.hpp"
#include "mysql_agent/core/objstore/part_sizes.hpp"
#include "mysql_agent/core/objstore/s3_location.hpp"
#include "mysql_agent/io/backup_store/stream_cipher.hpp"
#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"

namespace mysql_agent::backup_store {

struct backup_run_options {
    /// The members; the first that serves a whole backup wins. Asked in this order with `in_order`, else in the
    /// order core/backup_store/source_choice.hpp gives from their GET /position answers (least lag first).
    std::vector<donor_address> from;
    bool in_order = false;
    /// Token, TLS, compression, timeouts and attempts for each member, as for a clone (the donor is set per member).
    clone_options donor;
    objstore::s3_client_options store;
    objstore::s3_url to;
    /// --encryption-key-file: the stream is sealed on the way to the store (stream_cipher.hpp); the manifest records
    /// the cipher, the segment size and the key's id.
    std::optional<encryption_key> key;
    objstore::part_size_plan parts;  ///< objstore::plan_part_sizes(--part-size)
    unsigned parallel = 2;           ///< parts uploading at once (memory: (parallel + 1) parts)
    /// After the manifest: multipart uploads under `to` older than this are aborted (backups cut off whose own abort
    /// failed). 0: no sweep.
    std::chrono::seconds sweep_after{std::chrono::hours(24)};
};

struct backup_run_result {
    backup_manifest manifest;
    std::string prefix;               ///< the backup's own prefix: <to.prefix><id>/
    std::uint64_t peak_buffered = 0;  ///< most part bytes queued or uploading at once
    double seconds = 0;
    std::uint64_t uploads_swept = 0;  ///< stale multipart uploads aborted after the manifest
};

/// Runs one backup. Throws no_donor_error when no member served one, unauthorized_error, tls_error,
/// clone_failed_error (the stream failed a check), objstore::s3_error; interrupted_error on SIGTERM. On any of them,
/// no manifest was written and the upload was aborted.
backup_run_result run_backup(const backup_run_options& options);

}  // namespace mysql_agent::backup_store
