#include "mysql_agent/core/xbstream_verifier.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <ostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mysql_agent/core/stream_digest.hpp"

using namespace std::string_literals;
using mysql_agent::stream_digest;
using mysql_agent::xbstream_verifier;

namespace {

std::string le32(std::uint32_t v) {
    std::string s;
    for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
}

std::string le64(std::uint64_t v) {
    std::string s;
    for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
}

// Encodes chunks as in tests/fixtures/backup-metadata/README.md §4 and remembers where each one's header
// and payload are, so tests can say what a cut at any byte must report. CRCs are left 0: the verifier does
// not check them (the extractor does).
class stream_builder {
public:
    struct extent {
        std::size_t start = 0;
        std::size_t header_end = 0;  // first payload byte (== end for chunks without payload)
        std::size_t end = 0;
        char type = 0;
        std::string path;
    };

    stream_builder& payload(std::string_view path, std::string_view data, std::uint64_t offset,
                            std::uint8_t flags = 0, char type = 'P') {
        std::string h = head(flags, type, path);
        h += le64(data.size()) + le64(offset) + le32(0);
        return add(type, path, h, data);
    }

    stream_builder& sparse(std::string_view path, const std::vector<std::pair<std::uint32_t, std::uint32_t>>& map,
                           std::string_view data, std::uint64_t offset) {
        std::string h = head(0, 'S', path) + le32(static_cast<std::uint32_t>(map.size()));
        h += le64(data.size()) + le64(offset) + le32(0);
        for (const auto& [skip, len] : map) h += le32(skip) + le32(len);
        return add('S', path, h, data);
    }

    stream_builder& end(std::string_view path) { return add('E', path, head(0, 'E', path), ""); }

    /// A whole file: payload chunks of at most `chunk_size` bytes at running offsets, then its end chunk.
    stream_builder& file(std::string_view path, std::string_view content, std::size_t chunk_size = 1 << 20) {
        for (std::size_t at = 0; at < content.size(); at += chunk_size)
            payload(path, content.substr(at, chunk_size), at);
        return end(path);
    }

    /// The two files every backup ends with.
    stream_builder& metadata() {
        file("xtrabackup_checkpoints", "backup_type = full-backuped\nfrom_lsn = 0\nto_lsn = 44404\n");
        return file("xtrabackup_info", "tool_name = mariabackup\ntool_version = 10.11.19-MariaDB\n");
    }

    stream_builder& raw(std::string_view bytes) {
        bytes_ += bytes;
        return *this;
    }

    const std::string& bytes() const { return bytes_; }
    const std::vector<extent>& chunks() const { return chunks_; }

private:
    static std::string head(std::uint8_t flags, char type, std::string_view path) {
        return "XBSTCK01" + std::string(1, static_cast<char>(flags)) + std::string(1, type) +
               le32(static_cast<std::uint32_t>(path.size())) + std::string(path);
    }

    stream_builder& add(char type, std::string_view path, const std::string& header, std::string_view data) {
        extent e;
        e.start = bytes_.size();
        e.header_end = e.start + header.size();
        e.end = e.header_end + data.size();
        e.type = type;
        e.path = std::string(path);
        bytes_ += header;
        bytes_ += data;
        chunks_.push_back(e);
        return *this;
    }

