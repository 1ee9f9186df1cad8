#include "mysql_agent/io/datadir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <random>
#include <system_error>

#include <fmt/format.h>

#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/core/proc_locks.hpp"

namespace mysql_agent {
namespace fs = std::filesystem;
namespace {

std::string make_run_id() {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    std::random_device rd;
    return fmt::format("{}/{}/{}/{:08x}", host, ::getpid(), when, rd());
}

std::string holder_text(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return "another process";
    std::optional<std::string> locks;
    try {
        locks = read_file_if_exists("/proc/locks", 16 * 1024 * 1024);
    } catch (const std::exception&) {
    }
    if (!locks) return "another process";
    const auto pid = flock_holder(*locks, major(st.st_dev), minor(st.st_dev), st.st_ino);
    return pid ? fmt::format("process {}", *pid) : "another process";
}

}  // namespace

datadir_lock::datadir_lock(const fs::path& datadir) : run_(make_run_id()) {
    std::error_code ec;
    fs::create_directories(datadir, ec);
    if (ec) throw file_error(describe_file_failure("cannot create the datadir", datadir, ec.value()));
    fd_ = ::open(datadir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) throw file_error(describe_file_failure("cannot open the datadir", datadir, errno));
    int rc = 0;
    do {
        rc = ::flock(fd_, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0) return;
    const int err = errno;
    std::string who = err == EWOULDBLOCK ? holder_text(fd_) : std::string();
    ::close(fd_);
    if (err != EWOULDBLOCK) throw file_error(describe_file_failure("cannot lock the datadir", datadir, err));
    throw datadir_busy_error(fmt::format(
        "another mysql-agent run ({}) is cloning into {} and holds its lock; wait for it to finish, or stop it "
        "(its unfinished work is cleaned up by the next run)",
        who, datadir.string()));
}

datadir_lock::~datadir_lock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace mysql_agent
