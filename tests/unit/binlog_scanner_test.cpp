#include "mysql_agent/core/binlog_archive/binlog_scanner.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "mysql_agent/core/binlog_archive/crc32.hpp"

using namespace std::string_literals;
using namespace mysql_agent;
using namespace mysql_agent::binlog_archive;

namespace {

std::string le(std::uint64_t v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
}

// Writes a binlog file event by event as MariaDB lays it out (the header's next position and, with checksums on,
// a real CRC-32 at each event's end), remembering where each event starts.
class binlog_builder {
public:
    explicit binlog_builder(bool checksums = true, std::string version = "10.11.19-MariaDB-0+deb12u1-log")
        : checksums_(checksums) {
        bytes_ = "\xfe" "bin";
        std::string body = le(4, 2) + version + std::string(50 - version.size(), '\0') + le(1700000000, 4) + "\x13"s;
        body += std::string(40, '\x08');               // post-header lengths (not read)
        body += checksums ? "\x01"s : "\x00"s;         // the checksum algorithm
        event(15, body, 1700000000, /*fde=*/true);
    }
    binlog_builder& gtid_list(const std::vector<mariadb_gtid>& state) {
        std::string body = le(state.size(), 4);
        for (const auto& g : state) body += le(g.domain, 4) + le(g.server_id, 4) + le(g.seq, 8);
        return event(163, body);
    }
    binlog_builder& gtid(std::uint32_t domain, std::uint64_t seq, std::uint32_t time, bool standalone = false) {
        return event(162, le(seq, 8) + le(domain, 4) + (standalone ? "\x01"s : "\x00"s) + std::string(6, '\0'), time);
    }
    binlog_builder& query(const std::string& text, std::uint32_t time = 1700000100) {
        const std::string db = "sbtest";
        std::string body = le(7, 4) + le(0, 4) + static_cast<char>(db.size()) + le(0, 2) + le(0, 2) + db + '\0' + text;
        return event(2, body, time);
    }
    binlog_builder& rows(std::size_t size = 100) { return event(23, std::string(size, 'r')); }
    binlog_builder& xid() { return event(16, le(42, 8)); }
    binlog_builder& checkpoint() { return event(161, le(4, 4) + "mariadb-bin.000001"); }
    binlog_builder& rotate() { return event(4, le(4, 8) + "mariadb-bin.000002"); }
    binlog_builder& stop() { return event(3, ""); }
    binlog_builder& raw_event(std::uint8_t type, const std::string& body) { return event(type, body); }

    /// A transaction: Gtid, BEGIN, a rows event, Xid.
    binlog_builder& transaction(std::uint32_t domain, std::uint64_t seq, std::uint32_t time) {
        return gtid(domain, seq, time).query("BEGIN", time).rows().xid();
    }

    const std::string& bytes() const { return bytes_; }
    std::size_t start_of(std::size_t event_index) const { return starts_.at(event_index); }
    std::size_t events() const { return starts_.size(); }

private:
    binlog_builder& event(std::uint8_t type, const std::string& body, std::uint32_t time = 1700000100,
                          bool fde = false) {
        const bool crc = checksums_ || fde;  // the Format_description event has its 4 checksum bytes either way
        const std::size_t length = 19 + body.size() + (crc ? 4 : 0);
        const std::size_t start = bytes_.size();
        std::string e = le(time, 4) + static_cast<char>(type) + le(server_id, 4) + le(length, 4) +
                        le(start + length, 4) + le(0, 2) + body;
        if (crc) e += le(checksums_ ? crc32_update(0, e.data(), e.size()) : 0, 4);
        starts_.push_back(start);
        bytes_ += e;
        return *this;
    }

public:
    std::uint32_t server_id = 1;

private:
    bool checksums_;
    std::string bytes_;
    std::vector<std::size_t> starts_;
};

result<binlog_summary> scan(const std::string& bytes, std::size_t piece = 0, bool allow_open_end = false,
                            std::vector<binlog_transaction>* seen = nullptr) {
    binlog_scanner s([&](const binlog_transaction& t) {
        if (seen) seen->push_back(t);
    });
    if (piece == 0) piece = bytes.size();
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
        if (auto fed = s.feed(bytes.data() + at, std::min(piece, bytes.size() - at)); !fed) return error{fed.message()};
    }
    return s.finish(allow_open_end);
}

