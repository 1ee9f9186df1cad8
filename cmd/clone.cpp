// `mysql-agent clone --from HOST[:PORT]`: fill an empty datadir with a prepared backup streamed from a
// donor's sidecar. The same code runs inside `init` on a replica with an empty datadir.

#include <chrono>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "command.hpp"
#include "compress_flag.hpp"
#include "duration_flag.hpp"
#include "tls_flags.hpp"
#include "mysql_agent/io/backup_tools.hpp"
#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/progress.hpp"
#include "mysql_agent/io/secret_file.hpp"

namespace mysql_agent::cmd {
namespace {

struct clone_cli_options {
    std::string from;
    std::string datadir = "/var/lib/mysql";
    std::string auth_token_file;
    std::string xtrabackup;
    std::string xbstream;
    bool force = false;
    double connect_timeout = 10;
    double idle_timeout = 60;
    double timeout = 0;  // no total: a fixed one is a guess a big datadir hits; idle timeouts bound each phase
    unsigned max_attempts = 10;
    double retry_for = 600;
    tls_client_flags tls;
    std::string compress = "zstd";
};

int run_clone(const clone_cli_options& cli) {
    const auto donor = parse_donor_address(cli.from);
    if (!donor) throw config_error(donor.message());
    clone_options o;
    o.donor = *donor;
    o.datadir = cli.datadir;
    if (!cli.auth_token_file.empty()) o.token = read_secret_file(cli.auth_token_file, "--auth-token-file");
    o.tools = resolve_backup_tools(
        cli.xtrabackup.empty() ? std::nullopt : std::optional<std::filesystem::path>(cli.xtrabackup),
        cli.xbstream.empty() ? std::nullopt : std::optional<std::filesystem::path>(cli.xbstream));
    o.force = cli.force;
    o.connect_timeout = duration_flag("--connect-timeout", cli.connect_timeout);
    o.idle_timeout = duration_flag("--idle-timeout", cli.idle_timeout);
    o.overall_timeout = duration_flag("--timeout", cli.timeout, zero_is::allowed);
    o.max_attempts = cli.max_attempts;
    o.retry_for = duration_flag("--retry-for", cli.retry_for, zero_is::allowed);
    o.compression = compress_flag(cli.compress);
    o.progress_tty = progress_reporter::stderr_is_tty();
    o.tls = tls_client_of(cli.tls);
    if (o.tls) client_tls_context(*o.tls);  // a file that does not load is a configuration error, found now

    const auto outcome = clone_datadir(o);
    if (outcome.already_cloned) {
        const auto& m = outcome.marker;
        spdlog::info(
            "{} already holds a completed clone{}: nothing to do. To clone again, stop mysqld, remove {}/{} and "
            "run clone with --force (this deletes the data)",
            cli.datadir, m.source.empty() ? std::string() : " from " + m.source + " (finished " + m.finished_at + ")",
            cli.datadir, clone_marker_file);
    }
    return exit_code::ok;
}

}  // namespace

command add_clone(CLI::App& app) {
    auto opts = std::make_shared<clone_cli_options>();
    CLI::App* sub = app.add_subcommand(
        "clone",
        "Fill an empty datadir with a prepared backup streamed from a donor's sidecar (GET /backup): extract into "
        "<datadir>/.mysql-agent-staging, verify framing, byte count and digest, run --prepare, then commit atomically "
        "with a marker written last. An interrupted clone is cleaned up by the next run. Exit codes: 10 no donor "
        "reachable (after retries), 11 clone failed, 12 token refused, 15 TLS with the donor failed (untrusted or misnamed certificate, plaintext donor), 13 datadir holds data not created by "
        "mysql-agent, 5 local I/O (disk full), 3 configuration.");
    sub->add_option("--from", opts->from, "Donor HOST[:PORT] (port default 3307; IPv6 as [addr]:port)")->required();
    sub->add_option("--datadir", opts->datadir, "MySQL data directory to fill")->capture_default_str();
    sub->add_option("--auth-token-file", opts->auth_token_file,
                    "File holding the donor's bearer token (without it, no Authorization header is sent)");
    sub->add_option("--xtrabackup", opts->xtrabackup,
                    "Tool for --prepare (default: xtrabackup on PATH, else mariabackup); must match the donor's");
    sub->add_option("--xbstream", opts->xbstream, "Stream extractor (default: xbstream on PATH, else mbstream)");
    sub->add_flag("--force", opts->force,
                  "Replace data in the datadir that mysql-agent did not create: it is moved aside at commit, once "
                  "the donor's backup arrived whole and was prepared, and deleted after the marker is written (put "
                  "back if the clone fails). Never re-clones over a completed clone: remove its marker "
                  ".mysql-agent-clone.json first for that");
    sub->add_option("--connect-timeout", opts->connect_timeout,
                    "Seconds to resolve and connect to the donor, per attempt")
        ->capture_default_str();
    sub->add_option(
           "--idle-timeout", opts->idle_timeout,
           "Fail when the donor sends no byte for this many seconds (the donor's backup or the network stalled), "
           "or when --prepare uses no CPU and reads and writes nothing for this long (it is stuck)")
        ->capture_default_str();
    sub->add_option("--timeout", opts->timeout, "Seconds the whole clone, prepare included, may take; 0: no limit (the idle timeouts bound each phase)")
        ->capture_default_str();
    sub->add_option("--max-attempts", opts->max_attempts,
                    "Attempts to reach a donor that answers (connection refused, timeout, 503 busy are retried with "
                    "exponential backoff and full jitter, or after the donor's Retry-After); 0: no limit. Once the "
                    "stream flows, a failure is not retried")
        ->capture_default_str();
    sub->add_option("--retry-for", opts->retry_for, "Stop retrying after this many seconds; 0: no limit")
        ->capture_default_str();
    add_tls_client_flags(*sub, opts->tls, "the donor");
    add_compress_flag(*sub, opts->compress);
    bind_environment(*sub);
    return {sub, [opts] { return guarded("clone", [&] { return run_clone(*opts); }); }};
}

}  // namespace mysql_agent::cmd
