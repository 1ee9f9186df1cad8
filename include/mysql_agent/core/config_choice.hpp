#pragma once
// Which ConfigMap file a pod uses and what its generated server-id.cnf says.

#include <cstdint>
#include <string>
#include <string_view>

#include "mysql_agent/core/pod_identity.hpp"

namespace mysql_agent {

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
