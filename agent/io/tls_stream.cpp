#include "mysql_agent/io/tls_stream.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

#include <openssl/err.h>

namespace mysql_agent {

namespace asio = boost::asio;

tls_stream::tls_stream(asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> context, role r)
    : socket_(std::move(socket)), context_(std::move(context)) {
    ssl_ = SSL_new(context_->native_handle());
    network_in_ = BIO_new(BIO_s_mem());
    network_out_ = BIO_new(BIO_s_mem());
    if (!ssl_ || !network_in_ || !network_out_) {
        BIO_free(network_in_);
        BIO_free(network_out_);
        SSL_free(ssl_);
        throw std::runtime_error("OpenSSL cannot allocate a TLS connection");
    }
    // An empty memory BIO asks to be retried (-1) instead of reporting end of file: OpenSSL then says WANT_READ.
    BIO_set_mem_eof_return(network_in_, -1);
    SSL_set_bio(ssl_, network_in_, network_out_);  // ssl_ owns both from here
    // OpenSSL's record buffers (17 KiB each way) only while a record is in them: an idle connection keeps none.
    SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
    if (r == role::client)
        SSL_set_connect_state(ssl_);
    else
        SSL_set_accept_state(ssl_);
}

tls_stream::~tls_stream() { SSL_free(ssl_); }

tls_stream::step tls_stream::advance(op_state& o, boost::system::error_code& ec) {
    ERR_clear_error();
    int rc = 0;
    std::size_t n = 0;
    switch (o.kind) {
        case op_kind::handshake: rc = SSL_do_handshake(ssl_); break;
        case op_kind::read: {
            if (o.in.size() == 0) return step::done;
            // Records already here fill the caller's buffer in one operation (one SSL_read_ex returns one record).
            auto* data = static_cast<char*>(o.in.data());
            std::size_t got = 0;
            while (got < o.in.size() && (rc = SSL_read_ex(ssl_, data + got, o.in.size() - got, &n)) == 1) got += n;
            if (got > 0) {
                ERR_clear_error();  // what stopped the loop (WANT_READ, a close_notify) waits for the next read
                o.result = got;
                o.finished_call = true;
                // What reading made OpenSSL write (answers to a peer's KeyUpdate) goes out now, so that a peer
                // cannot grow it while we only read.
                return BIO_ctrl_pending(network_out_) > 0 ? step::flush : step::done;
            }
            break;
        }
        case op_kind::write: {
            // Every buffer into records first (a memory BIO never refuses them), then one flush sends them all.
            std::size_t put = 0;
            for (std::size_t i = 0; i < o.out_count && put < max_write_bytes; ++i) {
                const std::size_t len = std::min(o.out[i].size(), max_write_bytes - put);
                if ((rc = SSL_write_ex(ssl_, o.out[i].data(), len, &n)) != 1) break;
                put += n;
                if (n < len) break;
            }
            if (put > 0 || o.out_count == 0) {
                ERR_clear_error();
                o.result = put;
                o.finished_call = true;
                return BIO_ctrl_pending(network_out_) > 0 ? step::flush : step::done;
            }
            break;
        }
    }
    if (rc == 1) {
        o.result = n;
        o.finished_call = true;
        return BIO_ctrl_pending(network_out_) > 0 ? step::flush : step::done;
    }
    switch (SSL_get_error(ssl_, rc)) {
        case SSL_ERROR_WANT_READ:
            // What OpenSSL wrote goes first: the peer may be waiting for it (a handshake flight).
            return BIO_ctrl_pending(network_out_) > 0 ? step::flush : step::need_input;
        case SSL_ERROR_WANT_WRITE: return step::flush;
        case SSL_ERROR_ZERO_RETURN: ec = asio::error::eof; return step::failed;
        default: {
            // As asio::ssl::stream reports it: the reason from OpenSSL's queue, in Asio's SSL category.
            const unsigned long e = ERR_get_error();
            ec = e != 0 ? boost::system::error_code(static_cast<int>(e), asio::error::get_ssl_category())
                        : boost::system::error_code(asio::ssl::error::stream_truncated);
            return step::failed;
        }
    }
}

std::size_t tls_stream::take_output() {
    const std::size_t pending = BIO_ctrl_pending(network_out_);
    if (pending == 0) return 0;
    if (out_capacity_ < pending) {
        out_buffer_.reset();  // before the next one: never both at once
        out_buffer_.reset(new char[pending]);
        out_capacity_ = pending;
    }
    const int n = BIO_read(network_out_, out_buffer_.get(), static_cast<int>(pending));
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

void tls_stream::flushed() {
    if (out_capacity_ <= shared_read_bytes) {
        out_buffer_.reset();
        out_capacity_ = 0;
    }
}

char* tls_stream::own_read_buffer() {
    if (!in_buffer_) in_buffer_.reset(new char[in_capacity_]);
    return in_buffer_.get();
}

void tls_stream::give_input(const char* data, std::size_t n) {
    if (n > 0) BIO_write(network_in_, data, static_cast<int>(n));
    if (n == in_capacity_ && in_capacity_ < read_bytes) {
        in_capacity_ = std::min(in_capacity_ * 2, read_bytes);  // data is flowing: a larger buffer of its own
        in_buffer_.reset();
    } else if (n < shared_read_bytes && in_buffer_) {
        in_capacity_ = shared_read_bytes;  // it trickles: back to waiting without a buffer
        in_buffer_.reset();
    }
}

void tls_stream::read_now(boost::system::error_code& ec) {
    // Shared by every connection of the thread: the bytes go to OpenSSL's memory BIO before anything else runs.
    thread_local std::array<char, shared_read_bytes> shared;
    char* into = reads_in_bulk() ? own_read_buffer() : shared.data();
    const ssize_t n = ::recv(socket_.native_handle(), into, in_capacity_, MSG_DONTWAIT);
    if (n < 0) {
        ec = boost::system::error_code(errno, boost::system::system_category());
        return;
    }
    if (n == 0) {
        ec = asio::error::eof;
        return;
    }
    ec = {};
    give_input(into, static_cast<std::size_t>(n));
}

}  // namespace mysql_agent
