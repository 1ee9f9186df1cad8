#pragma once
// Which backup tool pair to run: `--xtrabackup/--xbstream` if given, else `xtrabackup`+`xbstream` on PATH,
// else `mariabackup`+`mbstream`. I/O (looks at PATH and runs `--version`).

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mysql_agent {

struct backup_tools {
    std::filesystem::path backup;  ///< xtrabackup or mariabackup (absolute)
    std::filesystem::path stream;  ///< xbstream or mbstream (absolute)
    bool mariadb = false;          ///< mariabackup's dialect (--safe-slave-backup, mariadb_backup_* names)
};

/// Resolves the pair. Throws config_error naming what was looked for when nothing is found.
backup_tools resolve_backup_tools(const std::optional<std::filesystem::path>& xtrabackup,
                                  const std::optional<std::filesystem::path>& xbstream);

/// The server binary for a restore check: `given` (a path, or a name looked up on PATH), else mariadbd, then mysqld,
/// on PATH or in /usr/sbin. Throws config_error naming what was looked for.
std::filesystem::path resolve_server_binary(const std::optional<std::filesystem::path>& given);

/// A client tool of the server's (mariadb-binlog, mariadb): `given` if set (a path, or a name looked up on PATH), else
/// the first of `names` on PATH or in /usr/bin. Throws config_error naming `flag` and what was looked for.
std::filesystem::path resolve_client_tool(const std::optional<std::filesystem::path>& given,
                                          const std::vector<std::string>& names, std::string_view flag);

/// `<tool> --version` first line (e.g. "mariabackup based on MariaDB server 10.11.19-MariaDB ..."), or "" if it fails.
std::string backup_tool_version(const std::filesystem::path& tool);

}  // namespace mysql_agent
