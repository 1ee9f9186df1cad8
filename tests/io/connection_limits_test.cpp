// What a connection may cost the backup server before its request (issue 19), in-process on loopback: a TLS
// client that sends a record header and stops is closed at the handshake deadline; past --max-connections the
// oldest connection still before its request is closed for the new one (a plaintext one told 503); a refused
// client certificate gets its alert and a FIN, and what the client writes after them resets nothing; and the
// clone reads that refusal as a TLS failure every time, not as an unreachable donor.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/backup_server.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/donor_connection.hpp"
#include "mysql_agent/io/net_stream.hpp"
#include "mysql_agent/io/tls_context.hpp"
#include "temp_dir.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using namespace mysql_agent;

/// The certificates of tls_certs.sh, made once for all cases.
const fs::path& certs() {
    static test_support::temp_dir dir("mysql-agent-limits");
    static const bool made = [] {
        const std::string cmd = std::string("bash ") + TLS_CERTS_SCRIPT + " " + dir.path().string() + " >/dev/null";
        return std::system(cmd.c_str()) == 0;
    }();
    REQUIRE(made);
    return dir.path();
}

/// A server whose backups would come from the fake tool (none starts here: no request carries the token).
backup_server_options options_with(const fs::path& datadir) {
    backup_server_options o;
    o.listen = "127.0.0.1:0";
    o.auth_token = "the-token";
    o.tools.backup = fs::path(FAKES_DIR) / "fake-backup-ok";
    o.tools.stream = "/usr/bin/mbstream";
    o.datadir = datadir;
    o.request_timeout = 10s;
    o.send_timeout = 2s;
    return o;
}

backup_server_options tls_options_with(const fs::path& datadir, bool client_ca) {
    auto o = options_with(datadir);
    o.tls = tls_server_files{certs() / "server.crt", certs() / "server.key",
                             client_ca ? std::optional<fs::path>(certs() / "ca.crt") : std::nullopt};
    return o;
}

/// The server on a thread of its own, as a separate process would be: the client's timing is not the server's.
struct server_thread {
    asio::io_context io;
    std::optional<backup_server> server;
    std::thread thread;
    explicit server_thread(const backup_server_options& o) {
        server.emplace(io.get_executor(), o);
        server->start();
        thread = std::thread([this] { io.run(); });
    }
    ~server_thread() {
        server->shutdown();
        thread.join();
    }
    std::uint16_t port() const { return server->local_endpoint().port(); }
};

tcp::socket connect_to(asio::io_context& io, std::uint16_t port) {
    tcp::socket s(io);
    s.connect({asio::ip::address_v4::loopback(), port});
    return s;
}

/// Everything the peer sends until it closes (or resets: what came before is kept).
std::string read_to_end(tcp::socket& s) {
    std::string got;
    std::array<char, 4096> buf;
    for (;;) {
        boost::system::error_code ec;
        const std::size_t n = s.read_some(asio::buffer(buf), ec);
        got.append(buf.data(), n);
        if (ec) return got;
    }
}

/// Nothing has arrived on `s`, and it is not closed (a look, without waiting).
bool quiet_and_open(tcp::socket& s) {
    char byte = 0;
    return ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

}  // namespace

TEST_CASE("backup_server: a TLS client that sends one record header is closed at the handshake deadline",
          "[io][sidecar][tls]") {
    test_support::temp_dir dir("limits-header");
    auto o = tls_options_with(dir.path(), false);
    o.handshake_timeout = 1s;
    // Only the handshake deadline can end the read below: without it the connection would stay open past ctest's
    // 120 s limit for this test (no clock is asserted: the machine may be slow).
    o.request_timeout = 600s;
    server_thread server(o);
    asio::io_context io;
    tcp::socket s = connect_to(io, server.port());
    const unsigned char header[] = {0x16, 0x03, 0x01, 0x02, 0x00};  // a ClientHello of 512 bytes, announced
    asio::write(s, asio::buffer(header));
    const std::string got = read_to_end(s);
    CHECK(got.empty());  // no TLS byte for a record that never came whole, and closed
}

TEST_CASE("backup_server: past --max-connections the oldest connection before its request makes room",
          "[io][sidecar]") {
    test_support::temp_dir dir("limits-plain");
    auto o = options_with(dir.path());
    o.max_connections = 3;
    server_thread server(o);
    asio::io_context io;
    // Accepted in the order they connected (the listen queue is first in, first out).
    tcp::socket first = connect_to(io, server.port());
    tcp::socket second = connect_to(io, server.port());
    tcp::socket third = connect_to(io, server.port());
    tcp::socket fourth = connect_to(io, server.port());
    const std::string request = "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(fourth, asio::buffer(request));
    CHECK(status_line(read_to_end(fourth)) == "HTTP/1.1 404 Not Found");  // served
    const std::string told = read_to_end(first);
    CHECK(status_line(told) == "HTTP/1.1 503 Service Unavailable");
    CHECK_THAT(told, Catch::Contains("Retry-After: 1"));
    CHECK_THAT(told, Catch::Contains("busy: too many connections (--max-connections 3)"));
    CHECK(quiet_and_open(second));  // the newer ones are untouched
    CHECK(quiet_and_open(third));
}

