#pragma once
// The TLS flags of the backup port, declared once: the client's (clone, init, status) and the sidecar's.

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "mysql_agent/io/tls_context.hpp"

namespace mysql_agent::cmd {

/// --tls-ca --tls-cert --tls-key --tls-server-name.
struct tls_client_flags {
    std::string ca;
    std::string cert;
    std::string key;
    std::string server_name;
};

/// --tls-cert --tls-key --tls-client-ca.
struct tls_server_flags {
    std::string cert;
    std::string key;
    std::string client_ca;
};

/// Adds --tls-ca, --tls-cert, --tls-key and --tls-server-name; `peer` says whom the client talks to.
void add_tls_client_flags(CLI::App& sub, tls_client_flags& flags, const std::string& peer);

/// Adds --tls-cert, --tls-key and --tls-client-ca.
void add_tls_server_flags(CLI::App& sub, tls_server_flags& flags);

/// The client's TLS, or nullopt without --tls-ca. Throws config_error for a certificate or a server name without
/// --tls-ca; the files themselves (and a certificate without its key) are checked by client_tls_context.
std::optional<tls_client_settings> tls_client_of(const tls_client_flags& flags);

/// The server's TLS, or nullopt without --tls-cert. Throws config_error when --tls-cert and --tls-key do not come
/// together, or --tls-client-ca comes without them.
std::optional<tls_server_files> tls_server_of(const tls_server_flags& flags);

}  // namespace mysql_agent::cmd
