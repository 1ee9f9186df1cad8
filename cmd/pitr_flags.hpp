#pragma once
// The point-in-time flags, declared once: `restore --to-time T | --to-gtid G | --latest` and `init
// --primary-from-backup` with the same three (recreate a cluster at a point in time), with the server's own tools that
// replay the binlogs.

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "mysql_agent/core/binlog_archive/recovery_plan.hpp"
#include "mysql_agent/io/binlog_archive/pitr_restore.hpp"

namespace mysql_agent::cmd {

struct pitr_flags {
    std::string to_time;
    std::string to_gtid;
    bool latest = false;
    std::string mysqld;
    std::string binlog_tool;
    std::string mysql_client;
};

/// Adds --to-time, --to-gtid, --latest, --mysqld, --binlog-tool and --mysql-client. `context`: what the flags apply
/// to, for their help ("" for restore itself).
void add_pitr_flags(CLI::App& sub, pitr_flags& flags, const std::string& context);

/// The target the flags name, or nullopt when none is given. Throws config_error (two given, a time or a position
/// that does not parse).
std::optional<binlog_archive::recovery_target> target_of(const pitr_flags& flags);

/// `o` with the target and the tools filled in: a missing tool is a configuration error (exit 3), found before
/// anything is downloaded. Throws config_error.
binlog_archive::pitr_options pitr_options_of(const pitr_flags& flags, const binlog_archive::recovery_target& target,
                                             backup_store::restore_options o);

/// The result line: the backup, the transactions and files replayed, the position reached and the last transaction
/// applied with the time it began committing; the new cluster identity when the history after the point was
/// discarded.
std::string describe_outcome(const binlog_archive::pitr_options& p, const binlog_archive::pitr_outcome& done);

}  // namespace mysql_agent::cmd
