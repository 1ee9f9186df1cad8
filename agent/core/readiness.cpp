#include "mysql_agent/core/readiness.hpp"

namespace mysql_agent {

probe_verdict live_verdict(const liveness_facts& facts) {
    if (!facts.answers) return {false, "mysqld at " + facts.endpoint + " does not answer: " + facts.error};
    return {true, "mysqld at " + facts.endpoint + " answers"};
}

probe_verdict ready_verdict(const readiness_facts& f) {
    if (!f.server.answers) return live_verdict(f.server);
    if (f.is_primary) {
        if (f.read_only) return {false, "primary is read-only (@@read_only=1): it cannot take writes"};
        return {true, "primary answers and is writable"};
    }
    if (!f.marker_present)
        return {false, "replica has no clone marker: its datadir was not cloned by mysql-agent init"};
    if (!f.applied) return {false, "replica is cloned but the sidecar has not configured replication yet"};
    if (f.halted) return {false, "replication halted by the sidecar: " + *f.halted};
    if (!f.replica.configured) return {false, "replica has no replication configured (SHOW SLAVE STATUS is empty)"};
    if (replica_state_of(f.replica) != replica_state::running)
        return {false, "replication threads are not running: " + describe_replica(f.replica)};
    if (f.replica.last_io_errno != 0 || f.replica.last_sql_errno != 0)
        return {false, "replication reports an error: " + describe_replica(f.replica)};
    if (!f.seconds_behind) return {false, "replication lag is unknown (Seconds_Behind_Master is NULL)"};
    if (*f.seconds_behind > f.max_lag)
        return {false, "replica lags " + std::to_string(*f.seconds_behind) + " s behind the primary (more than --max-lag " +
                           std::to_string(f.max_lag) + " s)"};
    return {true, "replica replicates, " + std::to_string(*f.seconds_behind) + " s behind the primary"};
}

}  // namespace mysql_agent
