#include "mysql_agent/io/backup_stream.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/core/backup_tool_args.hpp"
#include "mysql_agent/core/open_files.hpp"
#include "mysql_agent/core/stream_digest.hpp"
#include "mysql_agent/core/tool_error_line.hpp"
#include "mysql_agent/io/compression_pool.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/file_tree.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/open_files_limit.hpp"
#include "mysql_agent/io/private_dir.hpp"
#include "mysql_agent/io/process_runner.hpp"

namespace mysql_agent {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;
using namespace asio::experimental::awaitable_operators;

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
constexpr std::string_view client_went_away = "the client went away";
/// The most the tool is told it may open (--open-files-limit): the tools size a table by it.
constexpr std::uint64_t max_open_files_flag = 1u << 20;

/// Waits until the client closes its side or resets: what a stalled tool must not hide. Bytes the client
/// sends meanwhile are discarded (our clients send nothing after the request).
asio::awaitable<void> watch_client(tcp::socket& socket) {
    // The raw socket, under TLS too: nothing the client sends after its request is ever read.
    std::array<char, 512> scratch{};
    for (;;) {
        auto [ec] = co_await socket.async_wait(tcp::socket::wait_read, nothrow_awaitable);
        if (ec) co_return;
        const ssize_t n = ::recv(socket.native_handle(), scratch.data(), scratch.size(), MSG_DONTWAIT);
        if (n == 0) co_return;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) co_return;
    }
}

/// Counts a backup as started, and once more on every way out of it: one that did not end with an ok trailer
/// failed.
struct outcome_counter {
    explicit outcome_counter(backup_counters& c) : counters(c) {
        counters.started.fetch_add(1);
        counters.in_flight.fetch_add(1);
    }
    ~outcome_counter() { counters.finished(ok, seconds()); }
    outcome_counter(const outcome_counter&) = delete;
    outcome_counter& operator=(const outcome_counter&) = delete;
    double seconds() const { return std::chrono::duration<double>(clock::now() - started).count(); }

    backup_counters& counters;
    clock::time_point started = clock::now();
    bool ok = false;
};

/// How one phase of the body ended: as it should; cut short, with the trailer saying why; or with the client
/// abandoned (no trailer can reach it, the tool is killed).
enum class phase_end { done, cut_short, abandoned };

class backup_stream {
public:
    backup_stream(net_stream& socket, const std::string& peer, const backup_stream_context& ctx,
                  protocol::compression_choice compression)
        : socket_(socket), peer_(peer), ctx_(ctx), opts_(ctx.options), outcome_(ctx.counters), gate_pass_(ctx.gate),
          compression_(compression) {}

    asio::awaitable<void> run() {
        const directory_facts facts = gather_directory_facts(opts_.datadir);
        const std::uint64_t estimate = facts.bytes;
        start_tool(estimate, facts.tablespaces);
        if (tool_) start_compressor();
        const bool header_sent = co_await send_header(estimate);
        if (!header_sent) {
            spdlog::info("backup for {} aborted: the response header could not be sent", peer_);
            co_await kill_tool();
            co_return;
        }
        protocol::backup_trailer trailer;
        trailer.exit_code = -1;
        if (!tool_) {
            trailer.error_line = start_error_;
        } else {
            const bool relayed = co_await relay(trailer);
            if (!relayed) co_return;
        }
        co_await send_trailer(trailer);
        outcome_.ok = trailer.ok;
        log_finished(trailer);
    }

private:
    /// Starts the backup tool; when it cannot start, keeps why (secrets scrubbed) for the trailer.
    void start_tool(std::uint64_t estimate, std::uint64_t tablespaces) {
        // The tool opens every tablespace at once: a datadir that needs more files than it may open is refused here,
        // with what to raise, rather than by the tool after the header (core/open_files.hpp).
        const open_files_limits limits = current_open_files_limits();
        if (auto enough = check_open_files(tablespaces, limits.soft, limits.hard); !enough) {
            start_error_ = enough.message();
            log_event(spdlog::level::err, "backup for " + peer_ + " refused: " + start_error_,
                      {{"event", "backup_refused"}, {"tablespaces", tablespaces}, {"open_files_limit", limits.soft}});
            return;
        }
        try {
            // Credentials go to a 0600 file in a 0700 directory that disappears with this stream: never argv
            // (visible in /proc/<pid>/cmdline to every user) and never a log line.
            dir_.emplace(private_dir_root(opts_.temp_root));
            const fs::path defaults = dir_->path() / "client.cnf";
            write_private_file(defaults, client_option_file(opts_.mysql));
            process_options po;
            po.program = opts_.tools.backup;
            const backup_tool_settings settings{opts_.datadir.string(), opts_.replica, opts_.tools.mariadb,
                                                std::min<std::uint64_t>(limits.soft, max_open_files_flag)};
            po.args = backup_tool_arguments(settings, defaults.string(), (dir_->path() / "target").string());
            po.pipe_stdout = true;
            po.stderr_tail_lines = 20;
            tool_ = child_process::start(socket_.get_executor(), po);
            // Best effort: with the default size the stream only costs more syscalls and smaller chunks.
            ::fcntl(tool_->stdout_pipe()->native_handle(), F_SETPIPE_SZ, tool_pipe_bytes);
            log_event(spdlog::level::info,
                      fmt::format("backup for {} started: pid {}, {} {}", peer_, tool_->pid(), po.program.string(),
                                  fmt::join(po.args, " ")),
                      {{"event", "backup_started"}, {"peer", peer_}, {"pid", tool_->pid()},
                       {"estimated_bytes", estimate}});
        } catch (const std::exception& e) {
            start_error_ = protocol::scrub_secrets(e.what(), ctx_.secrets);
            log_event(spdlog::level::err, fmt::format("backup for {} could not start: {}", peer_, start_error_),
                      {{"event", "backup_failed"}, {"peer", peer_}});
        }
    }

