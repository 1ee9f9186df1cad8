// `mysql-agent sidecar`: runs beside mysqld for the life of the pod. It serves backups to peers that clone
// (GET /backup) on an io_context, and on its own thread sets up replication once mysqld answers: the
// replication user on ordinal 0, CHANGE MASTER + START from the clone marker on a replica.

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "command.hpp"
#include "connection_flags.hpp"
#include "duration_flag.hpp"
#include "store_flags.hpp"
#include "tls_flags.hpp"
#include "mysql_agent/io/backup_server.hpp"
#include "mysql_agent/io/backup_store/store_status_watch.hpp"
#include "mysql_agent/core/binlog_archive/archive_progress.hpp"
#include "mysql_agent/io/binlog_archive/binlog_archiver.hpp"
#include "mysql_agent/io/open_files_limit.hpp"
#include "mysql_agent/io/backup_tools.hpp"
#include "mysql_agent/core/byte_size.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/core/pod_identity.hpp"
#include "mysql_agent/core/stream_encoding.hpp"
#include "mysql_agent/io/replica_reconciler.hpp"
#include "mysql_agent/io/member_registry.hpp"
#include "mysql_agent/io/replication_runner.hpp"
#include "mysql_agent/io/stoppable.hpp"
#include "mysql_agent/io/secret_file.hpp"
#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/io/sha2_crypto.hpp"

