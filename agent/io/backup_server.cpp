// GET /backup: a fresh xtrabackup/mariabackup streamed as a chunked body whose trailers say how it ended.
//
// Shape (after the Asio HTTP server examples): a listener co_spawns one coroutine per connection; every wait is
// raced against a timer or against the server's stop signal with awaitable operators, so no connection can
// hang the sidecar and SIGTERM reaches each stream between two chunks (never in the middle of one, which would
// leave no way to send the failed trailer).

#include "mysql_agent/io/backup_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>

#include <array>
#include <optional>
#include <cerrno>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/core/backup_tool_args.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/listen_address.hpp"
#include "mysql_agent/io/file_tree.hpp"
#include "mysql_agent/io/health_checker.hpp"
#include "mysql_agent/io/http_endpoints.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/private_dir.hpp"
#include "mysql_agent/io/process_runner.hpp"
#include "mysql_agent/core/stream_digest.hpp"
#include "mysql_agent/core/tool_error_line.hpp"

namespace mysql_agent {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

/// Every wait completes with an error code instead of throwing: `a || b` waits for the first branch that
/// *succeeds*, so a branch that threw (a reset connection) would leave it waiting for the other one (a timer).
constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

/// GET /backup with a bearer token fits in far less; a larger header is not one of our clients.
constexpr std::uint32_t request_header_limit = 8 * 1024;
/// The most a connection's read buffer holds before its request is answered. Only the header is read, before
/// anything else (the token included) is looked at, so every connection costs at most this much.
constexpr std::size_t request_buffer_limit = 16 * 1024;
/// Read size from the tool and so the size of most chunks: large enough that per-chunk overhead (a syscall
/// pair, 10 bytes of framing) is noise, small enough to keep a backup's memory trivial.
constexpr std::size_t chunk_bytes = 256 * 1024;
/// The tool's stdout pipe. Linux's default of 64 KiB caps every read, and so every chunk, at 64 KiB (measured:
/// 19580 reads for a 1.19 GB stream); with 1 MiB a read takes a whole chunk_bytes. 1 MiB is what an unprivileged
/// process may ask for (/proc/sys/fs/pipe-max-size): https://man7.org/linux/man-pages/man7/pipe.7.html
constexpr int tool_pipe_bytes = 1024 * 1024;
/// While draining on SIGTERM a client gets this long to take the failed trailer: Kubernetes' default grace
/// period is 30 s and several streams may be draining at once.
constexpr auto shutdown_send_timeout = std::chrono::seconds(5);
constexpr std::string_view shutting_down = "sidecar is shutting down";

health_checker_options health_options_of(const backup_server_options& o) {
    health_checker_options h;
    h.connection = o.mysql;
    h.datadir = o.datadir;
    h.is_primary = !o.replica;
    h.max_lag = o.max_lag;
    h.timeout = o.health_timeout;
    return h;
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

/// The answer to a request whose header could not be read (`ec`).
http_answer bad_request(const boost::system::error_code& ec) {
    if (ec == http::error::body_limit)
        return plain_answer(http::status::bad_request, "bad request: requests carry no body");
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
        return plain_answer(http::status::request_header_fields_too_large, "request headers too large");
    return plain_answer(http::status::bad_request, "bad request: " + ec.message());
}

/// Waits until the client closes its side or resets: what a stalled tool must not hide. Bytes the client
/// sends meanwhile are discarded (our clients send nothing after the request).
asio::awaitable<void> watch_client(tcp::socket& socket) {
    std::array<char, 512> scratch{};
    for (;;) {
        auto [ec] = co_await socket.async_wait(tcp::socket::wait_read, nothrow_awaitable);
        if (ec) co_return;
        const ssize_t n = ::recv(socket.native_handle(), scratch.data(), scratch.size(), MSG_DONTWAIT);
        if (n == 0) co_return;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) co_return;
    }
}

}  // namespace

