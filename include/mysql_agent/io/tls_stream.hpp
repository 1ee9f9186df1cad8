#pragma once
// TLS over a connected TCP socket: OpenSSL driven through memory BIOs, with Asio's asynchronous model (any
// completion token, per-operation cancellation). Why not asio::ssl::stream: its engine moves at most one 16 KiB
// record per socket call and per completion (a 17 KiB BIO pair and 17 KiB buffers, fixed in its headers), so a
// 256 KiB chunk of a backup costs 16 sends on the sidecar and 16 reads on the clone, each a trip through the
// event loop. Here a write encrypts up to 256 KiB into records and sends them with one call, and a read takes
// whatever the socket holds, up to 256 KiB, and decrypts all of it. Measured on a 659 MB loopback clone
// (bench/clone_throughput, MODES=tls): TLS's CPU on top of plaintext went from 1.25 s to 0.37 s for the clone
// and from 0.45 s to 0.30 s for the sidecar; AES-128-GCM alone needs about 0.18 s per side.
//
// Memory on demand: a connection that sends nothing, or trickles (a handshake, a request), holds no read buffer.
// It waits for the socket to be readable (a one-byte peek, which also sees bytes that came before the wait), then
// reads what is there into one buffer per thread and hands it to OpenSSL at once. Only when a read fills that
// buffer does the connection get its own, doubled on every full read up to 256 KiB, and given back after a
// read under 17 KiB (one record). OpenSSL's own record buffers are released between records
// (SSL_MODE_RELEASE_BUFFERS). A 256 KiB read buffer allocated (and zero-filled) with every connection let 1,800
// connections that had sent one record header take 512 MiB (issue 19).
// I/O layer (Asio, OpenSSL).

#include <array>
#include <cstddef>
#include <memory>

#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <openssl/ssl.h>

namespace mysql_agent {

/// One TLS connection. At most one operation (handshake, read or write) may be in flight at a time: the agent's
/// connections are request then response; a second one completes at once with operation_not_supported.
class tls_stream {
public:
    enum class role { client, server };
    using executor_type = boost::asio::ip::tcp::socket::executor_type;

    /// Over the connected `socket`, with the certificates and verification of `context` (kept alive with it).
    /// Throws std::runtime_error when OpenSSL cannot allocate.
    tls_stream(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> context, role r);
    ~tls_stream();
    tls_stream(const tls_stream&) = delete;
    tls_stream& operator=(const tls_stream&) = delete;

    SSL* native_handle() noexcept { return ssl_; }
    boost::asio::ip::tcp::socket& next_layer() noexcept { return socket_; }
    executor_type get_executor() { return socket_.get_executor(); }

    /// Runs the handshake; completes with void(error_code). Errors are in Asio's SSL category (the reason from
    /// OpenSSL's error queue), or the socket's.
    template <class Token>
    auto async_handshake(Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code)>(
            op<false>(*this, op_state(op_kind::handshake)), token, socket_);
    }

    /// Reads decrypted bytes into the first buffer of `buffers`; void(error_code, std::size_t). A peer's
    /// close_notify is eof; a TCP close without it is asio::ssl::error::stream_truncated.
    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        const boost::asio::mutable_buffer first = *boost::asio::buffer_sequence_begin(buffers);
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            op<true>(*this, op_state(op_kind::read, first)), token, socket_);
    }

    /// Encrypts up to max_write_bytes of `buffers` (the first max_write_buffers of them: an HTTP chunk's header,
    /// data and CRLF) and sends the records with one socket write; void(error_code, std::size_t).
    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        op_state st(op_kind::write);
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers) && st.out_count < max_write_buffers; ++it) {
            const boost::asio::const_buffer b = *it;
            if (b.size() > 0) st.out[st.out_count++] = b;
        }
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            op<true>(*this, st), token, socket_);
    }

    /// Most plaintext bytes one write takes, and most ciphertext bytes one socket read takes.
    static constexpr std::size_t max_write_bytes = 256 * 1024;
    static constexpr std::size_t read_bytes = 256 * 1024;
    static constexpr std::size_t max_write_buffers = 8;
    /// A read of a connection without a buffer of its own: one whole record (16 KiB, its header and the most
    /// a cipher adds), into the thread's shared buffer.
    static constexpr std::size_t shared_read_bytes = 17 * 1024;

    /// Bytes of the connection's own read buffer (0: none; it reads into the thread's), for tests.
    std::size_t read_buffer_bytes() const noexcept { return in_buffer_ ? in_capacity_ : 0; }

