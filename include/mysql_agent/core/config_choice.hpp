#pragma once
// Which ConfigMap file a pod uses and what its generated server-id.cnf says.

#include <cstdint>
#include <string>
#include <string_view>

#include "mysql_agent/core/pod_identity.hpp"

namespace mysql_agent {

/// Written into the config dir by init when it re-seeded ordinal 0: mysqld starts read-only until the sidecar
/// made the new primary's binlog continue the cluster's history.
inline constexpr std::string_view reseed_read_only_file = "reseed-read-only.cnf";

/// What `init` writes into the config dir.
struct config_plan {
    std::string role_file;          ///< "master.cnf" (ordinal 0) or "slave.cnf": copied from the ConfigMap
    std::string stale_role_file;    ///< the other one: removed if a previous run left it
    std::string server_id_file;     ///< always "server-id.cnf"
    std::string server_id_content;  ///< "[mysqld]\nserver-id=N\nreport-host=<hostname>.<service>\n"
};

/// Plans the config for `self`; `server_id` comes from server_id_for().
config_plan plan_config(const pod_identity& self, std::string_view service, std::uint32_t server_id);

}  // namespace mysql_agent
