// `mysql-agent backups list|verify|prune --to s3://BUCKET/PREFIX`: what `backup` stored (io/backup_store/
// backup_catalog.hpp).

#include <iostream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "command.hpp"
#include "duration_flag.hpp"
#include "store_flags.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/backup_store/backup_catalog.hpp"
#include "mysql_agent/io/backup_store/backup_restore.hpp"
#include "mysql_agent/io/backup_store/restore_check.hpp"
#include "mysql_agent/io/backup_tools.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/private_dir.hpp"
#include "mysql_agent/io/progress.hpp"

namespace mysql_agent::cmd {
namespace {

struct backups_cli_options {
    std::string action;
    store_flags store;
    std::string id;
    unsigned keep_last = 0;
    double max_age = 0;
    double incomplete_after = 24 * 3600;
    bool dry_run = false;
    bool restore = false;
    std::string scratch_dir;
    std::string mysqld;
    std::string xtrabackup;
    std::string xbstream;
};

int list(objstore::s3_client& client, const objstore::s3_url& at) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& b : backup_store::list_backups(client, at))
        out.push_back({{"id", b.id}, {"complete", b.complete}, {"bytes", b.bytes}, {"prefix", b.prefix}});
    std::cout << out.dump(2) << '\n';
    return exit_code::ok;
}

/// verify --restore: restored into a scratch dir, a private server started on it, every table checked.
int verify_by_restoring(const objstore::s3_url& at, const std::string& id, const backups_cli_options& cli) {
    backup_store::restore_check_options o;
    o.restore.from = at;
    o.restore.store = store_options_of(cli.store);
    o.restore.key = encryption_key_of(cli.store);
    o.restore.id = id;
    o.restore.target.tools = resolve_backup_tools(
        cli.xtrabackup.empty() ? std::nullopt : std::optional<std::filesystem::path>(cli.xtrabackup),
        cli.xbstream.empty() ? std::nullopt : std::optional<std::filesystem::path>(cli.xbstream));
    o.scratch = private_dir_root(cli.scratch_dir);
    o.mysqld = resolve_server_binary(cli.mysqld.empty() ? std::nullopt
                                                        : std::optional<std::filesystem::path>(cli.mysqld));
    const auto r = backup_store::verify_by_restoring(o);
    log_event(spdlog::level::info,
              fmt::format("backup {} restores: {} of data restored in {:.1f} s; {} started on it, {} tables pass "
                          "CHECK TABLE, {} rows, checked in {:.1f} s",
                          r.source, format_bytes(r.datadir_bytes), r.restore_seconds, o.mysqld.filename().string(),
                          r.tables, r.rows, r.check_seconds),
              {{"event", "backup_restore_checked"},
               {"backup", r.source},
               {"tables", r.tables},
               {"rows", r.rows},
               {"datadir_bytes", r.datadir_bytes}});
    return exit_code::ok;
}

int verify(objstore::s3_client& client, const objstore::s3_url& at, std::string id, const backups_cli_options& cli) {
    if (id.empty()) {  // the newest complete one
        const auto newest = backup_store::newest_complete_backup(client, at);
        if (!newest) throw bad_input_error("no complete backup under s3://" + at.bucket + "/" + at.prefix);
        id = *newest;
    }
    if (cli.restore) return verify_by_restoring(at, id, cli);
    const auto key = encryption_key_of(cli.store);
    const auto r = backup_store::verify_backup(client, at, id, key ? &*key : nullptr);
    spdlog::info("backup {} verifies: {} bytes in {} part(s), SHA-256 and every part's MD5 as its manifest says{}; "
                 "{} bytes of xbstream with {} files, complete for a prepare; from {}, {}",
                 id, r.bytes, r.manifest.parts.size(),
                 r.manifest.encryption ? ", every encrypted segment authenticated with key id " +
                                             r.manifest.encryption->key_id
                                       : std::string(),
                 r.xbstream_bytes, r.files, r.manifest.source, r.manifest.finished_at);
    return exit_code::ok;
}

