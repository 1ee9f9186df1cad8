#include "mysql_agent/core/stream_digest.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

using mysql_agent::stream_digest;

namespace {

// The input of LLVM's XXH3 test (llvm/unittests/Support/xxhashTest.cpp, TEST(xxhashTest, xxh3)): 2243 bytes of
// xorshift64. Its expected values were checked there against the reference xxHash, so they are an oracle
// independent of the library this project links.
std::string llvm_xxh3_input() {
    std::string a(2243, '\0');
    std::uint64_t x = 1;
    for (auto& c : a) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c = static_cast<char>(static_cast<std::uint8_t>(x));
    }
    return a;
}

std::string digest_in_pieces(std::string_view data, const std::vector<std::size_t>& pieces) {
    stream_digest d;
    std::size_t at = 0;
    for (std::size_t n : pieces) {
        n = std::min(n, data.size() - at);
        d.update(data.data() + at, n);
        at += n;
    }
    d.update(data.data() + at, data.size() - at);
    REQUIRE(d.bytes() == data.size());
    return d.hex();
}

}  // namespace

TEST_CASE("stream digest: XXH3-64 known values, whole and in any split", "[stream]") {
    const std::string input = llvm_xxh3_input();
    struct row {
        const char* name;
        std::size_t length;
        const char* hex;
    };
    // One row per XXH3 code path: 0, 1-3, 4-8, 9-16, 17-128, 129-240 bytes, then the long-input loop
    // (stripes of 64 bytes, blocks of 1024 with the default secret) ending on and off those boundaries.
    const std::vector<row> rows = {
        {"empty input", 0, "xxh3-64:2d06800538d394c2"},
        {"1 byte", 1, "xxh3-64:d0d496e05c553485"},
        {"3 bytes", 3, "xxh3-64:6ea2d59aca5c3778"},
        {"4 bytes", 4, "xxh3-64:bf65290914e80242"},
        {"8 bytes", 8, "xxh3-64:abc1413da6cd0209"},
        {"9 bytes", 9, "xxh3-64:8bc89400bfed51f6"},
        {"16 bytes", 16, "xxh3-64:7e46916754d7c9b8"},
        {"17 bytes", 17, "xxh3-64:ed4be912ba5f836d"},
        {"128 bytes", 128, "xxh3-64:06a146ee9a2da378"},
        {"129 bytes", 129, "xxh3-64:bc7138129bf065da"},
        {"403 bytes: long input, last stripe overlapping", 403, "xxh3-64:cefeb3ffa532ad8c"},
        {"512 bytes: ends on a stripe boundary", 512, "xxh3-64:cdfa6b6268e3650f"},
        {"2048 bytes: ends on a block boundary", 2048, "xxh3-64:330ce110cbb79eae"},
        {"2049 bytes: one byte into a block", 2049, "xxh3-64:3ba6afa0249fef9a"},
        {"2243 bytes: leading zero nibble is kept", 2243, "xxh3-64:0979f786a24edde7"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const std::string_view data(input.data(), r.length);
            CHECK(digest_in_pieces(data, {}) == r.hex);
            CHECK(digest_in_pieces(data, std::vector<std::size_t>(r.length, 1)) == r.hex);
            std::mt19937 rng(static_cast<std::uint32_t>(r.length));
            for (int round = 0; round < 10; ++round) {
                std::uniform_int_distribution<std::size_t> size(0, 300);
                std::vector<std::size_t> pieces;
                for (std::size_t total = 0; total < r.length; total += pieces.back()) pieces.push_back(size(rng));
                CHECK(digest_in_pieces(data, pieces) == r.hex);
            }
        }
    }
}

TEST_CASE("stream digest: text inputs", "[stream]") {
    struct row {
        const char* name;
        std::string text;
        const char* hex;
    };
    const std::vector<row> rows = {
        {"\"a\"", "a", "xxh3-64:e6c632b61e964e1f"},
        {"\"abc\"", "abc", "xxh3-64:78af5f94892f3950"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            stream_digest d;
            d.update(r.text.data(), r.text.size());
            CHECK(d.hex() == r.hex);
            CHECK(d.bytes() == r.text.size());
        }
    }
}

TEST_CASE("stream digest: hex() mid-stream does not disturb the stream", "[stream]") {
    const std::string input = llvm_xxh3_input();
    stream_digest d;
    d.update(nullptr, 0);
    CHECK(d.hex() == "xxh3-64:2d06800538d394c2");
    d.update(input.data(), 1000);
    CHECK(d.hex() == digest_in_pieces(std::string_view(input.data(), 1000), {}));
    d.update(input.data() + 1000, input.size() - 1000);
    CHECK(d.hex() == "xxh3-64:0979f786a24edde7");
    CHECK(d.hex() == "xxh3-64:0979f786a24edde7");
    CHECK(d.bytes() == 2243);
}
