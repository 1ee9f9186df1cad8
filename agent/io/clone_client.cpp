#include "mysql_agent/io/clone_client.hpp"

#include <fcntl.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <cstring>
#include <ctime>
#include <exception>
#include <random>
#include <variant>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/io/clone_tool.hpp"
#include "mysql_agent/io/datadir_commit.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/donor_connection.hpp"
#include "mysql_agent/io/datadir_lock.hpp"
#include "mysql_agent/io/staged_backup.hpp"
#include "mysql_agent/io/process_runner.hpp"
#include "mysql_agent/io/progress.hpp"
#include "mysql_agent/core/stream_digest.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/until_signal.hpp"
#include "mysql_agent/core/xbstream_verifier.hpp"

namespace mysql_agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

/// Body bytes handed to the extractor per write.
constexpr std::size_t body_buffer_bytes = 256 * 1024;
/// A bigger pipe lets the extractor read whole xbstream chunks per syscall; Linux allows up to 1 MiB unprivileged.
constexpr int extractor_pipe_bytes = 1024 * 1024;
/// How long an extractor that stopped reading gets to exit and explain itself.
constexpr auto extractor_exit_grace = std::chrono::seconds(10);

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Not a coroutine: [gcc12-braced-args] in clone_tool.hpp.
std::unique_ptr<child_process> start_extractor(asio::any_io_executor ex, const clone_options& o,
                                               const std::filesystem::path& staging) {
    auto child = start_clone_tool(ex, o.tools.stream, {"-x", "-C", staging.string()}, true);
    // Best effort: a smaller pipe only costs syscalls.
    ::fcntl(child->stdin_pipe()->native_handle(), F_SETPIPE_SZ, extractor_pipe_bytes);
    return child;
}

// Not a coroutine: [gcc12-braced-args] in clone_tool.hpp.
std::unique_ptr<child_process> start_prepare(asio::any_io_executor ex, const clone_options& o,
                                             const std::filesystem::path& staging) {
    return start_clone_tool(ex, o.tools.backup, {"--prepare", "--target-dir=" + staging.string()}, false);
}

progress_reporter::options progress_options(const clone_options& o, std::optional<std::uint64_t> estimate) {
    progress_reporter::options p;
    p.what = "received";
    p.estimated_total = estimate;
    p.interval = o.progress_interval;
    p.tty = o.progress_tty;
    return p;
}

/// The extractor stopped taking bytes: let it exit and say why, then fail with its words.
asio::awaitable<void> extractor_broke(child_process& extractor, const clone_options& o, std::uint64_t at_byte,
                                      const boost::system::error_code& write_ec) {
    extractor.close_stdin();
    const auto rc = co_await wait_until(extractor, clock::now() + extractor_exit_grace);
    const std::string what = fmt::format("{} -x stopped reading the stream at byte {} ({}) and",
                                         o.tools.stream.string(), at_byte, write_ec ? write_ec.message() : "stalled");
    tool_failed(what, rc.value_or(-1), extractor.stderr_tail(), o.datadir);
}

/// What the body turned out to be.
struct received_stream {
    std::uint64_t bytes = 0;
    std::string digest;
    double seconds = 0;
    std::map<std::string, std::uint64_t> files;  ///< every completed file and its size, as the stream said
};

