#pragma once
// Test helper: real MariaDB servers on loopback, each in its own scratch directory with its own port (found by
// binding port 0) and socket. Never the system service. Destroying a server kills mariadbd and removes the
// directory, also when a test fails; children also die with the test process (PR_SET_PDEATHSIG).
//
// A fresh datadir is initialised once per test process (mariadb-install-db) and copied for every further server.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "mysql_agent/io/mysql_client.hpp"
#include "port_claim.hpp"
#include "temp_dir.hpp"

namespace test_support {

namespace fs = std::filesystem;
using namespace std::chrono_literals;


/// A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it back, close).
inline std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("binding port 0 failed");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

/// The last `max_bytes` of a file, for failure messages.
inline std::string file_tail(const fs::path& path, std::size_t max_bytes = 3000) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string all = ss.str();
    return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

/// The first and last `each` bytes of a file: a tool's real error often comes before a long help text.
inline std::string file_head_and_tail(const fs::path& path, std::size_t each = 2000) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string all = ss.str();
    if (all.size() <= 2 * each) return all;
    return all.substr(0, each) + "\n[...]\n" + all.substr(all.size() - each);
}

/// `name` found on PATH, or in /usr/sbin and /usr/bin (mariadbd lives in sbin, often not on a user's PATH).
inline std::string find_program(const std::string& name) {
    std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
    dirs += ":/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin";
    std::stringstream ss(dirs);
    for (std::string d; std::getline(ss, d, ':');) {
        if (d.empty()) continue;
        const fs::path candidate = fs::path(d) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return name;
}

/// Starts argv[0] (see find_program) with stdout and stderr appended to `log`. The child is killed when the
/// calling *thread* ends (PR_SET_PDEATHSIG is per thread): spawn from a thread that outlives the child.
inline pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
    const std::string program = find_program(argv.at(0));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string log_path = log.string();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // Only async-signal-safe calls between fork and exec.
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::close(fd);
        }
        const int null = ::open("/dev/null", O_RDONLY);
        if (null >= 0) ::dup2(null, 0);
        ::execv(program.c_str(), args.data());
        ::_exit(127);
    }
    return pid;
}

/// Waits up to `timeout` for `pid`; kills it when it takes longer. Returns the exit code, -1 after a signal.
inline int wait_for_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0) return -1;
        if (std::chrono::steady_clock::now() >= until) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(20ms);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// Runs a tool to completion (output appended to `log`); throws with the log's tail when it fails.
inline void run_tool(const std::vector<std::string>& argv, const fs::path& log,
                     std::chrono::milliseconds timeout = 120s) {
    const int code = wait_for_exit(spawn(argv, log), timeout);
    if (code != 0)
        throw std::runtime_error(argv[0] + " exited with " + std::to_string(code) + " (-1: killed or timed out):\n" +
                                 file_head_and_tail(log));
}

/// One mariadbd with its own directory, datadir, port and socket.
class mariadb_server {
public:
    struct options {
        unsigned server_id = 1;
        bool log_bin = true;
        std::vector<std::string> extra_args;  ///< e.g. "--skip-slave-start"
    };

    /// A fresh server (an empty, initialised datadir), started and answering.
    static std::unique_ptr<mariadb_server> start_fresh(const options& o) { return create_fresh(o, true); }

    /// A fresh server whose datadir is ready but which is not started yet (call start()).
    static std::unique_ptr<mariadb_server> create_fresh(const options& o, bool start_now = false) {
        auto s = std::unique_ptr<mariadb_server>(new mariadb_server(o));
        fs::copy(template_datadir(), s->datadir_, fs::copy_options::recursive);
        if (start_now) s->start();
        return s;
    }

    /// A server on an existing datadir (e.g. a prepared backup), which is moved into the server's directory.
    static std::unique_ptr<mariadb_server> start_on(const fs::path& datadir, const options& o) {
        auto s = std::unique_ptr<mariadb_server>(new mariadb_server(o));
        fs::rename(datadir, s->datadir_);
        s->start();
        return s;
    }

    ~mariadb_server() {
        stop();
        std::error_code ec;
        fs::remove_all(dir_.path(), ec);
    }
    mariadb_server(const mariadb_server&) = delete;
    mariadb_server& operator=(const mariadb_server&) = delete;