    std::string bytes_;
    std::vector<extent> chunks_;
};

// Everything observable about a verifier after a run, so runs with different splits can be compared whole.
struct verdict {
    std::string feed_error;  // the first error feed() returned; "" if none
    std::string finish;      // finish()'s error; "" when it is ok
    std::uint64_t offset = 0;
    std::uint64_t chunks = 0;
    std::set<std::string> completed;
    std::vector<std::string> open;
    bool operator==(const verdict&) const = default;
};

std::ostream& operator<<(std::ostream& os, const verdict& v) {
    os << "{feed_error: '" << v.feed_error << "', finish: '" << v.finish << "', offset: " << v.offset
       << ", chunks: " << v.chunks << ", completed: [";
    for (const auto& c : v.completed) os << c << ' ';
    os << "], open: [";
    for (const auto& o : v.open) os << o << ' ';
    return os << "]}";
}

/// Feeds `bytes` cut into pieces of the given sizes (the last piece takes the rest).
verdict run(std::string_view bytes, const std::vector<std::size_t>& pieces = {}) {
    xbstream_verifier v;
    verdict out;
    std::size_t at = 0;
    auto feed = [&](std::size_t n) {
        const auto s = v.feed(bytes.data() + at, n);
        if (!s && out.feed_error.empty()) out.feed_error = s.message();
        at += n;
    };
    for (std::size_t n : pieces) feed(std::min(n, bytes.size() - at));
    feed(bytes.size() - at);
    const auto f = v.finish();
    if (!f) out.finish = f.message();
    out.offset = v.offset();
    out.chunks = v.chunks();
    out.completed = v.completed_files();
    out.open = v.open_files();
    REQUIRE(v.files_completed() == out.completed.size());
    return out;
}

std::vector<std::size_t> byte_by_byte(std::size_t n) { return std::vector<std::size_t>(n, 1); }

std::vector<std::size_t> random_pieces(std::size_t n, std::uint32_t seed, std::size_t max_piece) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> size(0, max_piece);  // 0: feed() with no bytes must be harmless
    std::vector<std::size_t> pieces;
    for (std::size_t total = 0; total < n;) {
        pieces.push_back(size(rng));
        total += pieces.back();
    }
    return pieces;
}

std::string read_fixture(const std::string& name) {
    const std::string path = std::string(FIXTURES_DIR) + "/xbstream/" + name;
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const std::set<std::string> small_ok_files = {"xtrabackup_binlog_info", "xtrabackup_slave_info",
                                              "xtrabackup_checkpoints"};

// A realistic backup in miniature: a multi-chunk tablespace, a sparse one, an empty file (a lone end chunk),
// an ignorable chunk of an unknown type, and the metadata files last, as xtrabackup and mariabackup send them.
stream_builder realistic_stream() {
    stream_builder b;
    b.file("ibdata1", std::string(100, 'i'), 40);
    b.file("mysql/user.ibd", std::string(30, 'u'));
    b.end("test/empty.ibd");
    b.sparse("test/t1.ibd", {{0, 10}, {100, 5}}, std::string(15, 's'), 0);
    b.payload("test/t1.ibd", std::string(5, 't'), 115);
    b.payload("future", "ignored", 999, /*flags=*/1, 'Z');
    b.end("test/t1.ibd");
    b.file("xtrabackup_binlog_info", "mariadb-bin.000001\t1198\t0-1-5\n");
    b.file("backup-my.cnf", "[mysqld]\ninnodb_page_size=16384\n");
    return b.metadata();
}

}  // namespace

TEST_CASE("xbstream fixtures from mariabackup 10.11.19", "[stream]") {
    struct row {
        const char* name;
        const char* fixture;
        std::uint64_t chunks;
        std::set<std::string> completed;
        std::string finish;  // expected start of finish()'s message
    };
    const std::vector<row> rows = {
        {"intact stream: framing ok, and this small fixture has no xtrabackup_info", "mb1011_small_ok.xbs", 6,
         small_ok_files, "stream ended at byte 484 without xtrabackup_info (or mariadb_backup_info)"},
        {"bad CRC: the extractor checks CRCs, so the framing verdict equals the intact one", "mb1011_small_bad_crc.xbs",
         6, small_ok_files, "stream ended at byte 484 without xtrabackup_info (or mariadb_backup_info)"},
        {"cut at a chunk boundary (mbstream exits 0): the metadata files are missing",
         "mb1011_small_trunc_at_chunk_boundary.xbs", 4, {"xtrabackup_binlog_info", "xtrabackup_slave_info"},
         "stream ended at byte 295 without xtrabackup_checkpoints (or mariadb_backup_checkpoints) and "
         "xtrabackup_info (or mariadb_backup_info)"},
        {"cut 9 bytes into a chunk header (mbstream: unexpected end of stream at offset 0x127)",
         "mb1011_small_trunc_mid_header.xbs", 4, {"xtrabackup_binlog_info", "xtrabackup_slave_info"},
         "stream cut at byte 304 inside a chunk header (the chunk starts at byte 295)"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const std::string bytes = read_fixture(r.fixture);
            const verdict whole = run(bytes);
            CHECK(whole.feed_error.empty());
            CHECK(whole.offset == bytes.size());
            CHECK(whole.chunks == r.chunks);
            CHECK(whole.completed == r.completed);
            CHECK(whole.open.empty());
            CHECK_THAT(whole.finish, Catch::StartsWith(r.finish));
            CHECK(run(bytes, byte_by_byte(bytes.size())) == whole);
            CHECK(run(bytes, random_pieces(bytes.size(), 7, 50)) == whole);
        }
    }
}

