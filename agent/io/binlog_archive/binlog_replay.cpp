#include "mysql_agent/io/binlog_archive/binlog_replay.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_store/restore_check.hpp"
#include "mysql_agent/core/binlog_archive/binlog_scanner.hpp"
#include "mysql_agent/core/cluster_identity.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/cluster_position.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/private_dir.hpp"
#include "mysql_agent/io/private_server.hpp"

namespace mysql_agent::binlog_archive {
namespace {

namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;

/// Starts argv with stdin from `in_fd` and stdout to `out_fd` (-1: /dev/null), stderr to `err`; dies with us.
pid_t spawn(const std::vector<std::string>& args, int in_fd, int out_fd, const fs::path& err, int close_fd) {
    std::vector<std::string> copy = args;
    std::vector<char*> argv;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw clone_failed_error("cannot start " + args.front() + ": fork failed");
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(127);
        if (close_fd >= 0) ::close(close_fd);
        const int null_fd = ::open("/dev/null", O_RDWR);
        ::dup2(in_fd >= 0 ? in_fd : null_fd, 0);
        ::dup2(out_fd >= 0 ? out_fd : null_fd, 1);
        const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (e >= 0) ::dup2(e, 2);
        ::execvp(argv[0], argv.data());
        ::_exit(127);
    }
    return pid;
}

/// The exit code of `pid` (128 + the signal when a signal ended it), or nullopt while it runs.
std::optional<int> exited(pid_t pid) {
    int st = 0;
    const pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) return std::nullopt;
    if (r < 0) return 128;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/// `tool ... | client ...`: both exit codes, their stderr in files. On `stop` both are killed at once.
void run_pipeline(const std::vector<std::string>& producer, const std::vector<std::string>& consumer,
                  const fs::path& work, const std::string& what, const std::stop_token& stop) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw clone_failed_error(what + ": pipe failed");
    const fs::path producer_err = work / "binlog-tool.err", consumer_err = work / "client.err";
    const pid_t a = spawn(producer, -1, p[1], producer_err, p[0]);
    const pid_t b = spawn(consumer, p[0], -1, consumer_err, p[1]);
    ::close(p[0]);
    ::close(p[1]);
    std::optional<int> ra, rb;
    while (!ra || !rb) {
        if (stop.stop_requested()) {
            for (const pid_t pid : {a, b}) ::kill(pid, SIGKILL);
            if (!ra) ::waitpid(a, nullptr, 0);
            if (!rb) ::waitpid(b, nullptr, 0);
            throw clone_failed_error(what + ": stopped (SIGTERM or --timeout); nothing is committed");
        }
        if (!ra) ra = exited(a);
        if (!rb) rb = exited(b);
        if (!ra || !rb) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polled: a stop must be seen
    }
    if (*ra != 0)
        throw clone_failed_error(what + ": " + producer.front() + " exited with " + std::to_string(*ra) + ": " +
                                 log_tail(producer_err));
    if (*rb != 0)
        throw clone_failed_error(what + ": " + consumer.front() + " exited with " + std::to_string(*rb) + ": " +
                                 log_tail(consumer_err) + " (nothing is committed)");
}

/// The archived file downloaded to `path`, its size and SHA-256 checked against `r`.
void download(objstore::s3_client& client, const replay_options& o, const archived_binlog& r, const fs::path& path) {
    const std::string key = o.at.prefix + std::string(archive_folder) + r.name + ".binlog";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw file_error("cannot write " + path.string());
    sha256_stream digest;
    std::uint64_t bytes = 0;
    client.get_object(o.at.bucket, key, [&](std::string_view piece) {
        bytes += piece.size();
        if (bytes > r.bytes)
            throw bad_input_error("archived binlog " + r.name + " is larger than its index record's " +
                                  std::to_string(r.bytes) + " bytes");
        digest.update(piece);
        out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    });
    out.close();
    if (!out) throw file_error("writing " + path.string() + " failed (is the disk full?)");
    if (bytes != r.bytes)
        throw bad_input_error("archived binlog " + r.name + " is " + std::to_string(bytes) + " bytes, its index record " +
                              std::to_string(r.bytes));
    if (text::to_hex(digest.finish()) != r.sha256_hex)
        throw bad_input_error("archived binlog " + r.name + " does not match the SHA-256 of its index record (damaged "
                              "or altered in the store); nothing is committed");
}

}  // namespace

