#pragma once
// A private mysqld on a datadir the agent owns (a test restore's scratch copy, a point-in-time restore's prepared
// staging dir): started with the arguments given, reachable on its socket only, killed when the agent dies
// (PR_SET_PDEATHSIG: a Ctrl-C or SIGKILL leaves no server running on a copy of the data), stopped cleanly on scope
// exit (SIGTERM: InnoDB shuts down, then SIGKILL after a minute). I/O layer (fork, exec, waitpid).

#include <atomic>
#include <chrono>
#include <filesystem>
#include <stop_token>
#include <string>
#include <sys/types.h>
#include <vector>

#include "mysql_agent/io/mysql_client.hpp"

namespace mysql_agent {

class private_server {
public:
    /// Starts `mysqld` with `args` (--no-defaults first). `what` names the run in messages ("the restore check").
    /// Throws config_error when it cannot be started.
    private_server(const std::filesystem::path& mysqld, const std::vector<std::string>& args, std::string what);
    ~private_server() { stop(); }
    private_server(const private_server&) = delete;
    private_server& operator=(const private_server&) = delete;

    /// Whether it is still running (reaps it when it exited).
    bool running();
    /// A client on `c` once the server accepts it (crash recovery of a large datadir takes a while). Throws
    /// clone_failed_error naming `error_log`'s last lines when the server exits or does not answer in `timeout`.
    mysql_client connect(const mysql_connection& c, const std::filesystem::path& error_log,
                         std::chrono::seconds timeout, std::stop_token stop = {});
    /// SIGTERM, waits up to a minute for a clean shutdown, then SIGKILL. Returns whether it stopped cleanly
    /// (exit status 0).
    bool stop() noexcept;
    /// SIGKILL, from any thread: for a server whose datadir is discarded anyway (a cancelled restore); the owner's
    /// stop() then reaps it at once.
    void kill_now() noexcept;

private:
    std::filesystem::path mysqld_;
    std::string what_;
    std::atomic<pid_t> pid_{-1};
};

/// The last lines of a file (an error log), for messages.
std::string log_tail(const std::filesystem::path& file);

/// The effective user's name (mysqld --user: it refuses to run as root without one).
std::string effective_user_name();

}  // namespace mysql_agent
