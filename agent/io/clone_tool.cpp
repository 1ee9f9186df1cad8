#include "mysql_agent/io/clone_tool.hpp"

#include <fcntl.h>

#include <fmt/format.h>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/tool_error_line.hpp"
#include "mysql_agent/io/deadline.hpp"

namespace mysql_agent {

std::unique_ptr<child_process> start_clone_tool(boost::asio::any_io_executor ex, const std::filesystem::path& program,
                                                std::vector<std::string> args, bool pipe_stdin) {
    process_options opts;
    opts.program = program;
    opts.args = std::move(args);
    opts.pipe_stdin = pipe_stdin;
    opts.stderr_tail_lines = 20;
    try {
        return child_process::start(ex, opts);
    } catch (const process_error& e) {
        throw config_error(fmt::format("{}; check --xtrabackup/--xbstream", e.what()));
    }
}

boost::asio::awaitable<std::optional<int>> wait_until(child_process& child, std::chrono::steady_clock::time_point at) {
    co_return co_await before(child.wait(), at);
}

void tool_failed(std::string_view what, int rc, const std::string& stderr_tail, const std::filesystem::path& datadir) {
    const std::string code = rc < 0 ? "was killed" : fmt::format("exited with code {}", rc);
    if (mentions_disk_full(stderr_tail))
        throw file_error(
            fmt::format("disk full: {} {} because the volume of {} has no space left ({}); free space on "
                        "it or grow the PersistentVolume (the clone's files were removed)",
                        what, code, datadir.string(), last_lines(stderr_tail, 2)));
    throw clone_failed_error(fmt::format("{} {}: {}", what, code, last_lines(stderr_tail)));
}

std::unique_ptr<child_process> start_extractor(boost::asio::any_io_executor ex, const std::filesystem::path& stream_tool,
                                               const std::filesystem::path& staging) {
    auto child = start_clone_tool(ex, stream_tool, {"-x", "-C", staging.string()}, true);
    // Linux allows up to 1 MiB unprivileged; a smaller pipe only costs syscalls.
    ::fcntl(child->stdin_pipe()->native_handle(), F_SETPIPE_SZ, 1024 * 1024);
    return child;
}

}  // namespace mysql_agent
