#include "mysql_agent/io/http_get.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "mysql_agent/core/errors.hpp"

namespace mysql_agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::uint32_t header_limit = 16 * 1024;

}  // namespace

http_get_response http_get(const http_get_request& r) {
    const std::string where = "GET http://" + r.host + ":" + std::to_string(r.port) + r.target;
    asio::io_context ctx;
    asio::ip::tcp::resolver resolver(ctx);
    beast::tcp_stream stream(ctx);
    http::request<http::empty_body> req{http::verb::get, r.target, 11};
    req.set(http::field::host, r.host);
    req.set(http::field::user_agent, "mysql-agent/" MYSQL_AGENT_VERSION);
    if (r.bearer) req.set(http::field::authorization, "Bearer " + *r.bearer);
    http::response_parser<http::string_body> parser;
    parser.header_limit(header_limit);
    parser.body_limit(r.body_limit);
    beast::flat_buffer buffer(header_limit + r.body_limit);
    beast::error_code failure;
    stream.expires_after(r.timeout);
    resolver.async_resolve(r.host, std::to_string(r.port), [&](beast::error_code rec, auto endpoints) {
        if (rec) {
            failure = rec;
            return;
        }
        stream.async_connect(endpoints, [&](beast::error_code cec, auto) {
            if (cec) {
                failure = cec;
                return;
            }
            http::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
                if (wec) {
                    failure = wec;
                    return;
                }
                http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) { failure = ec; });
            });
        });
    });
    ctx.run();
    if (failure) throw agent_error(exit_code::io, where + " failed: " + failure.message());
    http_get_response out;
    out.status = parser.get().result_int();
    out.content_type = std::string(parser.get()[http::field::content_type]);
    out.body = std::move(parser.get().body());
    return out;
}

}  // namespace mysql_agent
