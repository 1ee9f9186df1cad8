#include "mysql_agent/io/binlog_archive/pitr_restore.hpp"

#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/backup_store/backup_status.hpp"
#include "mysql_agent/core/backup_store/catalog.hpp"
#include "mysql_agent/core/backup_store/seed_check.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/backup_store/backup_catalog.hpp"
#include "mysql_agent/io/binlog_archive/archive_reader.hpp"
#include "mysql_agent/io/cluster_position.hpp"
#include "mysql_agent/io/binlog_archive/binlog_replay.hpp"

namespace mysql_agent::binlog_archive {
namespace {

namespace fs = std::filesystem;

/// The complete backups under the prefix with the GTID position their data stands at, as a replica seeded from them
/// would ask for it (seed_check.hpp backup_gtid_position: a replica's backup by its gtid_slave_pos, else its binlog
/// info's GTID). A backup without one, or of MySQL, cannot start a point-in-time restore: left out, logged.
std::vector<base_candidate> candidates(objstore::s3_client& client, const objstore::s3_url& at, const std::string& only) {
    std::vector<base_candidate> out;
    for (const auto& b : backup_store::list_backups(client, at)) {
        if (!b.complete || (!only.empty() && b.id != only)) continue;
        const auto m = backup_store::read_manifest(client, at, b.id);
        const auto flavor = backup_store::backup_flavor(m);
        const auto coordinates = backup_store::manifest_coordinates(m);
        const auto gtid = coordinates ? backup_store::backup_gtid_position(*coordinates, flavor) : std::nullopt;
        const auto position = gtid ? parse_mariadb_gtid_position(*gtid)
                                   : result<mariadb_gtid_position>(error{"no GTID position"});
        const auto finished = backup_store::parse_iso8601_utc(m.finished_at);
        if (flavor != server_flavor::mariadb || !position || position->empty() || !finished) {
            spdlog::warn("point-in-time restore: backup {} cannot start one ({})", b.id,
                         flavor != server_flavor::mariadb ? "a MySQL backup: the archive reads MariaDB binlogs only"
                         : !coordinates                   ? coordinates.message()
                         : !position                      ? position.message()
                                                          : "it holds no GTID position");
            continue;
        }
        out.push_back({b.id, *position,
                       static_cast<std::uint32_t>(
                           std::chrono::duration_cast<std::chrono::seconds>(finished->time_since_epoch()).count()),
                       m.cluster_identity});
    }
    return out;
}

}  // namespace

pitr_outcome restore_to_point(const pitr_options& o) {
    objstore::s3_client client(o.restore.store);
    client.check_bucket(o.restore.from.bucket);
    const std::string where = "s3://" + o.restore.from.bucket + "/" + o.restore.from.prefix;
    const auto base = choose_base(candidates(client, o.restore.from, o.restore.id), o.target);
    if (!base)
        throw pitr_unreachable_error(
            "no complete backup under " + where + (o.restore.id.empty() ? "" : " with --id " + o.restore.id) +
            " is before " + describe(o.target) + " (a restore to a point starts from a backup taken before it)");
    const auto archive = of_history(read_archive(client, o.restore.from), base->cluster_identity);
    auto chain = plan_recovery(archive, base->position, o.target);
    if (!chain)
        throw pitr_unreachable_error("the point-in-time restore from backup " + base->id + " (at " +
                                     to_string(base->position) + "): " + chain.message());
    std::uint64_t bytes = 0;
    for (const auto& f : *chain) bytes += f.bytes;
    spdlog::info("point-in-time restore to {}: backup {} (at {}), then {} archived binlog files ({} bytes) of {}",
                 describe(o.target), base->id, to_string(base->position), chain->size(), bytes, archive.size());

    pitr_outcome out;
    out.backup_id = base->id;
    if (o.target.what != recovery_target::kind::latest) {
        out.new_identity = new_cluster_identity();
    }
    backup_store::restore_options r = o.restore;
    r.id = base->id;
    r.target.before_commit = [&](const fs::path& staging, backup_metadata& coordinates, std::string& source,
                                 std::stop_token stop) {
        replay_options ro;
        ro.store = o.restore.store;
        ro.at = o.restore.from;
        ro.chain = *chain;
        ro.base = base->position;
        ro.target = o.target;
        ro.mysqld = o.mysqld;
        ro.binlog_tool = o.binlog_tool;
        ro.client = o.client;
        ro.work_dir = staging / ".mysql-agent-replay";
        ro.new_identity = out.new_identity;
        const auto replayed = replay_binlogs(staging, ro, stop);
        out.old_identity = replayed.old_identity;
        out.reached = replayed.reached;
        out.last_applied = replayed.last_applied;
        out.transactions = replayed.transactions;
        out.files = replayed.files;
        // The data is at the position reached now; the backup's binlog file and offset were another server's.
        coordinates.binlog = binlog_coordinates{"", 0, to_string(replayed.reached)};
        coordinates.replication.clear();
        coordinates.gtid_purged.reset();
        coordinates.gtid_slave_pos.reset();
        source += " + binlogs " + describe(o.target);
    };
    out.restored = backup_store::restore_datadir(r);
    return out;
}

}  // namespace mysql_agent::binlog_archive
