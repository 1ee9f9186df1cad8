// `mysql-agent sidecar`: runs beside mysqld for the life of the pod. Today it serves backups to peers that
// clone (GET /backup); the replication loop that uses the --primary-* and --repl-* flags comes later.

#include <signal.h>

#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "command.hpp"
#include "mysql_agent/backup_server.hpp"
#include "mysql_agent/backup_tools.hpp"
#include "mysql_agent/errors.hpp"
#include "mysql_agent/exit_codes.hpp"
#include "mysql_agent/pod_identity.hpp"
#include "mysql_agent/secret_file.hpp"

namespace mysql_agent::cmd {
namespace {

struct sidecar_options {
    std::string hostname;
    std::string service = "mysql";
    std::string listen = "0.0.0.0:3307";
    std::string datadir = "/var/lib/mysql";
    std::string mysql_host = "127.0.0.1";
    std::uint16_t mysql_port = 3306;
    std::string mysql_socket;
    std::string user = "root";
    std::string password_file;
    std::string primary_host;
    std::uint16_t primary_port = 3306;
    std::string repl_user = "repl";
    std::string repl_password_file;
    std::string auth_token_file;
    bool insecure_no_auth = false;
    unsigned max_concurrent_backups = 1;
    std::string xtrabackup;
    std::string xbstream;
    unsigned send_timeout = 60;
};

std::optional<std::filesystem::path> optional_path(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return std::filesystem::path(s);
}

int run_sidecar(const sidecar_options& o) {
    const std::string hostname = o.hostname.empty() ? local_hostname() : o.hostname;
    const auto self = parse_pod_hostname(hostname);
    if (!self) throw config_error("--hostname: " + self.message());
    if (const auto s = check_dns_label(o.service, "--service"); !s) throw config_error(s.message());

    backup_server_options so;
    if (!o.auth_token_file.empty()) {
        so.auth_token = read_secret_file(o.auth_token_file, "--auth-token-file");
    } else if (!o.insecure_no_auth) {
        throw config_error("no --auth-token-file: anyone who reaches " + o.listen +
                           " could copy the whole database; mount a token Secret and pass --auth-token-file, or pass "
                           "--insecure-no-auth to serve backups without authentication");
    }
    so.listen = o.listen;
    so.datadir = o.datadir;
    so.mysql.host = o.mysql_host;
    so.mysql.port = o.mysql_port;
    so.mysql.socket = o.mysql_socket;
    so.mysql.user = o.user;
    if (!o.password_file.empty()) so.mysql.password = read_secret_file(o.password_file, "--password-file");
    // Read now so a missing Secret fails at start, and scrubbed from everything we send or log.
    if (!o.repl_password_file.empty())
        so.extra_secrets.push_back(read_secret_file(o.repl_password_file, "--repl-password-file"));
    so.replica = !self->is_primary();
    so.max_concurrent_backups = o.max_concurrent_backups;
    so.send_timeout = std::chrono::seconds(o.send_timeout);
    so.tools = resolve_backup_tools(optional_path(o.xtrabackup), optional_path(o.xbstream));

    const std::string version = backup_tool_version(so.tools.backup);
    spdlog::info("sidecar for {} (ordinal {}, {}): backups by {}", hostname, self->ordinal,
                 so.replica ? "replica: --slave-info" : "primary", version.empty() ? so.tools.backup.string() : version);
    if (!so.auth_token) spdlog::warn("--insecure-no-auth: backups are served to anyone who can connect");

    boost::asio::io_context ctx;
    backup_server server(ctx.get_executor(), so);
    // The signal_set lives until run() returns, so a second SIGTERM while draining is caught here too instead of
    // killing us by default (which would leave the tools running in their own process groups).
    boost::asio::signal_set signals(ctx, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("received {}: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        server.shutdown();
    });
    server.start();
    ctx.run();
    spdlog::info("sidecar stopped");
    return exit_code::ok;
}

}  // namespace

command add_sidecar(CLI::App& app) {
    auto opts = std::make_shared<sidecar_options>();
    CLI::App* sub = app.add_subcommand(
        "sidecar",
        "Run beside mysqld: serve GET /backup on --listen, a fresh xtrabackup/mariabackup --stream=xbstream as a "
        "chunked HTTP body ending with trailers (status, bytes, xxh3 digest, exit code, error line) for peers that "
        "clone. Listens at once, even while mysqld is down (the tool's error then travels in the trailer). A "
        "request must arrive within 10s of connecting. On SIGTERM: stop accepting, end streams in flight with a "
        "failed trailer, exit 0. Exit code 3: configuration.");
    sub->add_option("--hostname", opts->hostname,
                    "This pod's name <statefulset>-<ordinal> (default: the machine's hostname); ordinal > 0 makes "
                    "backups replica backups (--slave-info, and --safe-slave-backup with mariabackup)");
    sub->add_option("--service", opts->service, "Headless Service of the StatefulSet (peer DNS names)")
        ->capture_default_str();
    sub->add_option("--listen", opts->listen, "HOST:PORT to serve backups on (numeric IP; port 0: any free port)")
        ->capture_default_str();
    sub->add_option("--datadir", opts->datadir, "MySQL data directory (passed to the backup tool; sized for "
                                                "X-Backup-Estimated-Size)")
        ->capture_default_str();
    sub->add_option("--mysql-host", opts->mysql_host, "Host of the local mysqld the backup tool connects to")
        ->capture_default_str();
    sub->add_option("--mysql-port", opts->mysql_port, "Port of the local mysqld")->capture_default_str();
    sub->add_option("--mysql-socket", opts->mysql_socket,
                    "Unix socket of the local mysqld; when set, used instead of --mysql-host/--mysql-port");
    sub->add_option("--user", opts->user, "MySQL user the backup tool connects as (needs the backup privileges)")
        ->capture_default_str();
    sub->add_option("--password-file", opts->password_file,
                    "File holding --user's password (given to the tool in a private 0600 option file, never argv)");
    sub->add_option("--primary-host", opts->primary_host,
                    "Primary's host for replication (default <statefulset>-0.<service>); reserved for the "
                    "replication loop, not used yet");
    sub->add_option("--primary-port", opts->primary_port, "Primary's MySQL port; reserved, not used yet")
        ->capture_default_str();
    sub->add_option("--repl-user", opts->repl_user, "Replication user; reserved, not used yet")->capture_default_str();
    sub->add_option("--repl-password-file", opts->repl_password_file,
                    "File holding --repl-user's password; reserved (read at start and scrubbed from output)");
    auto* token = sub->add_option("--auth-token-file", opts->auth_token_file,
                                  "File holding the bearer token clients must send (Authorization: Bearer); "
                                  "required unless --insecure-no-auth");
    auto* insecure = sub->add_flag("--insecure-no-auth", opts->insecure_no_auth,
                                   "Serve backups without a token (anyone who can connect gets the whole database)");
    token->excludes(insecure);
    sub->add_option("--max-concurrent-backups", opts->max_concurrent_backups,
                    "Backups that may run at once; a request beyond gets 503 with Retry-After at once (none queue)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    sub->add_option("--xtrabackup", opts->xtrabackup,
                    "Backup tool (default: xtrabackup on PATH, else mariabackup)");
    sub->add_option("--xbstream", opts->xbstream, "Stream tool (default: xbstream on PATH, else mbstream)");
    sub->add_option("--send-timeout", opts->send_timeout,
                    "Seconds a client may read nothing before it is dropped and its backup tool killed")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    bind_environment(*sub);
    return {sub, [opts] { return guarded("sidecar", [&] { return run_sidecar(*opts); }); }};
}

}  // namespace mysql_agent::cmd
