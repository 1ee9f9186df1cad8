// `mysql-agent backup --from HOST[,HOST...] --to s3://BUCKET/PREFIX`: one backup of a member, streamed from its
// sidecar straight into an S3-compatible store, committed by its manifest (io/backup_store/backup_run.hpp). Meant
// for a Kubernetes CronJob.

#include <cstdlib>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "command.hpp"
#include "compress_flag.hpp"
#include "duration_flag.hpp"
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
    std::string to;
    std::string endpoint;
    std::string region;
    std::string addressing;
    std::string ca_file;
    std::string access_key_file;
    std::string secret_key_file;
    std::string auth_token_file;
    std::string part_size = "16M";
    unsigned parallel = 2;
    double connect_timeout = 10;
    double idle_timeout = 60;
    double timeout = 24 * 3600;
    unsigned max_attempts = 5;
    double retry_for = 120;
    tls_client_flags tls;
    std::string compress = "zstd";
};

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

objstore::s3_credentials credentials_of(const backup_cli_options& cli) {
    objstore::s3_credentials c;
    if (!cli.access_key_file.empty() || !cli.secret_key_file.empty()) {
        if (cli.access_key_file.empty() || cli.secret_key_file.empty())
            throw config_error("--access-key-file and --secret-key-file go together");
        c.access_key = read_secret_file(cli.access_key_file, "--access-key-file");
        c.secret_key = read_secret_file(cli.secret_key_file, "--secret-key-file");
        return c;
    }
    c.access_key = env_or("AWS_ACCESS_KEY_ID", "");
    c.secret_key = env_or("AWS_SECRET_ACCESS_KEY", "");
    if (c.access_key.empty() || c.secret_key.empty())
        throw config_error("no object store credentials: give --access-key-file and --secret-key-file (a mounted "
                           "Secret), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    return c;
}

int run_backup_command(const backup_cli_options& cli) {
    backup_store::backup_run_options o;
    for (const auto piece : text::split(cli.from, ',')) {
        const auto member = parse_donor_address(piece);
        if (!member) throw config_error("--from: " + member.message());
        o.from.push_back(*member);
    }
    auto to = objstore::parse_s3_url(cli.to);
    if (!to) throw config_error("--to: " + to.message());
    o.to = *to;
    o.store.region = !cli.region.empty() ? cli.region : env_or("AWS_REGION", env_or("AWS_DEFAULT_REGION", "us-east-1"));
    if (!cli.endpoint.empty()) {
        auto e = objstore::parse_endpoint(cli.endpoint);
        if (!e) throw config_error(e.message());
        o.store.endpoint = *e;
        o.store.style = objstore::addressing::path;
    } else {
        o.store.endpoint = objstore::aws_endpoint(o.store.region);
        o.store.style = objstore::addressing::virtual_hosted;
    }
    if (cli.addressing == "path")
        o.store.style = objstore::addressing::path;
    else if (cli.addressing == "virtual")
        o.store.style = objstore::addressing::virtual_hosted;
    else if (!cli.addressing.empty())
        throw config_error("--addressing " + cli.addressing + ": expected path or virtual");
    if (!cli.ca_file.empty()) o.store.ca_file = cli.ca_file;
    o.store.credentials = credentials_of(cli);
    const auto first = parse_byte_size(cli.part_size, "--part-size");
    if (!first) throw config_error(first.message());
    auto plan = objstore::plan_part_sizes(*first);
    if (!plan) throw config_error("--part-size: " + plan.message());
    o.parts = *plan;
    if (cli.parallel < 1 || cli.parallel > 64) throw config_error("--parallel must be 1 to 64");
    o.parallel = cli.parallel;
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
        "refused, 15 TLS with the member failed, 17 the store refused the credentials, 18 no such bucket, 19 the "
        "store failed otherwise, 3 configuration.");
    sub->add_option("--from", opts->from, "Members to ask, HOST[:PORT][,HOST[:PORT]...], in order")->required();
    sub->add_option("--to", opts->to, "s3://BUCKET/PREFIX where backups go")->required();
    sub->add_option("--endpoint", opts->endpoint,
                    "http(s)://HOST[:PORT] of an S3-compatible store (default: AWS S3 in --region)");
    sub->add_option("--region", opts->region, "Region for signing (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)");
    sub->add_option("--addressing", opts->addressing,
                    "path or virtual (default: path with --endpoint, virtual-hosted for AWS)");
    sub->add_option("--ca-file", opts->ca_file, "CA bundle the store's certificate is verified against (https)");
    sub->add_option("--access-key-file", opts->access_key_file,
                    "File holding the access key id (with --secret-key-file; default: AWS_ACCESS_KEY_ID)");
    sub->add_option("--secret-key-file", opts->secret_key_file,
                    "File holding the secret access key (default: AWS_SECRET_ACCESS_KEY)");
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
    add_tls_client_flags(*sub, opts->tls, "the member");
    add_compress_flag(*sub, opts->compress);
    bind_environment(*sub);
    return {sub, [opts] { return guarded("backup", [&] { return run_backup_command(*opts); }); }};
}

}  // namespace mysql_agent::cmd
