#include "mysql_agent/io/secret_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/core/errors.hpp"

namespace mysql_agent {

namespace {

/// A password or token is a few dozen bytes; anything this large is the wrong file mounted.
constexpr std::size_t max_secret_bytes = 64 * 1024;

[[noreturn]] void fail(std::string_view flag, const std::filesystem::path& path, const std::string& why) {
    throw config_error(std::string(flag) + " " + path.string() + ": " + why);
}

}  // namespace

std::string read_secret_bytes(const std::filesystem::path& path, std::string_view flag) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail(flag, path, "cannot open: " + std::system_category().message(errno) +
                             " (mount the Secret there or fix the flag)");
    }
    std::string content;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            fail(flag, path, "cannot read: " + std::system_category().message(err));
        }
        if (n == 0) break;
        content.append(buf, static_cast<std::size_t>(n));
        if (content.size() > max_secret_bytes) {
            ::close(fd);
            fail(flag, path, "larger than 64 KiB, which is not a password or token (wrong file?)");
        }
    }
    ::close(fd);
    if (content.empty()) fail(flag, path, "is empty (the Secret key holds no value)");
    return content;
}

std::string read_secret_file(const std::filesystem::path& path, std::string_view flag) {
    std::string content = read_secret_bytes(path, flag);
    content.resize(protocol::trim_trailing_whitespace(content).size());
    if (content.empty()) fail(flag, path, "is empty (the Secret key holds no value)");
    return content;
}

}  // namespace mysql_agent