TEST_CASE("xbstream: the intact fixture plus an info file is a complete backup", "[stream]") {
    stream_builder b;
    b.raw(read_fixture("mb1011_small_ok.xbs")).file("xtrabackup_info", "tool_name = mariabackup\n");
    const verdict v = run(b.bytes());
    CHECK(v.finish.empty());
    CHECK(v.chunks == 8);
    CHECK(v.completed.count("xtrabackup_info") == 1);
}

TEST_CASE("xbstream: a cut at any byte is detected, only the full stream passes", "[stream]") {
    const stream_builder b = realistic_stream();
    const std::string& s = b.bytes();
    REQUIRE(run(s).finish.empty());

    for (std::size_t cut = 0; cut <= s.size(); ++cut) {
        CAPTURE(cut);
        const std::string_view prefix(s.data(), cut);
        const verdict whole = run(prefix);
        REQUIRE(whole.feed_error.empty());
        REQUIRE(whole.offset == cut);

        // What the cut must report, from where the builder put each chunk's header and payload.
        std::set<std::string> open;
        bool checkpoints = false;
        bool info = false;
        std::string expected;
        for (const auto& c : b.chunks()) {
            if (cut >= c.end) {
                if (c.type == 'P' || c.type == 'S') open.insert(c.path);
                if (c.type == 'E') {
                    open.erase(c.path);
                    checkpoints = checkpoints || c.path == "xtrabackup_checkpoints";
                    info = info || c.path == "xtrabackup_info";
                }
            } else if (cut > c.start && cut < c.header_end) {
                expected = "stream cut at byte " + std::to_string(cut) + " inside a chunk header";
                break;
            } else if (cut >= c.header_end) {
                expected = "stream cut at byte " + std::to_string(cut) + " inside the payload of " + c.path;
                break;
            } else {
                break;
            }
        }
        if (cut == 0)
            expected = "stream is empty (0 bytes)";
        else if (expected.empty() && !open.empty())
            expected = "stream ended at byte " + std::to_string(cut) + " but " + *open.begin();
        else if (expected.empty() && !(checkpoints && info))
            expected = "stream ended at byte " + std::to_string(cut) + " without";

        if (cut == s.size()) {
            REQUIRE(expected.empty());
            REQUIRE(whole.finish.empty());
        } else {
            REQUIRE_FALSE(expected.empty());
            REQUIRE_THAT(whole.finish, Catch::StartsWith(expected));
        }
        REQUIRE(run(prefix, byte_by_byte(cut)) == whole);
    }
}

TEST_CASE("xbstream: the verdict does not depend on how the bytes are split", "[stream]") {
    const std::string s = realistic_stream().bytes();
    const verdict whole = run(s);
    REQUIRE(whole.finish.empty());
    CHECK(whole.chunks == 19);  // the ignorable unknown chunk counts too
    CHECK(whole.completed == std::set<std::string>{"ibdata1", "mysql/user.ibd", "test/empty.ibd", "test/t1.ibd",
                                                   "xtrabackup_binlog_info", "backup-my.cnf",
                                                   "xtrabackup_checkpoints", "xtrabackup_info"});
    CHECK(run(s, byte_by_byte(s.size())) == whole);
    for (std::uint32_t seed = 1; seed <= 20; ++seed) {
        CAPTURE(seed);
        CHECK(run(s, random_pieces(s.size(), seed, 1 + seed * 7)) == whole);
    }
}

