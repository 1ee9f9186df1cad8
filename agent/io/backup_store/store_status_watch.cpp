#include "mysql_agent/io/backup_store/store_status_watch.hpp"

#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_store/catalog.hpp"
#include "mysql_agent/io/backup_store/backup_catalog.hpp"

namespace mysql_agent::backup_store {

store_status_watch::store_status_watch(objstore::s3_client_options store, objstore::s3_url at,
                                       std::chrono::seconds interval)
    : client_(std::move(store)), at_(std::move(at)), interval_(interval) {}

store_status_watch::~store_status_watch() = default;

void store_status_watch::start() {
    task_.emplace([this] { read_once(); }, interval_, /*at_once=*/true, [this] { client_.cancel(); });
}

store_status_facts store_status_watch::snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return facts_;
}

void store_status_watch::read_once() {
    const std::string where = "s3://" + at_.bucket + "/" + at_.prefix;
    try {
        const auto backups = list_backups(client_, at_);
        std::uint64_t complete = 0;
        for (const auto& b : backups) complete += b.complete ? 1 : 0;
        std::optional<store_status_facts::newest_backup> newest;
        if (const auto id = newest_complete(backups)) {
            const auto m = read_manifest(client_, at_, *id);
            newest = store_status_facts::newest_backup{*id, parse_iso8601_utc(m.finished_at), m.stream_bytes};
        }
        std::optional<last_run> last;
        try {
            auto parsed = parse_last_run(
                client_.get_small_object(at_.bucket, at_.prefix + std::string(last_run_name), last_run_limit));
            if (parsed)
                last = *parsed;
            else
                spdlog::warn("backup status: {}{} is not a valid record: {}", where, last_run_name, parsed.message());
        } catch (const objstore::s3_error& e) {
            if (e.kind != objstore::s3_failure::no_key) throw;
        }
        std::lock_guard<std::mutex> lock(mutex_);
        facts_.read_at = std::chrono::system_clock::now();
        facts_.complete = complete;
        facts_.incomplete = backups.size() - complete;
        facts_.newest = std::move(newest);
        facts_.last = std::move(last);
        facts_.last_error.clear();
    } catch (const std::exception& e) {
        spdlog::warn("backup status: reading {} failed: {}", where, e.what());
        std::lock_guard<std::mutex> lock(mutex_);
        ++facts_.read_failures;
        facts_.last_error = e.what();
    }
}

}  // namespace mysql_agent::backup_store
