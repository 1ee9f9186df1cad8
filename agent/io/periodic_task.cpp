#include "mysql_agent/io/periodic_task.hpp"

namespace mysql_agent {

periodic_task::periodic_task(std::function<void()> job, std::chrono::milliseconds interval, bool at_once,
                             std::function<void()> cancel)
    : job_(std::move(job)), cancel_(std::move(cancel)), interval_(interval), thread_([this, at_once] { run(at_once); }) {}

periodic_task::~periodic_task() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (cancel_) cancel_();
    thread_.join();
}

void periodic_task::run(bool at_once) {
    for (bool first = true;; first = false) {
        if (!(first && at_once)) {
            std::unique_lock<std::mutex> lock(mutex_);
            if (changed_.wait_for(lock, interval_, [&] { return stopping_; })) return;
        } else {
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) return;
        }
        job_();
    }
}

}  // namespace mysql_agent