private:
    enum class op_kind { handshake, read, write };

    /// What the next step of an operation is, after one call into OpenSSL.
    enum class step { done, need_input, flush, failed };

    struct op_state {
        explicit op_state(op_kind k, boost::asio::mutable_buffer b = {}) : kind(k), in(b) {}
        op_kind kind;
        boost::asio::mutable_buffer in;
        std::array<boost::asio::const_buffer, max_write_buffers> out;
        std::size_t out_count = 0;
        std::size_t result = 0;      ///< bytes read or written by the OpenSSL call whose output is being flushed
        bool finished_call = false;  ///< that call completed the operation (only the flush remains)
        boost::system::error_code failure;  ///< the call failed: its alert for the peer is flushed, then this
    };

    /// One operation as a state machine for async_compose: call OpenSSL, then send what it wrote, or read what
    /// it needs, and call it again. `Sized`: completes with (error_code, bytes), else (error_code).
    template <bool Sized>
    struct op {
        op(tls_stream& stream, op_state state_of_op) : s(stream), st(state_of_op) {}
        tls_stream& s;
        op_state st;
        enum { starting, flushing, reading, waiting } state = starting;

        template <class Self>
        void operator()(Self& self, boost::system::error_code ec = {}, std::size_t n = 0);

        template <class Self>
        void finish(Self& self, boost::system::error_code ec, std::size_t n) {
            s.busy_ = false;
            if constexpr (Sized)
                self.complete(ec, n);
            else
                self.complete(ec);
        }
    };

    /// Calls into OpenSSL for `o`; on `done` or `flush`, o.result and o.finished_call say what it did.
    step advance(op_state& o, boost::system::error_code& ec);
    /// Ciphertext OpenSSL wrote and the socket has not been given yet, moved into out_buffer_.
    std::size_t take_output();
    /// After a flush: a small out_buffer_ (a handshake flight, an alert, a short answer) is given back.
    void flushed();
    /// Ciphertext the socket gave (`n` bytes at `data`) handed to OpenSSL; then the next read's buffer: a full
    /// read doubles it (up to read_bytes), a read under shared_read_bytes gives it back.
    void give_input(const char* data, std::size_t n);
    /// Reads what the socket holds, without waiting, into the connection's buffer or the thread's; `ec` is
    /// would_block when it holds nothing, and eof when the peer closed. The bytes are handed to OpenSSL.
    void read_now(boost::system::error_code& ec);
    /// Whether the next read goes through the connection's own buffer (data is flowing) or waits first.
    bool reads_in_bulk() const noexcept { return in_capacity_ > shared_read_bytes; }
    /// The connection's own read buffer, allocated for in_capacity_ if it has none.
    char* own_read_buffer();

    boost::asio::ip::tcp::socket socket_;
    std::shared_ptr<boost::asio::ssl::context> context_;
    SSL* ssl_ = nullptr;
    BIO* network_in_ = nullptr;   ///< what the socket gave, for OpenSSL to read (owned by ssl_)
    BIO* network_out_ = nullptr;  ///< what OpenSSL wrote, for the socket (owned by ssl_)
    std::unique_ptr<char[]> in_buffer_;          ///< null until data flows (not zero-filled)
    std::size_t in_capacity_ = shared_read_bytes;  ///< the size of the next read
    std::unique_ptr<char[]> out_buffer_;
    std::size_t out_capacity_ = 0;
    char peeked_ = 0;  ///< the byte a wait for readability peeks at (left in the socket)
    bool busy_ = false;
};

template <bool Sized>
template <class Self>
void tls_stream::op<Sized>::operator()(Self& self, boost::system::error_code ec, std::size_t n) {
    namespace asio = boost::asio;
    switch (state) {
        case starting:
            if (s.busy_) {
                if constexpr (Sized)
                    return self.complete(asio::error::operation_not_supported, 0);
                else
                    return self.complete(asio::error::operation_not_supported);
            }
            s.busy_ = true;
            break;
        case flushing:
            s.flushed();
            // A failed call's alert (a refused certificate) was sent, or not: the failure is what counts.
            if (st.failure) return finish(self, st.failure, 0);
            if (ec) return finish(self, ec, 0);
            if (st.finished_call) return finish(self, {}, st.result);
            break;
        case reading:  // into the connection's own buffer
            // A TCP close without close_notify: as asio::ssl::stream says it.
            if (ec == asio::error::eof) ec = asio::ssl::error::stream_truncated;
            if (ec) return finish(self, ec, 0);
            s.give_input(s.in_buffer_.get(), n);
            break;
        case waiting:  // the socket is readable (or closed): read what it holds
            if (!ec) s.read_now(ec);
            if (ec == asio::error::would_block || ec == asio::error::try_again) {
                state = waiting;
                return s.socket_.async_receive(asio::buffer(&s.peeked_, 1), asio::socket_base::message_peek,
                                               std::move(self));
            }
            if (ec == asio::error::eof) ec = asio::ssl::error::stream_truncated;
            if (ec) return finish(self, ec, 0);
            break;
    }
    for (;;) {
        switch (s.advance(st, st.failure)) {
            case step::done: return finish(self, {}, st.result);
            case step::failed:  // its alert for the peer, if any, goes out first
            case step::flush: {
                if (const std::size_t bytes = s.take_output(); bytes > 0) {
                    state = flushing;
                    return asio::async_write(s.socket_, asio::buffer(s.out_buffer_.get(), bytes), std::move(self));
                }
                if (st.failure) return finish(self, st.failure, 0);
                if (st.finished_call) return finish(self, {}, st.result);
                continue;
            }
            case step::need_input:
                if (s.reads_in_bulk()) {
                    state = reading;
                    return s.socket_.async_read_some(asio::buffer(s.own_read_buffer(), s.in_capacity_),
                                                     std::move(self));
                }
                // Wait without a buffer: a peek completes at once for bytes already there (an edge-triggered
                // wait_read would not), and leaves them for read_now.
                state = waiting;
                return s.socket_.async_receive(asio::buffer(&s.peeked_, 1), asio::socket_base::message_peek,
                                               std::move(self));
        }
    }
}

}  // namespace mysql_agent
