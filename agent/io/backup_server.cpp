// The sidecar's HTTP server: accepts connections, reads each request within its limits, routes it, checks the
// bearer token and how many backups run, and writes what http_endpoints.hpp answers or hands the connection to
// backup_stream.hpp.
//
// Shape (after the Asio HTTP server examples): a listener co_spawns one coroutine per connection; every wait is
// raced against a timer or against the server's shutdown signal with awaitable operators, so no connection can
// hang the sidecar and SIGTERM reaches each stream between two chunks (never in the middle of one, which would
// leave no way to send the failed trailer).
//
// What a connection costs before it has sent its request, and how many there may be (issue 19: 1,800 connections
// that had sent one TLS record header held 512 MiB and OOM-killed a sidecar):
// - With TLS, no TLS state is made until the client's whole first record (its ClientHello) has arrived: until
//   then a connection holds the bytes it sent, and the wait ends at the handshake deadline. The handshake then has what is left
//   of the 5 s from connecting (handshake_timeout), the request what is left of the 10 s (request_timeout).
// - Every connection but a backup stream counts against --max-connections. Past it, the oldest connection still
//   before its request is closed for the new one (a plaintext one that got as far as waiting for its request is
//   told 503 first), so a flood can neither lock out a new clone nor touch a stream in flight; only when every
//   counted connection is past its request (answers being written) is the new one refused.
// - A refused TLS handshake (a client certificate the --tls-client-ca did not sign) is followed by our FIN after
//   the alert, and what the client still sends is read and dropped for up to a second before the close: a close
//   with unread bytes resets the connection, and a reset that reaches the client before it reads the alert
//   fails its next write with EPIPE, which it cannot tell from a donor going away.

#include "mysql_agent/io/backup_server.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <list>
#include <optional>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/listen_address.hpp"
#include "mysql_agent/core/stream_encoding.hpp"
#include "mysql_agent/io/backup_stream.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/health_checker.hpp"
#include "mysql_agent/io/http_endpoints.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/net_stream.hpp"
#include "mysql_agent/io/private_dir.hpp"
#include "mysql_agent/io/shutdown_signal.hpp"