int prune(objstore::s3_client& client, const objstore::s3_url& at, const backups_cli_options& cli) {
    backup_store::retention r;
    r.keep_last = cli.keep_last;
    if (cli.max_age > 0)
        r.max_age = std::chrono::duration_cast<std::chrono::seconds>(duration_flag("--max-age", cli.max_age));
    r.incomplete_after =
        std::chrono::duration_cast<std::chrono::seconds>(duration_flag("--incomplete-after", cli.incomplete_after));
    const auto report = backup_store::prune_backups(client, at, r, std::chrono::system_clock::now(), cli.dry_run);
    std::size_t removed = 0;
    for (const auto& d : report.decisions) removed += d.remove ? 1 : 0;
    spdlog::info("backups prune: {} of {} backup(s) {}, {} object(s) removed, {} stale upload(s) aborted", removed,
                 report.decisions.size(), cli.dry_run ? "would be removed" : "removed", report.objects_removed,
                 report.uploads_aborted);
    return exit_code::ok;
}

int run_backups(const backups_cli_options& cli) {
    const auto at = store_url_of(cli.store);
    objstore::s3_client client(store_options_of(cli.store));
    client.check_bucket(at.bucket);
    if (cli.action == "list") return list(client, at);
    if (cli.action == "verify") return verify(client, at, cli.id, cli);
    if (cli.action == "prune") return prune(client, at, cli);
    throw config_error("backups " + cli.action + ": expected list, verify or prune");
}

}  // namespace

command add_backups(CLI::App& app) {
    auto opts = std::make_shared<backups_cli_options>();
    CLI::App* sub = app.add_subcommand(
        "backups",
        "The backups `backup` stored under s3://BUCKET/PREFIX: list (JSON on stdout), verify (download one and check "
        "it against its manifest: size, every part's MD5, SHA-256, zstd frames, xbstream framing; with --restore, "
        "restore it into a scratch directory and CHECK TABLE every table on a private server), prune (retention; "
        "never the newest complete backup, never one that may still be running). Exit codes: 4 a backup does not "
        "verify, 15 TLS with the store failed (its certificate, or no CA bundle), 17 the store refused the "
        "credentials, 18 no such bucket, 19 the store failed, 3 configuration.");
    sub->add_option("action", opts->action, "list, verify or prune")->required();
    add_store_flags(*sub, opts->store);
    sub->add_option("--id", opts->id, "verify: the backup (default: the newest complete one)");
    sub->add_option("--keep-last", opts->keep_last, "prune: keep this many newest complete backups (0: no count limit)")
        ->capture_default_str();
    sub->add_option("--max-age", opts->max_age,
                    "prune: remove complete backups older than this many seconds, beyond --keep-last (0: no age limit)")
        ->capture_default_str();
    sub->add_option("--incomplete-after", opts->incomplete_after,
                    "prune: remove backups without a manifest, and abort multipart uploads, older than this many "
                    "seconds")
        ->capture_default_str();
    sub->add_flag("--dry-run", opts->dry_run, "prune: say what would be removed, remove nothing");
    sub->add_flag("--restore", opts->restore,
                  "verify: restore the backup into a scratch directory as `restore` does (every digest checked), "
                  "start a private server on it (no networking, no grants) and run CHECK TABLE on every table");
    sub->add_option("--scratch-dir", opts->scratch_dir,
                    "verify --restore: where the scratch datadir goes (default: $TMPDIR, else /tmp); it needs room "
                    "for the whole datadir and is removed after");
    sub->add_option("--mysqld", opts->mysqld, "verify --restore: the server binary (default: mariadbd, else mysqld)");
    sub->add_option("--xtrabackup", opts->xtrabackup, "verify --restore: the tool for --prepare, as for restore");
    sub->add_option("--xbstream", opts->xbstream, "verify --restore: the stream extractor, as for restore");
    bind_environment(*sub);
    return {sub, [opts] { return guarded("backups", [&] { return run_backups(*opts); }); }};
}

}  // namespace mysql_agent::cmd
