// The TLS stream on its own, over real TCP on loopback with certificates made by the openssl CLI
// (tests/faults/tls_certs.sh): what one side writes, in any cut of buffers, the other reads byte for byte; a
// refused certificate fails both handshakes, the refusal reaching the server as the client's alert; a TCP close
// without close_notify reads as stream_truncated; a read with nothing to read can be cancelled; a second
// operation at once is refused, not interleaved. The server side uses the sidecar's own context. A connection
// holds a read buffer of its own only while data flows; a refused client certificate's alert is still read after
// the reset that followed it failed a write.

#include <poll.h>
#include <sys/ioctl.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/net_stream.hpp"
#include "mysql_agent/io/tls_context.hpp"
#include "mysql_agent/io/tls_stream.hpp"
#include "temp_dir.hpp"

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using mysql_agent::nothrow_awaitable;
using mysql_agent::tls_stream;
using namespace std::chrono_literals;

/// The certificates of tls_certs.sh, made once for all cases.
const std::filesystem::path& certs() {
    static test_support::temp_dir dir("mysql-agent-tls-stream");
    static const bool made = [] {
        const std::string cmd = std::string("bash ") + TLS_CERTS_SCRIPT + " " + dir.path().string() + " >/dev/null";
        return std::system(cmd.c_str()) == 0;
    }();
    REQUIRE(made);
    return dir.path();
}

/// The sidecar's own server context (tls_context.hpp) for server.crt.
std::shared_ptr<ssl::context> server_context() {
    mysql_agent::server_tls tls({certs() / "server.crt", certs() / "server.key", std::nullopt});
    return tls.current();
}

std::shared_ptr<ssl::context> client_context(const std::string& ca) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->load_verify_file((certs() / ca).string());
    ctx->set_verify_mode(ssl::verify_peer);
    return ctx;
}

/// A connected pair of TLS streams on loopback, handshakes not done.
struct tls_pair {
    asio::io_context io;
    std::unique_ptr<tls_stream> server, client;

    explicit tls_pair(const std::string& client_ca = "ca.crt") {
        tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        tcp::socket c(io);
        c.connect(acceptor.local_endpoint());
        tcp::socket s = acceptor.accept();
        server = std::make_unique<tls_stream>(std::move(s), server_context(), tls_stream::role::server);
        client = std::make_unique<tls_stream>(std::move(c), client_context(client_ca), tls_stream::role::client);
    }

    /// Both handshakes; their errors.
    std::pair<boost::system::error_code, boost::system::error_code> handshake() {
        auto s = asio::co_spawn(io, server->async_handshake(nothrow_awaitable), asio::use_future);
        auto c = asio::co_spawn(io, client->async_handshake(nothrow_awaitable), asio::use_future);
        io.run();
        io.restart();
        return {std::get<0>(s.get()), std::get<0>(c.get())};
    }
};

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
}