// Two transactions in domain 0 after a state of 0-1-10, a DDL, a transaction committed by a COMMIT query (a
// non-transactional table), then a Rotate.
binlog_builder typical(bool checksums = true) {
    binlog_builder b(checksums);
    b.gtid_list({{0, 1, 10}, {0, 2, 7}}).checkpoint();
    b.transaction(0, 11, 1700000200).transaction(0, 12, 1700000201);
    b.gtid(0, 13, 1700000202, true).query("CREATE TABLE t (a INT)", 1700000202);
    b.gtid(0, 14, 1700000203).query("BEGIN").rows().query("COMMIT");
    b.rotate();
    return b;
}

}  // namespace

TEST_CASE("crc32: the check value of the ISO-HDLC CRC, and pieces continue it") {
    const std::string nine = "123456789";
    CHECK(crc32_update(0, nine.data(), nine.size()) == 0xCBF43926u);
    CHECK(crc32_update(crc32_update(0, nine.data(), 4), nine.data() + 4, 5) == 0xCBF43926u);
    CHECK(crc32_update(0, "", 0) == 0u);
    const std::string long_one(1000, 'x');  // the 8-byte loop and the tail
    std::uint32_t bytewise = 0;
    for (char c : long_one) bytewise = crc32_update(bytewise, &c, 1);
    CHECK(crc32_update(0, long_one.data(), long_one.size()) == bytewise);
}

TEST_CASE("binlog scanner: a closed file's start state, transactions, times and ending, fed in any pieces") {
    for (bool checksums : {true, false}) {
        const auto b = typical(checksums);
        for (std::size_t piece : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{64}}) {
            INFO("checksums " << checksums << ", pieces of " << piece);
            std::vector<binlog_transaction> seen;
            auto s = scan(b.bytes(), piece, false, &seen);
            REQUIRE(s);
            CHECK(s->server_version == "10.11.19-MariaDB-0+deb12u1-log");
            CHECK(s->server_id == 1);
            CHECK(s->checksummed == checksums);
            CHECK(s->start_state == std::vector<mariadb_gtid>{{0, 1, 10}, {0, 2, 7}});
            CHECK(to_string(s->start) == "0-1-10");
            CHECK(to_string(s->end) == "0-1-14");
            CHECK(s->transactions == 4);
            REQUIRE(s->first);
            CHECK(s->first->gtid == mariadb_gtid{0, 1, 11});
            CHECK(s->first->time == 1700000200);
            CHECK(s->last->gtid == mariadb_gtid{0, 1, 14});
            CHECK(s->last->time == 1700000203);
            CHECK(s->ending == binlog_ending::rotate);
            CHECK(s->bytes == b.bytes().size());
            CHECK(s->whole_bytes == b.bytes().size());
            // Each transaction's byte range: from its Gtid event to the end of the event that ended it.
            REQUIRE(seen.size() == 4);
            CHECK(seen[0].begin == b.start_of(3));
            CHECK(seen[0].end == b.start_of(7));
            CHECK(seen[1].begin == b.start_of(7));
            CHECK(seen[2].begin == b.start_of(11));  // the DDL: a standalone group of one event
            CHECK(seen[2].end == b.start_of(13));
            CHECK(seen[3].end == b.start_of(17));  // the COMMIT query ends it
        }
    }
}

TEST_CASE("binlog scanner: a file closed by a shutdown, and one with no transaction") {
    binlog_builder stopped;
    stopped.gtid_list({}).transaction(3, 1, 1700000300).stop();
    auto s = scan(stopped.bytes());
    REQUIRE(s);
    CHECK(s->ending == binlog_ending::stop);
    CHECK(s->start.empty());
    CHECK(to_string(s->end) == "3-1-1");

    binlog_builder empty;
    empty.gtid_list({{0, 1, 5}}).checkpoint().rotate();
    s = scan(empty.bytes());
    REQUIRE(s);
    CHECK(s->transactions == 0);
    CHECK(!s->first);
    CHECK(s->end == s->start);
}

TEST_CASE("binlog scanner: several domains move on each by their own sequence numbers") {
    binlog_builder b;
    b.gtid_list({{0, 1, 10}, {1, 1, 3}}).transaction(1, 4, 1700000400).transaction(0, 11, 1700000401);
    b.transaction(2, 1, 1700000402).rotate();
    auto s = scan(b.bytes());
    REQUIRE(s);
    CHECK(to_string(s->start) == "0-1-10,1-1-3");
    CHECK(to_string(s->end) == "0-1-11,1-1-4,2-1-1");
}

