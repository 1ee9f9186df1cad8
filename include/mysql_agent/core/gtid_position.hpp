#pragma once
// GTID positions as values: MariaDB's `domain-server-seq` lists and MySQL's `uuid:intervals` sets, parsed,
// compared, and used to pick the most advanced of several peers (the member to re-seed an empty primary from).
// Pure, std only.
//
// MariaDB GTIDs: https://mariadb.com/kb/en/gtid/ (a position holds one GTID per replication domain; ordering
// within a domain is by sequence number alone).
// MySQL GTID sets: https://dev.mysql.com/doc/refman/8.4/en/replication-gtids-concepts.html (tags from 8.3:
// `uuid:tag:n`, https://dev.mysql.com/worklog/task/?id=15294).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/result.hpp"
#include "mysql_agent/core/server_version.hpp"

namespace mysql_agent {

// --- MariaDB --------------------------------------------------------------------------------------------------

/// One MariaDB GTID, `domain-server-seq`.
struct mariadb_gtid {
    std::uint32_t domain = 0;
    std::uint32_t server_id = 0;
    std::uint64_t seq = 0;
    bool operator==(const mariadb_gtid&) const = default;
};

/// A MariaDB GTID position: one GTID per domain, by ascending domain.
struct mariadb_gtid_position {
    std::vector<mariadb_gtid> gtids;

    bool empty() const noexcept { return gtids.empty(); }
    /// The sequence number reached in `domain`, nullopt when the position has no GTID there.
    std::optional<std::uint64_t> seq_in(std::uint32_t domain) const noexcept;
    /// `g` becomes its domain's GTID when the position has none there or a lower seq (domains stay in order).
    void advance(const mariadb_gtid& g);
    /// Every GTID of `other` advanced into this one.
    void advance(const mariadb_gtid_position& other);
    bool operator==(const mariadb_gtid_position&) const = default;
};

/// Parses @@gtid_current_pos, @@gtid_slave_pos or @@gtid_binlog_state: `0-100-1523,1-101-77`. Whitespace around
/// entries is ignored; "" is the empty position. gtid_binlog_state lists a GTID per (domain, server id): of those,
/// the highest seq of each domain is kept (the first listed on a tie). Errors name the bad entry and why.
result<mariadb_gtid_position> parse_mariadb_gtid_position(std::string_view text);

/// `0-100-1523,1-101-77`, by ascending domain; "" for the empty position.
std::string to_string(const mariadb_gtid_position& position);

/// Whether `a` has reached `b`: in every domain of `b`, a's seq is at least b's (a domain `b` lacks is no
/// condition). The server id plays no part: seq orders GTIDs within a domain.
bool at_least(const mariadb_gtid_position& a, const mariadb_gtid_position& b) noexcept;

// --- MySQL ----------------------------------------------------------------------------------------------------

/// Transactions `first`..`last` (both included, 1 <= first <= last) of one source.
struct gtid_interval {
    std::uint64_t first = 1;
    std::uint64_t last = 1;
    bool operator==(const gtid_interval&) const = default;
};

/// A MySQL GTID set: per source, its transactions as sorted, disjoint, non-adjacent intervals. The source is the
/// server UUID in lower case, followed by `:tag` (lower case) for tagged GTIDs (MySQL 8.3+).
struct mysql_gtid_set {
    std::map<std::string, std::vector<gtid_interval>> sources;

