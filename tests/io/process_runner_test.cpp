// child_process: exit codes, the stderr tail, pipes, and that cancelling kills the whole process group.
// Note: results are taken out of co_await before CHECK: GCC 12 miscompiles co_await inside Catch's macros.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "mysql_agent/io/process_runner.hpp"

namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using mysql_agent::child_process;
using mysql_agent::process_options;

/// Runs one coroutine to completion on a fresh io_context, rethrowing what it throws.
template <class F>
void run_coro(F&& f) {
    asio::io_context ctx;
    std::exception_ptr failure;
    asio::co_spawn(ctx, std::forward<F>(f)(ctx.get_executor()), [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) std::rethrow_exception(failure);
}

process_options sh(const std::string& script) {
    process_options o;
    o.program = "/bin/sh";
    o.args = {"-c", script};
    return o;
}

/// Reads one line from the child's stdout.
asio::awaitable<std::string> read_line(asio::posix::stream_descriptor& d, asio::streambuf& buf) {
    co_await asio::async_read_until(d, buf, '\n', asio::use_awaitable);
    std::istream is(&buf);
    std::string line;
    std::getline(is, line);
    co_return line;
}

/// True when `pid` no longer runs: gone, or a zombie waiting for a parent that is not us (an orphan
/// re-parented to init, which this sandbox may reap late).
bool not_running(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string line;
    std::getline(stat, line);
    const auto close_paren = line.rfind(')');
    return close_paren != std::string::npos && line.size() > close_paren + 2 && line[close_paren + 2] == 'Z';
}

bool eventually(const std::function<bool()>& pred) {
    for (int i = 0; i < 200; ++i) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
}

}  // namespace

TEST_CASE("child_process reports the exit code of the tool", "[io][process]") {
    for (const auto& [script, expected] : std::vector<std::pair<std::string, int>>{
             {"exit 0", 0}, {"exit 7", 7}, {"kill -KILL $$", -1}}) {
        INFO(script);
        run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
            auto child = child_process::start(ex, sh(script));
            const int rc = co_await child->wait();
            CHECK(rc == expected);
        });
    }
}

TEST_CASE("child_process keeps the last stderr lines, bounded", "[io][process]") {
    run_coro([](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto opts = sh("i=1; while [ $i -le 30 ]; do echo \"line $i\" >&2; i=$((i+1)); done; "
                       "printf 'no newline' >&2; exit 3");
        opts.stderr_tail_lines = 3;
        auto child = child_process::start(ex, opts);
        const int exit_code = co_await child->wait();
        CHECK(exit_code == 3);
        CHECK(child->stderr_tail() == "line 29\nline 30\nno newline");
    });
}

TEST_CASE("child_process pipes stdin and stdout", "[io][process]") {
    run_coro([](asio::any_io_executor ex) -> asio::awaitable<void> {
        process_options opts;
        opts.program = "cat";  // found on PATH
        opts.pipe_stdin = true;
        opts.pipe_stdout = true;
        auto child = child_process::start(ex, opts);
        REQUIRE(child->stdin_pipe() != nullptr);
        REQUIRE(child->stdout_pipe() != nullptr);
        const std::string payload(300000, 'x');  // more than a pipe buffer: reads and writes must interleave
        std::string got;
        auto writer = [&]() -> asio::awaitable<void> {
            co_await asio::async_write(*child->stdin_pipe(), asio::buffer(payload), asio::use_awaitable);
            child->close_stdin();
        };
        auto reader = [&]() -> asio::awaitable<void> {
            auto [ec, n] = co_await asio::async_read(*child->stdout_pipe(), asio::dynamic_buffer(got),
                                                     asio::as_tuple(asio::use_awaitable));
            CHECK(ec == asio::error::eof);
        };
        co_await (writer() && reader());
        CHECK(got == payload);
        const int exit_code = co_await child->wait();
        CHECK(exit_code == 0);
    });
}

