// The clone client against a fake donor on loopback (port 0): every way a backup stream can go wrong must
// end in the right exit code, a message that says what happened, and a datadir without files of the clone.
// One test runs the real thing: a MariaDB server, mariabackup --backup --stream, the real mbstream and
// mariabackup --prepare, then mysqld started on the committed datadir.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/crc.hpp>
#include <catch2/catch.hpp>
#include <zstd.h>
#include <fmt/format.h>

#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/io/datadir_commit.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/progress.hpp"
#include "mysql_agent/core/stream_digest.hpp"
#include "mysql_agent/core/stream_encoding.hpp"
#include "mysql_agent/io/compression_pool.hpp"
#include "zstd_frames.hpp"

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace mysql_agent;
using namespace std::chrono_literals;

const fs::path fixtures = FIXTURES_DIR;
const fs::path fakes = FAKES_DIR;

/// A fresh directory under /tmp, removed with everything in it.
struct temp_dir {
    temp_dir() {
        std::string pattern = (fs::temp_directory_path() / "mysql-agent-clone-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    fs::path path;
};

/// The names in a directory, sorted.
std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// --- xbstream, written the way mbstream/xbstream frame it (tests/fixtures/backup-metadata/README.md §4).

void put_le(std::string& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

struct xbstream_writer {
    std::string bytes;
    std::vector<std::size_t> chunk_starts;                        ///< offset of every chunk
    std::vector<std::pair<std::string, std::size_t>> end_chunks;  ///< path -> offset of its E chunk

    void payload(std::string_view path, std::uint64_t offset, std::string_view data) {
        chunk_starts.push_back(bytes.size());
        bytes += "XBSTCK01";
        bytes.push_back('\0');
        bytes.push_back('P');
        put_le(bytes, path.size(), 4);
        bytes += path;
        put_le(bytes, data.size(), 8);
        put_le(bytes, offset, 8);
        boost::crc_32_type crc;
        crc.process_bytes(data.data(), data.size());
        put_le(bytes, crc.checksum(), 4);
        bytes += data;
    }
    void end(std::string_view path) {
        chunk_starts.push_back(bytes.size());
        end_chunks.emplace_back(path, bytes.size());
        bytes += "XBSTCK01";
        bytes.push_back('\0');
        bytes.push_back('E');
        put_le(bytes, path.size(), 4);
        bytes += path;
    }
    void file(std::string_view path, std::string_view data, std::size_t chunk = 64 * 1024) {
        for (std::size_t off = 0; off < data.size(); off += chunk)
            payload(path, off, data.substr(off, std::min(chunk, data.size() - off)));
        end(path);
    }
};

std::string pseudo_random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
}

/// A small but complete backup as mariabackup streams it: data files first, metadata last.
xbstream_writer synthetic_backup() {
    xbstream_writer w;
    w.file("ibdata1", pseudo_random_bytes(300 * 1024, 1));
    w.file("mysql/db.opt", "default-character-set=utf8mb4\n");
    w.file("shop/orders.ibd", pseudo_random_bytes(150 * 1024, 2));
    w.file("xtrabackup_binlog_info", read_file(fixtures / "backup-metadata/mb1011_binlog_info_gtid.txt"));
    w.file("backup-my.cnf", "[mysqld]\ninnodb_page_size=16384\n");
    w.file("xtrabackup_checkpoints", read_file(fixtures / "backup-metadata/mb1011_checkpoints_backup.txt"));
    w.file("xtrabackup_info", read_file(fixtures / "backup-metadata/mb1011_info.txt"));
    return w;
}

// --- HTTP as the donor's sidecar speaks it (include/mysql_agent/backup_protocol.hpp).

std::string digest_of(std::string_view body) {
    stream_digest d;
    d.update(body.data(), body.size());
    return d.hex();
}

std::string ok_head(std::optional<std::uint64_t> estimate = std::nullopt) {
    std::string h = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n";
    h += fmt::format("Trailer: {}\r\n", protocol::trailer_announcement);
    if (estimate) h += fmt::format("{}: {}\r\n", protocol::header_estimated_size, *estimate);
    return h + "\r\n";
}

/// The body in HTTP chunks of an odd size, so that HTTP and xbstream chunk boundaries never line up.
std::string chunked(std::string_view body, std::size_t piece = 7001) {
    std::string out;
    for (std::size_t off = 0; off < body.size(); off += piece) {
        const auto part = body.substr(off, piece);
        out += fmt::format("{:x}\r\n", part.size());
        out += part;
        out += "\r\n";
    }
    return out;
}

std::string last_chunk(const protocol::backup_trailer& t) {
    std::string out = "0\r\n";
    for (const auto& f : protocol::encode_trailer(t)) out += f.name + ": " + f.value + "\r\n";
    return out + "\r\n";
}

protocol::backup_trailer ok_trailer(std::string_view body) {
    return {.ok = true, .bytes = body.size(), .digest = digest_of(body), .exit_code = 0, .error_line = ""};
}

/// A complete 200 response whose trailer vouches for `body`.
std::string good_response(std::string_view body) {
    return ok_head(body.size()) + chunked(body) + last_chunk(ok_trailer(body));
}

std::string plain_response(int status, std::string_view reason, std::string_view extra_headers = "") {
    const std::string body = fmt::format("{} {}\n", status, reason);
    return fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n{}\r\n{}", status,
        reason, body.size(), extra_headers, body);
}

/// What the fake donor does on one connection.
struct scripted_reply {
    std::string bytes;   ///< sent as they are after the request head arrived
    bool stall = false;  ///< then send nothing more and keep the connection open until the client closes it
};

/// A donor that answers each connection with the next scripted reply, then refuses connections.
class fake_donor {
public:
    explicit fake_donor(std::vector<scripted_reply> replies)
        : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), replies_(std::move(replies)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~fake_donor() {
        stop_ = true;
        // A donor still waiting in accept() is woken by one last connection of our own.
        boost::system::error_code ec;
        asio::io_context io;
        tcp::socket poke(io);
        poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
        thread_.join();
    }
    std::uint16_t port() const { return port_; }
    int connections() const { return connections_; }
    std::vector<std::string> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    void serve() {
        for (auto& reply : replies_) {
            tcp::socket s(io_);
            boost::system::error_code ec;
            acceptor_.accept(s, ec);
            if (ec || stop_) return;
            ++connections_;
            asio::streambuf head;
            asio::read_until(s, head, "\r\n\r\n", ec);
            {
                std::lock_guard lock(mutex_);
                requests_.emplace_back(asio::buffers_begin(head.data()), asio::buffers_end(head.data()));
            }
            asio::write(s, asio::buffer(reply.bytes), ec);
            if (reply.stall) {
                char c;
                s.read_some(asio::buffer(&c, 1), ec);  // returns when the client gives up and closes
            }
            s.shutdown(tcp::socket::shutdown_both, ec);
        }
        // Later attempts must see "connection refused", as from a donor that went away.
        acceptor_.close();
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::vector<scripted_reply> replies_;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> requests_;
};

backup_tools synthetic_tools() { return {fakes / "clone-xtrabackup", "/usr/bin/mbstream", true}; }

clone_options options_for(std::uint16_t port, const fs::path& datadir) {
    clone_options o;
    o.donor = {"127.0.0.1", port};
    o.datadir = datadir;
    o.tools = synthetic_tools();
    o.connect_timeout = 2s;
    o.idle_timeout = 3s;
    o.overall_timeout = 120s;
    o.max_attempts = 1;
    o.retry_for = 30s;
    o.first_backoff = 20ms;
    o.max_backoff = 100ms;
    return o;
}

struct attempt_result {
    int exit_code = 0;
    std::string message;
    std::optional<clone_outcome> outcome;
};

attempt_result try_clone(const clone_options& o) {
    try {
        return {exit_code::ok, "", clone_datadir(o)};
    } catch (const agent_error& e) {
        return {e.exit_code, e.what(), std::nullopt};
    }
}

/// A failed clone leaves nothing behind: no data, no staging dir, no journal.
void require_clean(const fs::path& datadir) {
    INFO("datadir " << datadir << " after a failed clone");
    CHECK(entries(datadir) == std::vector<std::string>{});
}

std::string cut(const std::string& s, std::size_t n) { return s.substr(0, n); }

/// A background process killed (SIGTERM, then SIGKILL) and reaped when this goes out of scope.
class background_process {
public:
    explicit background_process(std::vector<std::string> args) {
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        REQUIRE(::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    }
    ~background_process() { stop(); }
    background_process(const background_process&) = delete;
    background_process& operator=(const background_process&) = delete;
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 300; ++i) {
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                return;
            }
            std::this_thread::sleep_for(100ms);
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

private:
    pid_t pid_ = -1;
};

/// A ConfigMap directory with master.cnf and slave.cnf, and an empty conf.d, for `init`.
std::pair<fs::path, fs::path> config_dirs(const fs::path& under) {
    const auto src = under / "src";
    const auto conf = under / "conf";
    fs::create_directories(conf);
    fs::create_directories(src);
    write_file_atomically(src / "master.cnf", "[mysqld]\nlog-bin\n");
    write_file_atomically(src / "slave.cnf", "[mysqld]\nread-only\n");
    return {src, conf};
}

bool wait_until_exists(const fs::path& p, std::chrono::milliseconds limit) {
    for (auto waited = 0ms; waited < limit; waited += 50ms) {
        if (fs::exists(p)) return true;
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

/// Runs a shell command; returns its exit status and stdout.
std::pair<int, std::string> shell(const std::string& command) {
    std::string out;
    FILE* p = ::popen(command.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    while (const auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = ::pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// Runs the agent binary with `args` (shell-quoted by the caller); returns its exit code and stderr+stdout.
std::pair<int, std::string> run_agent(const std::string& args) {
    return shell(fmt::format("{} {} 2>&1", AGENT_BINARY, args));
}

}  // namespace

TEST_CASE("the test's xbstream writer frames chunks exactly as mbstream does", "[io][clone]") {
    // Rebuilds the real 3-file fixture byte for byte, so the synthetic streams below are realistic.
    xbstream_writer w;
    w.file("xtrabackup_binlog_info", "mariadb-bin.000001\t1198\t0-1-5\n");
    w.file("xtrabackup_slave_info",
           "SET GLOBAL gtid_slave_pos = '0-1-5';\nCHANGE MASTER TO master_use_gtid = slave_pos;\n");
    w.file("xtrabackup_checkpoints",
           "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 44404\nlast_lsn = 50170\nrecover_binlog_info = 0\n");
    CHECK(w.bytes == read_file(fixtures / "xbstream/mb1011_small_ok.xbs"));
}

TEST_CASE("progress lines carry bytes, MB/s and an ETA from the estimate", "[io][clone]") {
    CHECK(format_bytes(0) == "0 B");
    CHECK(format_bytes(999) == "999 B");
    CHECK(format_bytes(1500000) == "1.50 MB");
    CHECK(format_bytes(123456789012) == "123 GB");
    CHECK(format_progress("received", 50'000'000, 200'000'000, 10s) ==
          "received: 50.0 MB of ~200 MB (25%) in 10s, 5.0 MB/s, ETA 30s");
    CHECK(format_progress("received", 300'000'000, 200'000'000, 100s) == "received: 300 MB in 1m40s, 3.0 MB/s");
    CHECK(format_progress("received", 1'000'000, std::nullopt, 2s) == "received: 1.00 MB in 2s, 0.5 MB/s");

    std::vector<std::string> lines;
    progress_reporter::options o;
    o.interval = 5s;
    o.log = [&](std::string_view l) { lines.emplace_back(l); };
    const auto t0 = progress_reporter::clock::time_point{};
    progress_reporter p(o, t0);
    p.update(1'000'000, t0 + 1s);
    CHECK(lines.empty());
    p.update(10'000'000, t0 + 5s);
    p.update(11'000'000, t0 + 6s);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0] == "received: 10.0 MB in 5s, 2.0 MB/s");
    const auto summary = p.finish(20'000'000, t0 + 10s, "xxh3-64:0123456789abcdef");
    CHECK(summary == "received 20.0 MB in 10.0s (2.0 MB/s), digest xxh3-64:0123456789abcdef");
    CHECK(lines.size() == 2);
}

TEST_CASE("a good stream is extracted, prepared and committed with the marker last", "[io][clone]") {
    temp_dir tmp;
    const auto datadir = tmp.path / "data";
    fs::create_directories(datadir / "lost+found");
    const auto backup = synthetic_backup();
    fake_donor donor({{good_response(backup.bytes)}});

    const auto r = try_clone(options_for(donor.port(), datadir));
    REQUIRE(r.message == "");
    REQUIRE(r.exit_code == exit_code::ok);
    REQUIRE(r.outcome);
    CHECK_FALSE(r.outcome->already_cloned);

    CHECK(entries(datadir) == std::vector<std::string>{".mysql-agent-clone.json", "backup-my.cnf", "ibdata1",
                                                       "lost+found", "mysql", "shop", "xtrabackup_binlog_info",
                                                       "xtrabackup_checkpoints", "xtrabackup_info"});
    CHECK(read_file(datadir / "ibdata1") == pseudo_random_bytes(300 * 1024, 1));
    CHECK(read_file(datadir / "shop/orders.ibd") == pseudo_random_bytes(150 * 1024, 2));
    CHECK_THAT(read_file(datadir / "xtrabackup_checkpoints"), Catch::Contains("backup_type = log-applied"));

    const auto marker = marker_from_json("marker", read_file(datadir / clone_marker_file));
    REQUIRE(marker.has_value());
    CHECK(*marker == r.outcome->marker);
    CHECK(marker->source == fmt::format("127.0.0.1:{}", donor.port()));
    CHECK(marker->digest == digest_of(backup.bytes));
    CHECK(marker->stream_bytes == backup.bytes.size());
    CHECK(marker->datadir_bytes > 450 * 1024);
    REQUIRE(marker->coordinates.binlog);
    CHECK(marker->coordinates.binlog->file == "mariadb-bin.000001");
    CHECK(marker->coordinates.binlog->position == 1198);
    CHECK(marker->coordinates.binlog->gtid_set == "0-1-5");
    CHECK(marker->tool_version == "mariadb-backup 10.11.19-MariaDB");
    CHECK(marker->server_version == "10.11.19-MariaDB-0+deb12u1-log");
    CHECK(marker->started_at.size() == 20);
    CHECK(marker->finished_at >= marker->started_at);

    // Without --auth-token-file no Authorization header is sent.
    REQUIRE(donor.requests().size() == 1);
    CHECK_THAT(donor.requests()[0], Catch::StartsWith("GET /backup HTTP/1.1\r\n"));
    CHECK_THAT(donor.requests()[0], !Catch::Contains("Authorization", Catch::CaseSensitive::No));

    SECTION("a second run finds the completed clone and does not contact the donor") {
        fake_donor second({{good_response(backup.bytes)}});
        auto o = options_for(second.port(), datadir);
        o.force = true;  // --force never re-clones over a completed clone
        const auto again = try_clone(o);
        REQUIRE(again.exit_code == exit_code::ok);
        CHECK(again.outcome->already_cloned);
        CHECK(again.outcome->marker == *marker);
        CHECK(second.connections() == 0);
    }
}

TEST_CASE("the bearer token is sent when a token is configured", "[io][clone]") {
    temp_dir tmp;
    const auto backup = synthetic_backup();
    fake_donor donor({{good_response(backup.bytes)}});
    auto o = options_for(donor.port(), tmp.path);
    o.token = "s3cret-token";
    REQUIRE(try_clone(o).exit_code == exit_code::ok);
    CHECK_THAT(donor.requests().at(0), Catch::Contains("\r\nAuthorization: Bearer s3cret-token\r\n"));
}

TEST_CASE("a failed clone exits with the right code, says why, and leaves no files", "[io][clone]") {
    temp_dir tmp;
    const auto datadir = tmp.path;
    const auto backup = synthetic_backup();
    const std::string& b = backup.bytes;
    // The chunk boundary right after backup-my.cnf: every file so far is complete, but the checkpoints and
    // xtrabackup_info have not arrived. mbstream exits 0 on a stream cut here.
    const auto after_cnf = std::find_if(backup.end_chunks.begin(), backup.end_chunks.end(),
                                        [](const auto& e) { return e.first == "backup-my.cnf"; });
    REQUIRE(after_cnf != backup.end_chunks.end());
    const std::size_t boundary = after_cnf->second + 14 + after_cnf->first.size();
    const std::size_t inside = backup.chunk_starts[2] + 100;  // inside the payload of ibdata1's third chunk

    std::vector<scripted_reply> replies;
    int expected_code = exit_code::clone_failed;
    std::vector<std::string> expected_text;
    auto o = options_for(0, datadir);

    SECTION("the connection closes inside an xbstream chunk, without a trailer") {
        replies = {{ok_head() + chunked(cut(b, inside))}};
        expected_text = {fmt::format("cut at byte {}", inside)};
    }
    SECTION("the connection closes at a chunk boundary, without a trailer") {
        replies = {{ok_head() + chunked(cut(b, boundary))}};
        expected_text = {fmt::format("cut at byte {}", boundary)};
    }
    SECTION("the stream ends inside a chunk although the trailer vouches for it") {
        replies = {{ok_head() + chunked(cut(b, inside)) + last_chunk(ok_trailer(cut(b, inside)))}};
        expected_text = {"incomplete", fmt::format("cut at byte {} inside the payload of ibdata1", inside)};
    }
    SECTION("the stream ends at a chunk boundary (mbstream exits 0) although the trailer vouches for it") {
        replies = {{ok_head() + chunked(cut(b, boundary)) + last_chunk(ok_trailer(cut(b, boundary)))}};
        expected_text = {"incomplete", "xtrabackup_checkpoints", "xtrabackup_info"};
    }
    SECTION("a file's end chunk was dropped") {
        const auto [path, at] = backup.end_chunks.front();
        REQUIRE(path == "ibdata1");
        const std::string body = b.substr(0, at) + b.substr(at + 14 + path.size());
        replies = {{ok_head() + chunked(body) + last_chunk(ok_trailer(body))}};
        expected_text = {"incomplete", "ibdata1"};
    }
    SECTION("the donor's backup failed: its error line reaches the user") {
        const std::string line =
            "[00] FATAL ERROR: 2026-11-27 01:02:03 failed to execute query BACKUP STAGE BLOCK_COMMIT: "
            "Lock wait timeout exceeded";
        protocol::backup_trailer t = ok_trailer(cut(b, boundary));
        t.ok = false;
        t.exit_code = 1;
        t.error_line = line;
        replies = {{ok_head() + chunked(cut(b, boundary)) + last_chunk(t)}};
        expected_text = {"donor's backup failed", "exit code 1", line};
    }
    SECTION("the digest does not match") {
        protocol::backup_trailer t = ok_trailer(b);
        t.digest = "xxh3-64:0000000000000000";
        replies = {{ok_head() + chunked(b) + last_chunk(t)}};
        expected_text = {"digest xxh3-64:0000000000000000 differs"};
    }
    SECTION("the byte count does not match") {
        protocol::backup_trailer t = ok_trailer(b);
        t.bytes += 1;
        replies = {{ok_head() + chunked(b) + last_chunk(t)}};
        expected_text = {fmt::format("sent {} bytes but {} arrived", b.size() + 1, b.size())};
    }
    SECTION("the body ends properly but without any trailer") {
        replies = {{ok_head() + chunked(b) + "0\r\n\r\n"}};
        expected_text = {"without its trailer"};
    }
    SECTION("the body is not an xbstream at all") {
        const std::string garbage = pseudo_random_bytes(200 * 1024, 3);
        replies = {{ok_head() + chunked(garbage) + last_chunk(ok_trailer(garbage))}};
        expected_text = {"not a valid xbstream", "XBSTCK01"};
    }
    SECTION("the donor stalls: the idle timeout fires") {
        replies = {{ok_head() + chunked(cut(b, boundary)), true}};
        o.idle_timeout = 1s;
        expected_text = {"no data from donor", "--idle-timeout 1 s", fmt::format("byte {}", boundary)};
    }
    SECTION("the whole clone takes longer than --timeout") {
        replies = {{ok_head() + chunked(cut(b, boundary)), true}};
        o.overall_timeout = 1s;
        o.idle_timeout = 30s;
        expected_text = {"did not finish within --timeout 1s", fmt::format("byte {}", boundary)};
    }
    SECTION("the extractor runs out of disk space") {
        replies = {{good_response(b)}};
        o.tools.stream = fakes / "clone-xbstream-enospc";
        expected_code = exit_code::io;
        expected_text = {"disk full", "No space left on device", "grow the PersistentVolume"};
    }
    SECTION("--prepare fails") {
        replies = {{good_response(b)}};
        o.tools.backup = fakes / "clone-xtrabackup-fail";
        expected_text = {"--prepare exited with code 1", "Missing FILE_CHECKPOINT"};
    }
    SECTION("--prepare claims success but the backup is not prepared") {
        replies = {{good_response(b)}};
        o.tools.backup = fakes / "clone-xtrabackup-noop";
        expected_text = {"backup_type = full-backuped"};
    }
    for (const auto total : {0s, 600s}) {  // no --timeout (the default), or one far away
        DYNAMIC_SECTION("--prepare hangs doing nothing: stopped after --idle-timeout, --timeout " << total.count()) {
            replies = {{good_response(b)}};
            o.tools.backup = fakes / "clone-xtrabackup-stuck";
            o.idle_timeout = 1s;
            o.overall_timeout = total;
            expected_text = {"--prepare used no CPU and read and wrote nothing for --idle-timeout 1 s", "it is stuck"};
        }
    }

    fake_donor donor(replies);
    o.donor.port = donor.port();
    const auto started = std::chrono::steady_clock::now();
    const auto r = try_clone(o);
    INFO(r.message);
    CHECK(r.exit_code == expected_code);
    for (const auto& text : expected_text) CHECK_THAT(r.message, Catch::Contains(text));
    CHECK(std::chrono::steady_clock::now() - started < 20s);
    require_clean(datadir);
}

TEST_CASE("a --prepare that works longer than --idle-timeout without a word, in a child of a wrapper, is not stopped",
          "[io][clone]") {
    temp_dir tmp;
    const auto datadir = tmp.path / "data";
    const auto work_log = tmp.path / "prepare-work.log";
    const auto backup = synthetic_backup();
    fake_donor donor({{good_response(backup.bytes)}});
    auto o = options_for(donor.port(), datadir);
    // The fake's own process only waits; its child writes a line every 0.25 s for 3 s; nothing on stderr.
    o.tools.backup = fakes / "clone-xtrabackup-slow";
    o.idle_timeout = 1s;
    o.overall_timeout = 0s;
    ::setenv("FAKE_PREPARE_LOG", work_log.c_str(), 1);
    const auto r = try_clone(o);
    ::unsetenv("FAKE_PREPARE_LOG");
    INFO(r.message);
    REQUIRE(r.exit_code == exit_code::ok);
    // All 12 steps ran (three idle timeouts' worth of silent work), and the backup was prepared.
    std::ifstream in(work_log);
    int lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    CHECK(lines == 12);
    CHECK_THAT(read_file(datadir / "xtrabackup_checkpoints"), Catch::Contains("backup_type = log-applied"));
}

TEST_CASE("a wrong token is reported as such and not retried", "[io][clone]") {
    temp_dir tmp;
    fake_donor donor({{plain_response(401, "Unauthorized")}, {plain_response(401, "Unauthorized")}});
    auto o = options_for(donor.port(), tmp.path);
    o.max_attempts = 3;
    o.token = "wrong";
    const auto r = try_clone(o);
    CHECK(r.exit_code == exit_code::unauthorized);
    CHECK_THAT(r.message, Catch::Contains("token in --auth-token-file does not match the donor's"));
    CHECK_THAT(r.message, !Catch::Contains("wrong"));  // never the token itself
    CHECK(donor.connections() == 1);
    require_clean(tmp.path);
}

TEST_CASE("a busy donor's Retry-After is honoured, then the clone succeeds", "[io][clone]") {
    temp_dir tmp;
    const auto backup = synthetic_backup();
    fake_donor donor(
        {{plain_response(503, "Service Unavailable", "Retry-After: 1\r\n")}, {good_response(backup.bytes)}});
    auto o = options_for(donor.port(), tmp.path);
    o.max_attempts = 3;
    const auto started = std::chrono::steady_clock::now();
    const auto r = try_clone(o);
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE(r.message == "");
    CHECK(r.exit_code == exit_code::ok);
    CHECK(donor.connections() == 2);
    CHECK(took >= 950ms);
    CHECK(fs::exists(tmp.path / clone_marker_file));
}

TEST_CASE("a donor that stays busy ends in no_donor with its Retry-After in the message", "[io][clone]") {
    temp_dir tmp;
    const auto busy = plain_response(503, "Service Unavailable", "Retry-After: 0\r\n");
    fake_donor donor({{busy}, {busy}});
    auto o = options_for(donor.port(), tmp.path);
    o.max_attempts = 2;
    const auto r = try_clone(o);
    CHECK(r.exit_code == exit_code::no_donor);
    CHECK_THAT(r.message, Catch::Contains("busy"));
    CHECK_THAT(r.message, Catch::Contains("retry after 0 s"));
    CHECK_THAT(r.message, Catch::Contains("gave up after 2 attempts"));
    CHECK(donor.connections() == 2);
    require_clean(tmp.path);
}

TEST_CASE("answers before the body that end in no_donor", "[io][clone]") {
    temp_dir tmp;
    auto o = options_for(0, tmp.path);
    std::vector<scripted_reply> replies;
    std::vector<std::string> expected_text;
    int expected_connections = 1;

    SECTION("a Retry-After beyond --retry-for is not waited for") {
        replies = {{plain_response(503, "Service Unavailable", "Retry-After: 120\r\n")}};
        o.max_attempts = 5;
        o.retry_for = 30s;
        expected_text = {"retry after 120 s", "waiting 120 s more would pass --retry-for 30 s"};
    }
    SECTION("the donor accepts but never answers") {
        replies = {{"", true}, {"", true}};
        o.max_attempts = 2;
        o.idle_timeout = 500ms;
        expected_text = {"sent no response within --idle-timeout 0.5 s", "gave up after 2 attempts"};
        expected_connections = 2;
    }
    SECTION("something that is not our sidecar answers: not retried") {
        replies = {{plain_response(404, "Not Found")}, {plain_response(404, "Not Found")}};
        o.max_attempts = 3;
        expected_text = {"HTTP 404 Not Found", "not a compatible mysql-agent sidecar"};
    }

    fake_donor donor(replies);
    o.donor.port = donor.port();
    const auto started = std::chrono::steady_clock::now();
    const auto r = try_clone(o);
    INFO(r.message);
    CHECK(r.exit_code == exit_code::no_donor);
    for (const auto& text : expected_text) CHECK_THAT(r.message, Catch::Contains(text));
    CHECK(donor.connections() == expected_connections);
    CHECK(std::chrono::steady_clock::now() - started < 10s);
    require_clean(tmp.path);
}

TEST_CASE("a refused connection is retried with backoff, then ends in no_donor", "[io][clone]") {
    temp_dir tmp;
    std::uint16_t port = 0;
    {
        // A port that was just free: nothing listens there any more.
        asio::io_context io;
        tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        port = a.local_endpoint().port();
    }
    auto o = options_for(port, tmp.path);
    o.max_attempts = 3;
    const auto r = try_clone(o);
    CHECK(r.exit_code == exit_code::no_donor);
    CHECK_THAT(r.message, Catch::Contains("Connection refused"));
    CHECK_THAT(r.message, Catch::Contains("gave up after 3 attempts"));
    CHECK_THAT(r.message, Catch::Contains(fmt::format("port {}", port)));
    require_clean(tmp.path);
}

TEST_CASE("foreign data is refused and left untouched, --force replaces it", "[io][clone]") {
    temp_dir tmp;
    fs::create_directories(tmp.path / "mysql");
    write_file_atomically(tmp.path / "ibdata1", "precious");
    write_file_atomically(tmp.path / "mysql/user.MYD", "root");
    const auto backup = synthetic_backup();
    fake_donor donor({{good_response(backup.bytes)}});
    auto o = options_for(donor.port(), tmp.path);

    const auto refused = try_clone(o);
    CHECK(refused.exit_code == exit_code::datadir_not_ours);
    CHECK_THAT(refused.message, Catch::Contains("ibdata1"));
    CHECK_THAT(refused.message, Catch::Contains("--force"));
    CHECK(donor.connections() == 0);
    CHECK(read_file(tmp.path / "ibdata1") == "precious");
    CHECK(read_file(tmp.path / "mysql/user.MYD") == "root");

    o.force = true;
    const auto forced = try_clone(o);
    REQUIRE(forced.message == "");
    CHECK(read_file(tmp.path / "ibdata1") == pseudo_random_bytes(300 * 1024, 1));
    CHECK_FALSE(fs::exists(tmp.path / "mysql/user.MYD"));
    CHECK(fs::exists(tmp.path / clone_marker_file));
    CHECK_FALSE(fs::exists(tmp.path / std::string(clone_displaced_dir)));
}

TEST_CASE("clone --force deletes nothing until a donor's backup arrived whole and was prepared", "[io][clone]") {
    temp_dir tmp;
    fs::create_directories(tmp.path / "mysql");
    write_file_atomically(tmp.path / "ibdata1", "precious");
    write_file_atomically(tmp.path / "mysql/user.MYD", "root");
    const auto before = entries(tmp.path);
    const auto backup = synthetic_backup();
    auto o = options_for(0, tmp.path);
    o.force = true;
    std::vector<scripted_reply> replies;
    int expected = exit_code::clone_failed;

    SECTION("nobody listens (a mistyped host or port)") {
        temp_dir other;
        o.donor.port = 1;  // refused
        expected = exit_code::no_donor;
    }
    SECTION("the donor refuses the token") {
        replies = {{plain_response(401, "Unauthorized")}};
        expected = exit_code::unauthorized;
    }
    SECTION("the donor is busy") {
        replies = {{plain_response(503, "Service Unavailable", "Retry-After: 1\r\n")}};
        expected = exit_code::no_donor;
    }
    SECTION("the stream is cut") {
        replies = {{ok_head() + chunked(cut(backup.bytes, backup.chunk_starts[3] + 10))}};
    }
    SECTION("--prepare fails") {
        replies = {{good_response(backup.bytes)}};
        o.tools.backup = fakes / "clone-xtrabackup-fail";
    }
    std::optional<fake_donor> donor;
    if (!replies.empty()) {
        donor.emplace(replies);
        o.donor.port = donor->port();
    }
    const auto r = try_clone(o);
    INFO(r.message);
    CHECK(r.exit_code == expected);
    CHECK(entries(tmp.path) == before);
    CHECK(read_file(tmp.path / "ibdata1") == "precious");
    CHECK(read_file(tmp.path / "mysql/user.MYD") == "root");
}

TEST_CASE("a hostile donor's stream never reaches --prepare or a path outside the datadir", "[io][clone]") {
    temp_dir tmp;
    const auto datadir = tmp.path / "data";
    fs::create_directories(datadir);
    const std::string elf = "\x7f" "ELF\x02\x01\x01" + pseudo_random_bytes(4096, 9);
    xbstream_writer w;
    w.file("ibdata1", pseudo_random_bytes(100 * 1024, 1));
    std::vector<std::string> expected_text;
    SECTION("a ../ entry in the middle") {
        w.file("../escaped", "owned");
        expected_text = {"refusing the donor's stream", "'../escaped'", "'..' component"};
    }
    SECTION("an absolute path") {
        w.file(tmp.path.string() + "/abs", "owned");
        expected_text = {"refusing the donor's stream", "is absolute"};
    }
    SECTION("the agent's reserved marker name") {
        w.file(".mysql-agent-clone.json", "{}");
        expected_text = {"refusing the donor's stream", "starts with '.'"};
    }
    SECTION("a shared object") {
        w.file("evil.so", elf);
        expected_text = {"refusing the donor's stream", "'evil.so' is a shared object"};
    }
    SECTION("a shared object under another name") {
        w.file("shop/orders.frm", elf);
        expected_text = {"refusing the donor's stream", "ELF executable or shared object"};
    }
    SECTION("a file no backup tool writes") {
        w.file("run.sh", "#!/bin/sh\nid > /tmp/pwned\n");
        expected_text = {"refusing the donor's backup before --prepare", "'run.sh'"};
    }
    SECTION("a .ren file that renames a table out of the datadir") {
        w.file("shop/10.ren", "../../../etc/evil.ibd");
        expected_text = {"refusing the donor's backup before --prepare", "shop/10.ren", "'..' component"};
    }
    SECTION("backup-my.cnf with a data file outside the backup") {
        w.file("backup-my.cnf", "[mysqld]\ninnodb_data_file_path=/etc/passwd:10M\n");
        expected_text = {"refusing the donor's backup before --prepare", "innodb_data_file_path"};
    }
    SECTION("a 2 MiB xtrabackup_binlog_info") {
        w.file("xtrabackup_binlog_info", std::string(2 * 1024 * 1024, '1'));
        expected_text = {"refusing the donor's backup before --prepare", "xtrabackup_binlog_info", "far more"};
    }
    w.file("xtrabackup_checkpoints", read_file(fixtures / "backup-metadata/mb1011_checkpoints_backup.txt"));
    w.file("xtrabackup_info", read_file(fixtures / "backup-metadata/mb1011_info.txt"));
    // The fake --prepare would record that it ran: it must not have.
    auto o = options_for(0, datadir);
    o.tools.backup = fakes / "clone-xtrabackup-record";
    const fs::path prepared_flag = tmp.path / "prepare-ran";
    ::setenv("FAKE_PREPARE_FLAG", prepared_flag.c_str(), 1);
    fake_donor donor({{good_response(w.bytes)}});
    o.donor.port = donor.port();
    const auto r = try_clone(o);
    ::unsetenv("FAKE_PREPARE_FLAG");
    INFO(r.message);
    CHECK(r.exit_code == exit_code::clone_failed);
    for (const auto& t : expected_text) CHECK_THAT(r.message, Catch::Contains(t));
    CHECK_FALSE(fs::exists(prepared_flag));
    CHECK_FALSE(fs::exists(tmp.path / "escaped"));
    CHECK_FALSE(fs::exists(tmp.path / "abs"));
    require_clean(datadir);
}

TEST_CASE("backup-my.cnf reaches --prepare rebuilt: no plugin, no include", "[io][clone]") {
    temp_dir tmp;
    const auto datadir = tmp.path / "data";
    fs::create_directories(datadir);
    xbstream_writer w;
    w.file("ibdata1", pseudo_random_bytes(100 * 1024, 1));
    w.file("backup-my.cnf", "[mysqld]\ninnodb_page_size=16384\nplugin_dir=" + tmp.path.string() +
                                "\nplugin_load=evil.so\n!include /etc/shadow\n");
    w.file("xtrabackup_checkpoints", read_file(fixtures / "backup-metadata/mb1011_checkpoints_backup.txt"));
    w.file("xtrabackup_info", read_file(fixtures / "backup-metadata/mb1011_info.txt"));
    w.file("xtrabackup_binlog_info", read_file(fixtures / "backup-metadata/mb1011_binlog_info_gtid.txt"));
    fake_donor donor({{good_response(w.bytes)}});
    const auto r = try_clone(options_for(donor.port(), datadir));
    REQUIRE(r.message == "");
    const auto cnf = read_file(datadir / "backup-my.cnf");
    CHECK_THAT(cnf, Catch::Contains("innodb_page_size=16384"));
    CHECK_THAT(cnf, !Catch::Contains("plugin"));
    CHECK_THAT(cnf, !Catch::Contains("include"));
}

TEST_CASE("a donor that floods the response buffer fails the clone at a bounded size", "[io][clone]") {
    temp_dir tmp;
    const auto backup = synthetic_backup();
    const std::string& b = backup.bytes;
    std::string reply;
    std::string why;
    SECTION("a chunk extension of 4 MiB") {
        reply = ok_head() + chunked(cut(b, 5000)) + "400;" + std::string(4 << 20, 'a') + "\r\n";
        why = "chunk header or trailer section larger than";
    }
    SECTION("trailers that never end") {
        reply = ok_head() + chunked(b) + "0\r\n";
        for (int i = 0; i < 200000; ++i) reply += "X-a: b\r\n";
        why = "chunk header or trailer section larger than";
    }
    SECTION("a response header of 1 MiB") {
        reply = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(1 << 20, 'h') + "\r\n\r\n";
        why = "response header larger than";
    }
    fake_donor donor({{reply}});
    const auto r = try_clone(options_for(donor.port(), tmp.path));
    INFO(r.message);
    CHECK(r.exit_code == exit_code::clone_failed);
    CHECK_THAT(r.message, Catch::Contains(why));
    require_clean(tmp.path);
}

TEST_CASE("the clone binary: a signal mid-stream leaves nothing, or what the next run cleans", "[io][clone]") {
    temp_dir tmp;
    const auto datadir = tmp.path / "data";
    fs::create_directories(datadir);
    const auto backup = synthetic_backup();
    const std::size_t midway = backup.chunk_starts[backup.chunk_starts.size() / 2];
    fake_donor stalling({{ok_head() + chunked(cut(backup.bytes, midway)), true}});

    std::vector<std::string> args = {AGENT_BINARY,   "clone",
                                     "--from",       fmt::format("127.0.0.1:{}", stalling.port()),
                                     "--datadir",    datadir.string(),
                                     "--xtrabackup", (fakes / "clone-xtrabackup").string(),
                                     "--xbstream",   "/usr/bin/mbstream"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    REQUIRE(::posix_spawn(&pid, AGENT_BINARY, nullptr, nullptr, argv.data(), environ) == 0);
    // Wait until part of the stream is extracted, then interrupt.
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    while (!fs::exists(datadir / clone_staging_dir / "ibdata1") && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(20ms);
    REQUIRE(fs::exists(datadir / clone_staging_dir / "ibdata1"));

    SECTION("SIGTERM (pod deleted): the clone removes its files and exits clone_failed") {
        ::kill(pid, SIGTERM);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == exit_code::clone_failed);
        require_clean(datadir);
    }
    SECTION("SIGKILL: the staging dir stays, and the next run recognises and removes it") {
        ::kill(pid, SIGKILL);
        REQUIRE(::waitpid(pid, nullptr, 0) == pid);
        REQUIRE(fs::exists(datadir / clone_staging_dir / "ibdata1"));
        // mbstream has its own process group: with the agent gone it reads EOF and exits by itself.
        std::this_thread::sleep_for(300ms);
        CHECK(classify_datadir(gather_datadir_facts(datadir), false).kind == datadir_kind::unfinished_clone);

        fake_donor good({{good_response(backup.bytes)}});
        const auto r = try_clone(options_for(good.port(), datadir));
        REQUIRE(r.message == "");
        CHECK(fs::exists(datadir / clone_marker_file));
        CHECK_FALSE(fs::exists(datadir / clone_staging_dir));
    }
}

TEST_CASE("the clone command line: exit codes and messages a person can act on", "[io][clone]") {
    temp_dir tmp;
    const auto datadir = tmp.path / "data";
    const auto token_file = tmp.path / "token";
    write_file_atomically(token_file, "not-the-donor-token\n");
    const std::string tools =
        fmt::format("--xtrabackup {} --xbstream /usr/bin/mbstream", quoted((fakes / "clone-xtrabackup").string()));

    SECTION("a wrong token: exit unauthorized, without the token in the output") {
        fake_donor donor({{plain_response(401, "Unauthorized")}});
        const auto [rc, out] =
            run_agent(fmt::format("clone --from 127.0.0.1:{} --datadir {} --auth-token-file {} {}", donor.port(),
                                  quoted(datadir.string()), quoted(token_file.string()), tools));
        INFO(out);
        CHECK(rc == exit_code::unauthorized);
        CHECK_THAT(out, Catch::Contains("mysql-agent clone: donor 127.0.0.1:"));
        CHECK_THAT(out, Catch::Contains("does not match the donor's"));
        CHECK_THAT(out, !Catch::Contains("not-the-donor-token"));
    }
    SECTION("no token for a donor that wants one; the token file also comes from the environment") {
        fake_donor donor({{plain_response(401, "Unauthorized")}});
        const auto [rc, out] = run_agent(
            fmt::format("clone --from 127.0.0.1:{} --datadir {} {}", donor.port(), quoted(datadir.string()), tools));
        INFO(out);
        CHECK(rc == exit_code::unauthorized);
        CHECK_THAT(out, Catch::Contains("requires a bearer token"));
        const auto [rc2, out2] =
            shell(fmt::format("MYSQL_AGENT_AUTH_TOKEN_FILE={} {} clone --from 127.0.0.1:1 --datadir {} {} 2>&1",
                              quoted((tmp.path / "missing").string()), AGENT_BINARY, quoted(datadir.string()), tools));
        INFO(out2);
        CHECK(rc2 == exit_code::config);
        CHECK_THAT(out2, Catch::Contains("--auth-token-file"));
    }
    SECTION("an unusable --from: exit config") {
        const auto [rc, out] =
            run_agent(fmt::format("clone --from 'host:99999' --datadir {} {}", quoted(datadir.string()), tools));
        INFO(out);
        CHECK(rc == exit_code::config);
        CHECK_THAT(out, Catch::Contains("1..65535"));
    }
    SECTION("a duration flag out of range: exit config, naming the flag") {
        for (const char* flag : {"--connect-timeout 1e17", "--idle-timeout 1e300", "--timeout -1", "--retry-for 1e20",
                                 "--connect-timeout 0", "--idle-timeout nan"}) {
            const auto [rc, out] = run_agent(fmt::format("clone --from 127.0.0.1:1 --datadir {} {} {}",
                                                         quoted(datadir.string()), flag, tools));
            INFO(flag << ": " << out);
            CHECK(rc == exit_code::config);
            CHECK_THAT(out, Catch::Contains(std::string(flag).substr(0, std::string(flag).find(' '))));
            CHECK_THAT(out, Catch::Contains("expected a number of seconds"));
        }
    }
    SECTION("two clones into one datadir: the second is told who holds it") {
        const auto backup = synthetic_backup();
        const std::size_t midway = backup.chunk_starts[backup.chunk_starts.size() / 2];
        fake_donor stalling({{ok_head() + chunked(cut(backup.bytes, midway)), true}});
        background_process first({AGENT_BINARY, "clone", "--from", fmt::format("127.0.0.1:{}", stalling.port()),
                                  "--datadir", datadir.string(), "--xtrabackup", (fakes / "clone-xtrabackup").string(),
                                  "--xbstream", "/usr/bin/mbstream", "--idle-timeout", "30"});
        REQUIRE(wait_until_exists(datadir / std::string(clone_staging_dir), 10s));
        const auto [rc, out] = run_agent(fmt::format("clone --from 127.0.0.1:1 --datadir {} {}",
                                                     quoted(datadir.string()), tools));
        INFO(out);
        CHECK(rc == exit_code::datadir_busy);
        CHECK_THAT(out, Catch::Contains("another mysql-agent run (process "));
        CHECK_THAT(out, Catch::Contains(datadir.string()));
        CHECK(fs::exists(datadir / std::string(clone_staging_dir)));  // the first run's work is untouched
    }
    SECTION("init tries the donor again after a failed stream, in the same run") {
        const auto backup = synthetic_backup();
        const auto [src, conf] = config_dirs(tmp.path);
        // The first attempt is cut mid-stream (a donor killed), the second serves the whole backup.
        fake_donor donor({{ok_head() + chunked(cut(backup.bytes, backup.chunk_starts[3] + 7))},
                          {good_response(backup.bytes)}});
        const auto [rc, out] = run_agent(fmt::format(
            "init --hostname mysql-1 --config-src {} --config-dir {} --datadir {} --clone-from 127.0.0.1:{} "
            "--clone-wait 60 {}",
            quoted(src.string()), quoted(conf.string()), quoted(datadir.string()), donor.port(), tools));
        INFO(out);
        CHECK(rc == exit_code::ok);
        CHECK_THAT(out, Catch::Contains("trying the next donor"));
        CHECK(donor.connections() == 2);
        CHECK(fs::exists(datadir / clone_marker_file));
    }
    SECTION("init answers SIGTERM within a second while it waits for donors") {
        const auto [src, conf] = config_dirs(tmp.path);
        pid_t pid = 0;
        std::vector<std::string> args = {AGENT_BINARY, "init", "--hostname", "mysql-1", "--config-src", src.string(),
                                         "--config-dir", conf.string(), "--datadir", datadir.string(),
                                         "--clone-from", "127.0.0.1:1", "--clone-wait", "600", "--xtrabackup",
                                         (fakes / "clone-xtrabackup").string(), "--xbstream", "/usr/bin/mbstream"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        REQUIRE(::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
        std::this_thread::sleep_for(2500ms);  // refused at once, then waiting between rounds
        const auto sent = std::chrono::steady_clock::now();
        ::kill(pid, SIGTERM);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK(std::chrono::steady_clock::now() - sent < 1s);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == exit_code::clone_failed);
        require_clean(datadir);
    }
    SECTION("a completed clone: exit 0, nothing fetched, and how to clone again") {
        const auto backup = synthetic_backup();
        fake_donor donor({{good_response(backup.bytes)}});
        const auto first = run_agent(
            fmt::format("clone --from 127.0.0.1:{} --datadir {} {}", donor.port(), quoted(datadir.string()), tools));
        INFO(first.second);
        REQUIRE(first.first == exit_code::ok);
        CHECK_THAT(first.second, Catch::Contains("committed into"));
        const auto again =
            run_agent(fmt::format("clone --from 127.0.0.1:1 --datadir {} --force {}", quoted(datadir.string()), tools));
        INFO(again.second);
        CHECK(again.first == exit_code::ok);
        CHECK_THAT(again.second, Catch::Contains("already holds a completed clone from 127.0.0.1:"));
        CHECK_THAT(again.second, Catch::Contains("remove"));
    }
}

// --- The real thing: MariaDB, mariabackup, mbstream.

namespace {

std::string query(const fs::path& socket, const std::string& sql) {
    const auto [rc, out] =
        shell(fmt::format("mariadb --no-defaults -S '{}' -uroot -N -B -e \"{}\" 2>&1", socket.string(), sql));
    INFO(out);
    REQUIRE(rc == 0);
    return out;
}

std::unique_ptr<background_process> start_mariadbd(const fs::path& datadir, const fs::path& socket, bool binlog) {
    std::vector<std::string> args = {
        "/usr/sbin/mariadbd",
        "--no-defaults",
        "--datadir=" + datadir.string(),
        "--socket=" + socket.string(),
        "--pid-file=" + (datadir.parent_path() / (datadir.filename().string() + ".pid")).string(),
        "--log-error=" + (datadir.parent_path() / (datadir.filename().string() + ".err")).string(),
        "--skip-networking",
        "--user=root",
        "--innodb-buffer-pool-size=64M"};
    if (binlog) {
        args.push_back("--log-bin=mariadb-bin");
        args.push_back("--server-id=1");
    }
    auto server = std::make_unique<background_process>(args);
    for (int i = 0; i < 300; ++i) {
        if (shell(fmt::format("mariadb-admin --no-defaults -S '{}' -uroot ping >/dev/null 2>&1", socket.string()))
                .first == 0)
            return server;
        std::this_thread::sleep_for(100ms);
    }
    FAIL("mariadbd on " << datadir << " did not come up; see its .err file");
    return nullptr;
}

}  // namespace

TEST_CASE("a real mariabackup stream is cloned with the real mbstream and --prepare, and mysqld starts on it",
          "[io][clone][mariadb]") {
    if (::access("/usr/sbin/mariadbd", X_OK) != 0 || ::access("/usr/bin/mariabackup", X_OK) != 0)
        FAIL("this test needs mariadb-server and mariadb-backup (scripts/install-deps.sh)");
    temp_dir tmp;
    const auto source = tmp.path / "source";
    const auto target = tmp.path / "target";
    const auto stream = tmp.path / "backup.xbs";
    fs::create_directories(target);

    // The donor: a fresh server with a table and binary logging, so the backup has coordinates.
    REQUIRE(shell(fmt::format("mariadb-install-db --no-defaults --datadir='{}' --user=root "
                              "--auth-root-authentication-method=normal --skip-test-db >'{}/install.log' 2>&1",
                              source.string(), tmp.path.string()))
                .first == 0);
    {
        auto donor_server = start_mariadbd(source, tmp.path / "source.sock", true);
        query(tmp.path / "source.sock",
              "CREATE DATABASE shop; CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(200)) ENGINE=InnoDB; "
              "INSERT INTO shop.orders SELECT seq, REPEAT('x', 150) FROM shop.seq_1_to_20000;");
        const auto [rc, out] = shell(fmt::format(
            "mariabackup --no-defaults --backup --stream=xbstream --socket='{}' --user=root --target-dir='{}' >'{}' "
            "2>'{}/backup.log'",
            (tmp.path / "source.sock").string(), (tmp.path / "bk-tmp").string(), stream.string(), tmp.path.string()));
        INFO(read_file_if_exists(tmp.path / "backup.log").value_or(""));
        REQUIRE(rc == 0);
    }
    const std::string body = read_file(stream);
    fake_donor donor({{good_response(body)}});

    auto o = options_for(donor.port(), target);
    o.tools = {"/usr/bin/mariabackup", "/usr/bin/mbstream", true};
    o.idle_timeout = 30s;
    const auto started = std::chrono::steady_clock::now();
    const auto r = try_clone(o);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    REQUIRE(r.message == "");
    WARN(fmt::format("real clone: {} stream bytes, {:.2f}s including --prepare", body.size(), seconds));
    REQUIRE(r.outcome);
    const auto& marker = r.outcome->marker;
    REQUIRE(marker.coordinates.binlog);
    CHECK(marker.coordinates.binlog->file == "mariadb-bin.000001");
    CHECK(marker.coordinates.binlog->position > 0);
    CHECK_THAT(marker.server_version, Catch::Contains("MariaDB"));
    CHECK_FALSE(fs::exists(target / clone_staging_dir));
    CHECK_FALSE(fs::exists(target / clone_journal_file));

    auto replica = start_mariadbd(target, tmp.path / "target.sock", false);
    CHECK(query(tmp.path / "target.sock", "SELECT COUNT(*), SUM(LENGTH(note)) FROM shop.orders") == "20000\t3000000\n");
    replica->stop();
}

// --- Compressed bodies (Content-Encoding: zstd): what a new donor sends, and what a damaged or lying one does.

namespace {

/// `raw` as zstd frames of `block` bytes each, as the sidecar sends it (1 MiB blocks: one frame for these tests'
/// small backups).
std::string zstd_of(std::string_view raw, int level = 1, std::size_t block = frame_pipeline::block_bytes) {
    return test_support::zstd_frames_of(raw, level, block);
}

/// `body` (frames one after another) split into its frames.
std::vector<std::string> frames_of(const std::string& body) {
    std::vector<std::string> frames;
    for (std::size_t off = 0; off < body.size();) {
        const std::size_t n = ZSTD_findFrameCompressedSize(body.data() + off, body.size() - off);
        REQUIRE_FALSE(ZSTD_isError(n));
        frames.push_back(body.substr(off, n));
        off += n;
    }
    return frames;
}

std::string zstd_head() {
    std::string h = ok_head();
    h.insert(h.size() - 2, "Content-Encoding: zstd\r\n");
    return h;
}

/// The trailer a compressing donor sends: bytes and digest of `sent`, and the count of `raw`.
protocol::backup_trailer zstd_trailer(std::string_view sent, std::string_view raw) {
    auto t = ok_trailer(sent);
    t.uncompressed_bytes = raw.size();
    return t;
}

}  // namespace

TEST_CASE("a compressed stream is decompressed, checked and committed, and the client asked for it", "[io][clone]") {
    temp_dir tmp;
    const auto backup = synthetic_backup();
    // Random test data does not shrink: the bytes saved are measured on a real backup (sidecar_clone_real_test).
    // Frames of 64 KiB: the body is several of them, one after another.
    const std::string body = zstd_of(backup.bytes, 1, 64 * 1024);
    REQUIRE(frames_of(body).size() > 5);
    fake_donor donor({{zstd_head() + chunked(body) + last_chunk(zstd_trailer(body, backup.bytes))}});
    auto o = options_for(donor.port(), tmp.path);
    o.compression = {protocol::stream_codec::zstd, 7};

    const auto r = try_clone(o);
    REQUIRE(r.message == "");
    REQUIRE(r.exit_code == exit_code::ok);
    CHECK(read_file(tmp.path / "ibdata1") == pseudo_random_bytes(300 * 1024, 1));
    CHECK(read_file(tmp.path / "shop/orders.ibd") == pseudo_random_bytes(150 * 1024, 2));
    // The marker records the stream as it travelled: what the donor's log and metrics count.
    CHECK(r.outcome->marker.stream_bytes == body.size());
    CHECK(r.outcome->marker.digest == digest_of(body));
    CHECK_THAT(donor.requests().at(0), Catch::Contains("\r\nAccept-Encoding: zstd\r\n"));
    CHECK_THAT(donor.requests().at(0), Catch::Contains("\r\nX-Backup-Zstd-Level: 7\r\n"));
}

TEST_CASE("a new client against a donor that does not compress, and --compress none", "[io][clone]") {
    temp_dir tmp;
    const auto backup = synthetic_backup();
    // A donor from before compression ignores Accept-Encoding and sends the raw stream, without the new field.
    fake_donor donor({{good_response(backup.bytes)}});
    auto o = options_for(donor.port(), tmp.path);
    bool asked = true;
    SECTION("the default, zstd: asked for, and the raw answer taken") {}
    SECTION("--compress none: not asked for") {
        o.compression = {protocol::stream_codec::none, 1};
        asked = false;
    }
    const auto r = try_clone(o);
    REQUIRE(r.message == "");
    REQUIRE(r.exit_code == exit_code::ok);
    CHECK(r.outcome->marker.stream_bytes == backup.bytes.size());
    CHECK((donor.requests().at(0).find("Accept-Encoding") != std::string::npos) == asked);
}

TEST_CASE("a damaged or lying compressed stream fails the clone and leaves no files", "[io][clone]") {
    temp_dir tmp;
    const auto backup = synthetic_backup();
    const std::string& raw = backup.bytes;
    const std::string body = zstd_of(raw);
    std::string reply;
    std::vector<std::string> expected_text;

    SECTION("a byte in the middle of the frame damaged (the donor's digest vouches for the damage)") {
        // Where it lands decides who notices first (zstd's block decoder, the xbstream CRC, zstd's checksum):
        // any of them fails the clone.
        std::string damaged = body;
        damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x20);
        reply = zstd_head() + chunked(damaged) + last_chunk(zstd_trailer(damaged, raw));
    }
    SECTION("the frame's content checksum damaged: the data decodes, the checksum does not match") {
        std::string damaged = body;
        damaged.back() = static_cast<char>(damaged.back() ^ 0x01);
        reply = zstd_head() + chunked(damaged) + last_chunk(zstd_trailer(damaged, raw));
        expected_text = {"the compressed stream from donor", "is corrupt near byte", "zstd says:", "checksum"};
    }
    SECTION("the frame cut short, with a trailer that vouches for what arrived") {
        const std::string cut_body = body.substr(0, body.size() - 20);
        reply = zstd_head() + chunked(cut_body) + last_chunk(zstd_trailer(cut_body, raw));
        expected_text = {"ends inside a zstd frame"};
    }
    SECTION("the connection closes inside the frame, without a trailer") {
        reply = zstd_head() + chunked(body.substr(0, body.size() / 2));
        expected_text = {fmt::format("cut at byte {}", body.size() / 2)};
    }
    SECTION("the trailer's byte count before compression disagrees with what came out") {
        auto t = zstd_trailer(body, raw);
        *t.uncompressed_bytes += 1;
        reply = zstd_head() + chunked(body) + last_chunk(t);
        expected_text = {fmt::format("held {} bytes before compression but {} came out", raw.size() + 1, raw.size())};
    }
    SECTION("a compressed body whose trailer has no byte count before compression") {
        reply = zstd_head() + chunked(body) + last_chunk(ok_trailer(body));
        expected_text = {"has no X-Backup-Uncompressed-Bytes field"};
    }
    SECTION("a frame left out between two others, with a trailer that vouches for what was sent") {
        const auto frames = frames_of(zstd_of(raw, 1, 64 * 1024));
        std::string gapped;
        for (std::size_t i = 0; i < frames.size(); ++i)
            if (i != 2) gapped += frames[i];
        reply = zstd_head() + chunked(gapped) + last_chunk(zstd_trailer(gapped, raw));
        expected_text = {"is not a valid xbstream"};
    }
    SECTION("the last frame left out, with a trailer that counts only what the others hold") {
        const auto frames = frames_of(zstd_of(raw, 1, 64 * 1024));
        std::string cut_body;
        for (std::size_t i = 0; i + 1 < frames.size(); ++i) cut_body += frames[i];
        auto t = zstd_trailer(cut_body, raw);
        *t.uncompressed_bytes = raw.size() - (raw.size() % (64 * 1024) == 0 ? 64 * 1024 : raw.size() % (64 * 1024));
        reply = zstd_head() + chunked(cut_body) + last_chunk(t);
        // zstd and the trailer see nothing wrong: the xbstream framing check does.
        expected_text = {"is incomplete"};
    }
    SECTION("a raw stream labelled zstd") {
        reply = zstd_head() + chunked(raw) + last_chunk(zstd_trailer(raw, raw));
        expected_text = {"is corrupt near byte 0", "Unknown frame descriptor"};
    }
    SECTION("a compressed stream sent without Content-Encoding") {
        reply = ok_head() + chunked(body) + last_chunk(ok_trailer(body));
        expected_text = {"not a valid xbstream"};
    }
    SECTION("a Content-Encoding this client does not decode") {
        std::string head = ok_head();
        head.insert(head.size() - 2, "Content-Encoding: gzip\r\n");
        reply = head + chunked(body) + last_chunk(ok_trailer(body));
        expected_text = {"Content-Encoding: gzip, which this client does not decode"};
    }
    fake_donor donor({{reply}});
    const auto r = try_clone(options_for(donor.port(), tmp.path));
    INFO(r.message);
    CHECK(r.exit_code == exit_code::clone_failed);
    for (const auto& text : expected_text) CHECK_THAT(r.message, Catch::Contains(text));
    require_clean(tmp.path);
}
