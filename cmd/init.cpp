// `mysql-agent init`: the init container. Writes this pod's MySQL config (role file + server-id.cnf).

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <system_error>
#include <map>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "command.hpp"
#include "connection_flags.hpp"
#include "duration_flag.hpp"
#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/io/backup_tools.hpp"
#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/core/config_choice.hpp"
#include "mysql_agent/io/datadir_commit.hpp"
#include "mysql_agent/io/datadir_lock.hpp"
#include "mysql_agent/io/until_signal.hpp"
#include "mysql_agent/core/init_plan.hpp"
#include "mysql_agent/io/secret_file.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/core/pod_identity.hpp"

namespace mysql_agent::cmd {
namespace {

namespace fs = std::filesystem;
namespace asio = boost::asio;

struct init_options : pod_flags {
    std::uint64_t server_id_base = 100;
    std::string config_src = "/mnt/config-map";
    std::string config_dir = "/mnt/conf.d";
    std::uint16_t backup_port = 3307;
    std::string auth_token_file;
    bool no_clone = false;
    std::string clone_from;
    std::string xtrabackup;
    std::string xbstream;
    double clone_wait = 600;
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
    // A role file from an earlier run with another ordinal would be read by mysqld too.
    const fs::path stale = fs::path(opts.config_dir) / plan.stale_role_file;
    if (fs::remove(stale, ec); ec)
        throw file_error("cannot remove stale " + stale.string() + ": " + ec.message());
}

/// One line naming each donor and how its last attempt ended, for the final error.
std::string tried_text(const std::vector<donor_address>& donors, const std::map<std::string, std::string>& last) {
    std::string out;
    for (const auto& d : donors) {
        out += (out.empty() ? "" : "; ") + d.to_string();
        if (const auto it = last.find(d.to_string()); it != last.end()) out += ": " + it->second;
    }
    return out;
}

/// Tries the donors in order, round after round with full-jitter backoff, until one serves a complete backup
/// or --clone-wait runs out. A donor that is unreachable or busy is skipped; a donor whose stream failed (cut,
/// its backup failed, refused as hostile) is skipped too and tried again in the next round, after the failed
/// clone's files were removed. A refused token, data the agent did not create, a busy datadir, or a local disk
/// error end init at once (no other donor changes them).
asio::awaitable<clone_outcome> clone_from_peers(const std::vector<donor_address>& donors, clone_options base,
                                                std::chrono::seconds clone_wait) {
    const auto give_up_at = std::chrono::steady_clock::now() + clone_wait;
    std::mt19937_64 rng{std::random_device{}()};
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::map<std::string, std::string> last_failure;
    bool any_stream_failed = false;
    for (unsigned round = 1;; ++round) {
        for (const auto& address : donors) {
            const std::string donor = address.to_string();
            clone_options o = base;
            o.donor = address;
            try {
                auto outcome = co_await async_clone_datadir(o);
                log_event(spdlog::level::info,
                          fmt::format("init: cloned from {} ({} stream bytes in {:.1f} s)", donor,
                                      outcome.marker.stream_bytes, outcome.marker.duration_seconds),
                          {{"event", "init_cloned"},
                           {"peer", donor},
                           {"bytes", outcome.marker.stream_bytes},
                           {"seconds", outcome.marker.duration_seconds}});
                co_return outcome;
            } catch (const no_donor_error& e) {
                last_failure[donor] = "unreachable or busy";
                log_event(spdlog::level::warn, fmt::format("init: donor {} is unreachable or busy: {}", donor, e.what()),
                          {{"event", "init_donor_unavailable"}, {"peer", donor}});
            } catch (const clone_failed_error& e) {
                any_stream_failed = true;
                last_failure[donor] = e.what();
                log_event(spdlog::level::warn,
                          fmt::format("init: the clone from {} failed: {}; trying the next donor", donor, e.what()),
                          {{"event", "init_clone_failed"}, {"peer", donor}});
            }
        }
        if (std::chrono::steady_clock::now() >= give_up_at) {
            const std::string message = fmt::format(
                "no donor served a complete backup within --clone-wait {} s (tried {}); check that their sidecars "
                "run and are reachable, and their logs",
                clone_wait.count(), tried_text(donors, last_failure));
            if (any_stream_failed) throw clone_failed_error(message);
            throw no_donor_error(message);
        }
        const auto delay = full_jitter_backoff(round, std::chrono::seconds(2), std::chrono::seconds(30), unit(rng));
        spdlog::info("init: no donor served a backup in round {}; trying again in {} ms", round, delay.count());
        asio::steady_timer pause(co_await asio::this_coro::executor, delay);
        co_await pause.async_wait(asio::use_awaitable);
    }
}

clone_options clone_base(const init_options& opts) {
    clone_options base;
    base.datadir = opts.datadir;
    if (!opts.auth_token_file.empty()) base.token = read_secret_file(opts.auth_token_file, "--auth-token-file");
    base.tools = resolve_backup_tools(opts.xtrabackup.empty() ? std::nullopt : std::optional<fs::path>(opts.xtrabackup),
                                      opts.xbstream.empty() ? std::nullopt : std::optional<fs::path>(opts.xbstream));
    base.max_attempts = 1;  // clone_from_peers does the retrying, across donors
    return base;
}

int run_init(const init_options& opts) {
    // Every flag is checked before anything is written.
    const pod_identity self = identity_of(opts);
    const auto server_id = server_id_for(opts.server_id_base, self.ordinal);
    if (!server_id) throw config_error(server_id.message());
    std::optional<donor_address> clone_from;
    if (!opts.clone_from.empty()) {
        auto donor = parse_donor_address(opts.clone_from);
        if (!donor) throw config_error("--clone-from: " + donor.message());
        clone_from = std::move(donor).value();
    }
    const auto clone_wait = std::chrono::duration_cast<std::chrono::seconds>(
        duration_flag("--clone-wait", opts.clone_wait, zero_is::allowed));

    set_log_context({"pod", self.hostname});
    const config_plan plan = plan_config(self, opts.service, *server_id);
    write_config(plan, opts);
    spdlog::info("init: {} is ordinal {} ({}), server-id {}: wrote {}/{} and {}", self.hostname, self.ordinal,
                 self.is_primary() ? "primary" : "replica", *server_id, opts.config_dir, plan.role_file,
                 plan.server_id_file);

    // Held from the classification to the commit: no other clone or init may touch the datadir meanwhile.
    std::optional<datadir_lock> lock;
    if (!self.is_primary() && !opts.no_clone) lock.emplace(opts.datadir);
    std::error_code ec;
    const datadir_verdict verdict = classify_datadir(
        fs::exists(opts.datadir, ec) ? gather_datadir_facts(opts.datadir) : datadir_facts{}, false);
    const init_decision decision =
        decide_init(self, verdict.kind, opts.no_clone, clone_from, opts.service, opts.backup_port);
    log_event(spdlog::level::info, "init: " + decision.reason,
              {{"event", "init_decision"}, {"clone", decision.clone}});
    if (!decision.clone) return exit_code::ok;
    clone_options base = clone_base(opts);
    base.lock = &*lock;
    run_until_signal([&] { return clone_from_peers(decision.donors, base, clone_wait); },
                     "the clone's files were removed");
    return exit_code::ok;
}

}  // namespace

command add_init(CLI::App& app) {
    auto opts = std::make_shared<init_options>();
    CLI::App* sub = app.add_subcommand(
        "init",
        "Init container: derive the ordinal from the pod hostname, write server-id.cnf and master.cnf (ordinal 0) "
        "or slave.cnf into --config-dir, and on a replica with an empty datadir clone it from a peer.");
    add_pod_flags(*sub, *opts);
    sub->add_option("--server-id-base", opts->server_id_base, "server-id = base + ordinal")->capture_default_str();
    sub->add_option("--config-src", opts->config_src, "Directory of the ConfigMap with master.cnf and slave.cnf")
        ->capture_default_str();
    sub->add_option("--config-dir", opts->config_dir, "Directory mysqld reads extra config from (an emptyDir)")
        ->capture_default_str();
    sub->add_option("--backup-port", opts->backup_port, "Port of the peers' sidecar backup server")
        ->capture_default_str();
    sub->add_option("--auth-token-file", opts->auth_token_file, "File holding the bearer token for peers' backups");
    sub->add_flag("--no-clone", opts->no_clone, "Only write the config; never clone");
    sub->add_option("--clone-from", opts->clone_from, "Clone from HOST[:PORT] instead of the peers N-1..0");
    sub->add_option("--xtrabackup", opts->xtrabackup, "Backup tool (default: xtrabackup on PATH, else mariabackup)");
    sub->add_option("--xbstream", opts->xbstream, "Stream extractor (default: xbstream on PATH, else mbstream)");
    sub->add_option("--clone-wait", opts->clone_wait,
                    "Seconds to keep trying the donors before giving up with exit 10 (no donor reachable)")
        ->capture_default_str();
    bind_environment(*sub);
    return {sub, [opts] { return guarded("init", [&] { return run_init(*opts); }); }};
}

}  // namespace mysql_agent::cmd
