#pragma once
// Gathers what `mysql-agent status` shows: the local mysqld, the datadir's clone marker, the sidecar's /metrics.
// I/O layer; never throws for an unreachable mysqld or sidecar (those are facts).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/io/tls_context.hpp"
#include "mysql_agent/core/status_report.hpp"

namespace mysql_agent {

struct status_gather_options {
    mysql_connection connection;
    std::filesystem::path datadir;
    std::string pod;
    bool is_primary = false;
    std::string sidecar_host = "127.0.0.1";
    std::uint16_t sidecar_port = 3307;
    std::chrono::seconds timeout{3};  ///< connecting and each query or HTTP exchange
    std::optional<tls_client_settings> sidecar_tls;  ///< the sidecar serves TLS (--tls-ca)
};

status_facts gather_status(const status_gather_options& options);


}  // namespace mysql_agent
