#include "mysql_agent/io/backup_tools.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/process_runner.hpp"

namespace mysql_agent {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace asio::experimental::awaitable_operators;

/// A `--version` that takes longer than this is a hung tool, not a slow one.
constexpr auto version_timeout = std::chrono::seconds(10);

bool is_executable_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

/// The first executable `name` on PATH, or nullopt.
std::optional<fs::path> find_on_path(std::string_view name) {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        const auto colon = dirs.find(':');
        const std::string_view dir = dirs.substr(0, colon);
        if (!dir.empty()) {
            fs::path candidate = fs::path(dir) / name;
            if (is_executable_file(candidate)) return fs::absolute(candidate);
        }
        if (colon == std::string_view::npos) return std::nullopt;
        dirs.remove_prefix(colon + 1);
    }
}

/// A tool given by flag: a path (with a slash) must be an executable file; a bare name is looked up on PATH.
fs::path resolve_flag(const fs::path& given, std::string_view flag) {
    if (given.native().find('/') == std::string::npos) {
        if (auto found = find_on_path(given.native())) return *found;
        throw config_error(std::string(flag) + " " + given.string() +
                           ": not found on PATH; give an absolute path or install the tool in the image");
    }
    if (!is_executable_file(given)) {
        throw config_error(std::string(flag) + " " + given.string() +
                           ": not an executable file; give the path of xtrabackup/mariabackup (or xbstream/mbstream)");
    }
    return fs::absolute(given);
}

bool named_like_mariadb(const fs::path& tool) {
    const std::string name = tool.filename().string();
    return name.find("mariabackup") != std::string::npos || name.find("mariadb-backup") != std::string::npos ||
           name.find("mbstream") != std::string::npos;
}

}  // namespace

fs::path resolve_server_binary(const std::optional<fs::path>& given) {
    if (given) return resolve_flag(*given, "--mysqld");
    for (const char* name : {"mariadbd", "mysqld"}) {
        if (auto found = find_on_path(name)) return *found;
        if (const fs::path sbin = fs::path("/usr/sbin") / name; is_executable_file(sbin)) return sbin;
    }
    throw config_error("no mariadbd or mysqld on PATH or in /usr/sbin: give the server binary with --mysqld");
}

fs::path resolve_client_tool(const std::optional<fs::path>& given, const std::vector<std::string>& names,
                             std::string_view flag) {
    if (given) return resolve_flag(*given, flag);
    std::string looked;
    for (const auto& name : names) {
        if (auto found = find_on_path(name)) return *found;
        if (const fs::path bin = fs::path("/usr/bin") / name; is_executable_file(bin)) return bin;
        looked += (looked.empty() ? "" : " or ") + name;
    }
    throw config_error("no " + looked + " on PATH or in /usr/bin: give it with " + std::string(flag));
}

backup_tools resolve_backup_tools(const std::optional<fs::path>& xtrabackup, const std::optional<fs::path>& xbstream) {
    backup_tools t;
    if (xtrabackup) {
        t.backup = resolve_flag(*xtrabackup, "--xtrabackup");
    } else if (auto xb = find_on_path("xtrabackup")) {
        t.backup = *xb;
    } else if (auto mb = find_on_path("mariabackup")) {
        t.backup = *mb;
    } else if (auto mdb = find_on_path("mariadb-backup")) {  // MariaDB 11 renamed it, keeping mariabackup as a link
        t.backup = *mdb;
    } else {
        throw config_error("no backup tool: xtrabackup, mariabackup and mariadb-backup are not on PATH; install one in "
                           "the image or pass --xtrabackup");
    }
    // mariabackup is a fork of xtrabackup 2.3; its name or its `--version` ("mariabackup based on MariaDB
    // server ...") tells the dialect. https://mariadb.com/kb/en/mariabackup-overview/
    t.mariadb = named_like_mariadb(t.backup) || backup_tool_version(t.backup).find("MariaDB") != std::string::npos;

    if (xbstream) {
        t.stream = resolve_flag(*xbstream, "--xbstream");
        return t;
    }
    // The extractor of the same family: xbstream and mbstream read each other's format in practice, but a
    // pair from one package is what is tested upstream.
    const std::string_view preferred = t.mariadb ? "mbstream" : "xbstream";
    const std::string_view other = t.mariadb ? "xbstream" : "mbstream";
    for (std::string_view name : {preferred, other}) {
        const fs::path beside = t.backup.parent_path() / name;
        if (is_executable_file(beside)) {
            t.stream = beside;
            return t;
        }
        if (auto found = find_on_path(name)) {
            t.stream = *found;
            return t;
        }
    }
    throw config_error("no stream tool for " + t.backup.string() + ": neither " + std::string(preferred) + " nor " +
                       std::string(other) + " is beside it or on PATH; pass --xbstream");
}

std::string backup_tool_version(const fs::path& tool) {
    asio::io_context ctx;
    std::string out;
    std::string tail;
    auto run = [&]() -> asio::awaitable<void> {
        process_options o;
        o.program = tool;
        o.args = {"--version"};
        o.pipe_stdout = true;
        o.stderr_tail_lines = 20;
        std::unique_ptr<child_process> child;
        try {
            child = child_process::start(ctx.get_executor(), o);
        } catch (const process_error&) {
            co_return;
        }
        asio::steady_timer timer(ctx, version_timeout);
        auto read_all = [&]() -> asio::awaitable<void> {
            co_await asio::async_read(*child->stdout_pipe(), asio::dynamic_buffer(out),
                                      asio::as_tuple(asio::use_awaitable));
            co_await child->wait();
        };
        const auto r = co_await (read_all() || timer.async_wait(asio::as_tuple(asio::use_awaitable)));
        if (r.index() == 0) tail = child->stderr_tail();
    };
    asio::co_spawn(ctx, run(), asio::detached);
    ctx.run();
    // mariabackup prints its version on stdout; xtrabackup on stderr, after lines such as "recognized server
    // arguments", so the line naming the server it is "based on" is preferred.
    const std::string& text = out.empty() ? tail : out;
    std::string first;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find('\n', pos);
        std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        pos = end == std::string::npos ? text.size() : end + 1;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.find("based on") != std::string::npos) return line;
        if (first.empty()) first = std::move(line);
    }
    return first;
}

}  // namespace mysql_agent
