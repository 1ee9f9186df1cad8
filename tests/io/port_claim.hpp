#pragma once
// Test helper: consecutive TCP ports on 127.0.0.1 for servers that a test stops and starts again on the same port.
//
// A port from the kernel's ephemeral range (what binding port 0 gives) can be taken as the local end of any
// outbound connection on the machine while its server is down, and the restart then fails to bind (seen in CI: the
// store's restart in the store-killed test). Ports claimed here lie below that range, from 10000 to 20999 (the e2e
// scenario's store looks from 21000 up), and each is claimed for the claim's lifetime by an flock on
// /tmp/mysql-agent-port-N.lock, so concurrent test processes never share one, even while its server is stopped.
// The lock files stay (empty, one per port ever claimed, reused by later runs): removing one could race a claim.

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace test_support {

/// Whether 127.0.0.1:port can be bound now.
inline bool port_is_free(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

class port_claim {
public:
    /// `count` consecutive ports, free now and locked for this object's life. Throws when none are left.
    explicit port_claim(int count) : count_(count) {
        int low = 32768;
        if (std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range"); range) range >> low;
        const int first = 10000, end = std::min(low, 21000) - count + 1;  // bases in [first, end)
        const int bases = end - first;
        if (bases <= 0) throw std::runtime_error("no room for test ports below the ephemeral range");
        const int start = static_cast<int>(::getpid()) * 7 % bases;
        for (int i = 0; i < bases && base_ == 0; ++i) {
            const int base = first + (start + i) % bases;
            if (take(base)) base_ = static_cast<std::uint16_t>(base);
        }
        if (base_ == 0) throw std::runtime_error("no " + std::to_string(count) + " free consecutive test ports");
    }
    ~port_claim() { release(); }
    port_claim(const port_claim&) = delete;
    port_claim& operator=(const port_claim&) = delete;

    std::uint16_t first() const noexcept { return base_; }

private:
    bool take(int base) {
        for (int p = base; p < base + count_; ++p) {
            const std::string lock = "/tmp/mysql-agent-port-" + std::to_string(p) + ".lock";
            const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
            if (fd < 0) break;
            fds_.push_back(fd);
            if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || !port_is_free(static_cast<std::uint16_t>(p))) {
                release();
                return false;
            }
        }
        if (static_cast<int>(fds_.size()) == count_) return true;
        release();
        return false;
    }
    void release() noexcept {
        for (const int fd : fds_) ::close(fd);
        fds_.clear();
    }

    int count_;
    std::uint16_t base_ = 0;
    std::vector<int> fds_;
};

}  // namespace test_support
