#pragma once
// The sidecar's backup server: `GET /backup` streams a fresh xtrabackup/mariabackup xbstream as a chunked HTTP/1.1
// body that ends with trailers saying whether the backup succeeded (wire protocol: backup_protocol.hpp).
// I/O layer (Asio + Beast); one coroutine per connection.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "mysql_agent/core/backup_counters.hpp"
#include "mysql_agent/core/backup_gate.hpp"
#include "mysql_agent/core/metrics_text.hpp"
#include "mysql_agent/core/mysql_connection.hpp"
#include "mysql_agent/io/backup_tools.hpp"
#include "mysql_agent/io/tls_context.hpp"

namespace mysql_agent {

/// A TLS handshake takes a round trip or two and a signature; a client that has not finished it in this long is a
/// stalled or hostile one.
inline constexpr std::chrono::seconds default_handshake_timeout{5};
/// --max-connections: what a sidecar at its memory limit can hold (README, "Threat model": measured per connection).
inline constexpr unsigned default_max_connections = 512;

struct backup_server_options {
    std::string listen = "0.0.0.0:3307";  ///< "host:port" or "[v6]:port"; numeric host; port 0 picks a free port
    std::optional<std::string> auth_token;  ///< the bearer token; nullopt serves anyone (--insecure-no-auth)
    backup_tools tools;
    std::filesystem::path datadir = "/var/lib/mysql";  ///< passed as --datadir and summed for the size estimate
    mysql_connection mysql;  ///< the local server; written to a private 0600 option file, never to argv
    bool replica = false;  ///< adds --slave-info (and --safe-slave-backup for mariabackup)
    unsigned max_concurrent_backups = 1;
    std::uint64_t max_rate = 0;          ///< bytes per second all streams together may send; 0: unlimited
    unsigned compress_threads = 1;       ///< threads that compress the streams of clients that ask for zstd (>= 1)
    std::chrono::seconds request_timeout{10};  ///< a client must send its request headers within this of connecting
    /// With `tls`: a client must finish the TLS handshake within this of connecting (and within request_timeout).
    std::chrono::seconds handshake_timeout{default_handshake_timeout};
    /// Connections at once besides backup streams (--max-connections). Past it, the oldest connection still
    /// before its request (in its TLS handshake or not yet sent) is closed for the new one; when none is, the new
    /// one is refused. Streams in flight are never touched (--max-concurrent-backups bounds them).
    unsigned max_connections = default_max_connections;
    std::chrono::seconds send_timeout{60};     ///< a client that reads nothing for this long is dropped
    std::uint32_t retry_after_seconds = 30;    ///< Retry-After of a 503
    std::filesystem::path temp_root;           ///< parent of the private per-backup dirs; empty: $TMPDIR or /tmp
    std::vector<std::string> extra_secrets;    ///< more strings to scrub from anything sent or logged
    // /healthz, /readyz and /metrics (unauthenticated) ask `mysql` the same questions as `mysql-agent probe`,
    // off the event loop (health_checker.hpp). The role is !replica: ordinal 0 is the primary.
    std::uint64_t max_lag = 60;                ///< /readyz: most seconds a replica may lag (sidecar --max-lag)
    std::chrono::seconds health_timeout{2};    ///< connecting and each statement of a health check
    std::optional<tls_server_files> tls;       ///< --tls-cert/--tls-key[/--tls-client-ca]: serve TLS only
    /// More /metrics families, asked at each scrape from the server's thread (the backup store's: --backup-status-from).
    std::function<std::vector<metric_family>()> more_metrics;
};

/// Serves `GET /backup` (bearer token), and `GET /healthz`, `/readyz` (200 or 503 with the one-line reason of
/// `mysql-agent probe live|ready`) and `/metrics` (Prometheus text format 0.0.4; agent_metrics.hpp) without a
/// token. Create it, start() it, and run the executor's io_context; shutdown() drains it.
class backup_server {
public:
    /// Binds and listens on `opts.listen` at once (so a client can connect even while mysqld is still down).
    /// Throws config_error naming --listen when the address is malformed or cannot be bound.
    backup_server(boost::asio::any_io_executor ex, backup_server_options opts);
    ~backup_server();
    backup_server(const backup_server&) = delete;
    backup_server& operator=(const backup_server&) = delete;

    /// The bound address (the real port when --listen asked for port 0).
    boost::asio::ip::tcp::endpoint local_endpoint() const;

    /// What /metrics reports about backups; updated on the server's executor, readable from any thread.
    const backup_counters& counters() const;

    /// Held by each backup from before its tool starts until the tool has exited: a replica's reconcile loop starts
    /// no replication meanwhile (replication_options::backups, core/backup_gate.hpp).
    backup_gate& backups();

    /// Starts accepting connections.
    void start();

    /// Stops accepting; requests not yet answered are dropped; each backup in flight kills its tool and ends
    /// its body with a failed trailer ("sidecar is shutting down"). The io_context runs out of work once they
    /// are all finished.
    void shutdown();

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace mysql_agent
