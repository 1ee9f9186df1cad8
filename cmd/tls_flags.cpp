#include "tls_flags.hpp"

#include "mysql_agent/core/errors.hpp"

namespace mysql_agent::cmd {

void add_tls_client_flags(CLI::App& sub, tls_client_flags& flags, const std::string& peer) {
    sub.add_option("--tls-ca", flags.ca,
                   "Talk to " + peer + " over TLS only, trusting certificates signed by this CA (PEM) and checking "
                   "that the certificate names the host connected to. Never falls back to plaintext");
    sub.add_option("--tls-cert", flags.cert,
                   "Client certificate (PEM) for a sidecar started with --tls-client-ca; needs --tls-ca and --tls-key");
    sub.add_option("--tls-key", flags.key, "Private key (PEM) of --tls-cert");
    sub.add_option("--tls-server-name", flags.server_name,
                   "The name " + peer + "'s certificate must carry, when it is not the host connected to");
}

void add_tls_server_flags(CLI::App& sub, tls_server_flags& flags) {
    sub.add_option("--tls-cert", flags.cert,
                   "Serve the backup port over TLS only (1.2 or later) with this certificate chain (PEM, leaf first); "
                   "re-read when the file changes, for new connections");
    sub.add_option("--tls-key", flags.key, "Private key (PEM) of --tls-cert");
    sub.add_option("--tls-client-ca", flags.client_ca,
                   "Require, for /backup and /position, a client certificate signed by this CA (PEM), besides the "
                   "bearer token; /healthz, /readyz and /metrics stay open to clients without one");
}

std::optional<tls_client_settings> tls_client_of(const tls_client_flags& f) {
    if (f.ca.empty()) {
        if (!f.cert.empty() || !f.key.empty() || !f.server_name.empty())
            throw config_error("--tls-cert, --tls-key and --tls-server-name need --tls-ca (the CA that signed the "
                               "peer's certificate)");
        return std::nullopt;
    }
    tls_client_settings s;  // a certificate without its key (or the reverse): client_tls_context says so
    s.ca = f.ca;
    if (!f.cert.empty()) s.cert = f.cert, s.key = f.key;
    if (!f.server_name.empty()) s.server_name = f.server_name;
    return s;
}

std::optional<tls_server_files> tls_server_of(const tls_server_flags& f) {
    if (f.cert.empty() && f.key.empty()) {
        if (!f.client_ca.empty()) throw config_error("--tls-client-ca needs --tls-cert and --tls-key");
        return std::nullopt;
    }
    if (f.cert.empty() || f.key.empty()) throw config_error("--tls-cert and --tls-key go together: pass both");
    tls_server_files files;
    files.cert = f.cert;
    files.key = f.key;
    if (!f.client_ca.empty()) files.client_ca = f.client_ca;
    return files;
}

}  // namespace mysql_agent::cmd
