#include "mysql_agent/io/prepare.hpp"

#include <algorithm>
#include <chrono>
#include <memory>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/activity_watch.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/clone_tool.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/process_activity.hpp"
#include "mysql_agent/io/process_runner.hpp"
#include "mysql_agent/io/staged_backup.hpp"

namespace mysql_agent {
namespace {

// Not a coroutine: [gcc12-braced-args] in clone_tool.hpp.
std::unique_ptr<child_process> start_prepare(boost::asio::any_io_executor ex, const clone_options& o,
                                             const std::filesystem::path& staging) {
    return start_clone_tool(ex, o.tools.backup, {"--prepare", "--target-dir=" + staging.string()}, false);
}

/// Completes once the process group `pgid` (the tool and what it runs) has used no CPU and read and written nothing
/// for longer than `limit`, sampled
/// every quarter of it (50 ms to 1 s); runs until cancelled otherwise.
struct went_idle {};
boost::asio::awaitable<went_idle> until_idle(int pgid, std::chrono::milliseconds limit) {
    using namespace std::chrono_literals;
    const auto every = std::clamp<std::chrono::milliseconds>(limit / 4, 50ms, 1000ms);
    idle_watch watch(limit);
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    while (!watch.idle_at(idle_watch::clock::now(), read_group_activity(pgid))) {
        timer.expires_after(every);
        co_await timer.async_wait(nothrow_awaitable);
    }
    co_return went_idle{};
}

/// How the prepare ended: its exit code, or nullopt when it went idle.
struct prepare_end {
    std::optional<int> exit_code;
};

/// The tool's exit, or its idleness (a struct, not the race's variant: before() must not get a variant).
boost::asio::awaitable<prepare_end> exit_or_idle(child_process& tool, std::chrono::milliseconds limit) {
    using namespace boost::asio::experimental::awaitable_operators;
    auto r = co_await (tool.wait() || until_idle(tool.pid(), limit));
    if (r.index() == 1) co_return prepare_end{std::nullopt};
    co_return prepare_end{std::get<0>(r)};
}

}  // namespace

boost::asio::awaitable<double> prepare_backup(const clone_options& o, const std::filesystem::path& staging,
                                              const deadlines& dl) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    spdlog::info("preparing the backup with {} --prepare", o.tools.backup.string());
    auto tool = start_prepare(co_await boost::asio::this_coro::executor, o, staging);
    // No total bound by default (--timeout 0): a prepare of hours is normal for a large datadir; one that shows no
    // activity (CPU, reads, writes) for --idle-timeout is stuck.
    const auto ended = co_await before(exit_or_idle(*tool, o.idle_timeout), dl.overall());
    if (!ended)
        throw clone_failed_error(fmt::format("{} --prepare did not finish within --timeout {}; raise --timeout",
                                             o.tools.backup.string(), dl.overall_text()));
    if (!ended->exit_code)
        throw clone_failed_error(fmt::format(
            "{} --prepare used no CPU and read and wrote nothing for --idle-timeout {}: it is stuck (a hung disk "
            "under {}?); it was stopped and nothing was committed: check the volume, then retry (raise "
            "--idle-timeout if the disk only stalls that long)",
            o.tools.backup.string(), seconds_text(o.idle_timeout), o.datadir.string()));
    const int rc = *ended->exit_code;
    if (rc != 0)
        tool_failed(fmt::format("{} --prepare", o.tools.backup.string()), rc, tool->stderr_tail(), o.datadir);
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    spdlog::info("prepared in {:.1f}s", seconds);
    check_prepared(staging);
    co_return seconds;
}

}  // namespace mysql_agent
