#include "mysql_agent/io/backup_store/store_seed.hpp"

#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_store/seed_check.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/backup_store/backup_catalog.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/own_thread.hpp"
#include "mysql_agent/io/peer_positions.hpp"

namespace mysql_agent::backup_store {
namespace {

namespace asio = boost::asio;

/// GET /position of the primary, bounded like a re-seed's.
constexpr std::chrono::seconds position_timeout{10};

/// The backup's coordinates as the manifest carries its metadata files. Throws bad_input_error.
backup_metadata metadata_of(const backup_manifest& m, const std::string& where) {
    backup_files files;
    if (!m.binlog_info.empty()) files.binlog_info = named_content{"xtrabackup_binlog_info", m.binlog_info};
    if (!m.slave_info.empty()) files.slave_info = named_content{"xtrabackup_slave_info", m.slave_info};
    auto parsed = parse_backup_metadata(files);
    if (!parsed) throw bad_input_error("the manifest of " + where + " carries coordinates that do not parse: " + parsed.message());
    return *parsed;
}

struct found_backup {
    std::optional<std::string> id;
    backup_manifest manifest;
    std::optional<peer_answer> primary;
};

/// The replica's check: the primary must still hold the binlogs after the backup's position. Throws bad_input_error.
void check_primary(const found_backup& found, const std::string& where, const donor_address& primary) {
    if (!found.primary || !found.primary->report) {
        log_event(spdlog::level::warn,
                  "init: the primary " + primary.to_string() + " did not say where its binlog begins (" +
                      (found.primary ? found.primary->problem : std::string("not asked")) +
                      "): seeding from " + where + " unchecked; replication will say if its binlogs are gone",
                  {{"event", "seed_unchecked"}});
        return;
    }
    const position_report& report = *found.primary->report;
    if (!found.manifest.cluster_identity.empty() && report.cluster_identity &&
        *report.cluster_identity != found.manifest.cluster_identity)
        throw bad_input_error("init --seed-from: " + where + " is a backup of another cluster (identity " +
                              found.manifest.cluster_identity + "), the primary " + primary.to_string() + "'s is " +
                              *report.cluster_identity + ": is --seed-from the prefix this cluster's backups go to? "
                              "Nothing was downloaded");
    const auto position = backup_gtid_position(metadata_of(found.manifest, where), report.flavor);
    if (!position || !report.binlog_start) {
        log_event(spdlog::level::warn,
                  "init: " + std::string(!position ? "the backup carries no GTID position"
                                                   : "the primary does not report where its binlog begins") +
                      ": seeding from " + where + " unchecked; replication will say if its binlogs are gone",
                  {{"event", "seed_unchecked"}});
        return;
    }
    if (auto serves = check_primary_serves(report.flavor, *position, *report.binlog_start); !serves)
        throw bad_input_error("init --seed-from: " + where + " cannot seed this member: " + serves.message() +
                              "; nothing was downloaded");
    spdlog::info("init: the primary {} holds every binlog after the backup's position {} (its oldest begins at '{}')",
                 primary.to_string(), *position, *report.binlog_start);
}

}  // namespace

asio::awaitable<std::optional<clone_outcome>> seed_from_store(store_seed_options o) {
    found_backup found;
    const auto& at = o.restore.from;
    objstore::s3_client client(o.restore.store);
    co_await run_on_own_thread(
        [&] {
            client.check_bucket(at.bucket);
            found.id = newest_complete_backup(client, at);
            if (!found.id) return;
            found.manifest = read_manifest(client, at, *found.id);
            if (o.primary) {
                auto answers = ask_positions({*o.primary}, o.restore.target.token, o.restore.target.tls,
                                             position_timeout);
                if (!answers.empty()) found.primary = std::move(answers.front());
            }
        },
        [&]() noexcept { client.cancel(); }, std::chrono::steady_clock::time_point::max());
    if (!found.id) {
        log_event(spdlog::level::warn,
                  "init: --seed-from s3://" + at.bucket + "/" + at.prefix +
                      " holds no complete backup (one is complete once its manifest.json is written)",
                  {{"event", "seed_no_backup"}});
        co_return std::nullopt;
    }
    const std::string where = backup_url(at, *found.id);
    if (o.primary) check_primary(found, where, *o.primary);
    restore_options r = o.restore;
    r.id = *found.id;
    if (o.as_primary) {
        const auto flavor = found.manifest.tool_info.find("MariaDB") != std::string::npos ? server_flavor::mariadb
                                                                                        : server_flavor::mysql;
        const auto position = backup_gtid_position(metadata_of(found.manifest, where), flavor);
        r.target.reseed = reseed_record{true,
                                        "ordinal 0's datadir was empty and no member is known: restored from " + where +
                                            " (--primary-from-backup)",
                                        position.value_or(""),
                                        {}};
        r.target.replace_clone = false;
    }
    spdlog::info("init: seeding {} from {} (taken from {} at {})", o.restore.target.datadir.string(), where,
                 found.manifest.source, found.manifest.finished_at);
    co_return co_await async_restore_datadir(std::move(r));
}

}  // namespace mysql_agent::backup_store
