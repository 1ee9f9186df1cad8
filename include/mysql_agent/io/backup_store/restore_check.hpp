#pragma once
// `backups verify --restore`: the backup restored into a scratch directory exactly as `restore` does (every digest
// checked while it streams, extract, prepare, commit), then a private mysqld started on the result
// (core/backup_store/restore_check.hpp: no networking, no grant tables, no replication, no binlog), every base
// table checked with CHECK TABLE and counted, the server stopped and the scratch directory removed whatever
// happened. I/O layer.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mysql_agent/io/backup_store/backup_restore.hpp"

namespace mysql_agent::backup_store {

struct restore_check_options {
    restore_options restore;           ///< target.datadir is set here, inside `scratch`
    std::filesystem::path scratch;     ///< a directory for the scratch datadir (removed after)
    std::filesystem::path mysqld;      ///< the server binary (mariadbd, mysqld)
    std::chrono::seconds start_timeout{300};
};

struct restore_check_report {
    std::string source;                ///< the backup: s3://.../<id>/
    std::uint64_t tables = 0;
    std::uint64_t rows = 0;
    std::uint64_t datadir_bytes = 0;
    double restore_seconds = 0, check_seconds = 0;
};

/// Restores and checks. Throws what restore throws; bad_input_error naming every table that failed CHECK TABLE;
/// clone_failed_error when the server does not start on the result (with its error log's last lines).
restore_check_report verify_by_restoring(const restore_check_options& options);

}  // namespace mysql_agent::backup_store
