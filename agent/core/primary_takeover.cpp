#include "mysql_agent/core/primary_takeover.hpp"

#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/sql_dialect.hpp"
#include "mysql_agent/core/sql_literal.hpp"

namespace mysql_agent {

result<std::string> takeover_position(const backup_metadata& clone, const server_version& server) {
    const std::string none = "the clone carries no GTID position, so a re-seeded primary's binlog cannot continue "
                             "where the replicas stand (they follow file/position coordinates of a binlog that is "
                             "gone): re-seed the replicas too, or start the primary with --bootstrap-empty";
    if (server.is_mariadb()) {
        const std::string pos = clone.gtid_slave_pos && !clone.gtid_slave_pos->empty()
                                    ? *clone.gtid_slave_pos
                                    : (clone.binlog ? clone.binlog->gtid_set : std::string());
        if (pos.empty()) return error{none};
        return gtid_binlog_state_value(pos);
    }
    if (!clone.binlog || clone.binlog->gtid_set.empty()) return error{none};
    auto set = parse_mysql_gtid_set(clone.binlog->gtid_set);
    if (!set) return set.err();
    return to_string(*set);
}

result<std::vector<sql_statement>> takeover_statements(const backup_metadata& clone, const server_version& server,
                                                       bool no_backslash_escapes) {
    const auto position = takeover_position(clone, server);
    if (!position) return position.err();
    const sql_dialect d = dialect_for(server);
    const std::string lit = sql_string_literal(*position, no_backslash_escapes);
    std::vector<sql_statement> out{plain_statement(d.stop_replica + ";"), plain_statement(d.reset_replica_all + ";")};
    if (server.is_mariadb()) {
        out.push_back(plain_statement("RESET MASTER;"));
        out.push_back(plain_statement("SET GLOBAL gtid_binlog_state=" + lit + ";"));
    } else {
        out.push_back(plain_statement(d.reset_gtid + ";"));
        out.push_back(plain_statement("SET GLOBAL gtid_purged=" + lit + ";"));
        out.push_back(plain_statement("SET GLOBAL super_read_only=OFF;"));
    }
    out.push_back(plain_statement("SET GLOBAL read_only=OFF;"));
    return out;
}

}  // namespace mysql_agent