    /// Starts mariadbd and waits until it accepts connections (throws with the error log otherwise). Call it from
    /// a thread that outlives the server (see spawn()).
    void start(std::vector<std::string> more_args = {}) {
        if (pid_ > 0) return;
        fs::create_directories(tmpdir_);
        std::vector<std::string> argv = {"mariadbd",
                                         "--no-defaults",
                                         "--datadir=" + datadir_.string(),
                                         "--socket=" + socket_.string(),
                                         "--port=" + std::to_string(port_),
                                         "--bind-address=127.0.0.1",
                                         "--server-id=" + std::to_string(options_.server_id),
                                         "--user=root",
                                         "--pid-file=" + (dir_.path() / "mariadbd.pid").string(),
                                         "--tmpdir=" + tmpdir_.string(),
                                         "--innodb-buffer-pool-size=32M",
                                         "--skip-name-resolve"};
        if (options_.log_bin) argv.push_back("--log-bin=" + (datadir_ / "mariadb-bin").string());
        argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
        argv.insert(argv.end(), more_args.begin(), more_args.end());
        pid_ = spawn(argv, log_);
        const auto until = std::chrono::steady_clock::now() + 60s;
        for (;;) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("mariadbd exited while starting:\n" + file_tail(log_));
            }
            try {
                mysql_agent::mysql_client probe(root_socket());
                return;
            } catch (const mysql_agent::mysql_error& e) {
                if (std::chrono::steady_clock::now() >= until)
                    throw std::runtime_error(std::string("mariadbd did not answer within 60 s: ") + e.what() + "\n" +
                                             file_tail(log_));
            }
            std::this_thread::sleep_for(50ms);
        }
    }

    /// Stops mariadbd (SIGTERM, then SIGKILL after 30 s). Safe to call when not running.
    void stop() noexcept {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        wait_for_exit(pid_, 30s);
        pid_ = -1;
    }

    /// Kills mariadbd (SIGKILL: a crash, its open binlog left without a Stop event). Safe when not running.
    void crash() noexcept {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        wait_for_exit(pid_, 30s);
        pid_ = -1;
    }

    /// root@localhost over the unix socket (no password: mariadb-install-db --auth-root-authentication-method=normal).
    mysql_agent::mysql_connection root_socket() const {
        mysql_agent::mysql_connection o;
        o.socket = socket_.string();
        o.user = "root";
        o.connect_timeout = 5s;
        return o;
    }

    /// root@127.0.0.1 over TCP.
    mysql_agent::mysql_connection root_tcp() const {
        mysql_agent::mysql_connection o;
        o.host = "127.0.0.1";
        o.port = port_;
        o.user = "root";
        o.connect_timeout = 5s;
        return o;
    }

    /// A client as root over the socket.
    mysql_agent::mysql_client root() const { return mysql_agent::mysql_client(root_socket()); }

    std::uint16_t port() const noexcept { return port_; }
    const fs::path& socket() const noexcept { return socket_; }
    const fs::path& datadir() const noexcept { return datadir_; }
    const fs::path& dir() const noexcept { return dir_.path(); }
    bool running() const noexcept { return pid_ > 0; }
    std::string log_tail() const { return file_tail(log_); }

private:
    explicit mariadb_server(const options& o)
        : options_(o), dir_("mysql-agent-mariadb"), datadir_(dir_.path() / "data"), socket_(dir_.path() / "sock"),
          log_(dir_.path() / "mariadbd.log"), tmpdir_(dir_.path() / "tmp"), ports_(1), port_(ports_.first()) {}

    // One initialised datadir per test process, copied for every server: mariadb-install-db takes seconds.
    static const fs::path& template_datadir() {
        static std::once_flag once;
        static std::unique_ptr<temp_dir> dir;
        static fs::path data;
        std::call_once(once, [] {
            dir = std::make_unique<temp_dir>("mysql-agent-template");
            data = dir->path() / "data";
            // A private tmpdir: the bootstrap's temporary tables in the shared /tmp were seen removed under it
            // ("Could not remove temporary table ... error: 2"), failing the install.
            fs::create_directory(dir->path() / "tmp");
            const std::vector<std::string> install = {"mariadb-install-db", "--no-defaults", "--datadir=" + data.string(),
                                                      "--user=root", "--auth-root-authentication-method=normal",
                                                      "--skip-test-db", "--tmpdir=" + (dir->path() / "tmp").string()};
            try {
                run_tool(install, dir->path() / "install.log");
            } catch (const std::exception& e) {
                // Test infrastructure, not the code under test: one more try on a busy machine, said out loud.
                std::fprintf(stderr, "mariadb-install-db failed, trying once more: %s\n", e.what());
                fs::remove_all(data);
                run_tool(install, dir->path() / "install-retry.log");
            }
        });
        return data;
    }

    options options_;
    temp_dir dir_;
    fs::path datadir_;
    fs::path socket_;
    fs::path log_;
    fs::path tmpdir_;
    port_claim ports_;  // a server stopped and started again keeps its port (port_claim.hpp)
    std::uint16_t port_;
    pid_t pid_ = -1;
};

}  // namespace test_support
