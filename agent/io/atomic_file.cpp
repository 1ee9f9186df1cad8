#include "mysql_agent/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "mysql_agent/core/errors.hpp"

namespace mysql_agent {
namespace {

// Closes a descriptor on every path out of a function; close errors after fsync are not data errors.
class fd_guard {
public:
    explicit fd_guard(int fd) noexcept : fd_(fd) {}
    ~fd_guard() {
        if (fd_ >= 0) ::close(fd_);
    }
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    int get() const noexcept { return fd_; }
    /// Closes now and reports the error: on NFS and some FUSE filesystems a write error surfaces only here.
    int close() noexcept {
        const int rc = ::close(fd_);
        fd_ = -1;
        return rc;
    }

private:
    int fd_;
};

[[noreturn]] void fail(std::string_view what, const std::filesystem::path& path, int err) {
    throw file_error(describe_file_failure(what, path, err));
}

void write_all(int fd, std::string_view content, const std::filesystem::path& path) {
    while (!content.empty()) {
        const ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("cannot write", path, errno);
        }
        content.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

std::string describe_file_failure(std::string_view what, const std::filesystem::path& path, int err) {
    std::string message = fmt::format("{} {}: {}", what, path.string(), std::strerror(err));
    if (err == ENOSPC || err == EDQUOT)
        message += " (the volume is full: free space on it or grow the PersistentVolume, then run again)";
    return message;
}

std::optional<std::string> read_file_if_exists(const std::filesystem::path& path, std::uint64_t limit) {
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        if (errno == ENOENT) return std::nullopt;
        fail("cannot open", path, errno);
    }
    fd_guard guard(fd);
    std::string content;
    std::array<char, 65536> buf;
    for (;;) {
        const ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("cannot read", path, errno);
        }
        if (n == 0) break;
        if (content.size() + static_cast<std::size_t>(n) > limit)
            throw bad_input_error(fmt::format("{} is larger than {} bytes, more than such a file ever holds: refusing to "
                                         "read it",
                                         path.string(), limit));
        content.append(buf.data(), static_cast<std::size_t>(n));
    }
    return content;
}

std::string read_file(const std::filesystem::path& path, std::uint64_t limit) {
    auto content = read_file_if_exists(path, limit);
    if (!content) fail("cannot open", path, ENOENT);
    return std::move(*content);
}

void fsync_directory(const std::filesystem::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail("cannot open directory", dir, errno);
    fd_guard guard(fd);
    if (::fsync(fd) != 0) fail("cannot fsync directory", dir, errno);
}

bool write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           const atomic_write_options& options) {
    // Rewriting identical content would only cost an fsync and bump the mtime that readers may watch.
    if (auto existing = read_file_if_exists(path); existing && *existing == content) return false;

    const std::filesystem::path target_dir = path.has_parent_path() ? path.parent_path() : ".";
    const std::filesystem::path dir = options.temp_dir.value_or(target_dir);
    std::string pattern = (dir / ("." + path.filename().string() + ".tmp.XXXXXX")).string();
    const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd < 0) fail("cannot create a temporary file next to", path, errno);
    const std::filesystem::path temp = pattern;
    fd_guard guard(fd);
    try {
        if (::fchmod(fd, options.mode) != 0) fail("cannot set the mode of", temp, errno);
        write_all(fd, content, temp);
        if (::fsync(fd) != 0) fail("cannot fsync", temp, errno);
        if (guard.close() != 0) fail("cannot close", temp, errno);
        if (::rename(temp.c_str(), path.c_str()) != 0) fail("cannot rename a temporary file to", path, errno);
    } catch (...) {
        ::unlink(temp.c_str());
        throw;
    }
    fsync_directory(target_dir);
    if (options.temp_dir) fsync_directory(*options.temp_dir);
    return true;
}

}  // namespace mysql_agent