TEST_CASE("xbstream: framing and completeness errors", "[stream]") {
    // Byte offsets in the expectations come from the builder, which encodes chunks independently of the verifier.
    const auto size = [](const stream_builder& b) { return std::to_string(b.bytes().size()); };
    const auto last_start = [](const stream_builder& b) { return std::to_string(b.chunks().back().start); };

    const stream_builder first = stream_builder().file("a", "x");
    const stream_builder out_of_order =
        stream_builder().payload("ibdata1", "0123456789", 0).payload("ibdata1", "0123456789", 5);
    const stream_builder sparse =
        stream_builder().sparse("t.ibd", {{0, 4}, {100, 4}}, "12345678", 0).payload("t.ibd", "x", 8);
    const stream_builder after_end = stream_builder().file("ibdata1", "abc").payload("ibdata1", "d", 3);
    const stream_builder second_end = stream_builder().file("ibdata1", "abc").end("ibdata1");
    const stream_builder unended = stream_builder().metadata().payload("ibdata1", "0123456789", 0);
    const stream_builder four_open =
        stream_builder().metadata().payload("d", "x", 0).payload("c", "x", 0).payload("b", "x", 0).payload("a", "x", 0);
    const stream_builder unended_meta =
        stream_builder().file("xtrabackup_info", "x").payload("xtrabackup_checkpoints", "y", 0);
    const stream_builder no_checkpoints = stream_builder().file("ibdata1", "x").file("xtrabackup_info", "x");
    const stream_builder no_info = stream_builder().file("xtrabackup_checkpoints", "x");
    const stream_builder nested = stream_builder().file("db/xtrabackup_checkpoints", "x").file("xtrabackup_info", "x");

    struct row {
        const char* name;
        std::string bytes;
        bool feed_fails;       // a framing error is reported by feed() as soon as it is seen
        std::string expected;  // start of the error message
    };
    const std::vector<row> rows = {
        {"empty input: xbstream -x exits 0 on it", "", false, "stream is empty (0 bytes): the donor sent no backup"},
        {"an HTML error page instead of a stream", "<html><body>502 Bad Gateway</body></html>", true,
         "the stream does not start with an xbstream chunk (expected magic XBSTCK01, got \"<html><b\")"},
        {"bad magic in a later chunk names that chunk's byte", first.bytes() + "XBSTCK02" + std::string(40, '\0'), true,
         "bad xbstream chunk magic at byte " + size(first) + " (expected XBSTCK01, got \"XBSTCK02\")"},
        {"unknown chunk type without the ignorable flag",
         first.bytes() + stream_builder().payload("f", "d", 0, 0, 'Z').bytes(), true,
         "unknown xbstream chunk type 0x5a 'Z' at byte " + size(first) + " without the ignorable flag"},
        {"path length 512 (FN_REFLEN) is refused", "XBSTCK01\0P"s + le32(512) + std::string(512, 'p'), true,
         "xbstream chunk at byte 0 has a path length of 512 (the limit is 511)"},
        {"a file's first payload chunk must start at offset 0",
         stream_builder().payload("ibdata1", "0123456789", 7).bytes(), true,
         "out-of-order xbstream chunk for ibdata1 at byte 0: payload offset 7, expected 0"},
        {"payload offset must be the running per-file total", out_of_order.bytes(), true,
         "out-of-order xbstream chunk for ibdata1 at byte " + last_start(out_of_order) +
             ": payload offset 5, expected 10"},
        {"a sparse chunk moves the file end by its holes plus its payload", sparse.bytes(), true,
         "out-of-order xbstream chunk for t.ibd at byte " + last_start(sparse) + ": payload offset 8, expected 108"},
        {"payload after the file's end chunk", after_end.bytes(), true,
         "xbstream chunk at byte " + last_start(after_end) + " carries data for ibdata1 after that file's end chunk"},
        {"a second end chunk for the same file", second_end.bytes(), true,
         "second xbstream end chunk for ibdata1 at byte " + last_start(second_end)},
        {"a path with control characters is refused, escaped in the message",
         stream_builder().payload("a\nb", "x", 3).bytes(), true,
         "refusing the donor's stream at byte 0: the path 'a\\x0ab' has the character '\\x0a'"},
        {"cut inside a payload", stream_builder().payload("ibdata1", "0123456789", 0).bytes().substr(0, 45), false,
         "stream cut at byte 45 inside the payload of ibdata1 (6 more bytes were due in the chunk that starts at byte "
         "0)"},
        {"a file without its end chunk (xbstream -x exits 0)", unended.bytes(), false,
         "stream ended at byte " + size(unended) + " but ibdata1 never got its end chunk"},
        {"several open files: three named and a count", four_open.bytes(), false,
         "stream ended at byte " + size(four_open) + " but a, b, c and 1 more never got their end chunks"},
        {"a metadata file with a payload but no end chunk is open, not complete", unended_meta.bytes(), false,
         "stream ended at byte " + size(unended_meta) + " but xtrabackup_checkpoints never got its end chunk"},
        {"no checkpoints file", no_checkpoints.bytes(), false,
         "stream ended at byte " + size(no_checkpoints) +
             " without xtrabackup_checkpoints (or mariadb_backup_checkpoints), which"},
        {"no info file", no_info.bytes(), false,
         "stream ended at byte " + size(no_info) + " without xtrabackup_info (or mariadb_backup_info), which"},
        {"metadata names must be exact (a file in a subdirectory does not count)", nested.bytes(), false,
         "stream ended at byte " + size(nested) + " without xtrabackup_checkpoints"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const verdict v = run(r.bytes);
            CHECK_THAT(v.finish, Catch::StartsWith(r.expected));
            if (r.feed_fails)
                CHECK(v.feed_error == v.finish);
            else
                CHECK(v.feed_error.empty());
            CHECK(run(r.bytes, byte_by_byte(r.bytes.size())) == v);
        }
    }
}