namespace mysql_agent {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

/// GET /backup with a bearer token fits in far less; a larger header is not one of our clients.
constexpr std::uint32_t request_header_limit = 8 * 1024;
/// The most a connection's read buffer holds before its request is answered. Only the header is read, before
/// anything else (the token included) is looked at, so every connection costs at most this much.
constexpr std::size_t request_buffer_limit = 16 * 1024;

health_checker_options health_options_of(const backup_server_options& o) {
    health_checker_options h;
    h.connection = o.mysql;
    h.datadir = o.datadir;
    h.is_primary = !o.replica;
    h.max_lag = o.max_lag;
    h.timeout = o.health_timeout;
    return h;
}

/// Every string the server must never send or log: the password, the token and the extra secrets.
std::vector<std::string> secrets_of(const backup_server_options& o) {
    std::vector<std::string> secrets;
    if (!o.mysql.password.empty()) secrets.push_back(o.mysql.password);
    if (o.auth_token) secrets.push_back(*o.auth_token);
    for (const auto& s : o.extra_secrets)
        if (!s.empty()) secrets.push_back(s);
    return secrets;
}

/// The socket address of --listen. Throws config_error naming --listen.
tcp::endpoint listen_endpoint(const std::string& listen) {
    const auto parsed = parse_listen_address(listen);
    if (!parsed) throw config_error(parsed.message());
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(parsed->host, ec);
    if (ec) throw config_error(listen_address_error(listen, "'" + parsed->host + "' is not an IP address"));
    return {address, parsed->port};
}

std::string endpoint_text(const tcp::endpoint& ep) {
    const auto a = ep.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

/// The first byte of every TLS connection: a handshake record.
constexpr unsigned char tls_handshake_record = 0x16;
/// A TLS record's header: type, version (2 bytes), length (2 bytes, big-endian).
constexpr std::size_t tls_record_header = 5;
/// A record's length field: at most 2^14 plaintext bytes plus what protection adds (RFC 8446, 5.2).
constexpr std::size_t tls_record_max = 16384 + 2048;
/// How long a refused handshake's connection is read from (and dropped) after our FIN, for the alert to arrive
/// before any reset; and the most that is read.
constexpr auto refusal_linger = std::chrono::seconds(1);
constexpr std::size_t refusal_drain_bytes = 64 * 1024;
/// How often the sidecar says that it closed or refused connections over --max-connections.
constexpr auto over_limit_log_interval = std::chrono::seconds(10);

/// How the wait for a TLS client's first record ended.
enum class first_record { whole, plaintext, closed, timed_out, stopped };

/// A connection that the accept loop will not serve because --max-connections is reached and none can be closed
/// for it: a plaintext client is told 503 if the answer fits in the socket at once; a TLS client (which cannot be
/// told anything before a handshake) sees the connection closed, which the clone retries.
void refuse_over_limit(tcp::socket& socket, bool plaintext, unsigned max_connections) {
    if (plaintext) {
        const std::string body =
            "busy: too many connections (--max-connections " + std::to_string(max_connections) + ")\n";
        const std::string answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                   "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
                                   std::to_string(body.size()) + "\r\n\r\n" + body;
        [[maybe_unused]] const auto sent =
            ::send(socket.native_handle(), answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
}

/// The answer to a request whose header could not be read (`ec`).
http_answer bad_request(const boost::system::error_code& ec) {
    if (ec == http::error::body_limit)
        return plain_answer(http::status::bad_request, "bad request: requests carry no body");
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
        return plain_answer(http::status::request_header_fields_too_large, "request headers too large");
    return plain_answer(http::status::bad_request, "bad request: " + ec.message());
}

/// A request header's value; nullopt when absent.
template <class Name>
std::optional<std::string_view> header_value(const http::request<http::empty_body>& req, Name name) {
    const auto it = req.find(name);
    if (it == req.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
}

}  // namespace

struct backup_server::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor ex, backup_server_options o)
        : ex_(ex), opts_(std::move(o)), acceptor_(ex), stop_(ex), secrets_(secrets_of(opts_)),
          limiter_(opts_.max_rate, counters_), health_(health_options_of(opts_)),
          compressors_(opts_.compress_threads),
          stream_context_{opts_, secrets_, counters_, gate_, stop_, limiter_, compressors_} {
        if (opts_.max_concurrent_backups == 0) throw config_error("--max-concurrent-backups must be at least 1");
        if (opts_.max_connections == 0) throw config_error("--max-connections must be at least 1");
        if (opts_.tls) tls_ = std::make_unique<server_tls>(*opts_.tls);
    }

    /// A connection --max-connections counts (all but backup streams), in the order they were accepted.
    struct connection_slot {
        net_stream* stream = nullptr;  ///< set once its coroutine runs
        bool before_request = true;    ///< in its TLS handshake or waiting for its request: may be closed
        bool evicted = false;          ///< closed for a newer connection
    };
    using slot_ref = std::list<connection_slot>::iterator;

    /// Gives a connection's slot back when its coroutine ends, or when it becomes a backup stream.
    struct slot_guard {
        impl& server;
        std::optional<slot_ref> slot;
        void release() {
            if (!slot) return;
            if ((*slot)->evicted) --server.evicting_;
            server.slots_.erase(*slot);
            slot.reset();
        }
        ~slot_guard() { release(); }
    };

    /// Room for one more connection: true when under --max-connections, or once the oldest connection still
    /// before its request was told to close.
    bool make_room() {
        if (slots_.size() - evicting_ < opts_.max_connections) return true;
        for (auto& slot : slots_) {
            if (!slot.before_request || slot.evicted) continue;
            slot.evicted = true;
            ++evicting_;
            // Its wait (for the first record, the handshake or the request) ends with operation_aborted.
            boost::system::error_code ignored;
            if (slot.stream) slot.stream->socket().cancel(ignored);
            note_over_limit(true);
            return true;
        }
        note_over_limit(false);
        return false;
    }

    /// Says, at most every over_limit_log_interval, how many connections --max-connections closed or refused.
    void note_over_limit(bool evicted) {
        ++(evicted ? over_limit_.evicted : over_limit_.refused);
        const auto now = clock::now();
        if (now < over_limit_.next_log) return;
        spdlog::warn("over --max-connections {}: closed {} connection(s) still before their request for newer "
                     "ones, refused {} (since the last such line; backup streams are not counted or touched)",
                     opts_.max_connections, over_limit_.evicted, over_limit_.refused);
        over_limit_ = {};
        over_limit_.next_log = now + over_limit_log_interval;
    }

    void bind() {
        const auto ep = listen_endpoint(opts_.listen);
        boost::system::error_code ec;
        acceptor_.open(ep.protocol(), ec);
        if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
        if (!ec) acceptor_.bind(ep, ec);
        if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
        if (ec) throw config_error("--listen " + opts_.listen + ": cannot listen: " + ec.message());
    }

    void shutdown() {
        if (stop_.raised()) return;
        stop_.raise();
        spdlog::info("shutting down: no new connections; {} backup(s) in flight end with a failed trailer", active_);
        boost::system::error_code ignored;
        acceptor_.close(ignored);
    }

    asio::awaitable<void> accept_loop(std::shared_ptr<impl> keep) {
        while (!stop_.raised()) {
            auto [ec, socket] = co_await acceptor_.async_accept(nothrow_awaitable);
            if (stop_.raised() || ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
            if (ec) {
                // EMFILE and friends: back off instead of spinning; the listener must survive them.
                spdlog::warn("accepting a connection on {} failed: {}", opts_.listen, ec.message());
                asio::steady_timer pause(ex_, std::chrono::milliseconds(200));
                co_await pause.async_wait(nothrow_awaitable);
                continue;
            }
            if (!make_room()) {
                refuse_over_limit(socket, !tls_, opts_.max_connections);
                continue;
            }
            const auto slot = slots_.emplace(slots_.end());
            asio::co_spawn(ex_, serve(keep, std::move(socket), slot), [](std::exception_ptr e) {
                if (!e) return;
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::error("connection handler failed: {}", ex.what());
                }
            });
        }
    }

    /// Writes a short response and closes our side. Callers pass a named local: [gcc12-await-temporaries] in
    /// health_checker.cpp.
    asio::awaitable<void> respond(net_stream& socket, const http_answer& answer) {
        http::response<http::string_body> res{answer.status, 11};
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.set(protocol::header_agent_version, MYSQL_AGENT_VERSION);
        for (const auto& [name, value] : answer.headers) res.set(name, value);
        res.keep_alive(false);
        res.body() = answer.body + "\n";
        res.prepare_payload();
        co_await before(http::async_write(socket, res, nothrow_awaitable), clock::now() + opts_.send_timeout);
        boost::system::error_code ignored;
        socket.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    asio::awaitable<void> serve(std::shared_ptr<impl> /*keep alive*/, tcp::socket accepted, slot_ref slot) {
        const auto accepted_at = clock::now();
        slot_guard guard{*this, slot};
        boost::system::error_code ec;
        const auto remote = accepted.remote_endpoint(ec);
        const std::string peer = ec ? std::string("unknown peer") : endpoint_text(remote);
        net_stream socket(std::move(accepted));
        slot->stream = &socket;
        if (slot->evicted) co_return;
        if (tls_) {
            const bool secured = co_await accept_tls(socket, peer, *slot, accepted_at);
            if (!secured) co_return;
        }
        beast::flat_buffer buffer(request_buffer_limit);
        http::request_parser<http::empty_body> parser;
        const bool got = co_await read_request(socket, peer, buffer, parser, *slot, accepted_at);
        slot->before_request = false;
        if (got) co_await route(socket, peer, parser.get(), guard);
    }

    /// Reads a TLS client's first record (its ClientHello) into `record` as it arrives, so that no TLS state exists
    /// for a client that sends a record header and stops: such a client costs the bytes it sent. `by`: the
    /// handshake deadline. Reads no further than the record, and waits for readability only once the socket is
    /// empty (Asio re-arms epoll for each wait, which reports bytes already there at once: a wait over unread
    /// bytes would spin).
    asio::awaitable<first_record> read_first_record(tcp::socket& socket, std::string& record, clock::time_point by) {
        thread_local std::array<char, 4096> scratch;
        const int fd = socket.native_handle();
        for (;;) {
            std::size_t want = tls_record_header;
            if (record.size() >= tls_record_header) {
                const std::size_t length = (std::size_t{static_cast<unsigned char>(record[3])} << 8) |
                                           static_cast<unsigned char>(record[4]);
                if (length > tls_record_max) co_return first_record::whole;  // OpenSSL refuses it with an alert
                want += length;
            }
            if (record.size() >= want) co_return first_record::whole;
            const ssize_t n = ::recv(fd, scratch.data(), std::min(scratch.size(), want - record.size()), MSG_DONTWAIT);
            if (n > 0) {
                if (record.empty() && static_cast<unsigned char>(scratch[0]) != tls_handshake_record)
                    co_return first_record::plaintext;
                record.append(scratch.data(), static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) co_return first_record::closed;
            auto more = co_await (before(socket.async_wait(tcp::socket::wait_read, nothrow_awaitable), by) ||
                                  stop_.wait());
            if (more.index() == 1) co_return first_record::stopped;
            if (!std::get<0>(more)) co_return first_record::timed_out;
            if (const auto [wec] = *std::get<0>(more); wec) co_return first_record::closed;  // evicted, or failed
        }
    }

    /// With --tls-cert: the client's first record, then the TLS handshake, within handshake_timeout of
    /// connecting. A client that speaks plaintext gets a plaintext 400 that says why, and nothing else. false: no
    /// TLS connection to serve.
    asio::awaitable<bool> accept_tls(net_stream& socket, const std::string& peer, connection_slot& slot,
                                     clock::time_point accepted_at) {
        const auto by = accepted_at + std::min(opts_.handshake_timeout, opts_.request_timeout);
        std::string record;
        const auto first = co_await read_first_record(socket.socket(), record, by);
        if (first == first_record::timed_out)
            spdlog::info("{}: no TLS handshake within {}s; closing", peer, opts_.handshake_timeout.count());
        if (first == first_record::plaintext) {
            spdlog::info("{}: plaintext request on the TLS port; answered 400", peer);
            const http_answer answer =
                with_header(plain_answer(http::status::bad_request,
                                         "bad request: this sidecar serves TLS only (--tls-cert): connect with TLS "
                                         "(clone --tls-ca)"),
                            std::string(protocol::header_tls), std::string(protocol::tls_required));
            co_await respond(socket, answer);
            co_return false;
        }
        if (first != first_record::whole || slot.evicted) co_return false;
        socket.start_tls(tls_->current(), tls_stream::role::server);
        // The record already read goes to OpenSSL's input (a memory BIO, tls_stream.hpp) before what the socket
        // brings next.
        BIO_write(SSL_get_rbio(socket.tls()->native_handle()), record.data(), static_cast<int>(record.size()));
        std::string().swap(record);
        auto shaken = co_await (before(socket.tls()->async_handshake(nothrow_awaitable), by) ||
                                stop_.wait());
        if (shaken.index() != 0 || slot.evicted) co_return false;
        const auto& done = std::get<0>(shaken);
        if (!done) {
            spdlog::info("{}: no TLS handshake within {}s; closing", peer, opts_.handshake_timeout.count());
            co_return false;
        }
        if (const auto [hec] = *done; hec) {
            spdlog::info("{}: TLS handshake failed: {}", peer, hec.message());
            co_await linger_after_refusal(socket.socket());
            co_return false;
        }
        co_return true;
    }

    /// After a failed handshake whose alert went out: our FIN after it, then what the client still sends (its
    /// request, written before it read the alert) read and dropped until it closes, refusal_linger passes or
    /// refusal_drain_bytes came, so that the close resets nothing the client has not read.
    asio::awaitable<void> linger_after_refusal(tcp::socket& socket) {
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        const auto by = clock::now() + refusal_linger;
        std::array<char, 2048> dropped;
        for (std::size_t total = 0; total < refusal_drain_bytes;) {
            auto got = co_await (before(socket.async_read_some(asio::buffer(dropped), nothrow_awaitable), by) ||
                                 stop_.wait());
            if (got.index() != 0 || !std::get<0>(got)) co_return;
            const auto [ec, n] = *std::get<0>(got);
            if (ec) co_return;
            total += n;
        }
    }

    /// Reads the request's header within --request-timeout and the size limits, and answers a bad one itself.
    /// false: nothing to route (answered, timed out, closed by the client, or the server is shutting down).
    asio::awaitable<bool> read_request(net_stream& socket, const std::string& peer, beast::flat_buffer& buffer,
                                       http::request_parser<http::empty_body>& parser, const connection_slot& slot,
                                       clock::time_point accepted_at) {
        parser.header_limit(request_header_limit);
        parser.body_limit(0);
        asio::steady_timer deadline(ex_, accepted_at + opts_.request_timeout);
        auto got = co_await (http::async_read_header(socket, buffer, parser, nothrow_awaitable) ||
                             deadline.async_wait(nothrow_awaitable) || stop_.wait());
        if (got.index() == 1) {
            spdlog::info("{}: no request within {}s; closing", peer, opts_.request_timeout.count());
            co_return false;
        }
        if (got.index() == 2) co_return false;
        if (slot.evicted) {
            spdlog::debug("{}: closed for a newer connection (--max-connections {})", peer, opts_.max_connections);
            const http_answer answer = with_header(
                plain_answer(http::status::service_unavailable,
                             "busy: too many connections (--max-connections " +
                                 std::to_string(opts_.max_connections) + ")"),
                "Retry-After", "1");
            co_await respond(socket, answer);
            co_return false;
        }
        if (const auto [read_ec, n] = std::get<0>(got); read_ec) {
            if (read_ec == http::error::end_of_stream || read_ec == asio::error::connection_reset) co_return false;
            spdlog::info("{}: bad request: {}", peer, read_ec.message());
            const http_answer answer = bad_request(read_ec);
            co_await respond(socket, answer);
            co_return false;
        }
        // None of our endpoints takes a body; a request that announces one is answered at once, without reading
        // it (a chunked body can carry chunk extensions and trailers of any size).
        if (parser.chunked() || parser.content_length().value_or(0) > 0) {
            spdlog::info("{}: bad request: it has a body", peer);
            const http_answer answer = plain_answer(http::status::bad_request, "bad request: requests carry no body");
            co_await respond(socket, answer);
            co_return false;
        }
        co_return true;
    }

    /// The operational paths without a token; /position and /backup with one, and a backup only while the server
    /// runs fewer than --max-concurrent-backups and is not shutting down.
    asio::awaitable<void> route(net_stream& socket, const std::string& peer,
                                const http::request<http::empty_body>& req, slot_guard& slot) {
        const std::string_view target(req.target().data(), req.target().size());
        const std::string_view path = target.substr(0, target.find('?'));
        const bool operational = is_operational_path(path);
        // Probes and scrapes come every few seconds: logged at debug so they do not drown the backups.
        if (operational)
            spdlog::debug("request from {}: {} {}", peer, std::string(req.method_string()), path);
        else
            spdlog::info("request from {}: {} {}", peer, std::string(req.method_string()), path);
        if (operational) {
            const http_answer answer = co_await answer_operational(health_, counters_, peer, req.method(), path,
                                                                   opts_.more_metrics);
            co_await respond(socket, answer);
            co_return;
        }
        if (const auto refused = refusal(peer, req, path, socket)) {
            co_await respond(socket, *refused);
            co_return;
        }
        if (path == protocol::position_path) {
            const http_answer answer = co_await answer_position(health_, peer);
            co_await respond(socket, answer);
            co_return;
        }
        if (const auto refused = busy(peer)) {
            co_await respond(socket, *refused);
            co_return;
        }
        slot.release();  // a stream counts against --max-concurrent-backups, not --max-connections
        ++active_;
        struct release {
            unsigned& n;
            ~release() { --n; }
        } guard{active_};
        co_await stream_backup(socket, peer, stream_context_,
                               protocol::requested_compression(header_value(req, http::field::accept_encoding),
                                                               header_value(req, protocol::header_zstd_level)));
    }

    /// 404 for a path not served, 405 for a method other than GET, 401 without the right bearer token; nullopt:
    /// the request for /backup or /position goes on.
    std::optional<http_answer> refusal(const std::string& peer, const http::request<http::empty_body>& req,
                                       std::string_view path, net_stream& socket) const {
        if (path != protocol::backup_path && path != protocol::position_path) {
            spdlog::info("404 for {}: no such path {}", peer, path);
            return plain_answer(http::status::not_found,
                                "not found: GET /backup, /position, /healthz, /readyz and /metrics are served");
        }
        if (req.method() != http::verb::get) {
            spdlog::info("405 for {}: method {}", peer, std::string(req.method_string()));
            return method_not_allowed();
        }
        if (const auto refused = no_client_certificate(peer, socket)) return refused;
        return unauthorized(peer, req);
    }

    /// 403 when --tls-client-ca requires a client certificate and none was presented (one that does not verify
    /// fails the handshake already); nullopt: go on.
    std::optional<http_answer> no_client_certificate(const std::string& peer, net_stream& socket) const {
        if (!tls_ || !tls_->requires_client_certificate()) return std::nullopt;
        if (socket.tls() && has_verified_client_certificate(*socket.tls())) return std::nullopt;
        spdlog::warn("403 for {}: no client certificate (--tls-client-ca)", peer);
        return with_header(plain_answer(http::status::forbidden,
                                        "forbidden: a client certificate signed by the sidecar's --tls-client-ca is "
                                        "required"),
                           std::string(protocol::header_tls), std::string(protocol::tls_client_certificate_required));
    }

    /// 401 without the right bearer token; nullopt: the token is right (or none is configured).
    std::optional<http_answer> unauthorized(const std::string& peer, const http::request<http::empty_body>& req) const {
        if (!opts_.auth_token) return std::nullopt;
        const auto it = req.find(http::field::authorization);
        std::optional<std::string_view> token;
        if (it != req.end()) token = protocol::bearer_token(std::string_view(it->value().data(), it->value().size()));
        if (token && protocol::constant_time_equal(*token, *opts_.auth_token)) return std::nullopt;
        spdlog::warn("401 for {}: {}", peer, token ? "wrong bearer token" : "no bearer token");
        return with_header(plain_answer(http::status::unauthorized, "unauthorized: a valid bearer token is required"),
                           "WWW-Authenticate", "Bearer realm=\"mysql-agent\"");
    }

    /// 503 with Retry-After while the server is shutting down or runs --max-concurrent-backups already; nullopt:
    /// a backup may start.
    std::optional<http_answer> busy(const std::string& peer) const {
        if (!stop_.raised() && active_ < opts_.max_concurrent_backups) return std::nullopt;
        const std::string why =
            stop_.raised() ? std::string(shutting_down_message)
                           : std::to_string(active_) + " backup(s) already running (--max-concurrent-backups " +
                                 std::to_string(opts_.max_concurrent_backups) + ")";
        spdlog::info("503 for {}: {}", peer, why);
        return with_header(plain_answer(http::status::service_unavailable, "busy: " + why), "Retry-After",
                           std::to_string(opts_.retry_after_seconds));
    }

    asio::any_io_executor ex_;
    backup_server_options opts_;
    tcp::acceptor acceptor_;
    shutdown_signal stop_;
    unsigned active_ = 0;
    std::vector<std::string> secrets_;
    backup_counters counters_;
    backup_gate gate_;
    rate_limiter limiter_;
    health_checker health_;
    compression_pool compressors_;
    backup_stream_context stream_context_;
    std::unique_ptr<server_tls> tls_;
    std::list<connection_slot> slots_;
    std::size_t evicting_ = 0;  ///< slots told to close, not given back yet
    struct {
        unsigned evicted = 0, refused = 0;
        clock::time_point next_log{};
    } over_limit_;
};

backup_server::backup_server(asio::any_io_executor ex, backup_server_options opts)
    : impl_(std::make_shared<impl>(ex, std::move(opts))) {
    impl_->bind();
}

backup_server::~backup_server() {
    boost::system::error_code ignored;
    impl_->acceptor_.close(ignored);
}

tcp::endpoint backup_server::local_endpoint() const { return impl_->acceptor_.local_endpoint(); }

const backup_counters& backup_server::counters() const { return impl_->counters_; }

backup_gate& backup_server::backups() { return impl_->gate_; }

void backup_server::start() {
    sweep_stale_private_dirs(private_dir_root(impl_->opts_.temp_root));
    // Tests and operators look for "listening on HOST:PORT" in the message, in both log formats.
    log_event(spdlog::level::info, "listening on " + endpoint_text(local_endpoint()),
              {{"event", "listening"}, {"listen", endpoint_text(local_endpoint())}});
    if (const auto& tls = impl_->opts_.tls)
        spdlog::info("serving TLS only with {} ({}){}", tls->cert.string(), certificate_file_summary(tls->cert),
                     tls->client_ca ? "; /backup and /position require a client certificate signed by " +
                                          tls->client_ca->string()
                                    : std::string());
    asio::co_spawn(impl_->ex_, impl_->accept_loop(impl_), [](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            spdlog::error("the backup listener stopped: {}", ex.what());
        }
    });
}

void backup_server::shutdown() {
    asio::post(impl_->ex_, [self = impl_] { self->shutdown(); });
}

}  // namespace mysql_agent