    /// A client that asked for zstd gets it, compressed on the sidecar's compression threads.
    void start_compressor() {
        if (compression_.codec != protocol::stream_codec::zstd) return;
        compressor_.emplace(ctx_.compressors, socket_.get_executor(), compression_.level);
        spdlog::info("backup for {}: compressing with zstd level {} in frames of {} bytes on {} thread(s)", peer_,
                     compression_.level, frame_pipeline::block_bytes, ctx_.compressors.threads());
    }

    /// The response's status line and fields (the body is chunked, its trailer announced). false: not sent.
    asio::awaitable<bool> send_header(std::uint64_t estimate) {
        http::response<http::empty_body> res{http::status::ok, 11};
        res.set(http::field::content_type, "application/octet-stream");
        res.set(http::field::trailer, protocol::trailer_announcement);
        res.set(protocol::header_estimated_size, std::to_string(estimate));
        res.set(protocol::header_agent_version, MYSQL_AGENT_VERSION);
        if (compressor_) res.set(http::field::content_encoding, protocol::zstd_token);
        res.keep_alive(false);
        res.chunked(true);
        http::response_serializer<http::empty_body> serializer{res};
        const auto sent =
            co_await before(http::async_write_header(socket_, serializer, nothrow_awaitable), send_deadline());
        co_return sent && !std::get<0>(*sent);
    }

    /// Sends the tool's output, then waits for the tool to exit, noting in `trailer` how it ended. false: the
    /// client was abandoned.
    asio::awaitable<bool> relay(protocol::backup_trailer& trailer) {
        const phase_end pumped = co_await pump(trailer);
        if (pumped == phase_end::abandoned) co_return false;
        if (pumped == phase_end::done) {
            const phase_end exited = co_await await_exit(trailer);
            if (exited == phase_end::abandoned) co_return false;
        }
        if (!trailer.ok && trailer.exit_code == -1) co_await kill_tool();
        co_return true;
    }

    /// Sends the tool's stdout until it ends (done), the read fails or the server shuts down.
    asio::awaitable<phase_end> pump(protocol::backup_trailer& trailer) {
        std::vector<char> buf(chunk_bytes);
        for (;;) {
            auto got = co_await (tool_->stdout_pipe()->async_read_some(asio::buffer(buf), nothrow_awaitable) ||
                                 watch_client(socket_.socket()) || ctx_.shutdown.wait());
            if (got.index() != 0) co_return co_await interrupted(got.index(), trailer);
            const auto [read_ec, n] = std::get<0>(got);
            if (n > 0) {
                ctx_.counters.uncompressed_bytes.fetch_add(n);
                if (const auto end = co_await send_body({buf.data(), n}, trailer)) co_return *end;
            }
            if (read_ec == asio::error::eof) co_return co_await end_body(trailer);
            if (read_ec) {
                trailer.error_line = "reading the output of " + opts_.tools.backup.filename().string() +
                                     " failed: " + read_ec.message();
                co_return phase_end::cut_short;
            }
        }
    }

