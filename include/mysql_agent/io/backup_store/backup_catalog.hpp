#pragma once
// `mysql-agent backups list|verify|prune`: the backups under an s3:// prefix (core/backup_store/catalog.hpp), a
// backup checked against its manifest, and retention carried out. I/O layer (the S3 client).

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "mysql_agent/core/backup_store/catalog.hpp"
#include "mysql_agent/core/backup_store/manifest.hpp"
#include "mysql_agent/core/objstore/s3_location.hpp"
#include "mysql_agent/io/backup_store/stream_cipher.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"

namespace mysql_agent::backup_store {

/// "s3://BUCKET/PREFIXID/": where backup `id` under `at` lives, for messages and markers.
std::string backup_url(const objstore::s3_url& at, const std::string& id);

/// Every backup under `at`, oldest first.
std::vector<stored_backup> list_backups(objstore::s3_client& client, const objstore::s3_url& at);

/// The manifest of backup `id` under `at`. Throws bad_input_error when it is not a valid manifest (or not its
/// backup's), objstore::s3_error when it cannot be read (no_key: the backup is incomplete or absent).
backup_manifest read_manifest(objstore::s3_client& client, const objstore::s3_url& at, const std::string& id);

struct verify_report {
    backup_manifest manifest;
    std::uint64_t bytes = 0;          ///< read from the store
    std::uint64_t xbstream_bytes = 0; ///< after decompression
    std::uint64_t files = 0;          ///< files the xbstream completed
};

/// Downloads the stream of backup `id` and checks it against its manifest: the size, every part's MD5, the
/// SHA-256, whole zstd frames, the xbstream framing with the files a prepare needs, and the xbstream size. Throws
/// bad_input_error naming the first mismatch; objstore::s3_error when the store fails.
/// `key`: an encrypted backup's key (nullptr: none given; an encrypted backup is then refused, config_error).
verify_report verify_backup(objstore::s3_client& client, const objstore::s3_url& at, const std::string& id,
                            const encryption_key* key = nullptr);

struct prune_report {
    std::vector<prune_decision> decisions;
    std::uint64_t objects_removed = 0;
    std::uint64_t uploads_aborted = 0;
};

/// Carries out plan_prune (the manifest of a backup is removed first: a backup half removed is incomplete, never a
/// complete one with a missing stream), and aborts multipart uploads under `at` older than r.incomplete_after.
/// `dry_run`: decides and reports, removes nothing.
prune_report prune_backups(objstore::s3_client& client, const objstore::s3_url& at, const retention& r,
                           std::chrono::system_clock::time_point now, bool dry_run);

/// Aborts the multipart uploads under `at` older than r.incomplete_after (a backup cut off, whose own abort failed),
/// logging each as `who`; how many. `dry_run`: logs, aborts nothing.
std::uint64_t abort_stale_uploads(objstore::s3_client& client, const objstore::s3_url& at, const retention& r,
                                  std::chrono::system_clock::time_point now, bool dry_run, const std::string& who);

}  // namespace mysql_agent::backup_store
