// The sidecar's HTTP server: accepts connections, reads each request within its limits, routes it, checks the
// bearer token and how many backups run, and writes what http_endpoints.hpp answers or hands the connection to
// backup_stream.hpp.
//
// Shape (after the Asio HTTP server examples): a listener co_spawns one coroutine per connection; every wait is
// raced against a timer or against the server's shutdown signal with awaitable operators, so no connection can
// hang the sidecar and SIGTERM reaches each stream between two chunks (never in the middle of one, which would
// leave no way to send the failed trailer).

#include "mysql_agent/io/backup_server.hpp"

#include <sys/socket.h>

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
          stream_context_{opts_, secrets_, counters_, stop_, limiter_, compressors_} {
        if (opts_.max_concurrent_backups == 0) throw config_error("--max-concurrent-backups must be at least 1");
        if (opts_.tls) tls_ = std::make_unique<server_tls>(*opts_.tls);
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
            asio::co_spawn(ex_, serve(keep, std::move(socket)), [](std::exception_ptr e) {
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

    asio::awaitable<void> serve(std::shared_ptr<impl> /*keep alive*/, tcp::socket accepted) {
        boost::system::error_code ec;
        const auto remote = accepted.remote_endpoint(ec);
        const std::string peer = ec ? std::string("unknown peer") : endpoint_text(remote);
        net_stream socket(std::move(accepted));
        if (tls_) {
            const bool secured = co_await accept_tls(socket, peer);
            if (!secured) co_return;
        }
        beast::flat_buffer buffer(request_buffer_limit);
        http::request_parser<http::empty_body> parser;
        const bool got = co_await read_request(socket, peer, buffer, parser);
        if (got) co_await route(socket, peer, parser.get());
    }

    /// With --tls-cert: the TLS handshake, within --request-timeout like the request itself. A client that speaks
    /// plaintext gets a plaintext 400 that says why, and nothing else. false: no TLS connection to serve.
    asio::awaitable<bool> accept_tls(net_stream& socket, const std::string& peer) {
        const auto by = clock::now() + opts_.request_timeout;
        auto readable = co_await (before(socket.socket().async_wait(tcp::socket::wait_read, nothrow_awaitable), by) ||
                                  stop_.wait());
        if (readable.index() != 0 || !std::get<0>(readable) || std::get<0>(*std::get<0>(readable))) co_return false;
        unsigned char first = 0;
        if (::recv(socket.socket().native_handle(), &first, 1, MSG_PEEK | MSG_DONTWAIT) != 1) co_return false;
        if (first != tls_handshake_record) {
            spdlog::info("{}: plaintext request on the TLS port; answered 400", peer);
            const http_answer answer =
                with_header(plain_answer(http::status::bad_request,
                                         "bad request: this sidecar serves TLS only (--tls-cert): connect with TLS "
                                         "(clone --tls-ca)"),
                            std::string(protocol::header_tls), std::string(protocol::tls_required));
            co_await respond(socket, answer);
            co_return false;
        }
        socket.start_tls(tls_->current(), tls_stream::role::server);
        auto shaken = co_await (before(socket.tls()->async_handshake(nothrow_awaitable), by) ||
                                stop_.wait());
        if (shaken.index() != 0) co_return false;
        const auto& done = std::get<0>(shaken);
        if (!done) {
            spdlog::info("{}: no TLS handshake within {}s; closing", peer, opts_.request_timeout.count());
            co_return false;
        }
        if (const auto [hec] = *done; hec) {
            spdlog::info("{}: TLS handshake failed: {}", peer, hec.message());
            co_return false;
        }
        co_return true;
    }

    /// Reads the request's header within --request-timeout and the size limits, and answers a bad one itself.
    /// false: nothing to route (answered, timed out, closed by the client, or the server is shutting down).
    asio::awaitable<bool> read_request(net_stream& socket, const std::string& peer, beast::flat_buffer& buffer,
                                       http::request_parser<http::empty_body>& parser) {
        parser.header_limit(request_header_limit);
        parser.body_limit(0);
        asio::steady_timer deadline(ex_, opts_.request_timeout);
        auto got = co_await (http::async_read_header(socket, buffer, parser, nothrow_awaitable) ||
                             deadline.async_wait(nothrow_awaitable) || stop_.wait());
        if (got.index() == 1) {
            spdlog::info("{}: no request within {}s; closing", peer, opts_.request_timeout.count());
            co_return false;
        }
        if (got.index() == 2) co_return false;
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
                                const http::request<http::empty_body>& req) {
        const std::string_view target(req.target().data(), req.target().size());
        const std::string_view path = target.substr(0, target.find('?'));
        const bool operational = is_operational_path(path);
        // Probes and scrapes come every few seconds: logged at debug so they do not drown the backups.
        if (operational)
            spdlog::debug("request from {}: {} {}", peer, std::string(req.method_string()), path);
        else
            spdlog::info("request from {}: {} {}", peer, std::string(req.method_string()), path);
        if (operational) {
            const http_answer answer = co_await answer_operational(health_, counters_, peer, req.method(), path);
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
    rate_limiter limiter_;
    health_checker health_;
    compression_pool compressors_;
    backup_stream_context stream_context_;
    std::unique_ptr<server_tls> tls_;
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
