#pragma once
// A backup in an object store is its stream object plus this manifest, written last: the commit point. Without a
// manifest a backup does not exist (for listing, restore or retention) and is cleaned up later. Pure: the JSON and
// its checks; names are relative to the backup's own prefix, so a manifest can never point outside its backup.
//
//   <prefix><id>/stream.xbstream.zst   the donor's stream as it arrived (zstd frames, or raw xbstream)
//   <prefix><id>/stream.xbstream.zst.enc   the same, encrypted on the client (encryption.hpp)
//   <prefix><id>/manifest.json         this file

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <optional>

#include "mysql_agent/core/backup_store/encryption.hpp"
#include "mysql_agent/core/result.hpp"

namespace mysql_agent::backup_store {

inline constexpr int manifest_format = 1;
inline constexpr std::string_view manifest_name = "manifest.json";
/// Most bytes a manifest may have: read from a bucket, it is bounded like anything from the network.
inline constexpr std::size_t manifest_limit = 4u << 20;

struct manifest_part {
    std::uint32_t number = 0;
    std::uint64_t bytes = 0;
    std::string md5_hex;
    /// The SHA-256 of the stream from its first byte through this part's last ("sha256_through"; backups since
    /// 2026-12-07, "" in older manifests): the whole stream's SHA-256 taken at each part's end, so the last part's is
    /// the stream's. A restore checks these alone, in one pass over the bytes, instead of every part's MD5 and the
    /// whole SHA-256 in two (0.6 s of CPU less per 410 MB here).
    std::string sha256_through_hex;
};

struct backup_manifest {
    int format = manifest_format;
    std::string id;             ///< backup_id_at(): YYYYMMDDTHHMMSSZ, sorts by time
    std::string source;         ///< the member that served it: "mysql-1.mysql:3307"
    /// The cluster identity the member reported (GET /position, cluster_identity.hpp): a seed refuses a backup of
    /// another cluster. "" when unknown (the member did not say; a manifest written before the field existed).
    std::string cluster_identity;
    std::string agent_version;
    std::string started_at;     ///< ISO 8601 UTC
    std::string finished_at;
    std::string stream_name;    ///< relative to the backup's prefix
    std::string compression;    ///< "zstd" or "none"
    /// Set when the stream was encrypted (`backup --encryption-key-file`): the digests are of the encrypted bytes.
    std::optional<encryption_info> encryption;
    std::uint64_t stream_bytes = 0;
    std::string stream_sha256;  ///< lower-case hex, of the stream object's bytes
    std::uint64_t xbstream_bytes = 0;  ///< the backup tool's output (after decompression)
    std::string donor_digest;   ///< the donor's trailer digest of what it sent ("xxh3-64:...")
    std::vector<manifest_part> parts;
    std::string binlog_info;    ///< xtrabackup_binlog_info as in the backup ("" when the donor has no binlog)
    std::string slave_info;     ///< xtrabackup_slave_info as in the backup ("" when not a replica's backup)
    std::string tool_info;      ///< xtrabackup_info / mariadb_backup_info: server and tool versions
};

/// "20261207T074830Z" for `t`.
std::string backup_id_at(std::chrono::system_clock::time_point t);
/// Whether `id` is of that form (digits where digits belong): what a listing may take for a backup.
bool is_backup_id(std::string_view id);
/// "2026-12-07T07:48:30Z".
std::string iso8601_utc(std::chrono::system_clock::time_point t);

/// The manifest as written (pretty JSON, a newline at the end).
std::string manifest_json(const backup_manifest& m);
/// A manifest read back: every field present and of its type, the id well-formed, the stream name a plain file name
/// (no '/', not "." or ".."), part numbers 1..n in order, hex digests of the right length, sizes that add up.
result<backup_manifest> parse_manifest(std::string_view json);

}  // namespace mysql_agent::backup_store