TEST_CASE("backup_server: past --max-connections a TLS connection still in its first record is closed",
          "[io][sidecar][tls]") {
    test_support::temp_dir dir("limits-tls");
    auto o = tls_options_with(dir.path(), false);
    o.max_connections = 2;
    server_thread server(o);
    asio::io_context io;
    tcp::socket header_only = connect_to(io, server.port());
    const unsigned char header[] = {0x16, 0x03, 0x01, 0x02, 0x00};
    asio::write(header_only, asio::buffer(header));
    tcp::socket idle = connect_to(io, server.port());
    // A real TLS client after them: its handshake and request are served.
    net_stream client(connect_to(io, server.port()));
    tls_peer_check check;
    begin_client_tls(client, tls_client_settings{certs() / "ca.crt", {}, {}, {}}, "127.0.0.1", check);
    auto answer = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<unsigned> {
            const auto [hec] = co_await client.tls()->async_handshake(nothrow_awaitable);
            if (hec) co_return 0;
            http::request<http::empty_body> req{http::verb::get, "/nothing", 11};
            req.set(http::field::host, "x");
            co_await http::async_write(client, req, nothrow_awaitable);
            beast::flat_buffer buf;
            http::response<http::string_body> res;
            co_await http::async_read(client, buf, res, nothrow_awaitable);
            co_return res.result_int();
        },
        asio::use_future);
    io.run();
    CHECK(answer.get() == 404);
    CHECK(read_to_end(header_only).empty());  // closed, and no TLS state was ever made for it
    CHECK(quiet_and_open(idle));
}

TEST_CASE("backup_server: a refused client certificate gets its alert and a FIN, and a write after them resets "
          "nothing",
          "[io][sidecar][tls]") {
    test_support::temp_dir dir("limits-refused");
    server_thread server(tls_options_with(dir.path(), true));
    asio::io_context io;
    net_stream client(connect_to(io, server.port()));
    tls_peer_check check;
    begin_client_tls(client, tls_client_settings{certs() / "ca.crt", certs() / "rogue.crt", certs() / "rogue.key", {}},
                     "127.0.0.1", check);
    auto shaken = asio::co_spawn(io, client.tls()->async_handshake(nothrow_awaitable), asio::use_future);
    io.run();
    io.restart();
    REQUIRE_FALSE(std::get<0>(shaken.get()));  // TLS 1.3: our side ends before the server checks our certificate
    std::array<char, 16> byte{};
    auto refused = asio::co_spawn(io, client.async_read_some(asio::buffer(byte), nothrow_awaitable), asio::use_future);
    io.run();
    const auto alert = std::get<0>(refused.get());
    REQUIRE(is_tls_failure(alert));
    CHECK(ERR_GET_REASON(static_cast<unsigned long>(alert.value())) == SSL_R_TLSV1_ALERT_UNKNOWN_CA);

    // The server's FIN is here: a close would have sent it too, and then these bytes would meet a closed socket.
    const int fd = client.socket().native_handle();
    pollfd fin{fd, POLLRDHUP, 0};
    REQUIRE(::poll(&fin, 1, 10'000) == 1);
    REQUIRE((fin.revents & POLLRDHUP) != 0);
    const std::string late = "GET /backup HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer the-token\r\n\r\n";
    REQUIRE(::send(fd, late.data(), late.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(late.size()));
    ::shutdown(fd, SHUT_WR);
    // Both FINs acknowledged, or a reset: the connection is over either way; then, did it end in a reset?
    tcp_info info{};
    socklen_t len = sizeof info;
    for (int i = 0; i < 500; ++i) {
        REQUIRE(::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0);
        if (info.tcpi_state == TCP_CLOSE) break;
        std::this_thread::sleep_for(10ms);
    }
    REQUIRE(info.tcpi_state == TCP_CLOSE);
    int error = 0;
    len = sizeof error;
    REQUIRE(::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0);
    CHECK(error == 0);  // EPIPE: the server closed at once and reset what came after its alert
}

TEST_CASE("the clone reads a refused client certificate as a TLS failure, 50 times out of 50", "[io][clone][tls]") {
    test_support::temp_dir dir("limits-clone");
    server_thread server(tls_options_with(dir.path(), true));
    clone_options o;
    o.donor = donor_address{"127.0.0.1", server.port()};
    o.token = "the-token";
    o.max_attempts = 1;
    o.connect_timeout = 10s;
    o.idle_timeout = 10s;
    o.tls = tls_client_settings{certs() / "ca.crt", certs() / "rogue.crt", certs() / "rogue.key", {}};
    unsigned tls_failures = 0;
    std::string other;
    for (int round = 0; round < 50; ++round) {
        asio::io_context io;
        const deadlines dl(deadlines::clock::now(), 60s);
        std::exception_ptr failure;
        asio::co_spawn(io, request_backup_with_retries(o, dl), [&](std::exception_ptr e, auto) { failure = e; });
        io.run();
        try {
            if (failure) std::rethrow_exception(failure);
            other = "the donor answered";
        } catch (const tls_error& e) {
            if (std::string(e.what()).find("it refused our client certificate, --tls-cert " +
                                            (certs() / "rogue.crt").string()) != std::string::npos)
                ++tls_failures;
            else
                other = e.what();
        } catch (const std::exception& e) {
            other = e.what();
        }
    }
    INFO("a round that was not a TLS failure: " << other);
    CHECK(tls_failures == 50);
}
