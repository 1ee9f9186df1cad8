// The sidecar's backup server on loopback: the real binary (AGENT_BINARY) with fake backup tools from
// tests/io/fakes, and the backup_server class in-process for the HTTP edge cases.
// Results are taken out of co_await before CHECK: GCC 12 miscompiles co_await inside Catch's macros, and
// rejects initializer lists inside a co_await expression, so argument vectors are built first.

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/core/backup_tool_args.hpp"
#include "mysql_agent/io/backup_server.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/file_tree.hpp"
#include "mysql_agent/io/process_runner.hpp"
#include "mysql_agent/io/secret_file.hpp"
#include "mysql_agent/core/stream_digest.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;
using namespace mysql_agent;

constexpr auto nothrow_awaitable = asio::as_tuple(asio::use_awaitable);
const fs::path fakes_dir = FAKES_DIR;
const fs::path fixture_stream = fs::path(FIXTURES_DIR) / "xbstream" / "mb1011_small_ok.xbs";
const std::string password = "hunter2-pw-Zq9";
const std::string token = "tok-5bd0c1e2";

using response = http::response<http::string_body>;

/// A scratch directory removed at the end of the test.
struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "backup-server-test-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const fs::path& p, const std::string& content) {
    std::ofstream out(p, std::ios::binary);
    out << content;
}

std::string digest_of(const std::string& bytes) {
    stream_digest d;
    d.update(bytes.data(), bytes.size());
    return d.hex();
}

