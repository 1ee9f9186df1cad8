// Children in their own process group, started with fork + exec and watched through a pidfd.
//
// Why not Boost.Process v2: in Boost 1.81 it cannot put the child in a new process group, and killing
// the whole group is what guarantees that no helper of the tool (e.g. a compressor it forked) outlives a
// cancelled backup. Why not posix_spawn: it cannot set PR_SET_PDEATHSIG, and without it a tool outlives an
// agent killed with SIGKILL (a `--prepare` kept writing into a staging dir the next run was deleting: the
// fault suite caught it). The child sets its group and its parent-death signal before exec, so there is no
// window in which it runs outside its group or unbound to us. pidfd_open(2) (Linux 5.3) turns "the child exited" into a
// readable file descriptor that Asio can wait on without a SIGCHLD handler (which would race with anyone
// else who reaps children in this process).

#include "mysql_agent/io/process_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

extern char** environ;

namespace mysql_agent {

namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);

/// One stderr line is kept up to this many bytes: a tool that writes megabytes without a newline
/// must not grow our memory.
constexpr std::size_t max_line_bytes = 4096;
/// After the child exits, how long we still wait for its stderr to reach EOF. A grandchild that
/// inherited stderr can keep the pipe open; the exit code must not wait for it.
constexpr auto stderr_grace = std::chrono::milliseconds(500);
/// Poll period when pidfd_open(2) is unavailable (kernel < 5.3 or a seccomp profile that denies it).
constexpr auto reap_poll_period = std::chrono::milliseconds(50);

std::string os_error(int err) { return std::system_category().message(err); }

/// Every pid we started and have not reaped yet, so that reaping orphans (below) never steals their status.
std::mutex tracked_mutex;
std::set<pid_t> tracked_pids;

/// When we run as PID 1 (a container entrypoint, the usual case for a Kubernetes sidecar), processes
/// orphaned by a killed tool are re-parented to us and stay zombies unless we reap them. WNOWAIT lets us
/// look at a zombie without reaping it, so children that are still tracked keep their exit status.
/// See https://man7.org/linux/man-pages/man2/waitid.2.html
void reap_orphans_if_init() {
    if (::getpid() != 1) return;
    for (;;) {
        siginfo_t info{};
        if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
        {
            const std::lock_guard lock(tracked_mutex);
            if (tracked_pids.contains(info.si_pid)) return;  // its owner reaps it
        }
        ::waitpid(info.si_pid, nullptr, WNOHANG);
    }
}

/// Writing to a pipe whose reader died must fail with EPIPE, not kill us with SIGPIPE. The children get
/// SIGPIPE back to its default in the forked child before exec (exec_child below), as tools like xbstream expect.
void ignore_sigpipe_once() {
    static std::once_flag once;
    std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

/// Closes an fd on scope exit unless released.
struct fd_guard {
    int fd = -1;
    fd_guard() = default;
    explicit fd_guard(int f) : fd(f) {}
    fd_guard(const fd_guard&) = delete;
    fd_guard& operator=(const fd_guard&) = delete;
    fd_guard(fd_guard&& o) noexcept : fd(o.release()) {}
    fd_guard& operator=(fd_guard&& o) noexcept {
        if (this != &o) {
            if (fd >= 0) ::close(fd);
            fd = o.release();
        }
        return *this;
    }
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
    int release() { return std::exchange(fd, -1); }
};

struct pipe_pair {
    fd_guard read;
    fd_guard write;
};

pipe_pair make_pipe(const std::string& argv0) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw process_error(argv0, -1, "", "cannot start " + argv0 + ": pipe2 failed: " + os_error(errno));
    pipe_pair p;
    p.read.fd = fds[0];
    p.write.fd = fds[1];
    return p;
}

/// The child's stderr: drained by its own coroutine into a bounded tail of lines.
struct stderr_reader {
    stderr_reader(asio::any_io_executor ex, int fd, std::size_t max, bool echo_, std::string name_)
        : pipe(ex, fd), done_timer(ex), max_lines(max), echo(echo_), name(std::move(name_)) {
        done_timer.expires_at(asio::steady_timer::time_point::max());
    }

    asio::posix::stream_descriptor pipe;
    asio::steady_timer done_timer;  ///< cancelled when stderr reached EOF: wait() waits on it
    bool done = false;

    mutable std::mutex mutex;
    std::deque<std::string> lines;
    std::string partial;
    std::size_t max_lines;
    bool echo;
    std::string name;