    /// Sends `data` of the tool's output, compressed when the client asked. nullopt: all of it went out, or
    /// into blocks that are being compressed.
    asio::awaitable<std::optional<phase_end>> send_body(std::span<const char> data, protocol::backup_trailer& trailer) {
        if (!compressor_) co_return co_await send_chunk(data, trailer);
        compressor_->add(data);
        // Frames already made go out now; beyond the window, the tool's pipe waits until the pool catches up.
        while (compressor_->frame_ready() || compressor_->in_flight() > compressor_->window()) {
            if (const auto end = co_await send_frame(trailer)) co_return end;
        }
        co_return std::nullopt;
    }

    /// The tool's output ended: a compressed body gets its last frames.
    asio::awaitable<phase_end> end_body(protocol::backup_trailer& trailer) {
        if (!compressor_) co_return phase_end::done;
        compressor_->end_block();
        while (compressor_->in_flight() > 0) {
            if (const auto end = co_await send_frame(trailer)) co_return *end;
        }
        co_return phase_end::done;
    }

    /// Waits for the oldest block's frame and sends it. nullopt: it went out.
    asio::awaitable<std::optional<phase_end>> send_frame(protocol::backup_trailer& trailer) {
        while (!compressor_->frame_ready()) {
            auto got = co_await (compressor_->wait_for_progress() || watch_client(socket_.socket()) ||
                                 ctx_.shutdown.wait());
            if (got.index() != 0) co_return co_await interrupted(got.index(), trailer);
        }
        std::span<const char> frame;
        try {
            frame = compressor_->take_frame();
        } catch (const std::exception& e) {
            trailer.error_line = e.what();
            co_return phase_end::cut_short;
        }
        co_return co_await send_chunk(frame, trailer);
    }

    /// Sends one chunk within --max-rate and --send-timeout. nullopt: it went out.
    asio::awaitable<std::optional<phase_end>> send_chunk(std::span<const char> data, protocol::backup_trailer& trailer) {
        if (const auto wait = ctx_.limiter.reserve(data.size()); wait > wait.zero()) {
            asio::steady_timer timer(socket_.get_executor(), wait);
            auto waited = co_await (timer.async_wait(nothrow_awaitable) || watch_client(socket_.socket()) || ctx_.shutdown.wait());
            if (waited.index() != 0) co_return co_await interrupted(waited.index(), trailer);
        }
        digest_.update(data.data(), data.size());
        const auto sent = co_await before(
            asio::async_write(socket_, http::make_chunk(asio::buffer(data.data(), data.size())), nothrow_awaitable),
            send_deadline());
        if (!sent || std::get<0>(*sent)) {
            const std::string why = sent ? "sending failed: " + std::get<0>(*sent).message()
                                         : "the client read nothing for " + std::to_string(opts_.send_timeout.count()) + "s";
            co_return co_await abandon(why);
        }
        ctx_.counters.bytes.fetch_add(data.size());
        co_return std::nullopt;
    }

    /// The tool closed stdout; it may still be flushing stderr or waiting on the server.
    asio::awaitable<phase_end> await_exit(protocol::backup_trailer& trailer) {
        auto ended = co_await (tool_->wait() || watch_client(socket_.socket()) || ctx_.shutdown.wait());
        if (ended.index() != 0) co_return co_await interrupted(ended.index(), trailer);
        trailer.exit_code = std::get<0>(ended);
        if (trailer.exit_code != 0) trailer.error_line = tool_error(trailer.exit_code);
        trailer.ok = trailer.exit_code == 0;
        co_return phase_end::done;
    }

    /// A wait raced against watch_client (`winner` 1: the client went away, so it is abandoned) and the server's
    /// shutdown (2: the trailer says so).
    asio::awaitable<phase_end> interrupted(std::size_t winner, protocol::backup_trailer& trailer) {
        if (winner == 1) co_return co_await abandon(client_went_away);
        trailer.error_line = shutting_down_message;
        co_return phase_end::cut_short;
    }

    /// The trailer's error line for a tool that exited with `exit_code`.
    std::string tool_error(int exit_code) const {
        // Not simply the last line: mariabackup logs InnoDB's shutdown after the error that ended it.
        std::string line = protocol::scrub_secrets(tool_error_line(tool_->stderr_tail()), ctx_.secrets);
        if (line.empty())
            line = opts_.tools.backup.filename().string() + " exited with code " + std::to_string(exit_code) +
                   " and no error message";
        return line;
    }