TEST_CASE("binlog scanner: the in-use flag of an open file is outside its Format_description event's CRC") {
    auto b = typical();
    std::string open = b.bytes().substr(0, b.start_of(16));  // no Rotate yet
    open[4 + 17] |= 0x01;                                     // set as the server sets it, the CRC left as it was
    auto s = scan(open);
    REQUIRE(s);
    CHECK(s->in_use);
    CHECK(!scan(b.bytes())->in_use);
    open[4 + 17] |= 0x02;  // any other flag is covered
    CHECK(!scan(open));
}

TEST_CASE("binlog scanner: a file the server left open ends at its last whole event, its last transaction dropped") {
    auto b = typical();
    // Cut inside the last transaction's rows event: the Rotate and the COMMIT never came.
    const std::string cut = b.bytes().substr(0, b.start_of(15) + 5);
    auto open = scan(cut, 3, /*allow_open_end=*/true);
    REQUIRE(open);
    CHECK(open->ending == binlog_ending::open);
    CHECK(open->transactions == 3);
    CHECK(to_string(open->end) == "0-1-13");
    CHECK(open->whole_bytes == b.start_of(15));
    CHECK(open->bytes == cut.size());
    // The same bytes as a closed file: refused, the event named.
    auto closed = scan(cut);
    REQUIRE(!closed);
    CHECK_THAT(closed.message(), Catch::Contains("ends inside the event at byte " + std::to_string(b.start_of(15))));
    // Cut exactly between events: an open file with no partial event.
    auto between = scan(b.bytes().substr(0, b.start_of(16)));
    REQUIRE(between);
    CHECK(between->transactions == 3);
    CHECK(between->ending == binlog_ending::open);
}

TEST_CASE("binlog scanner: damage and files it does not read are refused, each named") {
    const auto b = typical();
    struct row {
        const char* what;
        std::string bytes;
        const char* message;
    };
    std::string flipped = b.bytes();
    flipped[b.start_of(5) + 30] ^= 0x20;  // a byte inside the first rows event
    std::string bad_length = b.bytes();
    bad_length.replace(b.start_of(4) + 9, 4, le(5, 4));
    std::string bad_next = b.bytes();
    bad_next.replace(b.start_of(4) + 13, 4, le(999999, 4));
    std::string huge = b.bytes();
    huge.replace(b.start_of(4) + 9, 4, le(0xFFFFFFF0u, 4));
    binlog_builder mysql(true, "8.4.3-log");
    binlog_builder encrypted;
    encrypted.gtid_list({}).raw_event(164, std::string(17, 'k'));
    binlog_builder mysql_gtid;
    mysql_gtid.gtid_list({}).raw_event(33, std::string(42, 'g'));
    binlog_builder nested;
    nested.gtid_list({}).gtid(0, 1, 1).query("BEGIN").gtid(0, 2, 2);
    binlog_builder no_list;
    no_list.transaction(0, 1, 1);
    binlog_builder after_rotate = typical();
    after_rotate.checkpoint();
    const std::vector<row> rows = {
        {"not a binlog", "GIF89a............................", "does not start with the binlog magic"},
        {"a byte changed inside an event", flipped, "fails its CRC-32"},
        {"an event length below a header", bad_length, "says it is 5 bytes long"},
        {"an event length beyond 1 GiB", huge, "bytes long (damaged"},
        {"a next position that does not follow", bad_next, "says the next starts at byte 999999"},
        {"a MySQL server's file", mysql.bytes(), "not MariaDB"},
        {"an encrypted binlog", encrypted.bytes(), "it is encrypted"},
        {"a MySQL GTID event", mysql_gtid.bytes(), "MySQL binlog"},
        {"a transaction inside another", nested.bytes(), "begins a transaction before"},
        {"a Gtid event before the Gtid_list", no_list.bytes(), "comes before the file's Gtid_list"},
        {"bytes after the Rotate event", after_rotate.bytes(), "bytes follow its Rotate event"},
        {"the magic alone", "\xfe" "bin", "holds no Format_description"},
        {"empty", "", "shorter than its magic"},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        auto s = scan(r.bytes, 0, /*allow_open_end=*/true);
        REQUIRE(!s);
        CHECK_THAT(s.message(), Catch::Contains(r.message));
    }
}