    void add_line(std::string line) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (echo) spdlog::info("{}: {}", name, line);
        const std::lock_guard lock(mutex);
        if (max_lines == 0) return;
        lines.push_back(std::move(line));
        while (lines.size() > max_lines) lines.pop_front();
    }

    void consume(const char* data, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            if (data[i] == '\n') {
                add_line(std::exchange(partial, {}));
            } else if (partial.size() < max_line_bytes) {
                partial.push_back(data[i]);
            }
        }
    }

    std::string tail() const {
        const std::lock_guard lock(mutex);
        std::string out;
        for (const auto& l : lines) {
            if (!out.empty()) out += '\n';
            out += l;
        }
        return out;
    }
};

asio::awaitable<void> drain_stderr(std::shared_ptr<stderr_reader> r) {
    char buf[4096];
    for (;;) {
        auto [ec, n] = co_await r->pipe.async_read_some(asio::buffer(buf), nothrow_awaitable);
        if (n > 0) r->consume(buf, n);
        if (ec) break;  // EOF, or closed because the child_process was destroyed
    }
    if (!r->partial.empty()) r->add_line(std::exchange(r->partial, {}));
    r->done = true;
    r->done_timer.cancel();
}

class posix_child final : public child_process {
public:
    posix_child(asio::any_io_executor ex, pid_t pid, std::string argv0, std::shared_ptr<stderr_reader> err,
                int stdin_fd, int stdout_fd)
        : ex_(ex), pid_(pid), argv0_(std::move(argv0)), err_(std::move(err)) {
        if (stdin_fd >= 0) stdin_.emplace(ex, stdin_fd);
        if (stdout_fd >= 0) stdout_.emplace(ex, stdout_fd);
        // Through syscall(2): glibc 2.36's <sys/pidfd.h> lacks extern "C", so its wrapper does not link from C++.
        const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
        if (pidfd >= 0) pidfd_.emplace(ex, pidfd);
    }

    ~posix_child() override {
        if (!reaped_) {
            ::killpg(pid_, SIGKILL);
            int st = 0;
            // SIGKILL cannot be caught, so this returns as soon as the kernel tore the child down.
            while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
            }
            mark_reaped(st);
        }
        boost::system::error_code ignored;
        err_->pipe.close(ignored);  // ends drain_stderr
    }

    asio::posix::stream_descriptor* stdin_pipe() override { return stdin_ ? &*stdin_ : nullptr; }
    asio::posix::stream_descriptor* stdout_pipe() override { return stdout_ ? &*stdout_ : nullptr; }

    void close_stdin() override {
        if (!stdin_) return;
        boost::system::error_code ignored;
        stdin_->close(ignored);
    }

    asio::awaitable<int> wait() override {
        while (!reaped_) {
            if (pidfd_) {
                auto [ec] = co_await pidfd_->async_wait(asio::posix::descriptor_base::wait_read, nothrow_awaitable);
                if (ec) throw boost::system::system_error(ec, "waiting for " + argv0_ + " to exit");
            } else {
                asio::steady_timer poll(ex_, reap_poll_period);
                auto [ec] = co_await poll.async_wait(nothrow_awaitable);
                if (ec) throw boost::system::system_error(ec, "waiting for " + argv0_ + " to exit");
            }
            try_reap();
        }
        if (!err_->done) {
            asio::steady_timer grace(ex_, stderr_grace);
            co_await (err_->done_timer.async_wait(nothrow_awaitable) || grace.async_wait(nothrow_awaitable));
        }
        co_return exit_code_;
    }

    void signal_group(int sig) override {
        // Once the leader is reaped its pgid may be reused; mark_reaped already killed any stragglers.
        if (!reaped_) ::killpg(pid_, sig);
    }

    std::string stderr_tail() const override { return err_->tail(); }
    int pid() const override { return pid_; }

private:
    void try_reap() {
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            mark_reaped(st);
        } else if (r < 0 && errno == ECHILD) {
            // Someone else reaped it (a foreign SIGCHLD handler): the status is lost.
            mark_reaped(-1);
        }
    }

    void mark_reaped(int st) {
        // Anything the tool left running in its group is an orphan from now on: kill it while the group
        // id still names only our processes (the kernel keeps a pgid alive while a member exists).
        ::killpg(pid_, SIGKILL);
        reaped_ = true;
        exit_code_ = (st >= 0 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
        {
            const std::lock_guard lock(tracked_mutex);
            tracked_pids.erase(pid_);
        }
        if (pidfd_) {
            boost::system::error_code ignored;
            pidfd_->close(ignored);
        }
        reap_orphans_if_init();
    }

    asio::any_io_executor ex_;
    pid_t pid_;
    std::string argv0_;
    std::shared_ptr<stderr_reader> err_;
    std::optional<asio::posix::stream_descriptor> stdin_;
    std::optional<asio::posix::stream_descriptor> stdout_;
    std::optional<asio::posix::stream_descriptor> pidfd_;
    bool reaped_ = false;
    int exit_code_ = -1;
};