TEST_CASE("xbstream: complete streams", "[stream]") {
    struct row {
        const char* name;
        std::string bytes;
        std::uint64_t chunks;
    };
    const std::vector<row> rows = {
        {"xtrabackup names", stream_builder().metadata().bytes(), 4},
        {"mariabackup 11.1+ names (MDEV-18931)",
         stream_builder().file("mariadb_backup_checkpoints", "x").file("mariadb_backup_info", "y").bytes(), 4},
        {"empty metadata files are lone end chunks",
         stream_builder().end("xtrabackup_checkpoints").end("xtrabackup_info").bytes(), 2},
        {"a 511-byte path is accepted", stream_builder().file(std::string(511, 'p'), "x").metadata().bytes(), 6},
        {"a zero-length payload chunk", stream_builder().payload("f", "", 0).payload("f", "ab", 0).end("f").metadata()
                                             .bytes(), 7},
        {"an ignorable unknown chunk is skipped and touches no file's offsets",
         stream_builder().payload("f", "ab", 0).payload("f", "zz", 42, 1, 'Z').payload("f", "c", 2).end("f").metadata()
             .bytes(), 8},
        {"a sparse chunk without map entries is a plain payload",
         stream_builder().sparse("t.ibd", {}, "abc", 0).payload("t.ibd", "d", 3).end("t.ibd").metadata().bytes(), 7},
        {"interleaved files (xtrabackup --parallel) keep separate offsets",
         stream_builder().payload("a", "12", 0).payload("b", "123", 0).payload("a", "3", 2).payload("b", "4", 3)
             .end("b").end("a").metadata().bytes(), 10},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const verdict v = run(r.bytes);
            CHECK(v.feed_error.empty());
            CHECK(v.finish.empty());
            CHECK(v.chunks == r.chunks);
            CHECK(v.open.empty());
            CHECK(run(r.bytes, byte_by_byte(r.bytes.size())) == v);
        }
    }
}

