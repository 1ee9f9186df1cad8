#pragma once
// `sidecar --backup-status-from s3://BUCKET/PREFIX`: reads the backups under the prefix now and every interval, on a
// thread of its own, for /metrics (core/backup_store/backup_status.hpp store_status_families) and so `status`: how
// many complete and incomplete backups there are, the newest complete one's time and size (its manifest), and the
// last run's record that `backup` leaves (last-run.json). Everything read is bounded and checked; a read that fails
// is counted and logged, and the last good facts stay. I/O layer (the S3 client, a thread).

#include <chrono>
#include <mutex>
#include <optional>

#include "mysql_agent/core/backup_store/backup_status.hpp"
#include "mysql_agent/core/objstore/s3_location.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"
#include "mysql_agent/io/periodic_task.hpp"

namespace mysql_agent::backup_store {

class store_status_watch {
public:
    store_status_watch(objstore::s3_client_options store, objstore::s3_url at, std::chrono::seconds interval);
    /// Stops the thread (a request in flight is cancelled).
    ~store_status_watch();
    store_status_watch(const store_status_watch&) = delete;
    store_status_watch& operator=(const store_status_watch&) = delete;

    /// Starts reading: at once, then every interval.
    void start();
    /// The facts as of the last read (read_failures counts every failed one).
    store_status_facts snapshot() const;

private:
    void read_once();

    objstore::s3_client client_;
    objstore::s3_url at_;
    std::chrono::seconds interval_;
    mutable std::mutex mutex_;
    store_status_facts facts_;
    std::optional<periodic_task> task_;  ///< last: stopped and joined first
};

}  // namespace mysql_agent::backup_store