/// Runs one coroutine to completion on a fresh io_context, rethrowing what it throws.
template <class F>
void run_coro(F&& f) {
    asio::io_context ctx;
    std::exception_ptr failure;
    asio::co_spawn(ctx, std::forward<F>(f)(ctx.get_executor()), [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(nothrow_awaitable);
}

bool pid_gone(int pid) { return !fs::exists("/proc/" + std::to_string(pid)); }

/// Gone, or a zombie whose parent is not the sidecar (an orphan waiting for init, which we do not control).
bool not_running(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string line;
    std::getline(stat, line);
    const auto close_paren = line.rfind(')');
    return close_paren != std::string::npos && line.size() > close_paren + 2 && line[close_paren + 2] == 'Z';
}

asio::awaitable<bool> eventually(std::function<bool()> pred, std::chrono::milliseconds limit = 5000ms) {
    for (auto waited = 0ms; waited < limit; waited += 20ms) {
        if (pred()) co_return true;
        co_await sleep_for(20ms);
    }
    co_return pred();
}

/// The trailer fields of a response, as backup_protocol decodes them.
result<protocol::backup_trailer> trailer_of(const response& res) {
    std::vector<protocol::field> fields;
    for (const auto& f : res) fields.push_back({std::string(f.name_string()), std::string(f.value())});
    return protocol::decode_trailer(fields);
}

http::request<http::empty_body> make_request(http::verb verb, const std::string& target,
                                             const std::optional<std::string>& bearer) {
    http::request<http::empty_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (bearer) req.set(http::field::authorization, "Bearer " + *bearer);
    return req;
}

asio::awaitable<tcp::socket> connect(std::uint16_t port) {
    tcp::socket s(co_await asio::this_coro::executor);
    co_await s.async_connect({asio::ip::address_v4::loopback(), port}, asio::use_awaitable);
    co_return s;
}

/// GET (or `verb`) `target` and read the whole response; Beast puts the trailer fields among the headers once
/// the last chunk is parsed (basic_parser::parse_chunk_header hands them to on_field_impl).
asio::awaitable<response> fetch(std::uint16_t port, std::string target, std::optional<std::string> bearer,
                                http::verb verb = http::verb::get) {
    tcp::socket s = co_await connect(port);
    auto req = make_request(verb, target, bearer);
    co_await http::async_write(s, req, asio::use_awaitable);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    co_await http::async_read(s, buf, parser, asio::use_awaitable);
    co_return parser.release();
}

/// A request whose response header has arrived; the body is read later (or never).
struct open_stream {
    tcp::socket socket;
    beast::flat_buffer buffer;
    std::unique_ptr<http::response_parser<http::string_body>> parser;
};

asio::awaitable<open_stream> start_stream(std::uint16_t port, std::optional<std::string> bearer) {
    tcp::socket socket = co_await connect(port);
    open_stream o{std::move(socket), {}, std::make_unique<http::response_parser<http::string_body>>()};
    o.parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    auto req = make_request(http::verb::get, "/backup", bearer);
    co_await http::async_write(o.socket, req, asio::use_awaitable);
    co_await http::async_read_header(o.socket, o.buffer, *o.parser, asio::use_awaitable);
    co_return o;
}

/// The real binary, started as `env VARS... mysql-agent sidecar --listen 127.0.0.1:0 ARGS...`.
/// If a test fails half-way, the destructor still stops it with SIGTERM, so that it kills its tools (they run
/// in their own process groups, which the child_process destructor's SIGKILL of the sidecar's group misses).
struct sidecar {
    std::unique_ptr<child_process> process;
    std::uint16_t port = 0;
    std::string logs() const { return process->stderr_tail(); }

    sidecar() = default;
    sidecar(sidecar&&) = default;
    sidecar& operator=(sidecar&&) = default;
    ~sidecar() {
        if (!process || exited()) return;
        ::kill(process->pid(), SIGTERM);
        for (int i = 0; i < 300 && !exited(); ++i) std::this_thread::sleep_for(10ms);
    }

private:
    /// Exited but not reaped yet (a zombie), or already gone.
    bool exited() const {
        std::ifstream stat("/proc/" + std::to_string(process->pid()) + "/stat");
        std::string line;
        if (!std::getline(stat, line)) return true;
        const auto close_paren = line.rfind(')');
        return close_paren != std::string::npos && line.size() > close_paren + 2 && line[close_paren + 2] == 'Z';
    }
};

process_options sidecar_command(const std::vector<std::string>& env, const std::vector<std::string>& args) {
    process_options o;
    o.program = "/usr/bin/env";
    o.args = env;
    o.args.push_back(AGENT_BINARY);
    o.args.push_back("sidecar");
    o.args.push_back("--listen");
    o.args.push_back("127.0.0.1:0");
    o.args.insert(o.args.end(), args.begin(), args.end());
    o.stderr_tail_lines = 1000;
    return o;
}

/// Starts the sidecar and waits for its "listening on 127.0.0.1:<port>" line.
asio::awaitable<sidecar> start_sidecar(std::vector<std::string> env, std::vector<std::string> args) {
    const auto ex = co_await asio::this_coro::executor;
    sidecar s;
    s.process = child_process::start(ex, sidecar_command(env, args));
    const std::string marker = "listening on 127.0.0.1:";
    for (int i = 0; i < 500 && s.port == 0; ++i) {
        const std::string logs = s.logs();
        if (const auto at = logs.find(marker); at != std::string::npos)
            s.port = static_cast<std::uint16_t>(std::stoi(logs.substr(at + marker.size())));
        else
            co_await sleep_for(20ms);
    }
    if (s.port == 0) throw std::runtime_error("the sidecar did not start listening; its log:\n" + s.logs());
    co_return s;
}

/// Stops the sidecar with SIGTERM and returns its exit code.
asio::awaitable<int> stop_sidecar(sidecar& s) {
    ::kill(s.process->pid(), SIGTERM);
    co_return co_await s.process->wait();
}

/// A test's files: token and password files, a small datadir, and where the fakes record.
struct setup {
    temp_dir dir;
    fs::path token_file = dir.path / "token";
    fs::path password_file = dir.path / "password";
    fs::path datadir = dir.path / "datadir";
    fs::path record = dir.path / "record";
    setup() {
        write_file(token_file, token + "\n");
        write_file(password_file, password + "\n");
        fs::create_directories(datadir / "db1");
        write_file(datadir / "ibdata1", std::string(1000, 'i'));
        write_file(datadir / "db1" / "t.ibd", std::string(2345, 't'));
    }
    std::vector<std::string> env() const {
        return {"FAKE_RECORD=" + record.string(), "FAKE_STREAM_FILE=" + fixture_stream.string()};
    }
    std::vector<std::string> args(const std::string& fake, const std::string& hostname = "mysql-0") const {
        return {"--xtrabackup",    (fakes_dir / fake).string(), "--xbstream", "/usr/bin/mbstream",
                "--hostname",      hostname,                    "--datadir",  datadir.string(),
                "--auth-token-file", token_file.string(),       "--password-file", password_file.string(),
                "--user",          "backup"};
    }
};

std::vector<std::string> lines_with_prefix(const std::string& text, const std::string& prefix) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
    return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("sidecar streams the tool's output and ends it with an ok trailer", "[io][sidecar]") {
    setup t;
    run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
        auto env = t.env();
        auto args = t.args("fake-backup-ok");
        sidecar s = co_await start_sidecar(env, args);
        const response res = co_await fetch(s.port, "/backup", token);
        const int exit_code = co_await stop_sidecar(s);
        const std::string logs = s.logs();  // complete once it exited (the trailer may arrive before the log line)

        const std::string expected = read_file(fixture_stream);
        REQUIRE(expected.size() > 100);
        CHECK(res.result() == http::status::ok);
        CHECK(res[http::field::trailer] == protocol::trailer_announcement);
        CHECK(res[protocol::header_estimated_size] == "3345");  // 1000 + 2345 bytes under --datadir
        CHECK(res.body() == expected);
        const auto trailer = trailer_of(res);
        REQUIRE(trailer.has_value());
        CHECK(trailer->ok);
        CHECK(trailer->bytes == expected.size());
        CHECK(trailer->digest == digest_of(expected));
        CHECK(trailer->exit_code == 0);
        CHECK(trailer->error_line.empty());
        CHECK(logs.find("finished: ok, " + std::to_string(expected.size()) + " bytes") != std::string::npos);
        CHECK(exit_code == 0);
    });
}

