#include "mysql_agent/io/private_server.hpp"

#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/tool_error_line.hpp"

namespace mysql_agent {

namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;

std::string log_tail(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    return last_lines(ss.str(), 5);
}

std::string effective_user_name() {
    const passwd* pw = ::getpwuid(::geteuid());
    return pw != nullptr ? pw->pw_name : std::to_string(::geteuid());
}

private_server::private_server(const fs::path& mysqld, const std::vector<std::string>& args, std::string what)
    : mysqld_(mysqld), what_(std::move(what)) {
    std::vector<std::string> argv_strings{mysqld.string()};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Not posix_spawn: the server must die with us (PR_SET_PDEATHSIG).
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw config_error("cannot start " + mysqld.string() + " for " + what_ + ": fork failed");
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
}

bool private_server::running() {
    if (pid_ <= 0) return false;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
    }
    return true;
}

mysql_client private_server::connect(const mysql_connection& c, const fs::path& error_log, std::chrono::seconds timeout,
                                     std::stop_token stop) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
        if (stop.stop_requested()) throw clone_failed_error(what_ + ": stopped before " + mysqld_.string() + " answered");
        if (!running())
            throw clone_failed_error(what_ + ": " + mysqld_.string() + " exited; its error log ends: " +
                                     log_tail(error_log));
        if (clock::now() > deadline)
            throw clone_failed_error(what_ + ": " + mysqld_.string() + " did not accept connections within " +
                                     std::to_string(timeout.count()) + " s; its error log ends: " + log_tail(error_log));
        try {
            if (fs::exists(c.socket)) return mysql_client(c);
        } catch (const mysql_error&) {
            // still starting
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void private_server::kill_now() noexcept {
    if (const pid_t pid = pid_.load(); pid > 0) ::kill(pid, SIGKILL);
}

bool private_server::stop() noexcept {
    if (pid_ <= 0) return false;
    ::kill(pid_, SIGTERM);
    const auto until = clock::now() + std::chrono::minutes(1);
    int st = 0;
    bool clean = false;
    for (;;) {
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            clean = WIFEXITED(st) && WEXITSTATUS(st) == 0;
            break;
        }
        if (r < 0) break;
        if (clock::now() > until) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &st, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    pid_ = -1;
    return clean;
}

}  // namespace mysql_agent