    bool empty() const noexcept { return sources.empty(); }
    bool operator==(const mysql_gtid_set&) const = default;
};

/// Parses @@gtid_executed / @@gtid_purged as the server prints them: `uuid:1-5:7-9,uuid2:1-3`, upper or lower case
/// UUIDs, whitespace and newlines around entries, a UUID repeated, intervals overlapping or unsorted, tags
/// (`uuid:1-5:tag:1-3`). "" is the empty set. Errors name the bad entry and why.
result<mysql_gtid_set> parse_mysql_gtid_set(std::string_view text);

/// `uuid:1-5:7-9,uuid:tag:1-3,uuid2:1-3`, sources in order, lower case; "" for the empty set.
std::string to_string(const mysql_gtid_set& set);

/// Whether every transaction of `a` is in `b` (GTID_SUBSET(a, b)).
bool is_subset(const mysql_gtid_set& a, const mysql_gtid_set& b) noexcept;

/// The transactions of `a` that `b` lacks (GTID_SUBTRACT(a, b)).
mysql_gtid_set subtract(const mysql_gtid_set& a, const mysql_gtid_set& b);

/// How many transactions `set` holds (saturates at the largest std::uint64_t).
std::uint64_t transaction_count(const mysql_gtid_set& set) noexcept;

// --- choosing the most advanced peer --------------------------------------------------------------------------

/// A place in a binary log: `mariadb-bin.000003:1234`. For a replica: Relay_Master_Log_File and
/// Exec_Master_Log_Pos (what it applied of the old primary's binlog); for a primary: SHOW MASTER STATUS.
struct binlog_file_position {
    std::string file;
    std::uint64_t position = 0;
    bool operator==(const binlog_file_position&) const = default;
};

/// Parses `file:position`, the file ending in `.<digits>` (its index). Errors name the text.
result<binlog_file_position> parse_binlog_file_position(std::string_view text);

/// One candidate, as the I/O layer found it.
struct peer_position {
    std::string name;                                      ///< "mysql-1", for the messages
    server_flavor flavor = server_flavor::mariadb;         ///< which GTID syntax `gtid_position` uses
    bool has_data = false;                                 ///< false: an empty datadir, never a candidate
    std::string gtid_position;                             ///< MariaDB @@gtid_current_pos, MySQL @@gtid_executed
    std::optional<binlog_file_position> binlog_position;   ///< used only when no peer has a GTID position
};

enum class most_advanced_outcome {
    chosen,   ///< `index` holds every transaction any other peer with data holds
    no_data,  ///< no peer holds data: the caller may initialise an empty primary
};

struct most_advanced {
    most_advanced_outcome outcome = most_advanced_outcome::no_data;
    std::size_t index = 0;  ///< chosen: into the peers given
    std::string reason;     ///< one line for the log: who was chosen over whom, from which positions
};

/// Picks the peer to re-seed from, among those with data:
///
/// | peers with data | any GTID position | positions                                    | result                    |
/// |-----------------|-------------------|----------------------------------------------|---------------------------|
/// | none            | -                 | -                                            | no_data                   |
/// | some            | -                 | flavours differ                              | error (not comparable)    |
/// | some            | yes               | one holds all others (MariaDB at_least in    | chosen: the first such    |
/// |                 |                   | every domain, MySQL superset); an empty      | peer in the list          |
/// |                 |                   | position holds nothing                       |                           |
/// | some            | yes               | none holds all others (diverged histories)   | error naming the peers,   |
/// |                 |                   |                                              | their positions, and a    |
/// |                 |                   |                                              | pair that diverged        |
/// | some            | yes               | a position does not parse                    | error naming the peer     |
/// | some            | no                | every peer has a binlog position in the same | chosen: highest (file     |
/// |                 |                   | binlog (same base name)                      | index, position), first   |
/// |                 |                   |                                              | on a tie                  |
/// | some            | no                | a peer has none, or base names differ        | error (never guess)       |
result<most_advanced> choose_most_advanced(const std::vector<peer_position>& peers);

/// The value for `SET GLOBAL gtid_binlog_state = '...'` on a primary re-seeded from a clone, from the clone's
/// gtid_slave_pos, so that its binlog continues the sequence numbers its replicas already hold. Only digits, '-'
/// and ',' are accepted (the value goes into a statement), and it must parse as a position; an empty position is
/// an error (the clone carries no GTID: there is nothing to set). The result is canonical: by ascending domain.
/// MariaDB refuses the statement once a GTID was logged (1956 ER_BINLOG_MUST_BE_EMPTY): RESET MASTER first.
/// https://mariadb.com/kb/en/gtid/#gtid_binlog_state
result<std::string> gtid_binlog_state_value(std::string_view gtid_slave_pos);

}  // namespace mysql_agent