TEST_CASE("sidecar streams a large output intact", "[io][sidecar]") {
    setup t;
    run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
        constexpr std::size_t size = 48 * 1024 * 1024 + 12345;  // many chunks, and a short last one
        auto env = t.env();
        env.push_back("FAKE_STREAM_BYTES=" + std::to_string(size));
        auto args = t.args("fake-backup-ok");
        sidecar s = co_await start_sidecar(env, args);
        const response res = co_await fetch(s.port, "/backup", token);
        co_await stop_sidecar(s);
        CHECK(res.body().size() == size);
        const auto trailer = trailer_of(res);
        REQUIRE(trailer.has_value());
        CHECK(trailer->ok);
        CHECK(trailer->bytes == size);
        CHECK(trailer->digest == digest_of(res.body()));
    });
}

TEST_CASE("a failing tool gives a failed trailer with its exit code and a scrubbed error line", "[io][sidecar]") {
    setup t;
    run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
        auto env = t.env();
        auto args = t.args("fake-backup-fail");
        sidecar s = co_await start_sidecar(env, args);
        const response res = co_await fetch(s.port, "/backup", token);
        co_await stop_sidecar(s);
        const std::string logs = s.logs();

        CHECK(res.result() == http::status::ok);
        CHECK(res.body() == "partial xbstream bytes");
        const auto trailer = trailer_of(res);
        REQUIRE(trailer.has_value());
        CHECK_FALSE(trailer->ok);
        CHECK(trailer->exit_code == 2);
        CHECK(trailer->bytes == res.body().size());
        CHECK(trailer->digest == digest_of(res.body()));
        CHECK(trailer->error_line.find("FATAL ERROR: cannot connect") != std::string::npos);
        CHECK(trailer->error_line.find("<redacted>") != std::string::npos);
        CHECK(trailer->error_line.find(password) == std::string::npos);
        CHECK(logs.find("exit code 2") != std::string::npos);
        CHECK(logs.find(password) == std::string::npos);
        CHECK(logs.find(token) == std::string::npos);
    });
}

