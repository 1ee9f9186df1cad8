#pragma once
// A MariaDB binary log file read event by event, incrementally (the bytes of a file are fed as they are read, never
// held whole): every event's length, position and CRC-32 checked, and what the archive needs to know of the file
// summarised: the binlog state it starts from (its Gtid_list event), each complete transaction's GTID, time and byte
// range, and how the file ended. Pure, std only.
//
// Format (https://mariadb.com/kb/en/binary-log-file-format/ ... /log-event-header/, /gtid_event/, /gtid_list_event/,
// /format_description_event/, /query_event/):
//   file    = magic "\xfe" "bin", then events
//   event   = header (19 bytes, little-endian: timestamp u32, type u8, server_id u32, event_length u32, next_position
//             u32, flags u16), post-header and body, then a CRC-32 of all that (4 bytes) when the Format_description
//             event says binlog_checksum = CRC32
//   Format_description (type 15) first: binlog version u16 (4), server version (50 bytes), create time u32, header
//             length u8 (19), one post-header length per event type, then the checksum algorithm (1 byte: 0 off,
//             1 CRC32) and the 4 checksum bytes, present whatever the algorithm (zero when off)
//   Gtid_list (163): count u32 (low 28 bits), then count x (domain u32, server_id u32, seq u64): the binlog state
//             (gtid_binlog_state) before the file's first transaction
//   Gtid (162): seq u64, domain u32, flags u8 (1: standalone, one event follows and the group ends with it)
//   a group (a transaction) ends with an Xid event (16), an XA_prepare event (38), or a Query event (2) whose text
//             is COMMIT or ROLLBACK; a standalone group with the one event after its Gtid event (a DDL)
//   Rotate (4) ends a file closed by FLUSH BINARY LOGS or a size limit; Stop (3) one closed by a shutdown; a file
//             that ends in neither was open when the server crashed (its events are still good up to the last whole
//             one; a group not ended there never committed)
//
// A Start_encryption event (164) means the rest of the file is encrypted: refused, named. MySQL's binlogs (GTID
// events 33, Previous_gtids 35) are refused too: point-in-time recovery reads MariaDB's for now.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/result.hpp"

namespace mysql_agent::binlog_archive {

/// The largest event accepted: a row or query event is bounded by the server's max_allowed_packet (at most 1 GiB)
/// and the slave_max_allowed_packet; a length beyond this is damage, not data.
inline constexpr std::uint64_t event_length_limit = (1ull << 30) + (1u << 20);

/// One complete transaction (an event group) of a file.
struct binlog_transaction {
    mariadb_gtid gtid;
    std::uint32_t time = 0;   ///< its Gtid event's timestamp: when its COMMIT (or its one statement) began, seconds
    std::uint64_t begin = 0;  ///< the byte offset of its Gtid event
    std::uint64_t end = 0;    ///< the byte offset just after its last event
};

enum class binlog_ending { rotate, stop, open };

/// What a whole file holds, as the archive indexes it.
struct binlog_summary {
    std::string server_version;                 ///< from the Format_description event
    std::uint32_t server_id = 0;                ///< of the server that wrote the file (its Format_description event)
    std::uint32_t created = 0;                  ///< the Format_description event's timestamp
    bool checksummed = false;                   ///< CRC-32 on every event
    bool in_use = false;                        ///< the server had not closed it (open, or left by a crash)
    std::vector<mariadb_gtid> start_state;      ///< the Gtid_list event: one GTID per (domain, server id)
    mariadb_gtid_position start;                ///< the highest seq per domain of start_state
    mariadb_gtid_position end;                  ///< start advanced by every complete transaction
    std::optional<binlog_transaction> first;    ///< the first complete transaction, none in a file without one
    std::optional<binlog_transaction> last;     ///< the last complete transaction
    std::uint64_t transactions = 0;             ///< complete transactions
    std::uint64_t bytes = 0;                    ///< bytes read: the file's size
    std::uint64_t whole_bytes = 0;              ///< the offset after the last whole event
    binlog_ending ending = binlog_ending::open;
};

/// Reads one binlog file. Feed it the file's bytes in order, in pieces of any size, then finish().
class binlog_scanner {
public:
    /// `on_transaction`, when given, is called for each complete transaction in file order.
    explicit binlog_scanner(std::function<void(const binlog_transaction&)> on_transaction = {});

    /// Takes the next bytes. An error (damage, an unsupported file) is final: every later call returns it.
    status feed(const char* data, std::size_t size);

    /// The summary once every byte was fed. `allow_open_end`: a file the server may still be writing, or one it
    /// left open in a crash, may end inside an event (the summary then stops at the last whole one); a closed file
    /// (ended by Rotate or Stop) never may.
    result<binlog_summary> finish(bool allow_open_end = false);

private:
    status fail(std::string why);
    status on_event();
    status on_format_description();
    status on_gtid_list();
    status on_gtid();
    status on_query();
    void end_group();

    std::function<void(const binlog_transaction&)> on_transaction_;
    binlog_summary s_;
    std::string error_;
    std::uint64_t offset_ = 0;        ///< bytes taken so far
    std::string head_;                ///< the magic, then the current event's first bytes (up to kept_bytes)
    bool magic_done_ = false;
    std::uint64_t event_start_ = 0;   ///< offset of the current event
    std::uint64_t event_length_ = 0;  ///< 0 until its header is read
    std::uint32_t crc_ = 0;           ///< of the current event's bytes so far, but its last 4
    std::string crc_tail_;            ///< the current event's last bytes seen (its stored CRC when it ends)
    bool seen_format_ = false;
    bool seen_gtid_list_ = false;
    bool ended_ = false;              ///< a Rotate or Stop event was read: nothing may follow
    // The event group being read.
    std::optional<binlog_transaction> group_;
    bool group_standalone_ = false;
    int group_events_ = 0;
};

}  // namespace mysql_agent::binlog_archive