TEST_CASE("xbstream: names and files no backup tool writes are refused at their chunk header", "[stream]") {
    const std::string elf = "\x7f" "ELF\x02\x01\x01" + std::string(100, '\0');
    struct row {
        const char* name;
        stream_builder hostile;
        std::string expected;
    };
    const std::vector<row> rows = {
        {"a ../ entry in the middle", stream_builder().file("ibdata1", "abc").file("../x", "owned").metadata(),
         "the path '../x' has a '..' component"},
        {"an absolute path", stream_builder().file("/etc/cron.d/x", "* * * * * root id").metadata(),
         "the path '/etc/cron.d/x' is absolute"},
        {"the agent's own marker", stream_builder().file(".mysql-agent-clone.json", "{}").metadata(),
         "starts with '.'"},
        {"a hidden file in a database", stream_builder().file("shop/.hidden", "x").metadata(), "starts with '.'"},
        {"a shared object by name", stream_builder().file("evil.so", "not even elf").metadata(), "is a shared object"},
        {"an empty path", stream_builder().file("", "x").metadata(), "is empty"},
        {"an end chunk alone for a bad name", stream_builder().end("../y").metadata(), "'..' component"},
        {"a shared object under a data file's name that is not a page file", stream_builder().file("shop/t.frm", elf)
             .metadata(), "'shop/t.frm' is an ELF executable or shared object"},
        {"an executable split over tiny chunks", stream_builder().payload("run", "\x7f" "E", 0).payload("run", "LF", 2)
             .end("run").metadata(), ""},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const verdict v = run(r.hostile.bytes());
            if (r.expected.empty()) {
                // Only the first payload chunk's bytes are looked at: a file whose ELF header spans chunks is left
                // to the layout check after extraction (no backup tool writes a file named "run").
                CHECK(v.feed_error.empty());
                continue;
            }
            CHECK_THAT(v.feed_error, Catch::Contains("refusing the donor's stream at byte"));
            CHECK_THAT(v.feed_error, Catch::Contains(r.expected));
            CHECK(run(r.hostile.bytes(), byte_by_byte(r.hostile.bytes().size())) == v);
            xbstream_verifier fed;
            (void)fed.feed(r.hostile.bytes().data(), r.hostile.bytes().size());
            CHECK(fed.refused());
        }
    }
}

TEST_CASE("xbstream: page files may start like an ELF header, no payload byte is refused after its header", "[stream]") {
    const std::string elf = "\x7f" "ELF" + std::string(60, 'x');
    const auto s = stream_builder().file("shop/t.ibd", elf).file("ibdata1", elf).metadata().bytes();
    const verdict v = run(s);
    CHECK(v.feed_error.empty());
    CHECK(v.finish.empty());

    // The refusal comes before the payload: feeding exactly the header of a bad entry already fails.
    const auto bad = stream_builder().file("ibdata1", "abc").payload("../x", "payload", 0);
    xbstream_verifier fed;
    const auto header_end = bad.chunks().back().header_end;
    const auto st = fed.feed(bad.bytes().data(), header_end);
    REQUIRE_FALSE(st);
    CHECK(fed.offset() <= header_end);
}

TEST_CASE("xbstream: completed files with their sizes, holes included", "[stream]") {
    const auto s = stream_builder()
                       .file("a", "12345")
                       .end("empty")
                       .sparse("t.ibd", {{100, 4}}, "abcd", 0)
                       .payload("t.ibd", "ef", 104)
                       .end("t.ibd")
                       .metadata()
                       .bytes();
    xbstream_verifier v;
    REQUIRE(v.feed(s.data(), s.size()));
    REQUIRE(v.finish());
    const auto& sizes = v.completed_sizes();
    CHECK(sizes.at("a") == 5);
    CHECK(sizes.at("empty") == 0);
    CHECK(sizes.at("t.ibd") == 106);
    CHECK(sizes.size() == v.files_completed());
}

TEST_CASE("xbstream: after a framing error feed() repeats it and consumes nothing", "[stream]") {
    xbstream_verifier v;
    const std::string bad = "XBSTCK01\0Q"s + le32(1) + "f";
    const auto first = v.feed(bad.data(), bad.size());
    REQUIRE_FALSE(first);
    const std::uint64_t at = v.offset();
    const std::string good = stream_builder().metadata().bytes();
    const auto again = v.feed(good.data(), good.size());
    REQUIRE_FALSE(again);
    CHECK(again.message() == first.message());
    CHECK(v.offset() == at);
    CHECK(v.finish().message() == first.message());
}

