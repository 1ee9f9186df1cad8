#pragma once
// TLS for the backup port: the sidecar's server context, re-read when cert-manager rotates the files in place, and
// the cloning side's client context with the donor's certificate checked against --tls-ca and the name it was
// reached by. OpenSSL, linked statically, through Asio's ssl::context. I/O layer.
//
// Decisions (README, "TLS"):
// - A sidecar with --tls-cert serves TLS only (1.2 or later): a plaintext request gets a plaintext 400 that says
//   so, and never a byte of data.
// - --tls-client-ca asks every client for a certificate but requires one only for /backup and /position: the
//   kubelet's HTTPS probes and Prometheus send none. The bearer token stays required as a second factor.
// - Rotation: the files' identity (inode, size, mtime) is checked at most once a second, on a new connection; a
//   changed set is loaded whole and replaces the context for new connections only (a stream in flight keeps the
//   one it started with). A set that does not load (a key from another rotation) is logged and the old one kept.

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "mysql_agent/core/tls_diagnosis.hpp"
#include "mysql_agent/io/net_stream.hpp"

namespace mysql_agent {

/// sidecar --tls-cert --tls-key [--tls-client-ca].
struct tls_server_files {
    std::filesystem::path cert;  ///< PEM chain, leaf first
    std::filesystem::path key;
    std::optional<std::filesystem::path> client_ca;
};

/// clone/init/status --tls-ca [--tls-cert --tls-key] [--tls-server-name].
struct tls_client_settings {
    std::filesystem::path ca;
    std::optional<std::filesystem::path> cert;
    std::optional<std::filesystem::path> key;
    std::optional<std::string> server_name;  ///< the name the donor's certificate must carry; default: its host
};

/// The sidecar's TLS context for new connections. Thread-safe.
class server_tls {
public:
    /// Loads the files now. Throws config_error naming the flag and the file when one does not load.
    explicit server_tls(tls_server_files files);

    /// The context for a connection accepted now: reloaded first when the files changed on disk.
    std::shared_ptr<boost::asio::ssl::context> current();

    /// --tls-client-ca was given: /backup and /position need a verified client certificate.
    bool requires_client_certificate() const { return files_.client_ca.has_value(); }

private:
    struct file_identity {
        unsigned long long inode = 0, size = 0;
        long long mtime_ns = 0;
        bool operator==(const file_identity&) const = default;
    };
    std::vector<file_identity> identify() const;

    tls_server_files files_;
    std::mutex mutex_;
    std::shared_ptr<boost::asio::ssl::context> context_;
    std::vector<file_identity> loaded_;
    std::vector<file_identity> refused_;  ///< a set that failed to load, not retried until it changes again
    std::chrono::steady_clock::time_point checked_{};
};

/// The cloning side's context: the CA to trust, and our certificate when given. Throws config_error.
std::shared_ptr<boost::asio::ssl::context> client_tls_context(const tls_client_settings& settings);

/// What a client handshake's verification saw; filled by the verify callback begin_client_tls sets.
struct tls_peer_check {
    std::string host;           ///< the name the certificate must carry
    bool name_from_flag = false;
    std::string ca_file;
    std::optional<tls_failure_facts> failure;  ///< the first failure, as seen
    std::string client_cert;    ///< the certificate we present, for messages: "--tls-cert F (CN=..., ...)"
};

/// Turns the connected plaintext `stream` into TLS for a client of `settings` that reached `host`: SNI, and the
/// peer's certificate verified against the CA and the name (--tls-server-name, else `host`), what the verification
/// sees recorded in `check` (which must outlive the handshake). The handshake is the caller's. Throws config_error
/// when the files do not load.
void begin_client_tls(net_stream& stream, const tls_client_settings& settings, const std::string& host,
                      tls_peer_check& check);

/// The facts of a failed client handshake (`ec`), from what the verify callback saw or from the error itself.
tls_failure_facts client_handshake_failure(const tls_peer_check& check, const boost::system::error_code& ec,
                                           const std::string& peer);

/// `ec` is TLS's own failure (Asio's SSL category: the peer's alert, a verification), not the socket's.
bool is_tls_failure(const boost::system::error_code& ec);

/// After a client's TLS connection failed below TLS (a write that met the peer's reset, a close in the
/// handshake): the TLS failure the peer's alert makes, when the peer sent one that still waits in the socket. A
/// donor that refuses our certificate sends its alert and closes, and the reset its close causes can fail our
/// next write before we read the alert (issue 19). Reads until `by` at most; nullopt: no alert.
boost::asio::awaitable<std::optional<boost::system::error_code>> peer_alert(net_stream& stream,
                                                                           std::chrono::steady_clock::time_point by);

/// A verified client certificate was presented on `stream` (server side).
bool has_verified_client_certificate(tls_stream& stream);

/// "CN=mysql-0, names *.mysql, valid until 2026-12-31 10:00:00 UTC" for the log, from a PEM file.
std::string certificate_file_summary(const std::filesystem::path& pem);

}  // namespace mysql_agent
