#pragma once
// The clone's runs of the backup tools (`xbstream -x`, `xtrabackup --prepare`): starting one, waiting for it
// within a deadline, and turning a failed run into the error a person needs. I/O layer (Asio coroutines).
//
// [gcc12-braced-args] A list of strings (a tool's argument list, a response's header fields) is built in a plain
// function, never inside a coroutine body: GCC 12 fails to compile a braced list of std::string inside these
// coroutine bodies ("array used as initializer") and rejects an initializer_list inside a co_await expression.
// The helpers that build one for a coroutine cite this tag.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "mysql_agent/io/process_runner.hpp"

namespace mysql_agent {

/// Starts `program args` (stdin a pipe when `pipe_stdin`), keeping the last 20 lines of its stderr. A tool that
/// cannot start is a config_error that points at --xtrabackup/--xbstream.
std::unique_ptr<child_process> start_clone_tool(boost::asio::any_io_executor ex, const std::filesystem::path& program,
                                                std::vector<std::string> args, bool pipe_stdin);

/// How long an extractor that stopped reading (or whose input ended) gets to exit and explain itself.
inline constexpr std::chrono::seconds extractor_exit_grace{10};

/// Starts `xbstream -x -C staging` (`stream_tool`: xbstream or mbstream) with its stdin a pipe widened to 1 MiB
/// (best effort), so that it reads whole xbstream chunks per syscall. The clone's and the restore's extractor.
std::unique_ptr<child_process> start_extractor(boost::asio::any_io_executor ex, const std::filesystem::path& stream_tool,
                                               const std::filesystem::path& staging);

/// Waits for a tool to exit, at most until `at`. nullopt: it did not.
boost::asio::awaitable<std::optional<int>> wait_until(child_process& child, std::chrono::steady_clock::time_point at);

/// Turns a failed tool run (`what` names it, `rc` < 0: killed) into the error a person needs: a full disk
/// (mentions_disk_full) is a file_error that says to free space on the volume of `datadir`; anything else is a
/// clone_failed_error with the tool's last words.
[[noreturn]] void tool_failed(std::string_view what, int rc, const std::string& stderr_tail,
                              const std::filesystem::path& datadir);

}  // namespace mysql_agent
