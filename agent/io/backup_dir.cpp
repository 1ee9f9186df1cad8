#include "mysql_agent/io/backup_dir.hpp"

#include <system_error>

#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/core/backup_layout.hpp"
#include "mysql_agent/core/errors.hpp"

namespace mysql_agent {
namespace {

std::optional<named_content> read_chosen(const std::filesystem::path& dir, std::string_view base) {
    std::error_code ec;
    const bool mariadb = std::filesystem::exists(dir / ("mariadb_backup_" + std::string(base)), ec);
    const bool xtrabackup = std::filesystem::exists(dir / ("xtrabackup_" + std::string(base)), ec);
    const auto name = choose_metadata_file(base, mariadb, xtrabackup);
    if (!name) return std::nullopt;
    return named_content{*name, read_file(dir / *name, control_file_limit)};
}

}  // namespace

backup_files read_backup_files(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw file_error("backup directory " + dir.string() + " is not a readable directory" +
                         (ec ? ": " + ec.message() : std::string()));
    return backup_files{read_chosen(dir, "binlog_info"), read_chosen(dir, "slave_info")};
}

}  // namespace mysql_agent
