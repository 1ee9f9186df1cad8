#include "mysql_agent/io/http_get.hpp"

#include <exception>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/net_stream.hpp"

namespace mysql_agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::uint32_t header_limit = 16 * 1024;

/// Throws agent_error (exit io) for `ec`, naming the request.
void fail_on(const boost::system::error_code& ec, const std::string& where) {
    if (ec) throw agent_error(exit_code::io, where + " failed: " + ec.message());
}

/// Connects to the first address that answers.
asio::awaitable<void> connect(net_stream& stream, const http_get_request& r, const std::string& where) {
    tcp::resolver resolver(co_await asio::this_coro::executor);
    auto [rec, endpoints] = co_await resolver.async_resolve(r.host, std::to_string(r.port), nothrow_awaitable);
    fail_on(rec, where);
    boost::system::error_code last = asio::error::host_not_found;
    for (const auto& e : endpoints) {
        boost::system::error_code ignored;
        stream.socket().close(ignored);
        auto [cec] = co_await stream.socket().async_connect(e.endpoint(), nothrow_awaitable);
        if (!cec) co_return;
        last = cec;
    }
    fail_on(last, where);
}

/// Throws tls_error for a TLS failure `ec`, or for the alert the peer sent before the socket failed with `ec`.
asio::awaitable<void> fail_on_tls(net_stream& stream, const http_get_request& r, const tls_peer_check& check,
                                  const boost::system::error_code& ec) {
    std::optional<boost::system::error_code> failure;
    if (is_tls_failure(ec))
        failure = ec;
    else
        failure = co_await peer_alert(stream, deadlines::clock::now() + r.timeout);
    if (failure)
        throw tls_error(
            tls_failure_message(client_handshake_failure(check, *failure, r.host + ":" + std::to_string(r.port))));
}

/// The TLS handshake, the certificate checked as the clone checks a donor's. Throws tls_error.
asio::awaitable<void> secure(net_stream& stream, const http_get_request& r, tls_peer_check& check,
                             const std::string& where) {
    begin_client_tls(stream, *r.tls, r.host, check);
    auto [ec] = co_await stream.tls()->async_handshake(nothrow_awaitable);
    if (!ec) co_return;
    co_await fail_on_tls(stream, r, check, ec);
    fail_on(ec, where);
}

asio::awaitable<http_get_response> exchange(const http_get_request& r, const std::string& where) {
    net_stream stream(co_await asio::this_coro::executor);
    tls_peer_check check;
    co_await connect(stream, r, where);
    if (r.tls) co_await secure(stream, r, check, where);
    http::request<http::empty_body> req{http::verb::get, r.target, 11};
    req.set(http::field::host, r.host);
    req.set(http::field::user_agent, "mysql-agent/" MYSQL_AGENT_VERSION);
    if (r.bearer) req.set(http::field::authorization, "Bearer " + *r.bearer);
    auto [wec, written] = co_await http::async_write(stream, req, nothrow_awaitable);
    if (wec && r.tls) co_await fail_on_tls(stream, r, check, wec);
    fail_on(wec, where);
    http::response_parser<http::string_body> parser;
    parser.header_limit(header_limit);
    parser.body_limit(r.body_limit);
    beast::flat_buffer buffer(header_limit + r.body_limit);
    auto [ec, read] = co_await http::async_read(stream, buffer, parser, nothrow_awaitable);
    if (ec && r.tls) co_await fail_on_tls(stream, r, check, ec);
    fail_on(ec, where);
    http_get_response out;
    out.status = parser.get().result_int();
    out.content_type = std::string(parser.get()[http::field::content_type]);
    out.body = std::move(parser.get().body());
    co_return out;
}

}  // namespace

http_get_response http_get(const http_get_request& r) {
    const std::string where = std::string("GET ") + (r.tls ? "https" : "http") + "://" + r.host + ":" +
                              std::to_string(r.port) + r.target;
    asio::io_context ctx;
    std::optional<http_get_response> answer;
    std::exception_ptr failure;
    bool timed_out = false;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            auto got = co_await before(exchange(r, where), deadlines::clock::now() + r.timeout);
            if (got)
                answer = std::move(*got);
            else
                timed_out = true;
        },
        [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) std::rethrow_exception(failure);
    if (timed_out || !answer)
        throw agent_error(exit_code::io, where + " failed: no answer within " + seconds_text(r.timeout));
    return std::move(*answer);
}

}  // namespace mysql_agent
