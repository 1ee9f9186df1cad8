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

struct found_backup {
    std::optional<std::string> id;
    backup_manifest manifest;
    std::optional<peer_answer> primary;
};

/// Carries out judge_seed (core/backup_store/seed_check.hpp) for a replica: false when the backup is skipped (the
/// peers seed the member). Throws bad_input_error when refused.
bool check_primary(const found_backup& found, const std::string& where, const donor_address& primary) {
    std::optional<position_report> report;
    if (found.primary && found.primary->report) report = found.primary->report;
    const auto verdict = judge_seed(found.manifest, report);
    switch (verdict.decision) {
        case seed_verdict::kind::refused:
            throw bad_input_error("init --seed-from: " + where + " cannot seed this member: " + verdict.reason +
                                  "; nothing was downloaded");
        case seed_verdict::kind::unchecked:
            log_event(spdlog::level::warn,
                      "init: the primary " + primary.to_string() +
                          (found.primary && !found.primary->report ? " (" + found.primary->problem + ")" : "") + ": " +
                          verdict.reason,
                      {{"event", "seed_unchecked"}});
            return true;
        case seed_verdict::kind::skip:
            log_event(spdlog::level::warn, "init: " + where + " is not used: " + verdict.reason,
                      {{"event", "seed_skipped"}});
            return false;
        case seed_verdict::kind::go:
            spdlog::info("init: {}: {}", primary.to_string(), verdict.reason);
            return true;
    }
    return true;
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
    if (o.primary && !check_primary(found, where, *o.primary)) co_return std::nullopt;
    restore_options r = o.restore;
    r.id = *found.id;
    if (o.as_primary) {
        const auto coordinates = manifest_coordinates(found.manifest);
        if (!coordinates)
            throw bad_input_error("the manifest of " + where + " carries coordinates that do not parse: " +
                                  coordinates.message());
        const auto position = backup_gtid_position(*coordinates, backup_flavor(found.manifest));
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
