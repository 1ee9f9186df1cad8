#pragma once
// Replication coordinates recorded by XtraBackup 2.3-8.4 and mariabackup 10.x-11.x.
// Format notes and the fixtures this is tested on: tests/fixtures/backup-metadata/README.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// The donor's own binary log position (`xtrabackup_binlog_info`): where a replica of the donor starts.
struct binlog_coordinates {
    std::string file;        ///< "" when the binlog is off but GTIDs are on
    std::uint64_t position = 0;
    std::string gtid_set;    ///< whitespace removed; "" means no GTID
    bool operator==(const binlog_coordinates&) const = default;
};

/// One replication channel of a donor that was itself a replica (`xtrabackup_slave_info`).
struct replication_entry {
    std::string channel;     ///< MySQL `FOR CHANNEL 'c'` or MariaDB `CHANGE MASTER 'c' TO`; "" = default
    std::string file;        ///< "" for auto-position entries and never-connected channels
    std::uint64_t position = 0;
    bool auto_position = false;  ///< MASTER_AUTO_POSITION=1 / SOURCE_AUTO_POSITION=1 / master_use_gtid=slave_pos
    bool operator==(const replication_entry&) const = default;
};

/// What `xtrabackup_slave_info` says. No entries: the donor was not a replica.
struct slave_info {
    std::vector<replication_entry> entries;   ///< in file order
    std::optional<std::string> gtid_purged;    ///< MySQL, whitespace removed
    std::optional<std::string> gtid_slave_pos; ///< MariaDB, whitespace removed
    bool operator==(const slave_info&) const = default;
};

/// Everything a new replica needs from a backup directory.
struct backup_metadata {
    std::optional<binlog_coordinates> binlog;
    std::vector<replication_entry> replication;
    std::optional<std::string> gtid_purged;
    std::optional<std::string> gtid_slave_pos;
    bool operator==(const backup_metadata&) const = default;
};

/// A metadata file as read from disk: its name (for error messages) and its bytes.
struct named_content {
    std::string name;
    std::string content;
};

/// The raw files of a backup dir that carry coordinates. Absent files are nullopt.
struct backup_files {
    std::optional<named_content> binlog_info;  ///< already chosen by choose_metadata_file()
    std::optional<named_content> slave_info;
};

/// Parses `xtrabackup_binlog_info` / `mariadb_backup_binlog_info` content.
/// Empty (or whitespace-only) content means no coordinates: nullopt. Errors name `file_name` and the line.
result<std::optional<binlog_coordinates>> parse_binlog_info(std::string_view file_name, std::string_view content);

/// Parses `xtrabackup_binlog_pos_innodb` (`./file<TAB>pos`), stripping a leading `./` or `.\`.
result<binlog_coordinates> parse_binlog_pos_innodb(std::string_view file_name, std::string_view content);

/// Parses `xtrabackup_slave_info` / `mariadb_backup_slave_info`. Never executes or replays it:
/// it only extracts channels, coordinates and GTID positions. Errors name `file_name` and the line.
result<slave_info> parse_slave_info(std::string_view file_name, std::string_view content);

/// Combines the parsed files into the metadata of a backup.
result<backup_metadata> parse_backup_metadata(const backup_files& files);

/// `key = value` files (`xtrabackup_checkpoints`, `xtrabackup_info`): keys in file order with
/// values trimmed (an empty value stays ""). Errors name `file_name` and the line.
struct key_value { std::string key; std::string value; };
result<std::vector<key_value>> parse_key_value_file(std::string_view file_name, std::string_view content);

/// The value for `key` in a parsed key/value file, if present.
std::optional<std::string> find_value(const std::vector<key_value>& kv, std::string_view key);

/// Which of two names to read: the `mariadb_backup_*` one wins over `xtrabackup_*` when both exist.
/// `base` is the part after the prefix ("binlog_info", "slave_info", "checkpoints", "info").
/// Returns the chosen file name, or nullopt if neither exists.
std::optional<std::string> choose_metadata_file(std::string_view base, bool mariadb_exists, bool xtrabackup_exists);

/// The JSON printed by `mysql-agent inspect-backup` (keys always present, in this order:
/// binlog, replication, gtid_purged, gtid_slave_pos), pretty-printed, ending in a newline.
std::string to_json(const backup_metadata& metadata);

}  // namespace mysql_agent