    /// The client went away or stopped reading (`why`): no trailer can reach it, so the tool is killed at once.
    asio::awaitable<phase_end> abandon(std::string_view why) {
        log_event(spdlog::level::warn,
                  fmt::format("backup for {} aborted after {} bytes: {}; killing pid {}", peer_, digest_.bytes(), why,
                              tool_->pid()),
                  {{"event", "backup_aborted"}, {"peer", peer_}, {"bytes", digest_.bytes()}});
        co_await kill_tool();
        co_return phase_end::abandoned;
    }

    /// Kills the tool's whole process group and reaps it (no-op when it never started).
    asio::awaitable<void> kill_tool() {
        if (!tool_) co_return;
        // SIGKILL, not SIGTERM: the stream is abandoned and neither tool cleans anything up on SIGTERM.
        tool_->signal_group(SIGKILL);
        co_await tool_->wait();
    }

    /// Ends the body with `trailer` (what was sent, and how the backup ended) and closes our side.
    asio::awaitable<void> send_trailer(protocol::backup_trailer& trailer) {
        trailer.bytes = digest_.bytes();
        trailer.digest = digest_.hex();
        if (compressor_) trailer.uncompressed_bytes = compressor_->bytes_in();
        http::fields fields;
        for (const auto& f : protocol::encode_trailer(trailer)) fields.insert(f.name, f.value);
        const auto timeout = ctx_.shutdown.raised() ? shutdown_send_timeout : opts_.send_timeout;
        co_await before(asio::async_write(socket_, http::make_chunk_last(fields), nothrow_awaitable),
                        clock::now() + timeout);
        boost::system::error_code ignored;
        // A TCP FIN without TLS close_notify: the chunked framing and the trailer already say where the body ends.
        socket_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    void log_finished(const protocol::backup_trailer& trailer) const {
        const double seconds = outcome_.seconds();
        const double mb_per_s = seconds > 0 ? static_cast<double>(trailer.bytes) / 1e6 / seconds : 0.0;
        log_fields fields = {{"event", "backup_finished"}, {"peer", peer_},
                             {"ok", trailer.ok},        {"bytes", trailer.bytes},
                             {"seconds", seconds},      {"exit_code", trailer.exit_code}};
        std::string zstd;
        if (trailer.uncompressed_bytes) {
            fields.push_back({"uncompressed_bytes", *trailer.uncompressed_bytes});
            zstd = fmt::format(" (zstd level {}, {} bytes before compression)", compression_.level,
                               *trailer.uncompressed_bytes);
        }
        if (trailer.ok) {
            log_event(spdlog::level::info,
                      fmt::format("backup for {} finished: ok, {} bytes{} in {:.1f}s ({:.1f} MB/s), exit code 0", peer_,
                                  trailer.bytes, zstd, seconds, mb_per_s),
                      fields);
        } else {
            log_event(spdlog::level::warn,
                      fmt::format("backup for {} finished: failed, {} bytes{} in {:.1f}s ({:.1f} MB/s), exit code {}: {}",
                                  peer_, trailer.bytes, zstd, seconds, mb_per_s, trailer.exit_code, trailer.error_line),
                      fields);
        }
    }

    clock::time_point send_deadline() const { return clock::now() + opts_.send_timeout; }

    net_stream& socket_;
    const std::string& peer_;
    const backup_stream_context& ctx_;
    const backup_server_options& opts_;
    // Destroyed in reverse: the tool first (killed and reaped if it still runs), then its private dir, then the
    // gate is left (the reconcile loop may start replication again) and the outcome is counted.
    outcome_counter outcome_;
    backup_gate::pass gate_pass_;
    std::optional<private_dir> dir_;
    std::unique_ptr<child_process> tool_;
    std::string start_error_;
    stream_digest digest_;  ///< of the bytes sent (compressed, when they are)
    protocol::compression_choice compression_;
    std::optional<frame_pipeline> compressor_;
};

}  // namespace

asio::awaitable<void> stream_backup(net_stream& socket, const std::string& peer, const backup_stream_context& ctx,
                                    protocol::compression_choice compression) {
    backup_stream stream(socket, peer, ctx, compression);
    co_await stream.run();
}

}  // namespace mysql_agent
