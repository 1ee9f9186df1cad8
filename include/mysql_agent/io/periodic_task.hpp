#pragma once
// One job run every interval on a thread of its own until the owner goes away: the staging dir's flush while a
// stream is extracted (periodic_flush.hpp), the store's backups read for /metrics (store_status_watch.hpp), the
// binlog archive's passes (binlog_archiver.hpp). I/O layer (a thread).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace mysql_agent {

class periodic_task {
public:
    /// Runs `job` (at once when `at_once`, else first after `interval`) and then every `interval`. `job` must not
    /// throw. `cancel`, when given, is called at destruction and must make a `job` in progress return soon (cancel the
    /// request it waits on).
    periodic_task(std::function<void()> job, std::chrono::milliseconds interval, bool at_once,
                  std::function<void()> cancel = {});
    /// Stops: no new run; a run in progress is cancelled (`cancel`) and joined.
    ~periodic_task();
    periodic_task(const periodic_task&) = delete;
    periodic_task& operator=(const periodic_task&) = delete;

private:
    void run(bool at_once);

    std::function<void()> job_;
    std::function<void()> cancel_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool stopping_ = false;
    std::thread thread_;  ///< last: started once everything it uses exists
};

}  // namespace mysql_agent
