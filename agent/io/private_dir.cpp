#include "mysql_agent/io/private_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/errors.hpp"

namespace mysql_agent {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view private_dir_prefix = "mysql-agent-backup-";

/// Takes an exclusive flock(2) on a directory; -1 when another process holds it (or it cannot be opened).
int lock_directory(const fs::path& dir, bool wait) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = 0;
    do {
        rc = ::flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB));
    } while (rc != 0 && errno == EINTR);
    if (rc == 0) return fd;
    ::close(fd);
    return -1;
}

}  // namespace

fs::path private_dir_root(const fs::path& configured) {
    if (!configured.empty()) return configured;
    const char* tmp = std::getenv("TMPDIR");
    return tmp != nullptr && *tmp != '\0' ? fs::path(tmp) : fs::path("/tmp");
}

private_dir::private_dir(const fs::path& root) {
    std::string tmpl = (root / (std::string(private_dir_prefix) + "XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw file_error("creating a private directory under " + root.string() + " failed: " +
                         std::system_category().message(errno) + " (is it writable and not full? set TMPDIR)");
    }
    path_ = tmpl;
    // A sweep that runs between mkdtemp and this lock sees an empty unlocked dir and may remove it; then
    // writing the option file fails and this backup fails with that error, which the client retries.
    lock_fd_ = lock_directory(path_, true);
}

private_dir::~private_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
    if (ec) spdlog::warn("removing {} failed: {}", path_.string(), ec.message());
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

void write_private_file(const fs::path& path, std::string_view content) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) throw file_error("creating " + path.string() + " failed: " + std::system_category().message(errno));
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            throw file_error("writing " + path.string() + " failed: " + std::system_category().message(err));
        }
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

// A sidecar killed with SIGKILL cannot run its cleanup, and its dir holds a 0600 option file with a password.
// Each live dir is flock(2)ed by its owner, and the kernel drops that lock when the owner dies, however it dies.
// (A pid in the name would not do: in a pod the sidecar is PID 1 of its container and /tmp outlives a container
// restart, so the dead owner's pid is the new sidecar's own.)
void sweep_stale_private_dirs(const fs::path& root) {
    std::error_code ec;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(private_dir_prefix, 0) != 0) continue;
        const int fd = lock_directory(it->path(), false);
        if (fd < 0) continue;  // its owner is alive (or it is not a directory we can open)
        std::error_code rm;
        fs::remove_all(it->path(), rm);
        ::close(fd);
        if (rm)
            spdlog::warn("removing {} left by a sidecar that died failed: {}", it->path().string(), rm.message());
        else
            spdlog::info("removed {}, left by a sidecar that died", it->path().string());
    }
}

}  // namespace mysql_agent