/// Streams the body into the extractor while verifying framing and digest, then checks the end of the
/// stream in the order that gives the most useful message. Throws on any failure.
asio::awaitable<received_stream> receive_body(donor_response& response, child_process& extractor,
                                              const clone_options& o, const deadlines& dl) {
    const std::string donor = o.donor.to_string();
    auto& parser = *response.parser;
    std::optional<std::uint64_t> estimate;
    if (const auto v = response.field(protocol::header_estimated_size))
        estimate = protocol::parse_estimated_size(*v);
    spdlog::info("donor {} is streaming its backup{}; extracting into {}", donor,
                 estimate ? fmt::format(" (its datadir holds about {})", format_bytes(*estimate)) : "",
                 staging_dir_of(o.datadir).string());

    const auto start = clock::now();
    progress_reporter progress(progress_options(o, estimate), start);
    xbstream_verifier verifier;
    stream_digest digest;
    std::vector<char> buf(body_buffer_bytes);
    auto* pipe = extractor.stdin_pipe();

    while (!parser.is_done()) {
        auto& body = parser.get().body();
        body.data = buf.data();
        body.size = buf.size();
        // read_some, not read: a slow donor must count as alive as long as any byte arrives.
        const auto read =
            co_await before(http::async_read_some(response.socket, response.buffer, parser, nothrow_awaitable),
                            dl.within(o.idle_timeout));
        if (!read) {
            if (dl.overall_passed())
                throw clone_failed_error(
                    fmt::format("the clone from {} did not finish within --timeout {} (at byte {} of "
                                "the stream); raise --timeout for a datadir this large",
                                donor, dl.overall_text(), digest.bytes()));
            throw clone_failed_error(fmt::format(
                "no data from donor {} for --idle-timeout {} at byte {} of the stream: its backup tool or the network "
                "is "
                "stalled; check the donor's sidecar log, and retry the clone (raise --idle-timeout if the donor is "
                "only slow)",
                donor, seconds_text(o.idle_timeout), digest.bytes()));
        }
        const auto ec = std::get<0>(*read);
        const std::size_t n = buf.size() - body.size;
        if (n > 0) {
            if (auto fed = verifier.feed(buf.data(), n); !fed) {
                if (verifier.refused())
                    throw clone_failed_error(fmt::format("clone from {} failed: {}", donor, fed.message()));
                throw clone_failed_error(
                    fmt::format("the stream from donor {} is not a valid xbstream: {}", donor, fed.message()));
            }
            digest.update(buf.data(), n);
            const auto written = co_await before(
                asio::async_write(*pipe, asio::buffer(buf.data(), n), nothrow_awaitable), dl.within(o.idle_timeout));
            if (!written || std::get<0>(*written))
                co_await extractor_broke(extractor, o, digest.bytes(),
                                         written ? std::get<0>(*written) : boost::system::error_code{});
            progress.update(digest.bytes(), clock::now());
        }
        if (ec == http::error::need_buffer) continue;  // the body buffer is full: hand it over, read on
        if (ec == http::error::partial_message || ec == http::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::connection_reset) {
            const auto cut = protocol::check_stream_end(std::nullopt, {digest.bytes(), digest.hex()});
            throw clone_failed_error(fmt::format("clone from {} failed: {}", donor, cut.message()));
        }
        if (ec == http::error::buffer_overflow || ec == http::error::header_limit)
            throw clone_failed_error(fmt::format(
                "clone from {} failed at byte {} of the stream: the donor sent a chunk header or trailer section "
                "larger than {} bytes, which no mysql-agent sidecar does",
                donor, digest.bytes(), response_buffer_limit));
        if (ec)
            throw clone_failed_error(fmt::format("clone from {} failed at byte {} of the stream: {}; retry the clone",
                                                 donor, digest.bytes(), ec.message()));
    }

    received_stream got{digest.bytes(), digest.hex(), std::chrono::duration<double>(clock::now() - start).count(),
                        verifier.completed_sizes()};
    progress.finish(got.bytes, clock::now(), got.digest);

    // Trailers arrive after the last chunk; Beast merges them into the response's fields.
    std::vector<protocol::field> fields;
    for (const auto name : {protocol::trailer_status, protocol::trailer_bytes, protocol::trailer_digest,
                            protocol::trailer_exit_code, protocol::trailer_error})
        if (auto v = response.field(name)) fields.push_back({std::string(name), std::move(*v)});
    std::optional<protocol::backup_trailer> trailer;
    if (!fields.empty()) {
        auto decoded = protocol::decode_trailer(fields);
        if (!decoded) throw clone_failed_error(fmt::format("clone from {} failed: {}", donor, decoded.message()));
        trailer = std::move(decoded).value();
    }
    const protocol::observed_stream seen{got.bytes, got.digest};
    // A donor that reports its own failure has the best explanation (its tool's error line), better than
    // what the incomplete stream looks like from here; so that goes first.
    if (trailer && !trailer->ok)
        throw clone_failed_error(
            fmt::format("clone from {} failed: {}", donor, protocol::check_stream_end(trailer, seen).message()));
    // mbstream/xbstream exit 0 on a stream cut at a chunk boundary: only the framing check catches that.
    if (auto framing = verifier.finish(); !framing)
        throw clone_failed_error(
            fmt::format("the backup from donor {} is incomplete: {}; retry the clone", donor, framing.message()));
    if (auto end = protocol::check_stream_end(trailer, seen); !end)
        throw clone_failed_error(fmt::format("clone from {} failed: {}", donor, end.message()));

    extractor.close_stdin();
    const auto rc = co_await wait_until(
        extractor, dl.within(std::max<std::chrono::milliseconds>(o.idle_timeout, extractor_exit_grace)));
    if (!rc)
        throw clone_failed_error(fmt::format("{} -x did not exit after the stream ended; check the disk of {}",
                                             o.tools.stream.string(), o.datadir.string()));
    if (*rc != 0) tool_failed(fmt::format("{} -x", o.tools.stream.string()), *rc, extractor.stderr_tail(), o.datadir);
    co_return got;
}

