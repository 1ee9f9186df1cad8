#pragma once
// A fault injector for the object-store tests: a TCP proxy on 127.0.0.1 in front of a real store that forwards every
// connection (one request each: the agent's S3 client sends Connection: close), and injects the faults a real store
// and network produce:
// - cuts: the first `cuts` answers that pass `cut_after` bytes are cut right there (both directions shut down), as a
//   network that drops a long download does;
// - refusals: the first `refusals` requests whose request line contains `refuse_matching` are read whole and answered
//   by the proxy itself with `refusal_status` and an S3 <Error> of `refusal_code` (503 SlowDown, 500 InternalError),
//   never reaching the store, as a store under load does;
// - a stall: the first answer that passes `stall_after` bytes stops there, its connection held open and silent until
//   the proxy goes away, as a store that hangs does (stalled() says when it happened);
// - a killed store: with `dead_after_cut`, every connection after the first cut is closed at once, unanswered.
// Blocking sockets and a thread per direction; everything is joined when the proxy goes out of scope.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

struct fault_plan {
    std::size_t cut_after = SIZE_MAX;
    int cuts = 0;
    std::string refuse_matching;  ///< e.g. "partNumber=": UploadPart requests
    int refusals = 0;
    int refusal_status = 503;
    std::string refusal_code = "SlowDown";
    std::size_t stall_after = SIZE_MAX;
    /// After the first cut, every new connection is closed at once, unanswered: the store was killed.
    bool dead_after_cut = false;
};

class fault_proxy {
public:
    fault_proxy(std::uint16_t target_port, fault_plan plan)
        : target_(target_port), plan_(std::move(plan)), cuts_left_(plan_.cuts), refusals_left_(plan_.refusals) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::listen(listener_, 16) != 0 || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
            throw std::runtime_error("fault_proxy: cannot listen");
        port_ = ntohs(a.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    ~fault_proxy() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        stall_released_.notify_all();
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

    fault_proxy(const fault_proxy&) = delete;
    fault_proxy& operator=(const fault_proxy&) = delete;

    std::uint16_t port() const { return port_; }
    int cuts_done() const { return cuts_done_; }
    /// Connections closed unanswered after the cut (dead_after_cut).
    int dead_refused() const { return dead_refused_; }
    int refusals_done() const { return refusals_done_; }
    bool stalled() const { return stalled_; }

private:
    void accept_loop() {
        while (!stopping_) {
            const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) return;
            if (plan_.dead_after_cut && cuts_done_ > 0) {
                ::close(client);
                ++dead_refused_;
                continue;
            }
            std::lock_guard<std::mutex> lock(mutex_);
            sockets_.push_back(client);
            pumps_.emplace_back([this, client] { serve(client); });
        }
    }

    static bool write_all(int fd, const char* data, std::size_t n) {
        for (std::size_t off = 0; off < n;) {
            const ssize_t w = ::write(fd, data + off, n - off);
            if (w <= 0) return false;
            off += static_cast<std::size_t>(w);
        }
        return true;
    }

    /// One connection: its request head read first, to decide whether it is refused.
    void serve(int client) {
        std::string head;
        std::vector<char> buf(64 * 1024);
        while (head.find("\r\n\r\n") == std::string::npos) {
            const ssize_t n = ::read(client, buf.data(), buf.size());
            if (n <= 0 || head.size() > (1 << 20)) {
                ::shutdown(client, SHUT_RDWR);
                return;
            }
            head.append(buf.data(), static_cast<std::size_t>(n));
        }
        const std::string request_line = head.substr(0, head.find("\r\n"));
        if (!plan_.refuse_matching.empty() && request_line.find(plan_.refuse_matching) != std::string::npos &&
            refusals_left_.fetch_sub(1) > 0) {
            refuse(client, head);
            return;
        }
        const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(target_);
        if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            !write_all(server, head.data(), head.size())) {
            if (server >= 0) ::close(server);
            ::shutdown(client, SHUT_RDWR);
            return;
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            sockets_.push_back(server);
        }
        std::thread upstream([client, server] { pump(client, server, SIZE_MAX, nullptr); });
        pump(server, client, plan_.cut_after, this);
        upstream.join();
    }

    /// Reads the rest of the request's body (Content-Length), then answers it with the planned error.
    void refuse(int client, const std::string& head) {
        std::size_t length = 0;
        for (const char* name : {"Content-Length: ", "content-length: "})
            if (const auto at = head.find(name); at != std::string::npos)
                length = std::strtoull(head.c_str() + at + std::string(name).size(), nullptr, 10);
        std::size_t have = head.size() - (head.find("\r\n\r\n") + 4);
        std::vector<char> buf(64 * 1024);
        while (have < length) {
            const ssize_t n = ::read(client, buf.data(), buf.size());
            if (n <= 0) break;
            have += static_cast<std::size_t>(n);
        }
        const std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + plan_.refusal_code +
                                 "</Code><Message>injected by the test's fault proxy</Message></Error>";
        const std::string answer = "HTTP/1.1 " + std::to_string(plan_.refusal_status) + " Refused\r\nContent-Type: "
                                   "application/xml\r\nContent-Length: " + std::to_string(body.size()) +
                                   "\r\nConnection: close\r\n\r\n" + body;
        write_all(client, answer.data(), answer.size());
        ++refusals_done_;
        ::shutdown(client, SHUT_RDWR);
    }

    /// Copies `from` to `to`; past `limit` bytes, cuts both when `self` still has a cut to make.
    static void pump(int from, int to, std::size_t limit, fault_proxy* self) {
        std::vector<char> buf(64 * 1024);
        std::size_t total = 0;
        for (;;) {
            const ssize_t n = ::read(from, buf.data(), buf.size());
            if (n <= 0) break;
            std::size_t send = static_cast<std::size_t>(n);
            bool cut = false;
            if (self != nullptr && total + send > limit && self->cuts_left_.fetch_sub(1) > 0) {
                send = limit - total;
                cut = true;
            }
            if (self != nullptr && total + send > self->plan_.stall_after && !self->stalled_.exchange(true)) {
                write_all(to, buf.data(), self->plan_.stall_after - total);
                std::unique_lock<std::mutex> lock(self->mutex_);
                self->stall_released_.wait(lock, [&] { return self->stopping_.load(); });
                return;
            }
            if (!write_all(to, buf.data(), send)) return;
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
    fault_plan plan_;
    std::atomic<int> cuts_left_, refusals_left_;
    std::atomic<int> cuts_done_{0}, refusals_done_{0}, dead_refused_{0};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> stalled_{false};
    std::condition_variable stall_released_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::thread acceptor_;
    std::mutex mutex_;
    std::vector<int> sockets_;
    std::vector<std::thread> pumps_;
};

}  // namespace test_support
