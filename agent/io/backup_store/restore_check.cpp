#include "mysql_agent/io/backup_store/restore_check.hpp"

#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_store/restore_check.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/tool_error_line.hpp"
#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/io/private_dir.hpp"


namespace mysql_agent::backup_store {
namespace {

namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;

std::string tail_of(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    return last_lines(ss.str(), 5);
}

/// The private mysqld: started, and stopped (SIGTERM, then SIGKILL after a minute) on scope exit.
class scratch_server {
public:
    scratch_server(const fs::path& mysqld, const std::vector<std::string>& args) {
        std::vector<std::string> argv_strings{mysqld.string()};
        argv_strings.insert(argv_strings.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : argv_strings) argv.push_back(a.data());
        argv.push_back(nullptr);
        // Not posix_spawn: the server must die with us (PR_SET_PDEATHSIG), so that a `verify --restore` killed by
        // Ctrl-C or SIGKILL leaves no private mysqld running on a scratch copy of the data.
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ < 0) throw config_error("cannot start " + mysqld.string() + " for the restore check: fork failed");
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
    }
    ~scratch_server() { stop(); }
    scratch_server(const scratch_server&) = delete;
    scratch_server& operator=(const scratch_server&) = delete;

    /// Whether it is still running (reaps it when it exited).
    bool running() {
        if (pid_ <= 0) return false;
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
            pid_ = -1;
            return false;
        }
        return true;
    }

    void stop() noexcept {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        const auto until = clock::now() + std::chrono::minutes(1);
        int st = 0;
        while (::waitpid(pid_, &st, WNOHANG) == 0) {
            if (clock::now() > until) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &st, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
};

std::string user_name() {
    const passwd* pw = ::getpwuid(::geteuid());
    return pw != nullptr ? pw->pw_name : std::to_string(::geteuid());
}

}  // namespace

restore_check_report verify_by_restoring(const restore_check_options& o) {
    restore_check_report report;
    // The scratch dirs of earlier checks whose agent died (their lock went with it): removed first.
    sweep_stale_private_dirs(o.scratch);
    private_dir scratch(o.scratch);
    restore_options r = o.restore;
    r.target.datadir = scratch.path() / "data";
    const auto started = clock::now();
    const clone_outcome restored = restore_datadir(r);
    report.source = restored.marker.source;
    report.datadir_bytes = restored.marker.datadir_bytes;
    report.restore_seconds = std::chrono::duration<double>(clock::now() - started).count();

    const fs::path socket = scratch.path() / "mysqld.sock", error_log = scratch.path() / "mysqld.err";
    const auto checking = clock::now();
    scratch_server server(o.mysqld, scratch_server_args(r.target.datadir, socket, error_log, user_name()));
    mysql_connection c;
    c.socket = socket.string();
    c.user = "root";
    c.read_timeout = std::chrono::hours(1);  // CHECK TABLE of a large table takes its time
    std::optional<mysql_client> client;
    const auto deadline = clock::now() + o.start_timeout;
    while (!client) {
        if (!server.running())
            throw clone_failed_error("the restore check: " + o.mysqld.string() + " exited on the restored backup " +
                                     report.source + "; its error log ends: " + tail_of(error_log));
        if (clock::now() > deadline)
            throw clone_failed_error("the restore check: " + o.mysqld.string() + " did not accept connections on the "
                                     "restored backup within " + std::to_string(o.start_timeout.count()) +
                                     " s; its error log ends: " + tail_of(error_log));
        try {
            if (fs::exists(socket)) client.emplace(c);
        } catch (const mysql_error&) {
            // still starting (crash recovery of a large backup takes a while)
        }
        if (!client) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto tables = tables_of(client->query(base_tables_query()));
    if (!tables) throw clone_failed_error("the restore check: " + tables.message());
    std::vector<std::string> failed;
    for (const auto& t : *tables) {
        if (auto verdict = check_table_verdict(client->query(check_table_statement(t))); !verdict) {
            failed.push_back(t.schema + "." + t.name + " (" + verdict.message() + ")");
            continue;
        }
        const std::string n = first_value(client->query(count_rows_statement(t)), "n");
        report.rows += std::strtoull(n.c_str(), nullptr, 10);
        ++report.tables;
    }
    client.reset();
    server.stop();
    report.check_seconds = std::chrono::duration<double>(clock::now() - checking).count();
    if (!failed.empty())
        throw bad_input_error("the restore check of " + report.source + ": " + std::to_string(failed.size()) + " of " +
                              std::to_string(tables->size()) + " tables failed CHECK TABLE: " + [&] {
                                  std::string all;
                                  for (const auto& f : failed) all += (all.empty() ? "" : ", ") + f;
                                  return all;
                              }());
    return report;
}

}  // namespace mysql_agent::backup_store