replay_outcome replay_binlogs(const fs::path& datadir, const replay_options& o, std::stop_token stop) {
    const auto started = clock::now();
    replay_outcome out;
    out.reached = o.base;
    if (o.chain.empty() && o.new_identity.empty()) return out;
    std::error_code ec;
    fs::remove_all(o.work_dir, ec);  // what a killed restore left
    fs::create_directories(o.work_dir);
    struct cleanup {
        fs::path dir;
        ~cleanup() {
            std::error_code e;
            fs::remove_all(dir, e);
        }
    } remove_work{o.work_dir};

    // A unix socket's path holds at most 107 bytes: a deep datadir puts it in a private dir under $TMPDIR instead.
    std::optional<private_dir> short_dir;
    if ((o.work_dir / "mysqld.sock").string().size() > 100) short_dir.emplace(fs::temp_directory_path());
    const fs::path socket = (short_dir ? short_dir->path() : o.work_dir) / "mysqld.sock";
    const fs::path error_log = o.work_dir / "mysqld.err";
    auto args = backup_store::scratch_server_args(datadir, socket, error_log, effective_user_name());
    args.push_back("--max-allowed-packet=1G");
    private_server server(o.mysqld, args, "the point-in-time restore");
    mysql_connection c;
    c.socket = socket.string();
    c.user = "root";
    // A cancelled replay's datadir is discarded: its server is killed, not shut down.
    std::stop_callback kill_server(stop, [&] { server.kill_now(); });
    mysql_client session = server.connect(c, error_log, o.start_timeout, stop);  // answering: the replay may begin

    objstore::s3_client client(o.store);
    std::stop_callback cancel_download(stop, [&] { client.cancel(); });
    replay_window window(o.base, o.target);
    for (std::size_t i = 0; i < o.chain.size(); ++i) {
        const archived_binlog& r = o.chain[i];
        if (window.stopped()) break;
        if (stop.stop_requested())
            throw clone_failed_error("the replay was stopped (SIGTERM or --timeout); nothing is committed");
        const fs::path file = o.work_dir / (r.name + ".binlog");
        download(client, o, r, file);
        out.bytes += r.bytes;
        // The file says what it holds: its GTIDs must be its record's, and the window cuts it on transaction
        // boundaries.
        const auto cut = cut_of(o.chain, i);
        window.next_file(cut);
        std::optional<std::uint64_t> from, to;
        std::string refused;
        binlog_scanner scanner([&](const binlog_transaction& t) {
            if (!refused.empty()) return;
            auto v = window.next(t);
            if (!v) {
                refused = v.message();
                return;
            }
            if (*v == replay_window::verdict::apply) {
                if (!from) from = t.begin;
                to = t.end;
                ++out.transactions;
            }
        });
        {
            std::ifstream in(file, std::ios::binary);
            std::vector<char> buffer(1u << 20);
            while (in) {
                in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
                if (in.gcount() <= 0) break;
                if (auto fed = scanner.feed(buffer.data(), static_cast<std::size_t>(in.gcount())); !fed)
                    throw bad_input_error("archived binlog " + r.name + ": " + fed.message());
            }
        }
        const auto summary = scanner.finish(/*allow_open_end=*/false);
        if (!summary) throw bad_input_error("archived binlog " + r.name + ": " + summary.message());
        if (!(summary->start == r.start) || !(summary->end == r.end) || summary->transactions != r.transactions)
            throw bad_input_error("archived binlog " + r.name + " holds " + to_string(summary->start) + " to " +
                                  to_string(summary->end) + ", its index record says " + to_string(r.start) + " to " +
                                  to_string(r.end) + " (altered in the store); nothing is committed");
        if (!refused.empty()) throw bad_input_error("archived binlog " + r.name + ": " + refused);
        if (from) {
            const std::string what = "replaying " + r.name + " (" + r.file + ")";
            run_pipeline({o.binlog_tool.string(), "--no-defaults", "--start-position=" + std::to_string(*from),
                          "--stop-position=" + std::to_string(*to), file.string()},
                         {o.client.string(), "--no-defaults", "--socket=" + socket.string(), "--user=root",
                          "--binary-mode", "--max-allowed-packet=1G", "--init-command=FLUSH PRIVILEGES"},
                         o.work_dir, what, stop);
            ++out.files;
            spdlog::info("point-in-time restore: replayed {} ({}), bytes {} to {}, now at {}{}", r.name, r.file, *from,
                         *to, to_string(window.reached()),
                         cut ? "; the rest of it left out: the next file's history branched off at " + to_string(*cut)
                             : std::string());
        }
        fs::remove(file, ec);
    }
    if (!meets(window.reached(), o.target))
        throw clone_failed_error("the replay reached " + to_string(window.reached()) + ", not " + describe(o.target) +
                                 "; nothing is committed");
    if (!o.new_identity.empty()) {
        // A new history from here (cluster_identity.hpp replace_identity_statement); none recorded: the sidecar
        // records a fresh one at its first start anyway.
        out.old_identity = read_cluster_identity(session).value_or("");
        if (!out.old_identity.empty()) {
            const auto statement = replace_identity_statement(o.new_identity);
            if (!statement) throw bad_input_error(statement.message());
            session.execute(*statement);
        }
    }
    if (!server.stop())
        throw clone_failed_error("the private mysqld did not shut down cleanly after the replay; its error log ends: " +
                                 log_tail(error_log));
    out.reached = window.reached();
    out.last_applied = window.last_applied();
    out.seconds = std::chrono::duration<double>(clock::now() - started).count();
    return out;
}

}  // namespace mysql_agent::binlog_archive
