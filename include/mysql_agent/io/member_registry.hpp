#pragma once
// The primary's sidecar records the cluster's members in mysql_agent.members (core/members.hpp): itself, and every
// replica its server lists in SHOW SLAVE HOSTS / SHOW REPLICAS (their report-host, which init writes). Every
// replica's copy answers GET /position's `members`, so a re-seed knows who may hold data even when DNS does not
// say (core/reseed_choice.hpp). I/O: blocking MySQL calls on one connection.

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include "mysql_agent/core/members.hpp"
#include "mysql_agent/io/mysql_client.hpp"

namespace mysql_agent {

/// The members recorded on this server ([] while the table does not exist). Throws mysql_error.
std::vector<member> read_members(mysql_client& client);

/// Records `self_name` (this server's @@server_id) and the replicas connected now, writing only what is new or
/// changed. Returns how many members were written. Throws mysql_error.
std::size_t record_members(mysql_client& client, const std::string& self_name);

/// On the primary: record_members every `interval` until `stop` (a replica that connects later is recorded within
/// one interval); a failed pass is logged at warn (once per distinct message) and tried again.
void run_member_loop(const mysql_connection& local, const std::string& self_name, std::chrono::milliseconds interval,
                     std::stop_token stop);

}  // namespace mysql_agent
