#pragma once
// The flags that say who this pod is and how to reach its own mysqld: shared by sidecar, probe and status.

#include <string>

#include <CLI/CLI.hpp>

#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/core/pod_identity.hpp"

namespace mysql_agent::cmd {

struct local_flags {
    std::string hostname;
    std::string service = "mysql";
    std::string datadir = "/var/lib/mysql";
    std::string mysql_host = "127.0.0.1";
    std::uint16_t mysql_port = 3306;
    std::string mysql_socket;
    std::string user = "root";
    std::string password_file;
};

/// Adds --hostname --service --datadir --mysql-host --mysql-port --mysql-socket --user --password-file.
void add_local_flags(CLI::App& sub, local_flags& flags);

/// This pod's identity from --hostname (default: the machine's). Throws config_error.
pod_identity identity_of(const local_flags& flags);

/// Connection options for the local mysqld; reads --password-file. Throws config_error.
mysql_connection connection_of(const local_flags& flags);

}  // namespace mysql_agent::cmd
