#pragma once
// A fault injector for the object-store tests: a TCP proxy on 127.0.0.1 in front of a real store that forwards every
// connection, and cuts the first `cuts` answers that pass `after` bytes right there (both directions shut down), as a
// network that drops a long download does. Blocking sockets and a thread per direction; everything is joined when
// the proxy goes out of scope.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace test_support {

class cutting_proxy {
public:
    cutting_proxy(std::uint16_t target_port, std::size_t after, int cuts) : target_(target_port), after_(after), cuts_left_(cuts) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(listener_, 16) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("cutting_proxy: cannot listen");
        port_ = ntohs(a.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    ~cutting_proxy() {
        stopping_ = true;
        ::shutdown(listener_, SHUT_RDWR);
        acceptor_.join();
        {
            std::lock_guard<std::mutex> lock(mutex_);
            for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
        }
        for (auto& t : pumps_) t.join();
        for (int fd : sockets_) ::close(fd);
        ::close(listener_);
    }

    cutting_proxy(const cutting_proxy&) = delete;
    cutting_proxy& operator=(const cutting_proxy&) = delete;

    std::uint16_t port() const { return port_; }
    /// Answers cut so far.
    int cuts_done() const { return cuts_done_; }

private:
    void accept_loop() {
        while (!stopping_) {
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) return;
            const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            a.sin_port = htons(target_);
            if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
                ::close(client);
                if (server >= 0) ::close(server);
                continue;
            }
            std::lock_guard<std::mutex> lock(mutex_);
            sockets_.push_back(client);
            sockets_.push_back(server);
            pumps_.emplace_back([client, server] { pump(client, server, SIZE_MAX, nullptr); });
            pumps_.emplace_back([this, client, server] { pump(server, client, after_, this); });
        }
    }

    /// Copies `from` to `to`; past `limit` bytes, cuts both when `self` still has a cut to make.
    static void pump(int from, int to, std::size_t limit, cutting_proxy* self) {
        std::vector<char> buf(64 * 1024);
        std::size_t total = 0;
        for (;;) {
            const ssize_t n = ::read(from, buf.data(), buf.size());
            if (n <= 0) break;
            std::size_t send = static_cast<std::size_t>(n);
            bool cut = false;
            if (self != nullptr && total + send > limit && self->cuts_left_ > 0) {
                if (--self->cuts_left_ >= 0) {
                    send = limit - total;
                    cut = true;
                }
            }
            for (std::size_t off = 0; off < send;) {
                const ssize_t w = ::write(to, buf.data() + off, send - off);
                if (w <= 0) return;
                off += static_cast<std::size_t>(w);
            }
            total += send;
            if (cut) {
                ++self->cuts_done_;
                break;
            }
        }
        ::shutdown(to, SHUT_RDWR);
        ::shutdown(from, SHUT_RDWR);
    }

    std::uint16_t target_;
    std::size_t after_;
    std::atomic<int> cuts_left_;
    std::atomic<int> cuts_done_{0};
    std::atomic<bool> stopping_{false};
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<int> sockets_;
    std::vector<std::thread> pumps_;
};

}  // namespace test_support