namespace mysql_agent::cmd {
namespace {

struct sidecar_options {
    local_flags local;
    std::string listen = "0.0.0.0:3307";
    std::string primary_host;
    std::uint16_t primary_port = 3306;
    std::string repl_user = "repl";
    std::string repl_password_file;
    std::string auth_token_file;
    bool insecure_no_auth = false;
    unsigned max_concurrent_backups = 1;
    unsigned max_connections = default_max_connections;
    std::string xtrabackup;
    std::string xbstream;
    double send_timeout = 60;
    double reconcile_interval = 5;
    std::string gtid = "auto";
    std::uint64_t max_lag = 60;
    tls_server_flags tls;
    std::string replication_tls_ca;
    std::string replication_server_public_key;
    bool get_server_public_key = false;
    std::string max_rate = "0";
    unsigned compress_threads = 0;
    store_flags store;  ///< --backup-status-from and the store it is in
    double backup_status_interval = 300;
    std::string archive_binlogs;  ///< s3://BUCKET/PREFIX, in the same store as --backup-status-from
    double archive_interval = 60;
};

/// Logs how a replication setup ended (nothing when it was stopped).
void report(const replication_outcome& r) {
    if (r.stopped) return;
    const log_fields fields = {{"event", "replication_decision"}, {"action", to_string(r.action)}};
    if (r.action == replication_action::report_error)
        log_event(spdlog::level::err, "replication: " + r.message + " (fix it, then restart the sidecar)", fields);
    else
        log_event(spdlog::level::info, "replication: " + std::string(to_string(r.action)) + ": " + r.message, fields);
}

/// Sets up replication, retrying with capped exponential backoff while it fails (the primary or the local
/// mysqld may come up later than this sidecar). A replication error found on the replica is reported, not
/// retried over: a reset could lose data (replication_plan.hpp).
void replication_loop(const replication_options& ro, const std::string& self_name,
                      std::chrono::milliseconds reconcile_every, std::stop_token stop) {
    retry_until_stopped(stop, {std::chrono::seconds(1), std::chrono::seconds(30)},
                        [&](unsigned attempt, std::chrono::milliseconds pause) -> std::optional<bool> {
                            try {
                                report(run_replication_setup(ro, stop));
                                return true;
                            } catch (const agent_error& e) {
                                log_event(spdlog::level::err,
                                          fmt::format("replication setup failed (attempt {}): {}; retrying in {} s",
                                                      attempt, e.what(), pause.count() / 1000),
                                          {{"event", "replication_retry"}, {"attempt", attempt}});
                                return std::nullopt;
                            }
                        });
    // Replicas: keep checking that the primary carries this replica's history, and restart replication stopped
    // without an error (replica_reconciler.hpp).
    if (!ro.is_primary && !stop.stop_requested()) run_reconcile_loop(ro, reconcile_every, stop);
    // The primary, once set up (a re-seeded one has taken over): record the members in the replicated
    // mysql_agent.members, so that a re-seed knows every member that may hold data (member_registry.hpp).
    if (ro.is_primary && !stop.stop_requested()) run_member_loop(ro.local, self_name, reconcile_every, stop);
}

std::optional<std::filesystem::path> optional_path(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return std::filesystem::path(s);
}

/// What the backup server is told: the token, the local mysqld (password file read once), the tools.
backup_server_options server_options_of(const sidecar_options& o, const pod_identity& self) {
    backup_server_options so;
    if (!o.auth_token_file.empty()) {
        so.auth_token = read_secret_file(o.auth_token_file, "--auth-token-file");
    } else if (!o.insecure_no_auth) {
        throw config_error("no --auth-token-file: anyone who reaches " + o.listen +
                           " could copy the whole database; mount a token Secret and pass --auth-token-file, or pass "
                           "--insecure-no-auth to serve backups without authentication");
    }
    so.listen = o.listen;
    so.datadir = o.local.datadir;
    so.mysql = connection_of(o.local);
    so.replica = !self.is_primary();
    so.max_concurrent_backups = o.max_concurrent_backups;
    so.max_connections = o.max_connections;
    so.send_timeout = std::chrono::duration_cast<std::chrono::seconds>(duration_flag("--send-timeout", o.send_timeout));
    so.max_lag = o.max_lag;
    const auto max_rate = parse_byte_size(o.max_rate, "--max-rate");
    if (!max_rate) throw config_error(max_rate.message());
    so.max_rate = *max_rate;
    so.compress_threads = o.compress_threads > 0
                              ? o.compress_threads
                              : protocol::automatic_compress_threads(std::thread::hardware_concurrency());
    so.tools = resolve_backup_tools(optional_path(o.xtrabackup), optional_path(o.xbstream));
    so.tls = tls_server_of(o.tls);
    return so;
}

/// A file the sidecar itself needs at `flag`'s path, read now so that a missing mount fails at start (exit 3).
std::string read_flag_file(const std::string& path, std::string_view flag, std::string_view why) {
    try {
        return read_file(path, 1024 * 1024);
    } catch (const std::exception& e) {
        throw config_error(std::string(flag) + " " + path + ": " + e.what() + " (" + std::string(why) + ")");
    }
}

/// The replica's own login to its primary (the reconcile loop): TLS against --replication-tls-ca, which the
/// sidecar must read too; a pinned RSA key; or the key the primary sends, when --get-server-public-key says so.
void primary_login_of(const sidecar_options& o, replication_options& ro) {
    if (!o.replication_tls_ca.empty())
        (void)read_flag_file(o.replication_tls_ca, "--replication-tls-ca",
                             "the sidecar verifies the primary against it too: mount it at the same path in the "
                             "sidecar and mysqld containers");
    if (!o.replication_server_public_key.empty()) {
        ro.primary_public_key = read_flag_file(o.replication_server_public_key, "--replication-server-public-key",
                                               "the primary's RSA public key, e.g. its public_key.pem");
        if (const auto key = check_rsa_public_key(ro.primary_public_key); !key)
            throw config_error("--replication-server-public-key " + o.replication_server_public_key + ": " +
                               key.message());
    }
    ro.get_primary_public_key = o.get_server_public_key;
}

/// What the replication thread is told: the primary, the replication account, the accounts ordinal 0 keeps.
replication_options replication_options_of(const sidecar_options& o, const pod_identity& self,
                                           const mysql_connection& local, std::optional<std::string> repl_password) {
    const auto gtid = parse_gtid_choice(o.gtid);
    if (!gtid) throw config_error(gtid.message());
    replication_options ro;
    ro.local = local;
    ro.datadir = o.local.datadir;
    ro.is_primary = self.is_primary();
    ro.replication.source.host = o.primary_host.empty() ? peer_host(self, 0, o.local.service) : o.primary_host;
    ro.replication.source.port = o.primary_port;
    ro.replication.source.user = o.repl_user;
    ro.replication.source.password = repl_password;
    if (!o.replication_tls_ca.empty()) ro.replication.source.tls_ca = o.replication_tls_ca;
    primary_login_of(o, ro);
    ro.replication.gtid = *gtid;
    // The same account also gets the privileges a backup tool needs, so a deployment can run backups as the
    // replication user instead of root (--user repl --password-file <replication password>).
    if (repl_password)
        ro.replication.backup_account = account_spec{account_kind::backup, o.repl_user, "%", *repl_password};
    return ro;
}

int run_sidecar(const sidecar_options& o) {
    const pod_identity self = identity_of(o.local);
    set_log_context({"pod", self.hostname});
    // The backup tools open every tablespace at once and inherit this limit, raised to the hard one at start
    // (main.cpp; core/open_files.hpp).
    const auto limits = current_open_files_limits();
    spdlog::info("sidecar: open files limit {} (hard {})", limits.soft, limits.hard);
    backup_server_options so = server_options_of(o, self);
    // Read now so a missing Secret fails at start, and scrubbed from everything we send or log.
    std::optional<std::string> repl_password;
    if (!o.repl_password_file.empty()) {
        repl_password = read_secret_file(o.repl_password_file, "--repl-password-file");
        so.extra_secrets.push_back(*repl_password);
    }
    replication_options ro = replication_options_of(o, self, so.mysql, repl_password);
    const auto reconcile_every = duration_flag("--reconcile-interval", o.reconcile_interval);
    const std::string version = backup_tool_version(so.tools.backup);
    spdlog::info("sidecar for {} (ordinal {}, {}): backups by {}", self.hostname, self.ordinal,
                 so.replica ? "replica: --slave-info" : "primary", version.empty() ? so.tools.backup.string() : version);
    if (!so.auth_token) spdlog::warn("--insecure-no-auth: backups are served to anyone who can connect");

    // --backup-status-from: the store's backups in /metrics, read on a thread of its own. Declared before the server,
    // whose /metrics asks it, so that it outlives the server.
    std::unique_ptr<backup_store::store_status_watch> store_status;
    if (!o.store.url.empty()) {
        const auto every = std::chrono::duration_cast<std::chrono::seconds>(
            duration_flag("--backup-status-interval", o.backup_status_interval));
        store_status = std::make_unique<backup_store::store_status_watch>(store_options_of(o.store),
                                                                          store_url_of(o.store), every);
        so.more_metrics = [watch = store_status.get()] {
            return backup_store::store_status_families(watch->snapshot());
        };
    }

    // --archive-binlogs: the primary's closed binlogs into the store, on a thread of its own; outlives the server too.
    std::unique_ptr<binlog_archive::binlog_archiver> archiver;
    if (!o.archive_binlogs.empty()) {
        store_flags at = o.store;
        at.url_flag = "--archive-binlogs";
        at.url = o.archive_binlogs;
        binlog_archive::binlog_archiver_options ao;
        ao.store = store_options_of(at);
        ao.at = store_url_of(at);
        ao.mysql = so.mysql;
        ao.datadir = o.local.datadir;
        ao.interval = std::chrono::duration_cast<std::chrono::seconds>(duration_flag("--archive-interval", o.archive_interval));
        if (ao.interval < std::chrono::seconds(1)) throw config_error("--archive-interval: at least 1 second");
        ao.poll = binlog_archive::poll_interval(ao.interval);
        archiver = std::make_unique<binlog_archive::binlog_archiver>(std::move(ao));
        so.more_metrics = [watch = store_status.get(), archive = archiver.get()] {
            auto families = watch ? backup_store::store_status_families(watch->snapshot())
                                  : std::vector<metric_family>{};
            auto more = binlog_archive::archive_families(archive->snapshot());
            families.insert(families.end(), more.begin(), more.end());
            return families;
        };
    }

    boost::asio::io_context ctx;
    backup_server server(ctx.get_executor(), so);
    ro.backups = &server.backups();  // the reconcile loop starts no replication while a backup runs
    // The signal_set lives until run() returns, so a second SIGTERM while draining is caught here too instead of
    // killing us by default (which would leave the tools running in their own process groups).
    boost::asio::signal_set signals(ctx, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("received {}: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        server.shutdown();
    });
    // Joined when it goes out of scope, after a stop request (below, or as the stack unwinds).
    std::jthread replication;
    if (repl_password)
        replication = std::jthread([&](std::stop_token stop) {
            replication_loop(ro, own_host(self, o.local.service), reconcile_every, stop);
        });
    else
        spdlog::warn("no --repl-password-file: replication is not managed by this sidecar");
    server.start();
    if (store_status) store_status->start();
    if (archiver) archiver->start();
    ctx.run();
    replication.request_stop();
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
        "clone. Also serves, without a token, GET /healthz and /readyz (200, or 503, with the one-line verdict of "
        "`probe live|ready`) and /metrics (Prometheus text format). Listens at once, even while mysqld is down (the "
        "tool's error then travels in the trailer). A "
        "request must arrive within 10s of connecting. Once mysqld answers, sets up replication: the replication "
        "user on ordinal 0; on a replica cloned by init, CHANGE MASTER/START SLAVE from the clone's coordinates "
        "(once; a restart never resets a replica that replicates). On SIGTERM: stop accepting, end streams in "
        "flight with a failed trailer, exit 0. Exit code 3: configuration.");
    add_local_flags(*sub, opts->local);
    sub->add_option("--listen", opts->listen, "HOST:PORT to serve backups on (numeric IP; port 0: any free port)")
        ->capture_default_str();
    sub->add_option("--primary-host", opts->primary_host,
                    "Host replicas replicate from (default <statefulset>-0.<service>)");
    sub->add_option("--primary-port", opts->primary_port, "Primary's MySQL port")->capture_default_str();
    sub->add_option("--repl-user", opts->repl_user,
                    "Replication user: created on ordinal 0, used by replicas' CHANGE MASTER")
        ->capture_default_str();
    sub->add_option("--repl-password-file", opts->repl_password_file,
                    "File holding --repl-user's password; without it the sidecar does not manage replication");
    sub->add_option("--gtid", opts->gtid,
                    "Replicas: auto (GTID when the clone's coordinates carry a GTID set), on, or off (file/position)")
        ->check(CLI::IsMember({"auto", "on", "off"}))
        ->capture_default_str();
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
    sub->add_option("--max-connections", opts->max_connections,
                    "Connections at once besides backup streams (probes, scrapes, handshakes, requests being read); "
                    "past it the oldest one still before its request is closed for the new one")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    sub->add_option("--max-rate", opts->max_rate,
                    "Bytes per second all backup streams together may send (K, M, G suffixes: powers of 1024, e.g. "
                    "100M); 0: unlimited. A token bucket: a donor that also serves traffic keeps disk and network "
                    "for it")
        ->capture_default_str();
    sub->add_option("--compress-threads", opts->compress_threads,
                    "Threads that compress the streams of clients that ask for zstd (1 MiB frames, in parallel), "
                    "shared by all streams; 0: half the CPUs, 1 to 4")
        ->check(CLI::Range(0u, 64u))
        ->capture_default_str();
    sub->add_option("--xtrabackup", opts->xtrabackup,
                    "Backup tool (default: xtrabackup on PATH, else mariabackup)");
    sub->add_option("--xbstream", opts->xbstream, "Stream tool (default: xbstream on PATH, else mbstream)");
    sub->add_option("--send-timeout", opts->send_timeout,
                    "Seconds a client may read nothing before it is dropped and its backup tool killed")
        ->capture_default_str();
    sub->add_option("--reconcile-interval", opts->reconcile_interval,
                    "Replicas: seconds between checks that the primary carries this replica's history (else replication "
                    "is halted) and that replication stopped without an error is started again; the primary: seconds "
                    "between recordings of the members it sees (SHOW SLAVE HOSTS) in mysql_agent.members")
        ->capture_default_str();
    sub->add_option("--max-lag", opts->max_lag,
                    "GET /readyz: most seconds a replica may lag behind its source (as `probe ready --max-lag`)")
        ->capture_default_str();
    add_tls_server_flags(*sub, opts->tls);
    add_store_flags(*sub, opts->store, "--backup-status-from",
                    "s3://BUCKET/PREFIX where `backup` stores this cluster's backups: /metrics then reports them "
                    "(mysql_agent_store_*: the newest complete backup's time and size, the last run's outcome)",
                    false, false);
    sub->add_option("--backup-status-interval", opts->backup_status_interval,
                    "Seconds between reads of --backup-status-from (a listing, the newest manifest, last-run.json)")
        ->capture_default_str();
    sub->add_option("--archive-binlogs", opts->archive_binlogs,
                    "s3://BUCKET/PREFIX (the store of --endpoint and the key files): while this member is the primary, "
                    "every binlog file it closes is uploaded to PREFIX/binlogs/ with its index record, for "
                    "point-in-time recovery (mysql_agent_binlog_archive_* in /metrics)");
    sub->add_option("--archive-interval", opts->archive_interval,
                    "--archive-binlogs: seconds after which the current binlog file is closed (FLUSH BINARY LOGS) "
                    "when it holds a transaction, so it is archived: the most a lost cluster loses")
        ->capture_default_str();
    sub->add_option("--replication-tls-ca", opts->replication_tls_ca,
                    "Replicas: replicate over TLS (MASTER_SSL=1 / SOURCE_SSL=1), verifying the primary's certificate "
                    "and name against this CA file, a path in the mysqld container (mount the TLS Secret there too). "
                    "The sidecar's own logins to the primary (the reconcile loop) use TLS verified against it too, "
                    "so the same path must be readable in the sidecar");
    sub->add_option("--replication-server-public-key", opts->replication_server_public_key,
                    "Replicas: the primary's RSA public key (PEM, e.g. its datadir's public_key.pem) for the "
                    "sidecar's own logins to it without TLS: a caching_sha2_password full authentication encrypts "
                    "the replication password with this key instead of one the primary sends (as MySQL's "
                    "--server-public-key-path)");
    sub->add_flag("--get-server-public-key", opts->get_server_public_key,
                  "Replicas, without --replication-tls-ca or --replication-server-public-key: let a "
                  "caching_sha2_password full authentication to the primary encrypt the replication password with "
                  "the RSA key the primary sends, unverified (as MySQL's --get-server-public-key; a man in the middle "
                  "could read the password). Without any of the three such a login is refused, and only the fast "
                  "path (the primary's cache warm) logs in");
    bind_environment(*sub);
    return {sub, [opts] { return guarded("sidecar", [&] { return run_sidecar(*opts); }); }};
}

}  // namespace mysql_agent::cmd