/// Writes `data` in writes of 1 to 3 buffers of random sizes (an HTTP chunk is header, data, CRLF).
asio::awaitable<void> write_all(tls_stream& s, const std::string& data) {
    std::mt19937 rng(3);
    std::size_t off = 0;
    while (off < data.size()) {
        std::vector<asio::const_buffer> bufs;
        std::size_t at = off;
        for (unsigned i = 0, n = 1 + rng() % 3; i < n && at < data.size(); ++i) {
            const std::size_t len = std::min<std::size_t>(1 + rng() % 300'000, data.size() - at);
            bufs.emplace_back(data.data() + at, len);
            at += len;
        }
        const auto [ec, n] = co_await s.async_write_some(bufs, nothrow_awaitable);
        REQUIRE_FALSE(ec);
        REQUIRE(n > 0);
        off += n;
    }
}

/// Reads until `size` bytes came, in reads of random sizes.
asio::awaitable<std::string> read_all(tls_stream& s, std::size_t size) {
    std::mt19937 rng(4);
    std::string got;
    std::vector<char> buf(300'000);
    while (got.size() < size) {
        const std::size_t want = 1 + rng() % buf.size();
        const auto [ec, n] = co_await s.async_read_some(asio::buffer(buf.data(), want), nothrow_awaitable);
        REQUIRE_FALSE(ec);
        got.append(buf.data(), n);
    }
    co_return got;
}

}  // namespace

TEST_CASE("tls stream: what one side writes the other reads, whatever the buffers", "[io][tls]") {
    tls_pair p;
    const auto [server_ec, client_ec] = p.handshake();
    REQUIRE_FALSE(server_ec);
    REQUIRE_FALSE(client_ec);
    CHECK(std::string(SSL_get_version(p.client->native_handle())) == "TLSv1.3");
    // The sidecar's choice over OpenSSL's default (TLS_AES_256_GCM_SHA384), which the client lists first.
    CHECK(std::string(SSL_get_cipher_name(p.client->native_handle())) == "TLS_AES_128_GCM_SHA256");
    const std::string up = random_bytes(5'000'000, 1), down = random_bytes(3'000'000, 2);
    auto sent_up = asio::co_spawn(p.io, write_all(*p.client, up), asio::use_future);
    auto got_up = asio::co_spawn(p.io, read_all(*p.server, up.size()), asio::use_future);
    p.io.run();
    p.io.restart();
    sent_up.get();
    CHECK(got_up.get() == up);
    auto sent_down = asio::co_spawn(p.io, write_all(*p.server, down), asio::use_future);
    auto got_down = asio::co_spawn(p.io, read_all(*p.client, down.size()), asio::use_future);
    p.io.run();
    sent_down.get();
    CHECK(got_down.get() == down);
}

TEST_CASE("tls stream: a certificate from another CA fails both handshakes, the server hearing why",
          "[io][tls]") {
    tls_pair p("other-ca.crt");
    const auto [server_ec, client_ec] = p.handshake();
    REQUIRE(client_ec);
    CHECK(client_ec.category() == asio::error::get_ssl_category());
    CHECK(ERR_GET_REASON(static_cast<unsigned long>(client_ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED);
    // The client's alert was sent before its handshake completed with the error.
    REQUIRE(server_ec);
    CHECK(ERR_GET_REASON(static_cast<unsigned long>(server_ec.value())) == SSL_R_TLSV1_ALERT_UNKNOWN_CA);
}

TEST_CASE("tls stream: a TCP close without close_notify reads as stream_truncated", "[io][tls]") {
    tls_pair p;
    REQUIRE_FALSE(p.handshake().second);
    p.server->next_layer().close();
    std::array<char, 64> buf{};
    auto got = asio::co_spawn(p.io, p.client->async_read_some(asio::buffer(buf), nothrow_awaitable), asio::use_future);
    p.io.run();
    CHECK(std::get<0>(got.get()) == ssl::error::stream_truncated);
}

TEST_CASE("tls stream: a read with nothing to read ends at its deadline and leaves the stream usable",
          "[io][tls]") {
    tls_pair p;
    REQUIRE_FALSE(p.handshake().second);
    std::array<char, 64> a{};
    auto first = asio::co_spawn(
        p.io, mysql_agent::before(p.client->async_read_some(asio::buffer(a), nothrow_awaitable),
                                  std::chrono::steady_clock::now() + 300ms),
        asio::use_future);
    p.io.run();
    CHECK_FALSE(first.get().has_value());  // the deadline won; the read was cancelled, not left hanging
    p.io.restart();
    const std::string data = "after the deadline";
    auto sent = asio::co_spawn(p.io, write_all(*p.server, data), asio::use_future);
    auto got = asio::co_spawn(p.io, read_all(*p.client, data.size()), asio::use_future);
    p.io.run();
    sent.get();
    CHECK(got.get() == data);
}

TEST_CASE("tls stream: a second operation while one is in flight is refused, the first unharmed", "[io][tls]") {
    tls_pair p;
    REQUIRE_FALSE(p.handshake().second);
    std::array<char, 64> a{}, b{};
    // Callback tokens start each operation within the call: the first is waiting for the socket when the
    // second begins.
    boost::system::error_code first_ec = asio::error::would_block, second_ec = asio::error::would_block;
    std::size_t first_n = 0;
    p.client->async_read_some(asio::buffer(a), [&](boost::system::error_code ec, std::size_t n) {
        first_ec = ec;
        first_n = n;
    });
    p.client->async_read_some(asio::buffer(b), [&](boost::system::error_code ec, std::size_t) { second_ec = ec; });
    p.io.poll();
    CHECK(second_ec == asio::error::operation_not_supported);
    CHECK(first_ec == asio::error::would_block);  // still waiting
    auto sent = asio::co_spawn(p.io, write_all(*p.server, "hello"), asio::use_future);
    p.io.run();
    sent.get();
    CHECK_FALSE(first_ec);
    CHECK(std::string(a.data(), first_n) == "hello");
}

namespace {

/// Bytes the kernel holds for `socket`, not read yet.
std::size_t readable(tcp::socket& socket) {
    int n = 0;
    REQUIRE(::ioctl(socket.native_handle(), FIONREAD, &n) == 0);
    return static_cast<std::size_t>(n);
}

}  // namespace

TEST_CASE("tls stream: a connection holds no read buffer until data flows, and gives it back when it trickles",
          "[io][tls]") {
    tls_pair p;
    REQUIRE_FALSE(p.handshake().second);
    CHECK(p.server->read_buffer_bytes() == 0);
    CHECK(p.client->read_buffer_bytes() == 0);
    // A read waiting for a peer that sends nothing (a request not sent yet) holds none either.
    std::array<char, 64> idle{};
    boost::system::error_code idle_ec = asio::error::would_block;
    std::size_t idle_n = 0;
    p.server->async_read_some(asio::buffer(idle), [&](boost::system::error_code ec, std::size_t n) {
        idle_ec = ec;
        idle_n = n;
    });
    p.io.poll();
    REQUIRE(idle_ec == asio::error::would_block);
    CHECK(p.server->read_buffer_bytes() == 0);
    const std::string hello_text = "hello";  // a named string: the coroutine keeps a reference to it
    auto hello = asio::co_spawn(p.io, write_all(*p.client, hello_text), asio::use_future);
    p.io.run();
    p.io.restart();
    hello.get();
    CHECK(std::string(idle.data(), idle_n) == "hello");
    CHECK(p.server->read_buffer_bytes() == 0);

    // 40 KiB waiting in the socket: the first read fills the thread's 17 KiB, so the connection gets 34 KiB of
    // its own for the rest.
    const std::string burst = random_bytes(40 * 1024, 5);
    auto sent = asio::co_spawn(p.io, write_all(*p.client, burst), asio::use_future);
    p.io.run();
    p.io.restart();
    sent.get();
    REQUIRE(readable(p.server->next_layer()) > burst.size());  // all of it is there before the first read
    auto got = asio::co_spawn(p.io, read_all(*p.server, burst.size()), asio::use_future);
    p.io.run();
    p.io.restart();
    CHECK(got.get() == burst);
    CHECK(p.server->read_buffer_bytes() == 2 * tls_stream::shared_read_bytes);

    // Then a trickle: a read under 17 KiB gives the buffer back.
    const std::string little = "and then little";
    auto small = asio::co_spawn(p.io, write_all(*p.client, little), asio::use_future);
    auto small_got = asio::co_spawn(p.io, read_all(*p.server, 15), asio::use_future);
    p.io.run();
    small.get();
    CHECK(small_got.get() == "and then little");
    CHECK(p.server->read_buffer_bytes() == 0);
}

TEST_CASE("tls stream: a refused client certificate's alert is read after the reset behind it failed a write",
          "[io][tls]") {
    // TLS 1.3: the client's handshake ends before the server has checked its certificate; the server's alert
    // and then its reset arrive while the client writes its request (issue 19: exit 10 "Broken pipe" instead
    // of 15).
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    tcp::socket c(io);
    c.connect(acceptor.local_endpoint());
    mysql_agent::server_tls server_files({certs() / "server.crt", certs() / "server.key", certs() / "ca.crt"});
    tls_stream server(acceptor.accept(), server_files.current(), tls_stream::role::server);
    mysql_agent::net_stream client(std::move(c));
    mysql_agent::tls_peer_check check;
    mysql_agent::tls_client_settings settings{certs() / "ca.crt", certs() / "rogue.crt", certs() / "rogue.key", {}};
    mysql_agent::begin_client_tls(client, settings, "127.0.0.1", check);

    auto s = asio::co_spawn(io, server.async_handshake(nothrow_awaitable), asio::use_future);
    auto h = asio::co_spawn(io, client.tls()->async_handshake(nothrow_awaitable), asio::use_future);
    io.run();
    io.restart();
    REQUIRE_FALSE(std::get<0>(h.get()));  // the client's side is done
    REQUIRE(std::get<0>(s.get()));        // the server refused the certificate, its alert flushed
    server.next_layer().set_option(asio::socket_base::linger(true, 0));
    server.next_layer().close();  // a reset right behind the alert
    pollfd reset{client.socket().native_handle(), 0, 0};
    REQUIRE(::poll(&reset, 1, 10'000) == 1);  // POLLERR: the reset is here
    REQUIRE((reset.revents & POLLERR) != 0);

    const std::string request = "GET /backup HTTP/1.1\r\n\r\n";
    auto w = asio::co_spawn(io, client.async_write_some(asio::buffer(request), nothrow_awaitable), asio::use_future);
    io.run();
    io.restart();
    const auto write_ec = std::get<0>(w.get());
    REQUIRE(write_ec);
    CHECK_FALSE(mysql_agent::is_tls_failure(write_ec));  // the socket's error: it says nothing about TLS

    auto a = asio::co_spawn(io, mysql_agent::peer_alert(client, std::chrono::steady_clock::now() + 5s),
                            asio::use_future);
    io.run();
    const auto alert = a.get();
    REQUIRE(alert.has_value());
    CHECK(ERR_GET_REASON(static_cast<unsigned long>(alert->value())) == SSL_R_TLSV1_ALERT_UNKNOWN_CA);
    const auto facts = mysql_agent::client_handshake_failure(check, *alert, "127.0.0.1:1");
    CHECK(facts.kind == mysql_agent::tls_failure_kind::client_cert_refused);
    CHECK_THAT(facts.client_cert, Catch::Contains("rogue.crt (CN=rogue"));
}
