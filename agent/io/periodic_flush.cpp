#include "mysql_agent/io/periodic_flush.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace mysql_agent {

periodic_flush::periodic_flush(std::filesystem::path dir, std::chrono::milliseconds interval)
    : dir_(std::move(dir)), task_([this] { flush_once(); }, interval, /*at_once=*/false) {}

periodic_flush::~periodic_flush() = default;

unsigned periodic_flush::flushes() const { return flushes_.load(); }

void periodic_flush::flush_once() noexcept {
    const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::syncfs(fd);
    ::close(fd);
    ++flushes_;
}

}  // namespace mysql_agent
