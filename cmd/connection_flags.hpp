#pragma once
// The flags that say who this pod is (init, sidecar, probe, status) and how to reach its own mysqld (sidecar,
// probe, status): declared once, with one help text and one default each.

#include <string>

#include <CLI/CLI.hpp>

#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/core/pod_identity.hpp"

namespace mysql_agent::cmd {

/// --hostname --service --datadir.
struct pod_flags {
    std::string hostname;
    std::string service = "mysql";
    std::string datadir = "/var/lib/mysql";
};

/// pod_flags and the local mysqld: --mysql-host --mysql-port --mysql-socket --mysql-tls --user --password-file.
struct local_flags : pod_flags {
    std::string mysql_host = "127.0.0.1";
    std::uint16_t mysql_port = 3306;
    std::string mysql_socket;
    bool mysql_tls = false;
    std::string user = "root";
    std::string password_file;
};

/// Adds --hostname --service --datadir.
void add_pod_flags(CLI::App& sub, pod_flags& flags);

/// Adds the pod flags and --mysql-host --mysql-port --mysql-socket --mysql-tls --user --password-file.
void add_local_flags(CLI::App& sub, local_flags& flags);

/// This pod's identity from --hostname (default: the machine's), with --service checked. Throws config_error.
pod_identity identity_of(const pod_flags& flags);

/// Connection options for the local mysqld; reads --password-file. Throws config_error.
mysql_connection connection_of(const local_flags& flags);

}  // namespace mysql_agent::cmd
