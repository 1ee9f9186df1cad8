#pragma once
// Reads the coordinate-carrying files of an extracted or prepared backup directory.

#include <filesystem>

#include "mysql_agent/core/backup_metadata.hpp"

namespace mysql_agent {

/// Reads `{mariadb_backup,xtrabackup}_{binlog_info,slave_info}` from `dir` (the mariadb_backup_* name wins,
/// see choose_metadata_file). Absent files are nullopt. Throws file_error if `dir` is not a readable
/// directory or a present file cannot be read.
backup_files read_backup_files(const std::filesystem::path& dir);

}  // namespace mysql_agent
