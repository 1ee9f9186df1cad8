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

}  // namespace mysql_agent::backup_store
