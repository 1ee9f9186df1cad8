// `mysql-agent backup --from HOST[,HOST...] --to s3://BUCKET/PREFIX`: one backup of a member, streamed from its
// sidecar straight into an S3-compatible store, committed by its manifest (io/backup_store/backup_run.hpp). Meant
// for a Kubernetes CronJob.

#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "command.hpp"
#include "compress_flag.hpp"
#include "duration_flag.hpp"
#include "store_flags.hpp"
#include "tls_flags.hpp"
#include "mysql_agent/core/byte_size.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/backup_store/backup_run.hpp"
#include "mysql_agent/io/secret_file.hpp"

namespace mysql_agent::cmd {
namespace {

struct backup_cli_options {
    std::string from;
    store_flags store;
    std::string auth_token_file;
    std::string part_size = "16M";
    unsigned parallel = 2;
    double connect_timeout = 10;
    double idle_timeout = 60;
    double timeout = 0;  // no total: a fixed one is a guess a big datadir hits; idle timeouts bound each phase
    unsigned max_attempts = 5;
    double retry_for = 120;
    tls_client_flags tls;
    std::string compress = "zstd";
    double sweep_after = 24 * 3600;
    bool in_order = false;
};

int run_backup_command(const backup_cli_options& cli) {
    backup_store::backup_run_options o;
    for (const auto piece : text::split(cli.from, ',')) {
        const auto member = parse_donor_address(piece);
        if (!member) throw config_error("--from: " + member.message());
        o.from.push_back(*member);
    }
    o.in_order = cli.in_order;
    o.to = store_url_of(cli.store);
    o.store = store_options_of(cli.store);
    o.key = encryption_key_of(cli.store);
    const auto first = parse_byte_size(cli.part_size, "--part-size");
    if (!first) throw config_error(first.message());
    auto plan = objstore::plan_part_sizes(*first);
    if (!plan) throw config_error("--part-size: " + plan.message());
    o.parts = *plan;
    if (cli.parallel < 1 || cli.parallel > 64) throw config_error("--parallel must be 1 to 64");
    o.parallel = cli.parallel;
    o.sweep_after = std::chrono::duration_cast<std::chrono::seconds>(
        duration_flag("--sweep-after", cli.sweep_after, zero_is::allowed));
    if (!cli.auth_token_file.empty()) o.donor.token = read_secret_file(cli.auth_token_file, "--auth-token-file");
    o.donor.connect_timeout = duration_flag("--connect-timeout", cli.connect_timeout);
    o.donor.idle_timeout = duration_flag("--idle-timeout", cli.idle_timeout);
    o.donor.overall_timeout = duration_flag("--timeout", cli.timeout, zero_is::allowed);
    o.donor.max_attempts = cli.max_attempts;
    o.donor.retry_for = duration_flag("--retry-for", cli.retry_for, zero_is::allowed);
    o.donor.compression = compress_flag(cli.compress);
    o.donor.tls = tls_client_of(cli.tls);
    if (o.donor.tls) client_tls_context(*o.donor.tls);

    const auto r = backup_store::run_backup(o);
    spdlog::info("backup {} of {} committed in {:.1f} s: s3://{}/{}{} ({} bytes, {} part(s), {} of xbstream; at most "
                 "{} bytes of parts in memory at once)",
                 r.manifest.id, r.manifest.source, r.seconds, o.to.bucket, r.prefix, backup_store::manifest_name,
                 r.manifest.stream_bytes, r.manifest.parts.size(), r.manifest.xbstream_bytes, r.peak_buffered);
    if (r.uploads_swept > 0)
        spdlog::info("backup: aborted {} multipart upload(s) older than --sweep-after under s3://{}/{}", r.uploads_swept,
                     o.to.bucket, o.to.prefix);
    return exit_code::ok;
}

}  // namespace

command add_backup(CLI::App& app) {
    auto opts = std::make_shared<backup_cli_options>();
    CLI::App* sub = app.add_subcommand(
        "backup",
        "Stream one backup of a member (its sidecar's GET /backup) into an S3-compatible store as a multipart upload, "
        "checked as a clone checks it, then write its manifest (the commit point): s3://BUCKET/PREFIX<id>/. Nothing "
        "is staged on local disk. Exit codes: 10 no member served a backup, 11 the stream failed a check, 12 token "
        "refused, 15 TLS with the member or the store failed, 17 the store refused the credentials, 18 no such "
        "bucket, 19 the store failed otherwise, 3 configuration.");
    sub->add_option("--from", opts->from,
                    "Members to ask, HOST[:PORT][,HOST[:PORT]...]: the replica with the least lag first (each "
                    "member's GET /position), the primary after every replica, a member that does not answer last")
        ->required();
    sub->add_flag("--in-order", opts->in_order, "Ask the --from members in the order given instead");
    add_store_flags(*sub, opts->store);
    sub->add_option("--auth-token-file", opts->auth_token_file, "File holding the sidecars' bearer token");
    sub->add_option("--part-size", opts->part_size,
                    "First part size (5M..5G); parts double as the stream grows so 10,000 hold 5 TiB")
        ->capture_default_str();
    sub->add_option("--parallel", opts->parallel, "Parts uploading at once (memory: (parallel + 1) parts)")
        ->capture_default_str();
    sub->add_option("--connect-timeout", opts->connect_timeout, "Seconds to reach a member, per attempt")
        ->capture_default_str();
    sub->add_option("--idle-timeout", opts->idle_timeout, "Fail when the member sends no byte for this long")
        ->capture_default_str();
    sub->add_option("--timeout", opts->timeout, "Seconds the whole stream may take; 0: no limit")->capture_default_str();
    sub->add_option("--max-attempts", opts->max_attempts, "Attempts to reach a member that answers")
        ->capture_default_str();
    sub->add_option("--retry-for", opts->retry_for, "Stop retrying a member after this long; 0: no limit")
        ->capture_default_str();
    sub->add_option("--sweep-after", opts->sweep_after,
                    "After the manifest, abort multipart uploads under --to older than this many seconds (backups cut "
                    "off whose own abort failed); 0: never")
        ->capture_default_str();
    add_tls_client_flags(*sub, opts->tls, "the member");
    add_compress_flag(*sub, opts->compress);
    bind_environment(*sub);
    return {sub, [opts] { return guarded("backup", [&] { return run_backup_command(*opts); }); }};
}

}  // namespace mysql_agent::cmd
