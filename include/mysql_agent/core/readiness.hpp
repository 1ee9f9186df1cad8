#pragma once
// The verdicts behind `mysql-agent probe live|ready` and the sidecar's /healthz and /readyz. Pure: the I/O
// layer gathers the facts (agent/io/health_facts.cpp).

#include <cstdint>
#include <optional>
#include <string>

#include "mysql_agent/core/replication_plan.hpp"

namespace mysql_agent {

struct probe_verdict {
    bool ok = false;
    std::string reason;  ///< one line: why
};

/// What liveness looks at: only whether mysqld answers. Never replication: a lagging or broken replica
/// must not be restarted by the kubelet, which would not fix it and would lose the evidence.
struct liveness_facts {
    bool answers = false;
    std::string endpoint;  ///< "unix:/run/mysqld/mysqld.sock" or "127.0.0.1:3306"
    std::string error;     ///< why it did not answer
};

probe_verdict live_verdict(const liveness_facts& facts);

/// What readiness looks at.
struct readiness_facts {
    liveness_facts server;
    bool is_primary = false;
    bool read_only = false;        ///< @@read_only (a primary must be writable)
    bool marker_present = false;   ///< the clone marker is in the datadir
    bool applied = false;          ///< the sidecar recorded that replication from the marker was configured
    std::optional<std::string> halted;  ///< the sidecar halted replication: why (replication_halted_file)
    replica_status replica;        ///< SHOW SLAVE/REPLICA STATUS of the default channel
    std::optional<std::uint64_t> seconds_behind;  ///< NULL while a thread does not run
    std::uint64_t max_lag = 60;
};

/// Readiness, first matching row wins:
///
///   answers | role    | facts                                              -> verdict
///   --------+---------+----------------------------------------------------+-------------------------------
///   no      | any     |                                                    | not ready: mysqld does not answer
///   yes     | primary | read_only                                          | not ready: primary is read-only
///   yes     | primary | writable                                           | ready
///   yes     | replica | no clone marker                                    | not ready: not cloned by the agent
///   yes     | replica | marker, not applied                                | not ready: replication not configured yet
///   yes     | replica | halted by the sidecar                              | not ready: halted, and why
///   yes     | replica | replication not configured / a thread stopped      | not ready: threads not running (+ error)
///   yes     | replica | threads run but an IO/SQL error is recorded        | not ready: the error (e.g. reconnecting)
///   yes     | replica | threads run, lag unknown or > max_lag              | not ready: lag
///   yes     | replica | threads run, lag <= max_lag                        | ready
probe_verdict ready_verdict(const readiness_facts& facts);

}  // namespace mysql_agent
