#pragma once
// Test helper: one blocking HTTP/1.1 GET on loopback with a deadline, for the sidecar's operational endpoints.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace test_support {

struct http_answer {
    int status = 0;
    std::string body;
    std::string content_type;
    std::chrono::milliseconds took{0};
};

/// GET http://127.0.0.1:`port``target`; throws when it takes longer than `timeout` or fails.
inline http_answer http_get(std::uint16_t port, const std::string& target,
                            std::chrono::milliseconds timeout = std::chrono::seconds(15),
                            const std::optional<std::string>& bearer = std::nullopt) {
    namespace asio = boost::asio;
    namespace beast = boost::beast;
    namespace http = beast::http;
    const auto started = std::chrono::steady_clock::now();
    asio::io_context ctx;
    beast::tcp_stream stream(ctx);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (bearer) req.set(http::field::authorization, "Bearer " + *bearer);
    http::response<http::string_body> res;
    beast::flat_buffer buffer;
    beast::error_code failure;
    stream.expires_after(timeout);
    stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), [&](beast::error_code ec) {
        if (ec) {
            failure = ec;
            return;
        }
        http::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
            if (wec) {
                failure = wec;
                return;
            }
            http::async_read(stream, buffer, res, [&](beast::error_code rec, std::size_t) { failure = rec; });
        });
    });
    ctx.run();
    if (failure)
        throw std::runtime_error("GET " + target + " on 127.0.0.1:" + std::to_string(port) + ": " + failure.message());
    http_answer a;
    a.status = static_cast<int>(res.result_int());
    a.body = res.body();
    a.content_type = std::string(res[http::field::content_type]);
    a.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return a;
}

}  // namespace test_support