/// `<xtrabackup> --prepare`: applies the redo log so that mysqld can start on the files.
asio::awaitable<double> prepare_backup(const clone_options& o, const std::filesystem::path& staging,
                                       const deadlines& dl) {
    const auto start = clock::now();
    spdlog::info("preparing the backup with {} --prepare", o.tools.backup.string());
    auto tool = start_prepare(co_await asio::this_coro::executor, o, staging);
    const auto rc = co_await wait_until(*tool, dl.overall());
    if (!rc)
        throw clone_failed_error(fmt::format("{} --prepare did not finish within --timeout {}; raise --timeout",
                                             o.tools.backup.string(), dl.overall_text()));
    if (*rc != 0)
        tool_failed(fmt::format("{} --prepare", o.tools.backup.string()), *rc, tool->stderr_tail(), o.datadir);
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    spdlog::info("prepared in {:.1f}s", seconds);
    co_return seconds;
}

asio::awaitable<clone_outcome> fetch_and_commit(const clone_options& o, const commit_options& commit) {
    auto ex = co_await asio::this_coro::executor;
    const auto started_wall = std::chrono::system_clock::now();
    const auto started = clock::now();
    const deadlines dl(started, o.overall_timeout);

    auto response = co_await request_backup_with_retries(o, dl);
    const auto staging = create_staging_dir(o.datadir);
    auto extractor = start_extractor(ex, o, staging);

    const auto got = co_await receive_body(*response, *extractor, o, dl);
    extractor.reset();
    boost::system::error_code ignored;
    response->socket.close(ignored);

    // Nothing the donor sent is trusted by --prepare until it is checked: names, types, sizes, backup-my.cnf.
    vet_staged_backup(staging, got.files);
    co_await prepare_backup(o, staging, dl);
    check_prepared(staging);
    const auto backup = describe_backup(staging);

    clone_outcome out;
    out.marker.source = o.donor.to_string();
    out.marker.coordinates = backup.coordinates;
    out.marker.digest = got.digest;
    out.marker.stream_bytes = got.bytes;
    out.marker.datadir_bytes = backup.bytes;
    out.marker.tool_version = backup.tool_version;
    out.marker.server_version = backup.server_version;
    out.marker.started_at = rfc3339_utc(started_wall);
    out.marker.finished_at = rfc3339_utc(std::chrono::system_clock::now());
    out.marker.duration_seconds = std::chrono::duration<double>(clock::now() - started).count();
    out.marker.reseed = o.reseed;
    commit_staging(o.datadir, out.marker, commit);
    log_event(spdlog::level::info,
              fmt::format("clone from {} committed into {}: {} of data (stream {} in {:.1f}s, {:.1f} MB/s, {}); "
                          "total {:.1f}s",
                          out.marker.source, o.datadir.string(), format_bytes(backup.bytes), format_bytes(got.bytes),
                          got.seconds, got.seconds > 0 ? static_cast<double>(got.bytes) / 1e6 / got.seconds : 0.0,
                          got.digest, out.marker.duration_seconds),
              {{"event", "clone_finished"},
               {"peer", out.marker.source},
               {"bytes", got.bytes},
               {"datadir_bytes", backup.bytes},
               {"seconds", out.marker.duration_seconds}});
    co_return out;
}

}  // namespace

asio::awaitable<clone_outcome> async_clone_datadir(clone_options options) {
    // Held to the end: no other clone or init may classify, clean or commit this datadir meanwhile.
    std::optional<datadir_lock> own_lock;
    if (options.lock == nullptr) own_lock.emplace(options.datadir);
    const datadir_lock& lock = options.lock != nullptr ? *options.lock : *own_lock;
    const auto verdict = settle_datadir(options.datadir, options.force || options.replace_clone, options.replace_clone);
    if (verdict.kind == datadir_kind::cloned) {
        clone_outcome out;
        out.already_cloned = true;
        if (auto marker = read_clone_marker(options.datadir)) out.marker = std::move(*marker);
        co_return out;
    }
    // Whatever fails (or cancels us) from here on, this clone's files go: the next run must find the
    // datadir as empty as this one did, not half a backup.
    // Foreign data that settle_datadir let through (--force) is replaced only by the commit of a verified,
    // prepared backup; until then not a byte of it is touched.
    const commit_options commit{lock.run(), verdict.kind == datadir_kind::foreign};
    std::exception_ptr failure;
    try {
        co_return co_await fetch_and_commit(options, commit);
    } catch (...) {
        failure = std::current_exception();
    }
    abandon_clone(options.datadir, commit.replace);
    std::rethrow_exception(failure);
}

clone_outcome clone_datadir(const clone_options& options) {
    // SIGTERM (pod deletion) and SIGINT cancel the clone so that it removes its files on the way out.
    return run_until_signal([&] { return async_clone_datadir(options); }, "the clone's files were removed");
}

}  // namespace mysql_agent
