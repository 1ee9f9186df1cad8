#include "mysql_agent/core/binlog_archive/archive_progress.hpp"

#include <algorithm>
#include <filesystem>

namespace mysql_agent::binlog_archive {
namespace {

metric_family gauge_of(std::string name, std::string help, double value) {
    return metric_family{std::move(name), std::move(help), metric_type::gauge, {{{}, value, ""}}};
}

metric_family counter_of(std::string name, std::string help, double value) {
    return metric_family{std::move(name), std::move(help), metric_type::counter, {{{}, value, ""}}};
}

}  // namespace

result<std::string> sidecar_path_of(std::string_view file, std::string_view log_bin_basename,
                                    std::string_view server_datadir, std::string_view sidecar_datadir) {
    namespace fs = std::filesystem;
    if (file.empty() || file == "." || file == ".." || file.find('/') != std::string_view::npos ||
        file.find('\0') != std::string_view::npos)
        return error{"the server lists a binlog named '" + std::string(file) + "', not a plain file name"};
    const fs::path dir = fs::path(log_bin_basename).lexically_normal().parent_path();
    const fs::path server = fs::path(server_datadir).lexically_normal();
    fs::path rel = dir.lexically_relative(server);
    const bool under = !server.empty() && !rel.empty() && *rel.begin() != "..";
    if (rel == ".") rel.clear();
    return ((under ? fs::path(sidecar_datadir) / rel : dir) / std::string(file)).lexically_normal().string();
}

archiving_verdict archiving_of(std::string_view log_bin, std::string_view read_only) {
    if (log_bin != "1") return {false, "binlog off: nothing to archive"};
    if (read_only != "0") return {false, "replica (read_only): not archiving"};
    return {true, "archiving"};
}

mariadb_gtid_position archive_reach(const std::vector<archived_binlog>& archive) {
    mariadb_gtid_position reach;
    for (const auto& r : archive) reach.advance(r.end);
    return reach;
}

std::uint32_t newest_transaction_time(const std::vector<archived_binlog>& archive) {
    std::uint32_t t = 0;
    for (const auto& r : archive) t = std::max(t, r.last_time);
    return t;
}

bool archived_already(const local_binlog& f, const std::vector<archived_binlog>& archive) {
    return std::any_of(archive.begin(), archive.end(), [&](const archived_binlog& r) {
        // file_bytes: the server's file as it was (a crash's torn last event is not archived, but identifies it).
        return r.created == f.created && r.server_id == f.server_id && r.start == f.start &&
               std::max(r.file_bytes, r.bytes) == f.size;
    });
}

bool flush_due(const mariadb_gtid_position& file_start, const mariadb_gtid_position& server_position,
               std::chrono::seconds since_last_flush, std::chrono::seconds interval) {
    return since_last_flush >= interval && !(file_start == server_position);
}

std::chrono::milliseconds poll_interval(std::chrono::seconds interval) noexcept {
    const auto quarter = std::chrono::duration_cast<std::chrono::milliseconds>(interval) / 4;
    return std::clamp<std::chrono::milliseconds>(quarter, std::chrono::milliseconds(250), std::chrono::milliseconds(5000));
}

std::vector<std::string> purged_unarchived(const std::set<std::string>& waiting, const std::vector<local_binlog>& now) {
    std::vector<std::string> gone;
    for (const auto& name : waiting)
        if (std::none_of(now.begin(), now.end(), [&](const local_binlog& f) { return f.file == name; }))
            gone.push_back(name);
    return gone;
}

std::vector<metric_family> archive_families(const archive_facts& f) {
    std::vector<metric_family> out;
    out.push_back(gauge_of("mysql_agent_binlog_archive_archiving",
                           "1 while this member is the primary and archives its closed binlogs (--archive-binlogs)",
                           f.archiving ? 1 : 0));
    out.push_back(counter_of("mysql_agent_binlog_archive_files_total",
                             "Binlog files this sidecar archived since it started", static_cast<double>(f.archived_files)));
    out.push_back(counter_of("mysql_agent_binlog_archive_bytes_total",
                             "Bytes of binlog this sidecar archived since it started", static_cast<double>(f.archived_bytes)));
    out.push_back(gauge_of("mysql_agent_binlog_archive_records", "Archived binlog files in the archive (index records)",
                           static_cast<double>(f.archive_files)));
    if (f.last_archived_at)
        out.push_back(gauge_of("mysql_agent_binlog_archive_last_success_timestamp_seconds",
                               "When this sidecar last archived a binlog file (Unix time)",
                               std::chrono::duration<double>(f.last_archived_at->time_since_epoch()).count()));
    if (f.newest_transaction_time > 0)
        out.push_back(gauge_of("mysql_agent_binlog_archive_newest_transaction_timestamp_seconds",
                               "When the newest archived transaction began committing (Unix time): what a restore "
                               "can reach; the time since is the data at risk",
                               static_cast<double>(f.newest_transaction_time)));
    out.push_back(gauge_of("mysql_agent_binlog_archive_gaps",
                           "Ranges of transactions no archived binlog holds: a restore cannot cross them",
                           static_cast<double>(f.gaps.size())));
    out.push_back(counter_of("mysql_agent_binlog_archive_purged_unarchived_total",
                             "Binlog files the server purged before they were archived (a gap)",
                             static_cast<double>(f.purged_unarchived)));
    out.push_back(counter_of("mysql_agent_binlog_archive_failures_total",
                             "Archiving passes that failed (retried at the next one)", static_cast<double>(f.failures)));
    return out;
}

std::string describe_gap(const archive_gap& g) {
    const std::string after = g.after.empty() ? "the empty position" : to_string(g.after);
    return "binlog archive: a gap: no archived binlog holds the transactions after " + after + " up to " +
           to_string(g.before) + " (the next archived one, " + g.next_name +
           ", starts there): a point-in-time restore from a backup taken before it reaches " + after +
           " at most; one from a backup taken at or after " + to_string(g.before) + " restores past it";
}

std::vector<archive_gap> new_gaps(const std::vector<archive_gap>& before, const std::vector<archive_gap>& now) {
    std::vector<archive_gap> fresh;
    for (const auto& g : now)
        if (std::none_of(before.begin(), before.end(), [&](const archive_gap& b) {
                return b.after == g.after && b.before == g.before && b.next_name == g.next_name;
            }))
            fresh.push_back(g);
    return fresh;
}

}  // namespace mysql_agent::binlog_archive
