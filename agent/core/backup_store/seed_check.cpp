#include "mysql_agent/core/backup_store/seed_check.hpp"

#include "mysql_agent/core/gtid_position.hpp"

namespace mysql_agent::backup_store {

std::optional<std::string> backup_gtid_position(const backup_metadata& backup, server_flavor flavor) {
    if (flavor == server_flavor::mariadb && backup.gtid_slave_pos && !backup.gtid_slave_pos->empty())
        return *backup.gtid_slave_pos;
    if (backup.binlog && !backup.binlog->gtid_set.empty()) return backup.binlog->gtid_set;
    return std::nullopt;
}

status check_primary_serves(server_flavor flavor, std::string_view backup_position, std::string_view binlog_start) {
    const std::string advice =
        ": a member seeded from it could never catch up. Take a new backup (mysql-agent backup), or clone this "
        "member from a peer (remove --seed-from)";
    if (flavor == server_flavor::mariadb) {
        auto backup = parse_mariadb_gtid_position(backup_position);
        if (!backup) return error{"the backup's GTID position '" + std::string(backup_position) + "': " + backup.message()};
        auto start = parse_mariadb_gtid_position(binlog_start);
        if (!start) return error{"the primary's binlog start '" + std::string(binlog_start) + "': " + start.message()};
        if (at_least(*backup, *start)) return ok();
        return error{"the backup's data ends at GTID " + to_string(*backup) + ", but the primary's oldest binlog begins at " +
                     to_string(*start) + ": the transactions between were purged from its binlog" + advice};
    }
    auto backup = parse_mysql_gtid_set(backup_position);
    if (!backup) return error{"the backup's GTID set '" + std::string(backup_position) + "': " + backup.message()};
    auto purged = parse_mysql_gtid_set(binlog_start);
    if (!purged) return error{"the primary's gtid_purged '" + std::string(binlog_start) + "': " + purged.message()};
    if (is_subset(*purged, *backup)) return ok();
    return error{"the primary purged " + to_string(subtract(*purged, *backup)) +
                 " from its binlog, transactions the backup does not hold (it holds " + to_string(*backup) + ")" + advice};
}

bool holds_backup(server_flavor flavor, std::string_view backup_position, std::string_view primary_position) {
    if (flavor == server_flavor::mariadb) {
        const auto backup = parse_mariadb_gtid_position(backup_position);
        const auto primary = parse_mariadb_gtid_position(primary_position);
        return backup && primary && at_least(*primary, *backup);
    }
    const auto backup = parse_mysql_gtid_set(backup_position);
    const auto executed = parse_mysql_gtid_set(primary_position);
    return backup && executed && is_subset(*backup, *executed);
}

result<backup_metadata> manifest_coordinates(const backup_manifest& m) {
    backup_files files;
    if (!m.binlog_info.empty()) files.binlog_info = named_content{"xtrabackup_binlog_info", m.binlog_info};
    if (!m.slave_info.empty()) files.slave_info = named_content{"xtrabackup_slave_info", m.slave_info};
    return parse_backup_metadata(files);
}

server_flavor backup_flavor(const backup_manifest& m) {
    return m.tool_info.find("MariaDB") != std::string::npos ? server_flavor::mariadb : server_flavor::mysql;
}

seed_verdict judge_seed(const backup_manifest& m, const std::optional<position_report>& primary) {
    using kind = seed_verdict::kind;
    const std::string unchecked = "; seeding unchecked: replication will say if the binlogs are gone";
    if (!primary) return {kind::unchecked, "the primary did not say where it stands" + unchecked};
    const std::string from_peers = ": seeding from the peers instead";
    if (!m.cluster_identity.empty() && primary->cluster_identity && *primary->cluster_identity != m.cluster_identity)
        return {kind::skip, "it is a backup of another cluster identity (" + m.cluster_identity +
                                "), the primary's is " + *primary->cluster_identity +
                                " (a cluster recreated at a point in time starts a new one; or --seed-from names "
                                "another cluster's prefix)" + from_peers};
    const auto metadata = manifest_coordinates(m);
    if (!metadata) return {kind::refused, "its manifest carries coordinates that do not parse: " + metadata.message()};
    const auto position = backup_gtid_position(*metadata, primary->flavor);
    if (!position) return {kind::unchecked, "the backup carries no GTID position" + unchecked};
    if (!holds_backup(primary->flavor, *position, primary->gtid_position))
        return {kind::skip, "the backup's data is at " + *position + ", past the primary's " + primary->gtid_position +
                                " (the primary was restored to an earlier point: the backup holds transactions it "
                                "does not)" + from_peers};
    if (!primary->binlog_start)
        return {kind::unchecked, "the primary does not report where its binlog begins" + unchecked};
    if (auto serves = check_primary_serves(primary->flavor, *position, *primary->binlog_start); !serves)
        return {kind::refused, serves.message()};
    return {kind::go, "the primary holds every binlog after the backup's position " + *position +
                          " (its oldest begins at '" + *primary->binlog_start + "')"};
}

}  // namespace mysql_agent::backup_store