TEST_CASE("a request without the right bearer token gets 401 and starts no backup", "[io][sidecar]") {
    setup t;
    run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
        auto env = t.env();
        auto args = t.args("fake-backup-record");
        sidecar s = co_await start_sidecar(env, args);
        const std::vector<std::optional<std::string>> refused = {std::nullopt, std::string("not-the-token-Xq7"),
                                                                 token.substr(0, token.size() - 1), token + "x"};
        for (const auto& bearer : refused) {
            const response res = co_await fetch(s.port, "/backup", bearer);
            INFO("token: " << bearer.value_or("(none)"));
            CHECK(res.result() == http::status::unauthorized);
            CHECK(std::string(res[http::field::www_authenticate]).rfind("Bearer", 0) == 0);
        }
        co_await sleep_for(200ms);
        CHECK_FALSE(fs::exists(t.record));  // the fake never ran
        const std::string logs = s.logs();
        CHECK(logs.find("401 for 127.0.0.1") != std::string::npos);
        CHECK(logs.find("not-the-token-Xq7") == std::string::npos);  // no presented token in the log

        const response ok = co_await fetch(s.port, "/backup", token);  // and the fake does record when it runs
        CHECK(ok.result() == http::status::ok);
        CHECK(fs::exists(t.record));
        co_await stop_sidecar(s);
    });
}

TEST_CASE("the tool gets credentials only through a private 0600 file, removed afterwards", "[io][sidecar]") {
    setup t;
    run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
        auto env = t.env();
        auto args = t.args("fake-backup-record", "mysql-0");
        sidecar s = co_await start_sidecar(env, args);
        const response res = co_await fetch(s.port, "/backup", token);
        co_await stop_sidecar(s);
        CHECK(res.result() == http::status::ok);

        const std::string record = read_file(t.record);
        const auto argv = lines_with_prefix(record, "arg=");
        REQUIRE(argv.size() >= 4);
        CHECK(argv[0].rfind("--defaults-extra-file=/", 0) == 0);  // the tools demand it first
        CHECK(contains(argv, "--backup"));
        CHECK(contains(argv, "--stream=xbstream"));
        CHECK(contains(argv, "--datadir=" + t.datadir.string()));
        CHECK(lines_with_prefix(record, "arg=--target-dir=").size() == 1);
        CHECK_FALSE(contains(argv, "--slave-info"));  // ordinal 0 is the primary
        CHECK_FALSE(contains(argv, "--safe-slave-backup"));
        CHECK(record.find(password) == std::string::npos);
        CHECK(record.find(token) == std::string::npos);
        CHECK(lines_with_prefix(record, "defaults_mode=") == std::vector<std::string>{"600"});
        CHECK(lines_with_prefix(record, "defaults_dir_mode=") == std::vector<std::string>{"700"});
        CHECK(lines_with_prefix(record, "defaults_lines=") ==
              std::vector<std::string>{"[client] user password host port "});
        const auto defaults = lines_with_prefix(record, "defaults_path=");
        REQUIRE(defaults.size() == 1);
        CHECK_FALSE(fs::exists(defaults[0]));
        CHECK_FALSE(fs::exists(fs::path(defaults[0]).parent_path()));
    });
}

TEST_CASE("a replica's backup records its source position", "[io][sidecar]") {
    setup t;
    const std::vector<std::tuple<std::string, std::string, bool>> cases = {
        {"mariabackup", "mariabackup based on MariaDB server 10.11.19-MariaDB (fake)", true},
        {"xtrabackup", "xtrabackup version 8.0.35-30 based on MySQL server 8.0.35 Linux (x86_64)", false},
    };
    for (const auto& [name, version, safe_slave] : cases) {
        INFO(name);
        fs::remove(t.record);
        run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
            auto env = t.env();
            env.push_back("FAKE_VERSION=" + version);
            auto args = t.args("fake-backup-record", "mysql-2");
            sidecar s = co_await start_sidecar(env, args);
            const response res = co_await fetch(s.port, "/backup", token);
            co_await stop_sidecar(s);
            CHECK(res.result() == http::status::ok);
        });
        const auto argv = lines_with_prefix(read_file(t.record), "arg=");
        CHECK(contains(argv, "--slave-info"));
        CHECK(contains(argv, "--safe-slave-backup") == safe_slave);
    }
}