struct backup_server::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor ex, backup_server_options o)
        : ex_(ex), opts_(std::move(o)), acceptor_(ex), stop_(ex), health_(health_options_of(opts_)) {
        stop_.expires_at(asio::steady_timer::time_point::max());
        if (!opts_.mysql.password.empty()) secrets_.push_back(opts_.mysql.password);
        if (opts_.auth_token) secrets_.push_back(*opts_.auth_token);
        for (const auto& s : opts_.extra_secrets)
            if (!s.empty()) secrets_.push_back(s);
        if (opts_.max_concurrent_backups == 0) throw config_error("--max-concurrent-backups must be at least 1");
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
        if (stopping_) return;
        stopping_ = true;
        spdlog::info("shutting down: no new connections; {} backup(s) in flight end with a failed trailer", active_);
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        stop_.cancel();
    }

    /// Completes when shutdown() is called (or when cancelled as the loser of a race).
    asio::awaitable<void> wait_for_stop() {
        if (stopping_) co_return;
        co_await stop_.async_wait(nothrow_awaitable);
    }

    asio::awaitable<void> accept_loop(std::shared_ptr<impl> keep) {
        while (!stopping_) {
            auto [ec, socket] = co_await acceptor_.async_accept(nothrow_awaitable);
            if (stopping_ || ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
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
    asio::awaitable<void> respond(tcp::socket& socket, const http_answer& answer) {
        http::response<http::string_body> res{answer.status, 11};
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        res.set(protocol::header_agent_version, MYSQL_AGENT_VERSION);
        for (const auto& [name, value] : answer.headers) res.set(name, value);
        res.keep_alive(false);
        res.body() = answer.body + "\n";
        res.prepare_payload();
        asio::steady_timer deadline(ex_, opts_.send_timeout);
        co_await (http::async_write(socket, res, nothrow_awaitable) || deadline.async_wait(nothrow_awaitable));
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
    }

    asio::awaitable<void> serve(std::shared_ptr<impl> /*keep alive*/, tcp::socket socket) {
        boost::system::error_code ec;
        const auto remote = socket.remote_endpoint(ec);
        const std::string peer = ec ? std::string("unknown peer") : endpoint_text(remote);
        beast::flat_buffer buffer(request_buffer_limit);
        http::request_parser<http::empty_body> parser;
        const bool got = co_await read_request(socket, peer, buffer, parser);
        if (got) co_await route(socket, peer, parser.get());
    }

    /// Reads the request's header within --request-timeout and the size limits, and answers a bad one itself.
    /// false: nothing to route (answered, timed out, closed by the client, or the server is shutting down).
    asio::awaitable<bool> read_request(tcp::socket& socket, const std::string& peer, beast::flat_buffer& buffer,
                                       http::request_parser<http::empty_body>& parser) {
        parser.header_limit(request_header_limit);
        parser.body_limit(0);
        asio::steady_timer deadline(ex_, opts_.request_timeout);
        auto got = co_await (http::async_read_header(socket, buffer, parser, nothrow_awaitable) ||
                             deadline.async_wait(nothrow_awaitable) || wait_for_stop());
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
    asio::awaitable<void> route(tcp::socket& socket, const std::string& peer,
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
        if (const auto refused = refusal(peer, req, path)) {
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
        co_await stream_backup(socket, peer);
    }

    /// 404 for a path not served, 405 for a method other than GET, 401 without the right bearer token; nullopt:
    /// the request for /backup or /position goes on.
    std::optional<http_answer> refusal(const std::string& peer, const http::request<http::empty_body>& req,
                                       std::string_view path) const {
        if (path != protocol::backup_path && path != protocol::position_path) {
            spdlog::info("404 for {}: no such path {}", peer, path);
            return plain_answer(http::status::not_found,
                                "not found: GET /backup, /position, /healthz, /readyz and /metrics are served");
        }
        if (req.method() != http::verb::get) {
            spdlog::info("405 for {}: method {}", peer, std::string(req.method_string()));
            return method_not_allowed();
        }
        return unauthorized(peer, req);
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
        if (!stopping_ && active_ < opts_.max_concurrent_backups) return std::nullopt;
        const std::string why =
            stopping_ ? std::string(shutting_down)
                           : std::to_string(active_) + " backup(s) already running (--max-concurrent-backups " +
                                 std::to_string(opts_.max_concurrent_backups) + ")";
        spdlog::info("503 for {}: {}", peer, why);
        return with_header(plain_answer(http::status::service_unavailable, "busy: " + why), "Retry-After",
                           std::to_string(opts_.retry_after_seconds));
    }

    asio::awaitable<void> stream_backup(tcp::socket& socket, const std::string& peer) {
        const auto started = std::chrono::steady_clock::now();
        counters_.started.fetch_add(1);
        counters_.in_flight.fetch_add(1);
        // Counted once on every way out of this coroutine: a backup that did not end with an ok trailer failed.
        struct count_outcome {
            backup_counters& counters;
            std::chrono::steady_clock::time_point started;
            bool ok = false;
            ~count_outcome() {
                counters.finished(ok, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
            }
        } outcome{counters_, started};
        const std::uint64_t estimate = directory_size(opts_.datadir);

        // Credentials go to a 0600 file in a 0700 directory that disappears with this scope: never argv
        // (visible in /proc/<pid>/cmdline to every user) and never a log line.
        std::optional<private_dir> dir;
        std::unique_ptr<child_process> child;
        std::string start_error;
        try {
            dir.emplace(temp_root());
            const fs::path defaults = dir->path() / "client.cnf";
            write_private_file(defaults, client_option_file(opts_.mysql));
            process_options po;
            po.program = opts_.tools.backup;
            const backup_tool_settings settings{opts_.datadir.string(), opts_.replica, opts_.tools.mariadb};
            po.args = backup_tool_arguments(settings, defaults.string(), (dir->path() / "target").string());
            po.pipe_stdout = true;
            po.stderr_tail_lines = 20;
            child = child_process::start(ex_, po);
            // Best effort: with the default size the stream only costs more syscalls and smaller chunks.
            ::fcntl(child->stdout_pipe()->native_handle(), F_SETPIPE_SZ, tool_pipe_bytes);
            log_event(spdlog::level::info,
                      fmt::format("backup for {} started: pid {}, {} {}", peer, child->pid(), po.program.string(),
                                  fmt_args(po.args)),
                      {{"event", "backup_started"}, {"peer", peer}, {"pid", child->pid()},
                       {"estimated_bytes", estimate}});
        } catch (const std::exception& e) {
            start_error = protocol::scrub_secrets(e.what(), secrets_);
            log_event(spdlog::level::err, fmt::format("backup for {} could not start: {}", peer, start_error),
                      {{"event", "backup_failed"}, {"peer", peer}});
        }

        http::response<http::empty_body> res{http::status::ok, 11};
        res.set(http::field::content_type, "application/octet-stream");
        res.set(http::field::trailer, protocol::trailer_announcement);
        res.set(protocol::header_estimated_size, std::to_string(estimate));
        res.set(protocol::header_agent_version, MYSQL_AGENT_VERSION);
        res.keep_alive(false);
        res.chunked(true);
        http::response_serializer<http::empty_body> serializer{res};
        {
            asio::steady_timer deadline(ex_, opts_.send_timeout);
            auto sent = co_await (http::async_write_header(socket, serializer, nothrow_awaitable) ||
                                  deadline.async_wait(nothrow_awaitable));
            if (sent.index() != 0 || std::get<0>(std::get<0>(sent))) {
                spdlog::info("backup for {} aborted: the response header could not be sent", peer);
                co_await stop_child(child);
                co_return;
            }
        }

        stream_digest digest;
        protocol::backup_trailer trailer;
        trailer.exit_code = -1;
        if (!child) {
            trailer.error_line = start_error;
        } else {
            std::vector<char> buf(chunk_bytes);
            bool eof = false;
            while (!eof) {
                auto got = co_await (child->stdout_pipe()->async_read_some(asio::buffer(buf), nothrow_awaitable) ||
                                     watch_client(socket) || wait_for_stop());
                if (got.index() == 1) {
                    log_event(spdlog::level::warn,
                              fmt::format("backup for {} aborted after {} bytes: the client went away; killing pid {}",
                                          peer, digest.bytes(), child->pid()),
                              {{"event", "backup_aborted"}, {"peer", peer}, {"bytes", digest.bytes()}});
                    co_await stop_child(child);
                    co_return;
                }
                if (got.index() == 2) {
                    trailer.error_line = shutting_down;
                    break;
                }
                const auto [read_ec, n] = std::get<0>(got);
                if (n > 0) {
                    digest.update(buf.data(), n);
                    asio::steady_timer deadline(ex_, opts_.send_timeout);
                    auto sent = co_await (asio::async_write(socket, http::make_chunk(asio::buffer(buf.data(), n)),
                                                            nothrow_awaitable) ||
                                          deadline.async_wait(nothrow_awaitable));
                    if (sent.index() == 1 || std::get<0>(std::get<0>(sent))) {
                        log_event(spdlog::level::warn,
                                  fmt::format("backup for {} aborted after {} bytes: {}; killing pid {}", peer,
                                              digest.bytes(),
                                              sent.index() == 1
                                                  ? "the client read nothing for " +
                                                        std::to_string(opts_.send_timeout.count()) + "s"
                                                  : "sending failed: " + std::get<0>(std::get<0>(sent)).message(),
                                              child->pid()),
                                  {{"event", "backup_aborted"}, {"peer", peer}, {"bytes", digest.bytes()}});
                        co_await stop_child(child);
                        co_return;
                    }
                    counters_.bytes.fetch_add(n);
                }
                if (read_ec == asio::error::eof) {
                    eof = true;
                } else if (read_ec) {
                    trailer.error_line = "reading the output of " + opts_.tools.backup.filename().string() +
                                         " failed: " + read_ec.message();
                    break;
                }
            }
            if (eof) {
                // The tool closed stdout; it may still be flushing stderr or waiting on the server.
                auto ended = co_await (child->wait() || watch_client(socket) || wait_for_stop());
                if (ended.index() == 0) {
                    trailer.exit_code = std::get<0>(ended);
                    if (trailer.exit_code != 0) {
                        // Not simply the last line: mariabackup logs InnoDB's shutdown after the error that ended it.
                        trailer.error_line = protocol::scrub_secrets(tool_error_line(child->stderr_tail()), secrets_);
                        if (trailer.error_line.empty())
                            trailer.error_line = opts_.tools.backup.filename().string() + " exited with code " +
                                                 std::to_string(trailer.exit_code) + " and no error message";
                    }
                    trailer.ok = trailer.exit_code == 0;
                } else if (ended.index() == 1) {
                    log_event(spdlog::level::warn,
                              fmt::format("backup for {} aborted after {} bytes: the client went away; killing pid {}",
                                          peer, digest.bytes(), child->pid()),
                              {{"event", "backup_aborted"}, {"peer", peer}, {"bytes", digest.bytes()}});
                    co_await stop_child(child);
                    co_return;
                } else {
                    trailer.error_line = shutting_down;
                }
            }
            if (!trailer.ok && trailer.exit_code == -1) co_await stop_child(child);
        }

        trailer.bytes = digest.bytes();
        trailer.digest = digest.hex();
        http::fields trailer_fields;
        for (const auto& f : protocol::encode_trailer(trailer)) trailer_fields.insert(f.name, f.value);
        {
            asio::steady_timer deadline(ex_, stopping_ ? shutdown_send_timeout : opts_.send_timeout);
            co_await (asio::async_write(socket, http::make_chunk_last(trailer_fields), nothrow_awaitable) ||
                      deadline.async_wait(nothrow_awaitable));
        }
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        outcome.ok = trailer.ok;

        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const double mb_per_s = seconds > 0 ? static_cast<double>(trailer.bytes) / 1e6 / seconds : 0.0;
        const log_fields fields = {{"event", "backup_finished"}, {"peer", peer},
                                   {"ok", trailer.ok},        {"bytes", trailer.bytes},
                                   {"seconds", seconds},      {"exit_code", trailer.exit_code}};
        if (trailer.ok) {
            log_event(spdlog::level::info,
                      fmt::format("backup for {} finished: ok, {} bytes in {:.1f}s ({:.1f} MB/s), exit code 0", peer,
                                  trailer.bytes, seconds, mb_per_s),
                      fields);
        } else {
            log_event(spdlog::level::warn,
                      fmt::format("backup for {} finished: failed, {} bytes in {:.1f}s ({:.1f} MB/s), exit code {}: {}",
                                  peer, trailer.bytes, seconds, mb_per_s, trailer.exit_code, trailer.error_line),
                      fields);
        }
    }

    /// Kills the tool's whole process group and reaps it (no-op when it already exited).
    asio::awaitable<void> stop_child(std::unique_ptr<child_process>& child) {
        if (!child) co_return;
        // SIGKILL, not SIGTERM: the stream is abandoned and neither tool cleans anything up on SIGTERM.
        child->signal_group(SIGKILL);
        co_await child->wait();
    }

    fs::path temp_root() const { return private_dir_root(opts_.temp_root); }

    static std::string fmt_args(const std::vector<std::string>& args) {
        std::string out;
        for (const auto& a : args) {
            if (!out.empty()) out += ' ';
            out += a;
        }
        return out;
    }

    asio::any_io_executor ex_;
    backup_server_options opts_;
    tcp::acceptor acceptor_;
    asio::steady_timer stop_;  ///< never expires; shutdown() cancels it, which wakes every wait_for_stop()
    bool stopping_ = false;
    unsigned active_ = 0;
    std::vector<std::string> secrets_;
    backup_counters counters_;
    health_checker health_;
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
    sweep_stale_private_dirs(impl_->temp_root());
    // Tests and operators look for "listening on HOST:PORT" in the message, in both log formats.
    log_event(spdlog::level::info, "listening on " + endpoint_text(local_endpoint()),
              {{"event", "listening"}, {"listen", endpoint_text(local_endpoint())}});
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
