#pragma once
// Which member `backup` asks first. A backup loads the member that serves it (mariabackup reads every page; on a
// replica, --safe-slave-backup pauses its SQL thread), so the replica with the least lag goes first, the primary only
// after every replica, and a member that did not say where it stands (GET /position) last of all, as a last resort.
// Pure: the I/O layer asks each member and hands the answers here.

#include <cstddef>
#include <string>
#include <vector>

#include "mysql_agent/core/server_version.hpp"

namespace mysql_agent::backup_store {

struct source_candidate {
    std::string name;           ///< as given in --from, for the log
    bool answered = false;      ///< GET /position answered
    bool primary = false;       ///< its role
    server_flavor flavor = server_flavor::mariadb;
    std::string gtid_position;  ///< MariaDB @@gtid_current_pos, MySQL @@gtid_executed
};

struct source_order {
    std::vector<std::size_t> order;  ///< indexes into the candidates, the first asked first
    std::string reason;              ///< one line for the log
};

/// Replicas that answered, the most transactions applied first (MariaDB: the sum of its domains' sequence numbers;
/// MySQL: the transactions in its GTID set; a position that does not parse counts as none), ties in --from order;
/// then the primaries that answered; then the members that did not answer, in --from order.
source_order order_backup_sources(const std::vector<source_candidate>& candidates);

}  // namespace mysql_agent::backup_store
