#include "mysql_agent/io/periodic_flush.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace mysql_agent {

periodic_flush::periodic_flush(std::filesystem::path dir, std::chrono::milliseconds interval)
    : dir_(std::move(dir)), interval_(interval), thread_([this] { run(); }) {}

periodic_flush::~periodic_flush() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
}

unsigned periodic_flush::flushes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return flushes_;
}

void periodic_flush::run() {
    for (;;) {
        {
            std::unique_lock<std::mutex> lock(mutex_);
            if (changed_.wait_for(lock, interval_, [&] { return stopping_; })) return;
        }
        const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) continue;
        ::syncfs(fd);
        ::close(fd);
        std::lock_guard<std::mutex> lock(mutex_);
        ++flushes_;
    }
}

}  // namespace mysql_agent
