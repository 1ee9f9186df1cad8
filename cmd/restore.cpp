// `mysql-agent restore --from s3://BUCKET/PREFIX --datadir DIR`: fill an empty datadir with a backup that `backup`
// stored (io/backup_store/backup_restore.hpp): checked against its manifest as it downloads, prepared, committed as a
// clone is. The same code seeds an empty replica in `init --seed-from`.

#include <optional>
#include <string>

#include <spdlog/spdlog.h>

#include "command.hpp"
#include "duration_flag.hpp"
#include "pitr_flags.hpp"
#include "store_flags.hpp"
#include "mysql_agent/core/backup_store/manifest.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/core/backup_store/backup_status.hpp"
#include "mysql_agent/core/binlog_archive/recovery_plan.hpp"
#include "mysql_agent/io/backup_store/backup_restore.hpp"
#include "mysql_agent/io/binlog_archive/pitr_restore.hpp"
#include "mysql_agent/io/backup_tools.hpp"
#include "mysql_agent/io/progress.hpp"

namespace mysql_agent::cmd {
namespace {

struct restore_cli_options {
    store_flags store;
    std::string id;
    std::string datadir = "/var/lib/mysql";
    std::string xtrabackup;
    std::string xbstream;
    bool force = false;
    double timeout = 0;  // no total: a fixed one is a guess a big datadir hits; idle timeouts bound each phase
    pitr_flags pitr;
};

int run_restore(const restore_cli_options& cli) {
    backup_store::restore_options o;
    o.from = store_url_of(cli.store);
    o.store = store_options_of(cli.store);
    o.key = encryption_key_of(cli.store);
    if (!cli.id.empty() && !backup_store::is_backup_id(cli.id))
        throw config_error("--id '" + text::printable(cli.id) + "' is not a backup id (YYYYMMDDTHHMMSSZ)");
    o.id = cli.id;
    o.target.datadir = cli.datadir;
    o.target.tools = resolve_backup_tools(
        cli.xtrabackup.empty() ? std::nullopt : std::optional<std::filesystem::path>(cli.xtrabackup),
        cli.xbstream.empty() ? std::nullopt : std::optional<std::filesystem::path>(cli.xbstream));
    o.target.force = cli.force;
    o.target.overall_timeout = duration_flag("--timeout", cli.timeout, zero_is::allowed);
    o.target.progress_tty = progress_reporter::stderr_is_tty();

    if (const auto target = target_of(cli.pitr)) {
        // Found before anything is downloaded: a missing tool is a configuration error (exit 3), not a failed replay.
        const auto p = pitr_options_of(cli.pitr, *target, o);
        const auto done = binlog_archive::restore_to_point(p);
        if (done.restored.already_cloned) {
            spdlog::info("{} already holds a completed clone or restore: nothing to do (restore with --force over "
                         "another's data, never over a completed one)", cli.datadir);
            return exit_code::ok;
        }
        spdlog::info("{}", describe_outcome(p, done));
        return exit_code::ok;
    }
    const auto outcome = backup_store::restore_datadir(o);
    if (outcome.already_cloned) {
        const auto& m = outcome.marker;
        spdlog::info("{} already holds a completed clone or restore{}: nothing to do. To restore over it, stop mysqld, "
                     "remove {}/{} and run restore with --force (this deletes the data)",
                     cli.datadir, m.source.empty() ? std::string() : " from " + m.source + " (finished " + m.finished_at + ")",
                     cli.datadir, clone_marker_file);
    }
    return exit_code::ok;
}

}  // namespace

command add_restore(CLI::App& app) {
    auto opts = std::make_shared<restore_cli_options>();
    CLI::App* sub = app.add_subcommand(
        "restore",
        "Fill an empty datadir with a backup that `backup` stored under s3://BUCKET/PREFIX (the newest complete one, "
        "or --id): every part's MD5, the SHA-256, the zstd frames and the xbstream framing checked against its "
        "manifest as it downloads into <datadir>/.mysql-agent-staging, then --prepare, then the same atomic commit "
        "as a clone, its marker naming the backup. A backup that fails a check commits nothing. Exit codes: 4 the "
        "backup is not valid or does not verify, 10 no complete backup under the prefix, 11 extract or prepare "
        "failed, 13 datadir holds data not created by mysql-agent, 15 TLS with the store failed, 17 the store "
        "refused the credentials, 18 no such bucket, 19 the store failed, 5 local I/O (disk full), 3 configuration.");
    add_store_flags(*sub, opts->store, "--from", "s3://BUCKET/PREFIX where `backup --to` stored the backups");
    sub->add_option("--id", opts->id, "The backup to restore (default: the newest complete one)");
    sub->add_option("--datadir", opts->datadir, "MySQL data directory to fill")->capture_default_str();
    sub->add_option("--xtrabackup", opts->xtrabackup,
                    "Tool for --prepare (default: xtrabackup on PATH, else mariabackup); must match the backup's");
    sub->add_option("--xbstream", opts->xbstream, "Stream extractor (default: xbstream on PATH, else mbstream)");
    sub->add_flag("--force", opts->force,
                  "Replace data in the datadir that mysql-agent did not create: moved aside at commit, once the "
                  "backup arrived whole and was prepared, deleted after the marker is written (put back if the "
                  "restore fails). Never over a completed clone or restore");
    sub->add_option("--timeout", opts->timeout, "Seconds the whole restore, prepare included, may take; 0: no limit")
        ->capture_default_str();
    add_pitr_flags(*sub, opts->pitr, "");
    bind_environment(*sub);
    return {sub, [opts] { return guarded("restore", [&] { return run_restore(*opts); }); }};
}

}  // namespace mysql_agent::cmd