/// `program` if it holds a '/', else the first executable `program` on PATH (resolved before fork: the
/// child may only make async-signal-safe calls). nullopt if none.
std::optional<std::string> resolve_program(const std::string& program) {
    if (program.find('/') != std::string::npos) return program;
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const std::size_t end = std::min(dirs.find(':', start), dirs.size());
        std::string dir = dirs.substr(start, end - start);
        const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return std::nullopt;
}

/// In the forked child: only async-signal-safe calls until exec. Reports errno through `report` on failure.
[[noreturn]] void exec_child(pid_t parent, int stdin_fd, int stdout_fd, int stderr_fd, const char* working_dir,
                             const char* program, char* const* argv, int report) {
    auto die = [report](int err) {
        ssize_t ignored = ::write(report, &err, sizeof err);
        (void)ignored;
        ::_exit(127);
    };
    // A new process group (pgid = own pid) so killpg reaches the tool and everything it forks.
    if (::setpgid(0, 0) != 0) die(errno);
    // Killed when the agent dies, even by SIGKILL; checked against a parent that died before prctl.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die(errno);
    if (::getppid() != parent) ::_exit(127);
    // dup2 onto 0/1/2 clears FD_CLOEXEC there; every other fd of ours is O_CLOEXEC and stays behind.
    if (::dup2(stdin_fd, STDIN_FILENO) < 0 || ::dup2(stdout_fd, STDOUT_FILENO) < 0 ||
        ::dup2(stderr_fd, STDERR_FILENO) < 0)
        die(errno);
    if (working_dir && ::chdir(working_dir) != 0) die(errno);
    // Default dispositions and an empty mask, so our ignored SIGPIPE and blocked signals do not leak in.
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) ::signal(sig, SIG_DFL);
    sigset_t empty;
    sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    ::execv(program, argv);
    die(errno);
}

}  // namespace

std::unique_ptr<child_process> child_process::start(asio::any_io_executor ex, const process_options& opts) {
    ignore_sigpipe_once();
    const std::string argv0 = opts.program.string();
    auto fail = [&](const std::string& what, int err) {
        return process_error(argv0, -1, "", "cannot start " + argv0 + ": " + what + ": " + os_error(err));
    };

    std::optional<pipe_pair> in;
    std::optional<pipe_pair> out;
    fd_guard devnull;
    if (opts.pipe_stdin) {
        in = make_pipe(argv0);
    } else {
        devnull.fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull.fd < 0) throw fail("open /dev/null", errno);
    }
    if (opts.pipe_stdout) out = make_pipe(argv0);
    pipe_pair err = make_pipe(argv0);

    const auto program = resolve_program(argv0);
    if (!program) throw fail("not found on PATH", ENOENT);

    std::vector<std::string> args;
    args.reserve(opts.args.size() + 1);
    args.push_back(argv0);
    args.insert(args.end(), opts.args.begin(), opts.args.end());
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string working_dir = opts.working_dir ? opts.working_dir->string() : std::string();
    // The child writes its errno here if it cannot exec; exec closes it (O_CLOEXEC): EOF means it ran.
    pipe_pair report = make_pipe(argv0);

    const pid_t parent = ::getpid();
    // Tracked before it exists, under the lock, so reap_orphans_if_init never mistakes it for an orphan.
    std::unique_lock lock(tracked_mutex);
    const pid_t pid = ::fork();
    if (pid < 0) throw fail("fork", errno);
    if (pid == 0)
        exec_child(parent, in ? in->read.fd : devnull.fd, out ? out->write.fd : STDERR_FILENO, err.write.fd,
                   opts.working_dir ? working_dir.c_str() : nullptr, program->c_str(), argv.data(), report.write.fd);
    ::close(report.write.release());
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(report.read.fd, &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof child_errno)) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        throw fail(opts.working_dir ? "exec (working dir " + working_dir + ")" : std::string("exec"), child_errno);
    }
    tracked_pids.insert(pid);
    lock.unlock();

    auto reader = std::make_shared<stderr_reader>(ex, err.read.release(), opts.stderr_tail_lines, opts.echo_stderr,
                                                  opts.program.filename().string());
    asio::co_spawn(ex, drain_stderr(reader), asio::detached);
    return std::make_unique<posix_child>(ex, pid, argv0, std::move(reader), in ? in->write.release() : -1,
                                         out ? out->read.release() : -1);
}

}  // namespace mysql_agent
