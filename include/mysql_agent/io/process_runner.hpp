#pragma once
// Runs external tools (xtrabackup/mariabackup, xbstream/mbstream) as children in their own process
// group, so that cancelling kills the whole group: no orphan, no zombie. I/O layer (Asio).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "mysql_agent/core/errors.hpp"

namespace mysql_agent {

struct process_options {
    std::filesystem::path program;   ///< absolute, or found on PATH
    std::vector<std::string> args;   ///< never secrets: credentials go through --defaults-extra-file
    std::optional<std::filesystem::path> working_dir;
    bool pipe_stdin = false;         ///< give the child a pipe as stdin (else /dev/null)
    bool pipe_stdout = false;        ///< give the child a pipe as stdout (else inherit our stderr)
    std::size_t stderr_tail_lines = 20;  ///< how many last stderr lines to keep
    bool echo_stderr = false;        ///< also copy the child's stderr lines to our log
};

/// A running child. Destroying it kills the process group (SIGKILL) and reaps the child.
class child_process {
public:
    /// Starts the child in a new process group. Throws process_error if it cannot start.
    static std::unique_ptr<child_process> start(boost::asio::any_io_executor ex, const process_options& opts);
    virtual ~child_process() = default;

    /// Pipe ends, when requested (else nullptr). Closing stdin signals EOF to the child.
    virtual boost::asio::posix::stream_descriptor* stdin_pipe() = 0;
    virtual boost::asio::posix::stream_descriptor* stdout_pipe() = 0;
    virtual void close_stdin() = 0;

    /// Waits for exit; returns the exit code (-1 if killed by a signal). stderr is drained meanwhile.
    virtual boost::asio::awaitable<int> wait() = 0;
    /// Sends `sig` to the whole process group.
    virtual void signal_group(int sig) = 0;
    /// The last lines the child wrote to stderr.
    virtual std::string stderr_tail() const = 0;
    virtual int pid() const = 0;
};

}  // namespace mysql_agent
