#include "pitr_flags.hpp"

#include <chrono>

#include "mysql_agent/core/backup_store/backup_status.hpp"
#include "mysql_agent/core/backup_store/manifest.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/backup_tools.hpp"

namespace mysql_agent::cmd {
namespace {

std::optional<std::filesystem::path> given(const std::string& flag_value) {
    return flag_value.empty() ? std::nullopt : std::optional<std::filesystem::path>(flag_value);
}

}  // namespace

void add_pitr_flags(CLI::App& sub, pitr_flags& flags, const std::string& context) {
    const std::string in = context.empty() ? "Point-in-time restore" : context + ": a point-in-time restore";
    sub.add_option("--to-time", flags.to_time,
                   in + " to this time (RFC 3339, UTC: 2026-12-07T14:02:00Z): the newest complete backup finished "
                        "before it, then the binlogs `sidecar --archive-binlogs` archived under the same prefix, "
                        "replayed up to the first transaction that began committing after it. Exit 20 when a gap lies "
                        "between the backup and the time, or the archive does not reach it yet");
    sub.add_option("--to-gtid", flags.to_gtid,
                   in + " up to this MariaDB GTID position (0-1-1523), included: as --to-time");
    sub.add_flag("--latest", flags.latest,
                 in + " of everything archived: the newest backup, then every archived binlog after it (refused at "
                      "a gap)");
    sub.add_option("--mysqld", flags.mysqld,
                   "--to-*, --latest: the server the binlogs are replayed into, privately (default: mariadbd, else "
                   "mysqld, on PATH or in /usr/sbin)");
    sub.add_option("--binlog-tool", flags.binlog_tool,
                   "--to-*, --latest: the binlog reader (default: mariadb-binlog, else mysqlbinlog, on PATH)");
    sub.add_option("--mysql-client", flags.mysql_client,
                   "--to-*, --latest: the client that applies its output (default: mariadb, else mysql, on PATH)");
}

std::optional<binlog_archive::recovery_target> target_of(const pitr_flags& flags) {
    const int given_count = (flags.to_time.empty() ? 0 : 1) + (flags.to_gtid.empty() ? 0 : 1) + (flags.latest ? 1 : 0);
    if (given_count == 0) return std::nullopt;
    if (given_count > 1) throw config_error("--to-time, --to-gtid and --latest: give one");
    binlog_archive::recovery_target t;
    if (!flags.to_time.empty()) {
        const auto at = backup_store::parse_iso8601_utc(flags.to_time);
        if (!at)
            throw config_error("--to-time '" + text::printable(flags.to_time) +
                               "' is not an RFC 3339 time in UTC (2026-12-07T14:02:00Z)");
        t.what = binlog_archive::recovery_target::kind::time;
        t.time = static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::seconds>(at->time_since_epoch()).count());
    } else if (!flags.to_gtid.empty()) {
        auto g = parse_mariadb_gtid_position(flags.to_gtid);
        if (!g || g->empty()) throw config_error("--to-gtid: " + (g ? std::string("an empty position") : g.message()));
        t.what = binlog_archive::recovery_target::kind::gtid;
        t.gtid = *g;
    }
    return t;
}

binlog_archive::pitr_options pitr_options_of(const pitr_flags& flags, const binlog_archive::recovery_target& target,
                                             backup_store::restore_options o) {
    binlog_archive::pitr_options p;
    p.restore = std::move(o);
    p.target = target;
    p.mysqld = resolve_server_binary(given(flags.mysqld));
    p.binlog_tool = resolve_client_tool(given(flags.binlog_tool), {"mariadb-binlog", "mysqlbinlog"}, "--binlog-tool");
    p.client = resolve_client_tool(given(flags.mysql_client), {"mariadb", "mysql"}, "--mysql-client");
    return p;
}

std::string describe_outcome(const binlog_archive::pitr_options& p, const binlog_archive::pitr_outcome& done) {
    const auto& last = done.last_applied;
    std::string line =
        "point-in-time restore " + binlog_archive::describe(p.target) + ": backup " + done.backup_id + " then " +
        std::to_string(done.transactions) + " transactions from " + std::to_string(done.files) +
        " archived binlog files; at " + to_string(done.reached) + "; the last transaction applied: " +
        (last ? binlog_archive::gtid_text(last->gtid) + " (began committing at " +
                    backup_store::iso8601_utc(std::chrono::system_clock::time_point(std::chrono::seconds(last->time))) +
                    ")"
              : std::string("none (the backup was at the target)"));
    if (!done.new_identity.empty())
        line += "; the history after the point is discarded: the cluster identity is now " + done.new_identity +
                (done.old_identity.empty() ? std::string(" (the data recorded none)")
                                           : " (was " + done.old_identity +
                                                 "): the old history's backups and archived binlogs will not seed or "
                                                 "restore it; take a backup");
    return line;
}

}  // namespace mysql_agent::cmd