TEST_CASE("xbstream: open_files lists started files in order", "[stream]") {
    xbstream_verifier v;
    const std::string s = stream_builder().payload("z.ibd", "1", 0).payload("a.ibd", "1", 0).file("m.ibd", "1")
                              .payload("b.ibd", "1", 0).bytes();
    REQUIRE(v.feed(s.data(), s.size()));
    CHECK(v.open_files() == std::vector<std::string>{"a.ibd", "b.ibd", "z.ibd"});
    CHECK(v.files_completed() == 1);
    CHECK(v.chunks() == 5);
}

// Not run by default: `unit_tests "[.throughput]"`. Prints the rate of verifier + digest over 1 GiB of
// synthetic 10 MiB chunks (the chunk size xtrabackup writes), fed in 64 KiB reads like the clone client's.
TEST_CASE("xbstream: verifier and digest throughput over 1 GiB", "[.throughput]") {
    constexpr std::size_t chunk = 10 << 20;
    constexpr std::size_t total_payload = std::size_t{1} << 30;
    constexpr std::size_t read_size = 64 << 10;
    const std::string payload(chunk, 'x');
    xbstream_verifier v;
    stream_digest d;
    bool fed = true;
    const auto feed = [&](std::string_view bytes) {
        for (std::size_t at = 0; at < bytes.size(); at += read_size) {
            const std::size_t n = std::min(read_size, bytes.size() - at);
            fed = v.feed(bytes.data() + at, n).has_value() && fed;
            d.update(bytes.data() + at, n);
        }
    };
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t off = 0; off < total_payload; off += chunk) {
        const std::size_t n = std::min(chunk, total_payload - off);
        stream_builder header;
        header.payload("ibdata1", "", off);
        std::string h = header.bytes();
        h.replace(14 + 7, 8, le64(n));  // the real payload length, without building a 10 MiB string per chunk
        feed(h);
        feed(std::string_view(payload.data(), n));
    }
    feed(stream_builder().end("ibdata1").metadata().bytes());
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(fed);
    REQUIRE(v.finish());
    REQUIRE(v.chunks() == 103 + 1 + 4);  // 103 payload chunks of at most 10 MiB, its end chunk, 2 metadata files
    REQUIRE(d.bytes() == v.offset());
    std::cout << "verifier + digest: " << d.bytes() << " bytes in " << seconds << " s = "
              << static_cast<double>(d.bytes()) / seconds / 1e6 << " MB/s\n";
}

TEST_CASE("xbstream: small metadata files are kept as they pass, in any split", "[stream]") {
    const std::string bytes = stream_builder()
                                  .payload("xtrabackup_binlog_info", "mysqld-bin.000002\t", 0)
                                  .payload("ibdata1", std::string(1000, 'x'), 0)
                                  .payload("xtrabackup_binlog_info", "385\t0-100-7\n", 18)
                                  .end("ibdata1")
                                  .end("xtrabackup_binlog_info")
                                  .file("big_file", std::string(5000, 'b'))
                                  .sparse("sparse_file", {}, "abc", 0)
                                  .end("sparse_file")
                                  .payload("cut_file", "never ended", 0)
                                  .metadata()
                                  .bytes();
    for (const std::size_t step : {bytes.size(), std::size_t{1}, std::size_t{7}}) {
        INFO("fed in pieces of " << step);
        xbstream_verifier v;
        for (const char* name : {"xtrabackup_binlog_info", "big_file", "sparse_file", "cut_file", "absent"})
            v.capture(name, 4096);
        for (std::size_t at = 0; at < bytes.size(); at += step)
            REQUIRE(v.feed(bytes.data() + at, std::min(step, bytes.size() - at)));
        CHECK(v.captured("xtrabackup_binlog_info") == std::optional<std::string>("mysqld-bin.000002\t385\t0-100-7\n"));
        CHECK_FALSE(v.captured("big_file"));     // over its limit
        CHECK_FALSE(v.captured("sparse_file"));  // sparse: not a metadata file
        CHECK_FALSE(v.captured("cut_file"));     // no end chunk
        CHECK_FALSE(v.captured("absent"));
        CHECK_FALSE(v.captured("ibdata1"));      // not asked for
    }
}
