#include "mysql_agent/io/backup_store/backup_restore.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/backup_store/backup_catalog.hpp"
#include "mysql_agent/io/backup_store/stored_stream.hpp"
#include "mysql_agent/io/clone_tool.hpp"
#include "mysql_agent/io/datadir_commit.hpp"
#include "mysql_agent/io/own_thread.hpp"
#include "mysql_agent/io/periodic_flush.hpp"
#include "mysql_agent/io/pipelined_sink.hpp"
#include "mysql_agent/io/progress.hpp"
#include "mysql_agent/io/until_signal.hpp"

namespace mysql_agent::backup_store {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

/// Downloaded bytes waiting for the check and the extractor: what the download may run ahead of them.
constexpr std::size_t pipelined_bytes = 8u << 20;

/// The extractor stopped reading (it exited or broke its pipe): its own words explain it better than EPIPE.
struct extractor_stopped : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Writes all of `bytes` to the blocking `fd`. Throws extractor_stopped.
void write_all(int fd, std::span<const char> bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw extractor_stopped(n < 0 ? std::strerror(errno) : "wrote nothing");
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
}

struct chosen_backup {
    std::string id;
    backup_manifest manifest;
};

asio::awaitable<staged_stream> stage_from_store(const restore_options& o, const deadlines& dl) {
    const auto started = clock::now();
    std::atomic<bool> stopping{false};
    chosen_backup chosen;
    // Outside the jobs, so that SIGTERM can cancel what they are waiting for.
    objstore::s3_client client(o.store);
    // The manifest first: a backup without one does not exist, and nothing is staged for it.
    const bool read = co_await run_on_own_thread(
        [&] {
            client.check_bucket(o.from.bucket);
            chosen.id = o.id;
            if (chosen.id.empty()) {
                const auto newest = newest_complete_backup(client, o.from);
                if (!newest)
                    throw no_donor_error("no complete backup under s3://" + o.from.bucket + "/" + o.from.prefix +
                                         " (a backup is complete once its manifest.json is written)");
                chosen.id = *newest;
            }
            chosen.manifest = read_manifest(client, o.from, chosen.id);
        },
        [&]() noexcept {
            stopping = true;
            client.cancel();
        },
        dl.overall());
    if (!read) throw clone_failed_error("the restore did not read its manifest within --timeout " + dl.overall_text());
    const backup_manifest& m = chosen.manifest;
    if (m.encryption) {
        const std::string mismatch = key_mismatch(&*m.encryption, o.key ? o.key->id() : "");
        if (!mismatch.empty()) throw config_error("restore of " + backup_url(o.from, chosen.id) + ": " + mismatch);
    }

    staged_stream out;
    out.what = "restore";
    out.source = backup_url(o.from, chosen.id);
    out.request_seconds = std::chrono::duration<double>(clock::now() - started).count();
    out.staging = create_staging_dir(o.target.datadir);
    spdlog::info("restore: backup {} ({} stored, {} of xbstream, taken from {} at {}), extracting into {}", out.source,
                 format_bytes(m.stream_bytes), format_bytes(m.xbstream_bytes), m.source, m.finished_at,
                 out.staging.string());

    auto extractor = start_extractor(co_await asio::this_coro::executor, o.target.tools.stream, out.staging);
    // The extractor's stdin, written by the download thread with blocking writes; closed when the stream ends.
    const int fd = extractor->stdin_pipe()->release();
    std::atomic<int> pipe_fd{fd};
    auto close_pipe = [&pipe_fd] {
        if (const int f = pipe_fd.exchange(-1); f >= 0) ::close(f);
    };
    stored_stream_check check(m, out.source + m.stream_name, o.key ? &*o.key : nullptr);
    progress_reporter::options p;
    p.what = "restored";
    p.estimated_total = m.xbstream_bytes;
    p.interval = o.target.progress_interval;
    p.tty = o.target.progress_tty;
    progress_reporter progress(p, clock::now());
    const auto first = clock::now();
    std::optional<std::string> broke;  // the extractor stopped reading: why the write failed
    bool downloaded = false;
    try {
        downloaded = co_await run_on_own_thread(
            [&] {
                try {
                    // What the extractor writes goes to the disk while the download runs, not all at the commit.
                    periodic_flush writeback(out.staging, extraction_flush_interval);
                    // Checking, decoding and writing into the extractor on a thread of their own, beside the
                    // download (the digests on a third: stored_stream.hpp).
                    pipelined_sink checked(
                        [&](std::string_view piece) {
                            check.feed(piece, [&](std::span<const char> xb) { write_all(pipe_fd, xb); });
                            progress.update(check.xbstream_bytes(), clock::now());
                        },
                        pipelined_bytes);
                    client.get_object(o.from.bucket, o.from.prefix + chosen.id + "/" + m.stream_name,
                                      [&](std::string_view piece) {
                                          if (stopping) throw interrupted_error(SIGTERM, "the restore's files were removed");
                                          checked.push(piece);
                                      });
                    checked.finish();
                    check.finish([&](std::span<const char> xb) { write_all(pipe_fd, xb); });
                } catch (const extractor_stopped& e) {
                    broke = e.what();
                }
                close_pipe();
            },
            [&]() noexcept {
                stopping = true;
                client.cancel();                   // a download waiting on a silent store ends now
                extractor->signal_group(SIGKILL);  // a write blocked on a full pipe returns EPIPE
            },
            dl.overall());
    } catch (...) {
        close_pipe();
        throw;
    }
    close_pipe();
    if (!downloaded)
        throw clone_failed_error(fmt::format("the restore of {} did not finish within --timeout {} (at byte {} of {}); "
                                             "raise --timeout for a backup this large",
                                             out.source, dl.overall_text(), check.bytes(), m.stream_bytes));
    const auto rc = co_await wait_until(*extractor, clock::now() + extractor_exit_grace);
    if (broke)
        tool_failed(fmt::format("{} -x stopped reading the stream at byte {} ({}) and", o.target.tools.stream.string(),
                                check.xbstream_bytes(), *broke),
                    rc.value_or(-1), extractor->stderr_tail(), o.target.datadir);
    if (!rc)
        throw clone_failed_error(fmt::format("{} -x did not exit after the stream ended; check the disk of {}",
                                             o.target.tools.stream.string(), o.target.datadir.string()));
    if (*rc != 0)
        tool_failed(fmt::format("{} -x", o.target.tools.stream.string()), *rc, extractor->stderr_tail(),
                    o.target.datadir);
    const auto last = clock::now();
    progress.finish(check.xbstream_bytes(), last, "sha256:" + m.stream_sha256);
    out.got.bytes = check.bytes();
    out.got.digest = "sha256:" + m.stream_sha256;
    out.got.seconds = std::chrono::duration<double>(last - first).count();
    out.got.files = check.files();
    out.got.uncompressed_bytes = check.xbstream_bytes();
    out.got.compressed = m.compression == "zstd";
    co_return out;
}

}  // namespace

std::optional<std::string> newest_complete_backup(objstore::s3_client& client, const objstore::s3_url& at) {
    return newest_complete(list_backups(client, at));
}

asio::awaitable<clone_outcome> async_restore_datadir(restore_options options) {
    const restore_options& o = options;
    co_return co_await async_fill_datadir(options.target,
                                          [&o](const deadlines& dl) { return stage_from_store(o, dl); });
}

clone_outcome restore_datadir(const restore_options& options) {
    return run_until_signal([&] { return async_restore_datadir(options); }, "the restore's files were removed");
}

}  // namespace mysql_agent::backup_store
