#pragma once
// The backup tool's command line and the option file that carries its credentials, as the sidecar runs
// xtrabackup/mariabackup for one `GET /backup` (io/backup_stream.cpp writes the file and starts the tool). Pure.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/mysql_connection.hpp"

namespace mysql_agent {

/// What the tool's arguments depend on besides the two paths of one backup.
struct backup_tool_settings {
    std::string datadir;   ///< passed as --datadir when not empty
    bool replica = false;  ///< adds --slave-info (and --safe-slave-backup for mariabackup)
    bool mariadb = false;  ///< the tool is mariabackup (backup_tools::mariadb)
    std::uint64_t open_files_limit = 0;  ///< passed as --open-files-limit when not 0 (core/open_files.hpp)
};

/// The arguments of the backup tool after its program name. `defaults_file` comes first because the tools
/// refuse it anywhere else ("--defaults-extra-file must be specified first on the command line").
std::vector<std::string> backup_tool_arguments(const backup_tool_settings& settings, std::string_view defaults_file,
                                               std::string_view target_dir);

/// `value` double-quoted for an option file, with `\`, `"`, newline, carriage return and tab escaped.
std::string option_file_value(std::string_view value);

/// The option file that carries the credentials: a [client] group, values double-quoted with `\` and `"`
/// escaped (the quoting that my_print_defaults and mariabackup 10.11 accept for `#`, spaces and quotes).
std::string client_option_file(const mysql_connection& c);

}  // namespace mysql_agent