TEST_CASE("a request beyond --max-concurrent-backups gets 503 with Retry-After at once", "[io][sidecar]") {
    setup t;
    run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
        auto env = t.env();
        auto args = t.args("fake-backup-stall");
        sidecar s = co_await start_sidecar(env, args);
        open_stream first = co_await start_stream(s.port, token);
        CHECK(first.parser->get().result() == http::status::ok);

        const auto before = std::chrono::steady_clock::now();
        const response second = co_await fetch(s.port, "/backup", token);
        CHECK(std::chrono::steady_clock::now() - before < 2s);
        CHECK(second.result() == http::status::service_unavailable);
        const auto retry = protocol::parse_retry_after(std::string(second[http::field::retry_after]));
        CHECK(retry.has_value());
        const bool logged =
            co_await eventually([&] { return s.logs().find("503 for 127.0.0.1") != std::string::npos; });
        CHECK(logged);
        first.socket.close();
        const int exit_code = co_await stop_sidecar(s);
        CHECK(exit_code == 0);
    });
}

TEST_CASE("a client that disconnects mid-stream gets the tool's whole process group killed", "[io][sidecar]") {
    setup t;
    run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
        auto env = t.env();
        auto args = t.args("fake-backup-stall");
        sidecar s = co_await start_sidecar(env, args);
        open_stream stream = co_await start_stream(s.port, token);
        const bool started = co_await eventually([&] { return fs::exists(t.record); });
        REQUIRE(started);
        int tool = 0;
        int helper = 0;
        std::istringstream(read_file(t.record)) >> tool >> helper;
        REQUIRE(tool > 0);
        REQUIRE(helper > 0);
        CHECK_FALSE(pid_gone(tool));

        stream.socket.close();
        const bool tool_reaped = co_await eventually([&] { return pid_gone(tool); });  // killed and reaped: no zombie
        CHECK(tool_reaped);
        const bool helper_dead = co_await eventually([&] { return not_running(helper); });
        CHECK(helper_dead);
        const bool logged =
            co_await eventually([&] { return s.logs().find("the client went away") != std::string::npos; });
        CHECK(logged);

        open_stream next = co_await start_stream(s.port, token);  // the slot was released
        CHECK(next.parser->get().result() == http::status::ok);
        next.socket.close();
        const int exit_code = co_await stop_sidecar(s);
        CHECK(exit_code == 0);
    });
}

TEST_CASE("SIGTERM ends a stream in flight with a failed trailer and the sidecar exits 0", "[io][sidecar]") {
    setup t;
    run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
        auto env = t.env();
        auto args = t.args("fake-backup-stall");
        sidecar s = co_await start_sidecar(env, args);
        open_stream stream = co_await start_stream(s.port, token);
        const bool started = co_await eventually([&] { return fs::exists(t.record); });
        REQUIRE(started);
        int tool = 0;
        int helper = 0;
        std::istringstream(read_file(t.record)) >> tool >> helper;

        ::kill(s.process->pid(), SIGTERM);
        co_await http::async_read(stream.socket, stream.buffer, *stream.parser, asio::use_awaitable);
        const int exit_code = co_await s.process->wait();
        const response res = stream.parser->release();
        const auto trailer = trailer_of(res);
        REQUIRE(trailer.has_value());
        CHECK_FALSE(trailer->ok);
        CHECK(trailer->error_line == "sidecar is shutting down");
        CHECK(trailer->bytes == res.body().size());
        CHECK(trailer->digest == digest_of(res.body()));
        CHECK(exit_code == 0);
        CHECK(pid_gone(tool));
        const bool helper_dead = co_await eventually([&] { return not_running(helper); });
        CHECK(helper_dead);
    });
}

