#pragma once
// The binlog archive's storage format: one object per archived binlog file and, written after it (the commit point,
// as a backup's manifest), its index record. Pure, std + nlohmann::json.
//
//   PREFIX/binlogs/NAME.binlog   the file's whole events, byte for byte as the server wrote them
//   PREFIX/binlogs/NAME.json     its index record (below); without it the .binlog object does not exist for a
//                                restore and is removed by a later pass
//
// NAME = <the file's creation time, 20261207T074830Z>-<server id>-<the first 16 hex digits of its SHA-256>: the same
// file archived twice (a sidecar restarted before it recorded its progress) gets the same name, and a file name the
// server reuses (mariadb-bin.000001 after a re-seed, a restored cluster) never overwrites another file's object. What
// a restore follows is not the names but the GTIDs: each record says the position the file starts from (its
// Gtid_list event) and the one it ends at, and files chain where one's end is the next one's start.
//
// Index record (JSON, at most 64 KiB):
//   {"format": 1, "name": NAME, "file": "mariadb-bin.000042", "server_version": "...", "server_id": 7,
//    "created": "2026-12-07T07:48:30Z", "checksummed": true,
//    "start_state": "0-7-26,0-1-10", "start": "0-7-26", "end": "0-7-27,3-7-1",
//    "first_gtid": "0-7-27", "first_time": "...", "last_gtid": "3-7-1", "last_time": "...",   (absent: no transaction)
//    "transactions": 5, "bytes": 1317, "file_bytes": 1400 (only when more than bytes), "sha256": "<64 hex>",
//    "ending": "rotate" | "stop" | "open",
//    "archived_at": "...", "cluster_identity": "<uuid>" (absent: the server carried none)}

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/binlog_archive/binlog_scanner.hpp"
#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/result.hpp"

namespace mysql_agent::binlog_archive {

inline constexpr std::string_view archive_folder = "binlogs/";
inline constexpr std::size_t index_record_limit = 64u << 10;
/// The largest archived file a record may name: max_binlog_size is at most 1 GiB, but a transaction is never split
/// across files, so one file can hold a large transaction beyond it. A record naming more is refused (a restore
/// downloads what the record says onto the data volume).
inline constexpr std::uint64_t archived_file_limit = 64ull << 30;

/// One archived binlog file, as its index record says.
struct archived_binlog {
    std::string name;             ///< NAME: the objects are binlogs/NAME.binlog and binlogs/NAME.json
    std::string file;             ///< the server's name for it (informative: names are reused)
    std::string server_version;
    std::uint32_t server_id = 0;
    std::uint32_t created = 0;    ///< seconds since the epoch (its Format_description event)
    bool checksummed = false;
    std::string start_state;      ///< the Gtid_list event's GTIDs, domain-server-seq, as listed
    mariadb_gtid_position start;
    mariadb_gtid_position end;
    std::optional<mariadb_gtid> first_gtid;
    std::optional<mariadb_gtid> last_gtid;
    std::uint32_t first_time = 0;  ///< 0 without a transaction
    std::uint32_t last_time = 0;
    std::uint64_t transactions = 0;
    std::uint64_t bytes = 0;       ///< of the .binlog object
    /// The server's file's size when it was archived: more than `bytes` only for a file a crash left ending inside
    /// an event (what is archived ends at its last whole one); what identifies the file (archive_progress.hpp).
    std::uint64_t file_bytes = 0;
    std::string sha256_hex;        ///< of the .binlog object
    binlog_ending ending = binlog_ending::open;
    std::string archived_at;       ///< ISO 8601 UTC
    /// The cluster identity (cluster_identity.hpp) the server carried when the file was archived; "" when it carried
    /// none yet. A point-in-time restore gives the restored cluster a new one: its files, which reuse the discarded
    /// history's GTIDs, are never chained with that history's (recovery_plan.hpp of_history).
    std::string cluster_identity;
};

/// The record of `s` (a file's summary, `bytes` of it archived, with that SHA-256; s.bytes the file's size) under the
/// server's `file` name.
archived_binlog record_of(const binlog_summary& s, std::string file, std::uint64_t bytes, std::string sha256_hex,
                          std::chrono::system_clock::time_point archived_at);

/// NAME for a file: created time, server id, a digest prefix.
std::string archive_name(std::uint32_t created, std::uint32_t server_id, std::string_view sha256_hex);

/// The record as stored (pretty JSON, a newline at the end).
std::string index_json(const archived_binlog& r);

/// A record read back from the bucket: at most index_record_limit bytes, every field of its type, the name of the
/// NAME form and agreeing with the digest and server id, positions that parse, the end at or past the start in every
/// domain, hex digests of the right length, the server's file name a plain name and its version printable (both
/// reach logs and messages), sizes up to archived_file_limit. `expected_name`: the NAME its object key says, "" to skip that check.
result<archived_binlog> parse_index(std::string_view json, std::string_view expected_name = {});

/// One GTID as domain-server-seq.
std::string gtid_text(const mariadb_gtid& g);

/// A binlog timestamp (seconds since the epoch, as events carry it) as the index and messages show it: ISO 8601 UTC.
std::string time_text(std::uint32_t unix_seconds);

}  // namespace mysql_agent::binlog_archive
