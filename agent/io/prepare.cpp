#include "mysql_agent/io/prepare.hpp"

#include <chrono>
#include <memory>

#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/clone_tool.hpp"
#include "mysql_agent/io/process_runner.hpp"
#include "mysql_agent/io/staged_backup.hpp"

namespace mysql_agent {
namespace {

// Not a coroutine: [gcc12-braced-args] in clone_tool.hpp.
std::unique_ptr<child_process> start_prepare(boost::asio::any_io_executor ex, const clone_options& o,
                                             const std::filesystem::path& staging) {
    return start_clone_tool(ex, o.tools.backup, {"--prepare", "--target-dir=" + staging.string()}, false);
}

}  // namespace

boost::asio::awaitable<double> prepare_backup(const clone_options& o, const std::filesystem::path& staging,
                                              const deadlines& dl) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    spdlog::info("preparing the backup with {} --prepare", o.tools.backup.string());
    auto tool = start_prepare(co_await boost::asio::this_coro::executor, o, staging);
    const auto rc = co_await wait_until(*tool, dl.overall());
    if (!rc)
        throw clone_failed_error(fmt::format("{} --prepare did not finish within --timeout {}; raise --timeout",
                                             o.tools.backup.string(), dl.overall_text()));
    if (*rc != 0)
        tool_failed(fmt::format("{} --prepare", o.tools.backup.string()), *rc, tool->stderr_tail(), o.datadir);
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    spdlog::info("prepared in {:.1f}s", seconds);
    check_prepared(staging);
    co_return seconds;
}

}  // namespace mysql_agent