TEST_CASE("a client that reads nothing is dropped after --send-timeout and the tool killed", "[io][sidecar]") {
    setup t;
    run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
        auto env = t.env();
        env.push_back("FAKE_STREAM_BYTES=4000000000");  // far more than socket buffers hold
        auto args = t.args("fake-backup-ok");
        args.push_back("--send-timeout");
        args.push_back("1");
        sidecar s = co_await start_sidecar(env, args);
        open_stream stream = co_await start_stream(s.port, token);
        const bool dropped = co_await eventually(
            [&] { return s.logs().find("the client read nothing for 1s") != std::string::npos; }, 10000ms);
        CHECK(dropped);
        const int exit_code = co_await stop_sidecar(s);
        CHECK(exit_code == 0);
    });
}

TEST_CASE("the sidecar refuses to start without a token file unless --insecure-no-auth", "[io][sidecar]") {
    setup t;
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        const std::vector<std::string> base = {"--xtrabackup", (fakes_dir / "fake-backup-ok").string(), "--xbstream",
                                               "/usr/bin/mbstream", "--hostname", "mysql-0"};
        const std::vector<std::string> no_env;
        {
            auto refused = child_process::start(ex, sidecar_command(no_env, base));
            const int exit_code = co_await refused->wait();
            CHECK(exit_code == exit_code::config);
            CHECK(refused->stderr_tail().find("--auth-token-file") != std::string::npos);
        }
        {
            auto args = base;
            args.push_back("--auth-token-file");
            args.push_back((t.dir.path / "missing-token").string());
            auto refused = child_process::start(ex, sidecar_command(no_env, args));
            const int exit_code = co_await refused->wait();
            CHECK(exit_code == exit_code::config);
            CHECK(refused->stderr_tail().find("missing-token") != std::string::npos);
        }
        {
            auto args = base;
            args.push_back("--insecure-no-auth");
            sidecar s = co_await start_sidecar(no_env, args);
            const response res = co_await fetch(s.port, "/backup", std::nullopt);
            CHECK(res.result() == http::status::ok);
            const int exit_code = co_await stop_sidecar(s);
            CHECK(exit_code == 0);
        }
    });
}

// --- in-process: the HTTP edges, with short timeouts.

namespace {

backup_server_options in_process_options(const fs::path& datadir) {
    backup_server_options o;
    o.listen = "127.0.0.1:0";
    o.tools.backup = fakes_dir / "fake-backup-ok";
    o.tools.stream = "/usr/bin/mbstream";
    o.datadir = datadir;
    o.request_timeout = 1s;
    o.send_timeout = 2s;
    return o;
}

}  // namespace

TEST_CASE("backup_server answers other paths 404, other methods 405, huge headers 431", "[io][sidecar]") {
    setup t;
    asio::io_context ctx;
    backup_server server(ctx.get_executor(), in_process_options(t.datadir));
    server.start();
    const std::uint16_t port = server.local_endpoint().port();
    std::exception_ptr failure;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            const response not_found = co_await fetch(port, "/backups", std::nullopt);
            CHECK(not_found.result() == http::status::not_found);
            const response post = co_await fetch(port, "/backup", std::nullopt, http::verb::post);
            CHECK(post.result() == http::status::method_not_allowed);
            CHECK(post[http::field::allow] == "GET");

            tcp::socket s = co_await connect(port);
            auto req = make_request(http::verb::get, "/backup", std::nullopt);
            req.set("X-Padding", std::string(16 * 1024, 'p'));
            co_await http::async_write(s, req, nothrow_awaitable);
            beast::flat_buffer buf;
            response big;
            co_await http::async_read(s, buf, big, nothrow_awaitable);
            CHECK(big.result() == http::status::request_header_fields_too_large);
            server.shutdown();
        },
        [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) std::rethrow_exception(failure);
}

