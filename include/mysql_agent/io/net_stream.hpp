#pragma once
// One connection of the backup port, plaintext or TLS, behind one type: Beast's HTTP reads and writes and the
// coroutines of the server and the clone take it whichever it is (it models Asio's AsyncReadStream and
// AsyncWriteStream). A TLS stream keeps its context alive, so a certificate rotated on disk never pulls the
// context from under a stream in flight. I/O layer.

#include <cstddef>
#include <memory>
#include <utility>
#include <variant>

#include <boost/asio/async_result.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "mysql_agent/io/tls_stream.hpp"

namespace mysql_agent {

class net_stream {
public:
    using tcp_socket = boost::asio::ip::tcp::socket;
    using executor_type = tcp_socket::executor_type;

    /// A plaintext stream on `socket`.
    explicit net_stream(tcp_socket socket) : stream_(std::in_place_index<0>, std::move(socket)) {}
    /// A not yet connected plaintext stream.
    explicit net_stream(const executor_type& ex) : stream_(std::in_place_index<0>, ex) {}

    /// Turns the (connected) plaintext stream into a TLS one over `context` (which it keeps alive), as `r`; the
    /// handshake is the caller's.
    void start_tls(std::shared_ptr<boost::asio::ssl::context> context, tls_stream::role r) {
        tcp_socket socket = std::move(std::get<0>(stream_));
        stream_.emplace<1>(std::move(socket), std::move(context), r);
    }

    executor_type get_executor() { return socket().get_executor(); }
    tcp_socket& socket() { return stream_.index() == 0 ? std::get<0>(stream_) : std::get<1>(stream_).next_layer(); }
    /// The TLS layer, or null for plaintext.
    tls_stream* tls() { return stream_.index() == 1 ? &std::get<1>(stream_) : nullptr; }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& b) {
                if (auto* t = tls())
                    t->async_read_some(b, std::move(handler));
                else
                    std::get<0>(stream_).async_read_some(b, std::move(handler));
            },
            token, buffers);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& b) {
                if (auto* t = tls())
                    t->async_write_some(b, std::move(handler));
                else
                    std::get<0>(stream_).async_write_some(b, std::move(handler));
            },
            token, buffers);
    }

private:
    std::variant<tcp_socket, tls_stream> stream_;
};

}  // namespace mysql_agent
