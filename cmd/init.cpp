// `mysql-agent init`: the init container. Writes this pod's MySQL config (role file + server-id.cnf).

#include <chrono>
#include <filesystem>
#include <system_error>

#include <spdlog/spdlog.h>

#include "command.hpp"
#include "tls_flags.hpp"
#include "compress_flag.hpp"
#include "pitr_flags.hpp"
#include "store_flags.hpp"
#include "connection_flags.hpp"
#include "duration_flag.hpp"
#include "mysql_agent/core/config_choice.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/core/init_plan.hpp"
#include "mysql_agent/core/members.hpp"
#include "mysql_agent/core/pod_identity.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/io/backup_store/store_seed.hpp"
#include "mysql_agent/io/backup_tools.hpp"
#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/io/datadir_commit.hpp"
#include "mysql_agent/io/datadir_lock.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/peer_clone.hpp"
#include "mysql_agent/io/reseed_request_file.hpp"
#include "mysql_agent/io/secret_file.hpp"
#include "mysql_agent/io/until_signal.hpp"

namespace mysql_agent::cmd {
namespace {

namespace fs = std::filesystem;

struct init_options : pod_flags {
    std::uint64_t server_id_base = 100;
    std::string config_src = "/mnt/config-map";
    std::string config_dir = "/mnt/conf.d";
    std::uint16_t backup_port = 3307;
    std::string auth_token_file;
    bool no_clone = false;
    bool bootstrap_empty = false;
    std::string clone_from;
    std::string peers;
    std::vector<std::string> reseed_without;
    std::string xtrabackup;
    std::string xbstream;
    double clone_wait = 600;
    tls_client_flags tls;
    std::string compress = "zstd";
    store_flags store;
    bool primary_from_backup = false;
    pitr_flags pitr;  ///< with --primary-from-backup: recreate the cluster at a point in time
};

/// Writes the role file and server-id.cnf. Reads the source first so that a missing ConfigMap file writes nothing.
void write_config(const config_plan& plan, const init_options& opts) {
    const fs::path source = fs::path(opts.config_src) / plan.role_file;
    std::string role_content;
    try {
        role_content = read_file(source);
    } catch (const file_error& e) {
        throw config_error(std::string(e.what()) + "; is the ConfigMap mounted at --config-src " + opts.config_src +
                           " with a " + plan.role_file + " key?");
    }
    std::error_code ec;
    if (!fs::is_directory(opts.config_dir, ec))
        throw config_error("--config-dir " + opts.config_dir + " is not a directory (mount an emptyDir there)");
    write_file_atomically(fs::path(opts.config_dir) / plan.role_file, role_content);
    write_file_atomically(fs::path(opts.config_dir) / plan.server_id_file, plan.server_id_content);
    // A role file from an earlier run with another ordinal would be read by mysqld too, and a re-seed's read-only
    // file is written again only by a run that re-seeds.
    for (const fs::path stale : {fs::path(opts.config_dir) / plan.stale_role_file,
                                 fs::path(opts.config_dir) / reseed_read_only_file})
        if (fs::remove(stale, ec); ec) throw file_error("cannot remove stale " + stale.string() + ": " + ec.message());
}

clone_options clone_base(const init_options& opts) {
    clone_options base;
    base.datadir = opts.datadir;
    if (!opts.auth_token_file.empty()) base.token = read_secret_file(opts.auth_token_file, "--auth-token-file");
    base.tools = resolve_backup_tools(opts.xtrabackup.empty() ? std::nullopt : std::optional<fs::path>(opts.xtrabackup),
                                      opts.xbstream.empty() ? std::nullopt : std::optional<fs::path>(opts.xbstream));
    base.max_attempts = 1;  // peer_clone does the retrying, across donors
    base.tls = tls_client_of(opts.tls);
    if (base.tls) client_tls_context(*base.tls);  // a file that does not load is a configuration error, found now
    base.compression = compress_flag(opts.compress);
    return base;
}

/// What seed_from_store needs: the store flags, the datadir and tools of `base`. `primary`: a replica's primary, asked
/// whether it still holds the backup's binlogs; none: the seed becomes the primary.
backup_store::store_seed_options seed_options(const init_options& opts, const clone_options& base,
                                              std::optional<donor_address> primary) {
    backup_store::store_seed_options o;
    o.restore.from = store_url_of(opts.store);
    o.restore.store = store_options_of(opts.store);
    o.restore.key = encryption_key_of(opts.store);
    o.restore.target = base;
    o.primary = std::move(primary);
    o.as_primary = !o.primary;
    return o;
}

/// --clone-from and --peers, checked.
init_flags flags_of(const init_options& opts) {
    init_flags f;
    f.no_clone = opts.no_clone;
    f.bootstrap_empty = opts.bootstrap_empty;
    f.service = opts.service;
    f.backup_port = opts.backup_port;
    f.seed_from_store = !opts.store.url.empty();
    f.primary_from_backup = opts.primary_from_backup;
    if (f.primary_from_backup && !f.seed_from_store)
        throw config_error("--primary-from-backup needs --seed-from s3://BUCKET/PREFIX (where the backups are)");
    if (!opts.clone_from.empty()) {
        auto donor = parse_donor_address(opts.clone_from);
        if (!donor) throw config_error("--clone-from: " + donor.message());
        f.clone_from = std::move(donor).value();
    }
    for (const auto& name : opts.reseed_without) {
        if (text::trim(name).empty()) continue;
        if (!is_member_name(text::trim(name)))
            throw config_error("--reseed-without '" + text::printable(name) +
                               "': not a member name (the DNS name a member records, e.g. mysql-2.mysql)");
        f.reseed_without.emplace_back(text::trim(name));
    }
    for (const auto item : text::split(opts.peers, ',')) {
        if (text::trim(item).empty()) continue;
        auto peer = parse_donor_address(text::trim(item));
        if (!peer) throw config_error("--peers: " + peer.message());
        f.peers.push_back(std::move(peer).value());
    }
    return f;
}

/// mysqld starts read-only on a primary being re-seeded: no write may land before the sidecar made its binlog
/// continue the cluster's history (it turns read-only off then). super_read_only also stops accounts with SUPER
/// or CONNECTION_ADMIN on MySQL; MariaDB has no such variable (`loose-` makes it skip the line instead of
/// refusing to start), and its read_only lets READ_ONLY ADMIN through: the takeover runs under FLUSH TABLES WITH
/// READ LOCK and never resets a binlog that logged a write (primary_takeover.hpp).
void write_reseed_read_only(const init_options& opts) {
    write_file_atomically(fs::path(opts.config_dir) / reseed_read_only_file,
                          "# written by mysql-agent init: this primary was re-seeded from a peer; the sidecar turns "
                          "read-only off once its binlog continues the cluster's history\n[mysqld]\nread-only\n"
                          "loose-super-read-only\n");
}

int run_init(const init_options& opts) {
    // Every flag is checked before anything is written.
    const pod_identity self = identity_of(opts);
    const auto server_id = server_id_for(opts.server_id_base, self.ordinal);
    if (!server_id) throw config_error(server_id.message());
    const init_flags flags = flags_of(opts);
    const auto clone_wait = std::chrono::duration_cast<std::chrono::seconds>(
        duration_flag("--clone-wait", opts.clone_wait, zero_is::allowed));
    compress_flag(opts.compress);
    if (flags.seed_from_store) {  // the address and the credentials, checked now
        store_url_of(opts.store);
        store_options_of(opts.store);
        encryption_key_of(opts.store);
    }
    const auto point = target_of(opts.pitr);
    if (point && !flags.primary_from_backup)
        throw config_error("--to-time, --to-gtid and --latest recreate a lost cluster at a point in time: they need "
                           "--primary-from-backup (and --seed-from)");
    if (point) pitr_options_of(opts.pitr, *point, {});  // the replaying tools, found now

    set_log_context({"pod", self.hostname});
    const config_plan plan = plan_config(self, opts.service, *server_id);
    write_config(plan, opts);
    spdlog::info("init: {} is ordinal {} ({}), server-id {}: wrote {}/{} and {}", self.hostname, self.ordinal,
                 self.is_primary() ? "primary" : "replica", *server_id, opts.config_dir, plan.role_file,
                 plan.server_id_file);

    // Held from the classification to the commit: no other clone or init may touch the datadir meanwhile.
    std::optional<datadir_lock> lock;
    if (!opts.no_clone) lock.emplace(opts.datadir);
    const datadir_facts facts = lock ? gather_datadir_facts(opts.datadir) : datadir_facts{};
    init_facts known{self, classify_datadir(facts, false).kind, false, ""};
    if (has_reseed_request(facts)) {
        // Acted on only when signed with the backup token (core/reseed_request.hpp); otherwise logged and kept.
        const auto token = opts.auth_token_file.empty()
                               ? std::nullopt
                               : std::optional<std::string>(read_secret_file(opts.auth_token_file, "--auth-token-file"));
        if (const auto request = read_reseed_request(opts.datadir, token, self.hostname)) {
            known.reseed_requested = true;
            known.reseed_reason = request->reason;
        }
    }
    const init_decision decision = decide_init(known, flags);
    log_event(spdlog::level::info, "init: " + decision.reason,
              {{"event", "init_decision"}, {"action", std::string(to_string(decision.action))}});
    if (decision.action == init_action::keep) return exit_code::ok;
    clone_options base = clone_base(opts);
    base.lock = &*lock;
    base.replace_clone = decision.replace;
    if (decision.action == init_action::clone) {
        if (decision.seed_from_store) {
            const donor_address primary{peer_host(self, 0, opts.service), opts.backup_port};
            const auto seeded = run_until_signal([&] { return seed_from_store(seed_options(opts, base, primary)); },
                                                 "the restore's files were removed");
            if (seeded) return exit_code::ok;
            spdlog::info("init: no backup to seed from in the store: cloning from the peers");
        }
        run_until_signal([&] { return clone_in_order(decision.donors, base, clone_wait); },
                         "the clone's files were removed");
        return exit_code::ok;
    }
    const auto reseeded = run_until_signal(
        [&] { return reseed_from_peers(decision, self, flags, base, clone_wait); }, "the clone's files were removed");
    if (reseeded && decision.as_primary) write_reseed_read_only(opts);
    if (!reseeded && decision.restore_when_alone) {
        // The whole cluster lost, and the operator said to restore it: the newest backup becomes the primary, or
        // with --to-*/--latest the backup carried to that point by the archived binlogs (refused, exit 20, when
        // the archive cannot: never an empty primary instead of the point asked for).
        if (point) {
            auto restore = seed_options(opts, base, std::nullopt).restore;
            restore.target.reseed = reseed_record{true,
                                                  "ordinal 0's datadir was empty and no member is known: recreated "
                                                  "at " + binlog_archive::describe(*point) + " (--primary-from-backup)",
                                                  "",
                                                  {}};
            restore.target.replace_clone = false;
            const auto p = pitr_options_of(opts.pitr, *point, std::move(restore));
            const auto done = binlog_archive::restore_to_point(p);
            spdlog::info("init: {}", describe_outcome(p, done));
            write_reseed_read_only(opts);
            return exit_code::ok;
        }
        const auto restored = run_until_signal(
            [&] { return seed_from_store(seed_options(opts, base, std::nullopt)); }, "the restore's files were removed");
        if (!restored) {
            spdlog::info("init: --primary-from-backup: no backup either: the first deployment of {}, starting empty",
                         self.hostname);
            return exit_code::ok;
        }
        write_reseed_read_only(opts);
    }
    return exit_code::ok;
}

}  // namespace

command add_init(CLI::App& app) {
    auto opts = std::make_shared<init_options>();
    CLI::App* sub = app.add_subcommand(
        "init",
        "Init container: derive the ordinal from the pod hostname, write server-id.cnf and master.cnf (ordinal 0) "
        "or slave.cnf into --config-dir, and on a replica with an empty datadir clone it from a peer. On ordinal 0 "
        "with an empty datadir, re-seed it from the member whose history holds every other's, once every known "
        "member answered (members: the <sts>-k.<service> names that resolve and the members the cluster recorded; "
        "none known: start empty; a known member silent: exit 16, never start empty, never a guess); on a member "
        "where `mysql-agent reseed` left its request, replace its data the same way.");
    add_pod_flags(*sub, *opts);
    sub->add_option("--server-id-base", opts->server_id_base, "server-id = base + ordinal")->capture_default_str();
    sub->add_option("--config-src", opts->config_src, "Directory of the ConfigMap with master.cnf and slave.cnf")
        ->capture_default_str();
    sub->add_option("--config-dir", opts->config_dir, "Directory mysqld reads extra config from (an emptyDir)")
        ->capture_default_str();
    sub->add_option("--backup-port", opts->backup_port, "Port of the peers' sidecar backup server")
        ->capture_default_str();
    sub->add_option("--auth-token-file", opts->auth_token_file,
                    "File holding the bearer token for peers' backups; it also verifies a `mysql-agent reseed` "
                    "request (without it, none is acted on)");
    sub->add_flag("--no-clone", opts->no_clone, "Only write the config; never clone");
    sub->add_option("--clone-from", opts->clone_from,
                    "Clone (or re-seed) from HOST[:PORT] instead of the peers N-1..0 (or the most advanced peer)");
    sub->add_option("--peers", opts->peers,
                    "HOST:PORT[,HOST:PORT...]: the peers an ordinal 0 with an empty datadir (or a member asked to "
                    "re-seed) asks where they stand, instead of the <sts>-k.<service> names that resolve");
    sub->add_option("--reseed-without", opts->reseed_without,
                    "NAME[,NAME...], repeatable: a re-seed may go on without these members (e.g. mysql-2.mysql) if "
                    "they stay silent. Whatever they alone hold is lost; logged at warn and recorded in the marker")
        ->delimiter(',');
    sub->add_flag("--bootstrap-empty", opts->bootstrap_empty,
                  "Ordinal 0 with an empty datadir: start an empty primary even if peers exist. You are discarding "
                  "whatever the peers hold");
    sub->add_option("--xtrabackup", opts->xtrabackup, "Backup tool (default: xtrabackup on PATH, else mariabackup)");
    sub->add_option("--xbstream", opts->xbstream, "Stream extractor (default: xbstream on PATH, else mbstream)");
    sub->add_option("--clone-wait", opts->clone_wait,
                    "Seconds to keep trying the donors before giving up with exit 10 (no donor reachable), or, in a "
                    "re-seed, 16 (known members stayed silent)")
        ->capture_default_str();
    add_tls_client_flags(*sub, opts->tls, "the peers' sidecars");
    add_compress_flag(*sub, opts->compress);
    add_store_flags(*sub, opts->store, "--seed-from",
                    "s3://BUCKET/PREFIX where `backup` stores this cluster's backups: an empty replica is seeded from "
                    "the newest complete one (after the primary confirmed it still holds the binlogs from its "
                    "position), and from its peers only when there is none",
                    false);
    sub->add_flag("--primary-from-backup", opts->primary_from_backup,
                  "Ordinal 0 with an empty datadir and no member known (the whole cluster lost): restore the newest "
                  "backup in --seed-from and become the primary at its position, instead of starting empty");
    add_pitr_flags(*sub, opts->pitr, "With --primary-from-backup");
    bind_environment(*sub);
    return {sub, [opts] { return guarded("init", [&] { return run_init(*opts); }); }};
}

}  // namespace mysql_agent::cmd
