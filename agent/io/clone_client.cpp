#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/io/own_thread.hpp"

#include <ctime>
#include <exception>

#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/reseed_choice.hpp"
#include "mysql_agent/io/datadir_commit.hpp"
#include "mysql_agent/io/datadir_lock.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/donor_connection.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/prepare.hpp"
#include "mysql_agent/io/progress.hpp"
#include "mysql_agent/io/staged_backup.hpp"
#include "mysql_agent/io/stream_receiver.hpp"
#include "mysql_agent/io/until_signal.hpp"

namespace mysql_agent {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

std::string rfc3339_utc(std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

asio::awaitable<clone_outcome> stage_and_commit(const clone_options& o, const commit_options& commit,
                                                const stage_function& stage) {
    const auto started_wall = std::chrono::system_clock::now();
    const auto started = clock::now();
    const deadlines dl(started, o.overall_timeout);

    const staged_stream staged = co_await stage(dl);
    const received_stream& got = staged.got;
    const std::filesystem::path& staging = staged.staging;
    const auto answered = started + std::chrono::duration_cast<clock::duration>(
                                        std::chrono::duration<double>(staged.request_seconds));

    // Nothing the donor sent is trusted by --prepare until it is checked: names, types, sizes, backup-my.cnf.
    const auto received = clock::now();
    vet_staged_backup(staging, got.files);
    const auto vetted = clock::now();
    const double prepare_seconds = co_await prepare_backup(o, staging, dl);
    const auto prepared = clock::now();
    const auto backup = describe_backup(staging);
    if (o.advertised)
        if (const auto holds = check_clone_holds(backup.coordinates, *o.advertised); !holds)
            throw clone_failed_error(holds.message() + "; nothing was committed");
    backup_metadata coordinates = backup.coordinates;
    std::string source = staged.source;
    if (o.before_commit) {
        std::stop_source stop;
        const bool done = co_await run_on_own_thread(
            [&] { o.before_commit(staging, coordinates, source, stop.get_token()); },
            [&]() noexcept { stop.request_stop(); }, dl.overall());
        if (!done)
            throw clone_failed_error("the " + staged.what + " did not finish within --timeout " + dl.overall_text() +
                                     "; nothing was committed");
    }
    const auto described = clock::now();

    clone_outcome out;
    out.marker.source = source;
    out.marker.coordinates = coordinates;
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
    const auto committed = clock::now();
    const auto secs = [](clock::time_point from, clock::time_point to) {
        return std::chrono::duration<double>(to - from).count();
    };
    // Where the time went, for `make bench` and for anyone asking why a clone was slow; the commit includes the
    // filesystem flush that its own filesystem_flushed line times.
    log_event(spdlog::level::info,
              fmt::format("{} phases: request {:.2f}s, first byte {:.2f}s, transfer {:.2f}s, extractor drain "
                          "{:.2f}s, checks {:.2f}s, prepare {:.2f}s, describe {:.2f}s, commit {:.2f}s",
                          staged.what, secs(started, answered), got.first_byte_seconds, got.seconds - got.first_byte_seconds,
                          got.drain_seconds, secs(received, vetted), prepare_seconds, secs(prepared, described),
                          secs(described, committed)),
              {{"event", staged.what + "_phases"},
               {"request_seconds", secs(started, answered)},
               {"first_byte_seconds", got.first_byte_seconds},
               {"transfer_seconds", got.seconds - got.first_byte_seconds},
               {"drain_seconds", got.drain_seconds},
               {"receive_seconds", secs(answered, received)},
               {"checks_seconds", secs(received, vetted)},
               {"prepare_seconds", prepare_seconds},
               {"describe_seconds", secs(prepared, described)},
               {"commit_seconds", secs(described, committed)}});
    log_event(spdlog::level::info,
              fmt::format("{} from {} committed into {}: {} of data (stream {} in {:.1f}s, {:.1f} MB/s, {}); "
                          "total {:.1f}s",
                          staged.what, out.marker.source, o.datadir.string(), format_bytes(backup.bytes), format_bytes(got.bytes),
                          got.seconds, got.seconds > 0 ? static_cast<double>(got.bytes) / 1e6 / got.seconds : 0.0,
                          got.digest, out.marker.duration_seconds),
              {{"event", staged.what + "_finished"},
               {"peer", out.marker.source},
               {"bytes", got.bytes},
               {"datadir_bytes", backup.bytes},
               {"seconds", out.marker.duration_seconds}});
    co_return out;
}

/// A clone's stage: GET /backup from the donor (with retries), its body extracted into the staging dir.
asio::awaitable<staged_stream> stage_from_donor(const clone_options& o, const deadlines& dl) {
    const auto started = clock::now();
    auto response = co_await request_backup_with_retries(o, dl);
    staged_stream out;
    out.request_seconds = std::chrono::duration<double>(clock::now() - started).count();
    out.source = o.donor.to_string();
    out.staging = create_staging_dir(o.datadir);
    out.got = co_await receive_backup(*response, out.staging, o, dl);
    boost::system::error_code ignored;
    response->stream.socket().close(ignored);
    co_return out;
}

}  // namespace

asio::awaitable<clone_outcome> async_clone_datadir(clone_options options) {
    const clone_options& o = options;
    co_return co_await async_fill_datadir(
        options, [&o](const deadlines& dl) { return stage_from_donor(o, dl); });
}

asio::awaitable<clone_outcome> async_fill_datadir(clone_options options, stage_function stage) {
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
        co_return co_await stage_and_commit(options, commit, stage);
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
