#include "mysql_agent/core/config_choice.hpp"

namespace mysql_agent {

config_plan plan_config(const pod_identity& self, std::string_view service, std::uint32_t server_id) {
    config_plan plan;
    plan.role_file = self.is_primary() ? "master.cnf" : "slave.cnf";
    plan.stale_role_file = self.is_primary() ? "slave.cnf" : "master.cnf";
    plan.server_id_file = "server-id.cnf";
    plan.server_id_content = "[mysqld]\nserver-id=" + std::to_string(server_id) + "\nreport-host=" +
                             own_host(self, service) + "\n";
    return plan;
}

}  // namespace mysql_agent