TEST_CASE("a request with a body is answered 400 at once, and never buffered", "[io][sidecar]") {
    setup t;
    asio::io_context ctx;
    auto options = in_process_options(t.datadir);
    options.auth_token = "the-token";
    backup_server server(ctx.get_executor(), options);
    server.start();
    const std::uint16_t port = server.local_endpoint().port();
    std::exception_ptr failure;
    // What arrives after the header is never read: a chunk extension or trailer section of any size costs nothing.
    const std::vector<std::string> heads = {
        "GET /backup HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;",
        "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
        "GET /backup HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n",
    };
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            for (const auto& head : heads) {
                INFO(head);
                tcp::socket s = co_await connect(port);
                co_await asio::async_write(s, asio::buffer(head), nothrow_awaitable);
                // The start of a flood (a chunk extension or trailers): the answer must not wait for its end.
                const std::string flood(32 * 1024, head.find("1;") != std::string::npos ? 'a' : 'X');
                co_await asio::async_write(s, asio::buffer(flood), nothrow_awaitable);
                beast::flat_buffer buf;
                response res;
                co_await http::async_read(s, buf, res, nothrow_awaitable);
                CHECK(res.result() == http::status::bad_request);
                CHECK_THAT(res.body(), Catch::Contains("requests carry no body"));
            }
            CHECK(server.counters().snapshot().started == 0);
            server.shutdown();
        },
        [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) std::rethrow_exception(failure);
}

TEST_CASE("backup_server drops a client that sends no request", "[io][sidecar]") {
    setup t;
    asio::io_context ctx;
    backup_server server(ctx.get_executor(), in_process_options(t.datadir));
    server.start();
    const std::uint16_t port = server.local_endpoint().port();
    std::exception_ptr failure;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            tcp::socket s = co_await connect(port);
            const auto before = std::chrono::steady_clock::now();
            char byte = 0;
            asio::steady_timer limit(s.get_executor(), 5s);
            auto r = co_await (s.async_read_some(asio::buffer(&byte, 1), nothrow_awaitable) ||
                               limit.async_wait(nothrow_awaitable));
            const auto waited = std::chrono::steady_clock::now() - before;
            REQUIRE(r.index() == 0);
            CHECK(std::get<0>(std::get<0>(r)) == asio::error::eof);  // closed by the server
            CHECK(waited >= 900ms);
            CHECK(waited < 3s);
            server.shutdown();
        },
        [&](std::exception_ptr e) { failure = e; });
    ctx.run();
    if (failure) std::rethrow_exception(failure);
}

TEST_CASE("backup_server refuses a --listen it cannot use", "[io][sidecar]") {
    asio::io_context ctx;
    for (const std::string listen : {"127.0.0.1", "localhost:3307", "127.0.0.1:99999", "300.1.1.1:1"}) {
        INFO(listen);
        auto o = in_process_options("/nonexistent");
        o.listen = listen;
        CHECK_THROWS_AS(backup_server(ctx.get_executor(), o), config_error);
    }
    auto o = in_process_options("/nonexistent");
    backup_server first(ctx.get_executor(), o);
    o.listen = "127.0.0.1:" + std::to_string(first.local_endpoint().port());
    CHECK_THROWS_AS(backup_server(ctx.get_executor(), o), config_error);  // address in use
}

TEST_CASE("client_option_file quotes values the way the option-file parser reads them back", "[io][sidecar]") {
    if (!fs::exists("/usr/bin/my_print_defaults")) {
        WARN("my_print_defaults not installed: skipped");
        return;
    }
    temp_dir d;
    mysql_connection c;
    c.user = "backup user";
    c.password = "a\"b'c\\d#e f\tg;h ";  // quote, backslash, comment char, inner and trailing spaces
    c.host = "10.0.0.7";
    c.port = 3307;
    write_file(d.path / "my.cnf", client_option_file(c));
    run_coro([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        process_options o;
        o.program = "/usr/bin/my_print_defaults";
        o.args = {"--defaults-file=" + (d.path / "my.cnf").string(), "client"};
        o.pipe_stdout = true;
        auto child = child_process::start(ex, o);
        std::string out;
        co_await asio::async_read(*child->stdout_pipe(), asio::dynamic_buffer(out), nothrow_awaitable);
        const int exit_code = co_await child->wait();
        CHECK(exit_code == 0);
        CHECK(out == "--user=backup user\n--password=" + c.password + "\n--host=10.0.0.7\n--port=3307\n");
    });
}