TEST_CASE("child_process without pipes gives the child /dev/null as stdin", "[io][process]") {
    run_coro([](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto child = child_process::start(ex, sh("cat; exit 4"));  // would hang on an inherited terminal
        CHECK(child->stdin_pipe() == nullptr);
        CHECK(child->stdout_pipe() == nullptr);
        const int exit_code = co_await child->wait();
        CHECK(exit_code == 4);
    });
}

TEST_CASE("child_process runs in the working directory", "[io][process]") {
    run_coro([](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto opts = sh("pwd");
        opts.working_dir = "/usr";
        opts.pipe_stdout = true;
        auto child = child_process::start(ex, opts);
        asio::streambuf buf;
        const std::string line = co_await read_line(*child->stdout_pipe(), buf);
        CHECK(line == "/usr");
        const int rc = co_await child->wait();
        CHECK(rc == 0);
    });
}

TEST_CASE("child_process that cannot start throws process_error naming the program", "[io][process]") {
    asio::io_context ctx;
    process_options opts;
    opts.program = "/nonexistent/xtrabackup";
    try {
        child_process::start(ctx.get_executor(), opts);
        FAIL("start did not throw");
    } catch (const mysql_agent::process_error& e) {
        CHECK(e.argv0 == "/nonexistent/xtrabackup");
        CHECK(e.tool_exit_code == -1);
        CHECK(e.exit_code == mysql_agent::exit_code::config);
        CHECK(std::string(e.what()).find("/nonexistent/xtrabackup") != std::string::npos);
        CHECK(std::string(e.what()).find("No such file") != std::string::npos);
    }
}

TEST_CASE("child_process signal_group reaches grandchildren", "[io][process]") {
    int grandchild = 0;
    int leader = 0;
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        // The shell forks a sleep and prints its pid; a tool that forks helpers looks the same.
        auto opts = sh("sleep 1000 & echo $!; wait");
        opts.pipe_stdout = true;
        auto child = child_process::start(ex, opts);
        leader = child->pid();
        asio::streambuf buf;
        grandchild = std::stoi(co_await read_line(*child->stdout_pipe(), buf));
        CHECK(::getpgid(grandchild) == leader);
        child->signal_group(SIGTERM);
        const int exit_code = co_await child->wait();
        CHECK(exit_code == -1);
    });
    CHECK(eventually([&] { return not_running(grandchild); }));
    CHECK_FALSE(std::filesystem::exists("/proc/" + std::to_string(leader)));  // reaped: no zombie
}

TEST_CASE("destroying a running child_process kills its group and reaps it", "[io][process]") {
    int grandchild = 0;
    int leader = 0;
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto opts = sh("trap '' TERM; sleep 1000 & echo $!; wait");  // ignores SIGTERM: only SIGKILL works
        opts.pipe_stdout = true;
        auto child = child_process::start(ex, opts);
        leader = child->pid();
        asio::streambuf buf;
        grandchild = std::stoi(co_await read_line(*child->stdout_pipe(), buf));
        child.reset();
        CHECK_FALSE(std::filesystem::exists("/proc/" + std::to_string(leader)));
    });
    CHECK(eventually([&] { return not_running(grandchild); }));
}

TEST_CASE("child_process wait can lose a race against a timer", "[io][process]") {
    int leader = 0;
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto child = child_process::start(ex, sh("exec sleep 1000"));
        leader = child->pid();
        asio::steady_timer timer(ex, std::chrono::milliseconds(50));
        auto r = co_await (child->wait() || timer.async_wait(asio::use_awaitable));
        CHECK(r.index() == 1);
        child->signal_group(SIGKILL);
        const int exit_code = co_await child->wait();
        CHECK(exit_code == -1);  // and it can be awaited again afterwards
    });
    CHECK_FALSE(std::filesystem::exists("/proc/" + std::to_string(leader)));
}