TEST_CASE("directory_size sums regular files, 0 for a missing directory", "[io][sidecar]") {
    setup t;
    CHECK(directory_size(t.datadir) == 3345);
    CHECK(directory_size(t.dir.path / "missing") == 0);
}

TEST_CASE("directory_size asked to fail names the directory it cannot list", "[io][clone]") {
    temp_dir d;
    write_file(d.path / "a", std::string(10, 'x'));
    fs::create_directories(d.path / "sub");
    write_file(d.path / "sub" / "b", std::string(5, 'x'));
    CHECK(directory_size(d.path, on_listing_error::fail) == 15);
    try {
        directory_size(d.path / "missing", on_listing_error::fail);
        FAIL("no error");
    } catch (const file_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("cannot list " + (d.path / "missing").string()));
    }
}

TEST_CASE("read_secret_file trims trailing whitespace and never shows the content in errors", "[io][sidecar]") {
    temp_dir d;
    write_file(d.path / "pw", "  s3cret value \r\n\n");
    CHECK(read_secret_file(d.path / "pw", "--password-file") == "  s3cret value");
    write_file(d.path / "blank", " \n\t\n");
    for (const auto& name : {"blank", "missing"}) {
        INFO(name);
        try {
            read_secret_file(d.path / name, "--password-file");
            FAIL("no error");
        } catch (const config_error& e) {
            const std::string what = e.what();
            CHECK(what.find("--password-file") != std::string::npos);
            CHECK(what.find((d.path / name).string()) != std::string::npos);
            CHECK(e.exit_code == exit_code::config);
        }
    }
    fs::create_directories(d.path / "big");
    write_file(d.path / "big" / "f", std::string(100 * 1024, 'x'));
    CHECK_THROWS_AS(read_secret_file(d.path / "big" / "f", "--auth-token-file"), config_error);
}

TEST_CASE("sidecar removes private dirs no live process holds, and only those", "[io][sidecar]") {
    setup t;
    const fs::path tmp = t.dir.path / "tmp";
    fs::create_directories(tmp);
    // The owner of a live dir holds a flock on it; a dead owner's lock is gone with it, whatever its pid was (in
    // a pod the sidecar is PID 1, so the dead owner's pid is the new sidecar's own: a pid in the name proved
    // nothing). Names of the earlier, pid-carrying form are judged the same way.
    const fs::path stale = tmp / "mysql-agent-backup-abc123";
    const fs::path stale_pid_one = tmp / "mysql-agent-backup-1-ghi789";
    const fs::path live = tmp / "mysql-agent-backup-def456";
    const fs::path other = tmp / "not-ours-backup-xyz";
    for (const auto& d : {stale, stale_pid_one, live, other}) {
        fs::create_directories(d);
        write_file(d / "client.cnf", "[client]\npassword=x\n");
    }
    const int held = ::open(live.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(held >= 0);
    REQUIRE(::flock(held, LOCK_EX) == 0);
    run_coro([&](asio::any_io_executor) -> asio::awaitable<void> {
        auto env = t.env();
        env.push_back("TMPDIR=" + tmp.string());
        sidecar s = co_await start_sidecar(env, t.args("fake-backup-ok"));
        co_await stop_sidecar(s);
        CHECK_THAT(s.logs(), Catch::Contains("removed " + stale.string() + ", left by a sidecar that died"));
    });
    ::close(held);
    CHECK_FALSE(fs::exists(stale));
    CHECK_FALSE(fs::exists(stale_pid_one));
    CHECK(fs::exists(live / "client.cnf"));   // held by a live process: untouched
    CHECK(fs::exists(other / "client.cnf"));  // not a name we make: untouched
}
