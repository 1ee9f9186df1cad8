// The zstd wrapper on its own: what the sidecar compresses comes back byte for byte, in bounded pieces, however
// the input is cut; and a damaged, truncated or oversized frame is an error value, never a crash or a big
// allocation.

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <zstd.h>

#include "mysql_agent/io/zstd_codec.hpp"
#include "zstd_frames.hpp"

namespace {

using mysql_agent::zstd_compressor;
using mysql_agent::zstd_decompressor;

/// Compressible like a datadir: runs of repeated text with random bytes between them.
std::string datadir_like(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s;
    s.reserve(n);
    while (s.size() < n) {
        if (rng() % 4 == 0) {
            for (int i = 0; i < 512 && s.size() < n; ++i) s.push_back(static_cast<char>(rng() & 0xff));
        } else {
            const std::string row = "row " + std::to_string(rng() % 1000) + " customer-" + std::to_string(rng() % 977) + ";";
            for (int i = 0; i < 40 && s.size() < n; ++i) s += row.substr(0, n - s.size());
        }
    }
    return s;
}

/// `data` compressed in input pieces of `piece` bytes.
std::string compress_all(const std::string& data, int level, unsigned workers, std::size_t piece = 100'003) {
    zstd_compressor c(level, workers);
    const std::string out = test_support::zstd_frame_of(c, data, piece);
    CHECK(c.bytes_in() == data.size());
    return out;
}

struct decoded {
    std::string bytes;
    std::string error;  ///< empty: none
    bool at_frame_end = false;
    std::size_t largest_piece = 0;
};

/// Decodes `body` fed in pieces of `piece` bytes, with output pieces of at most `capacity`.
decoded decompress_all(const std::string& body, std::size_t piece, std::size_t capacity) {
    zstd_decompressor d(capacity);
    decoded r;
    for (std::size_t off = 0; off < body.size(); off += piece) {
        std::span<const char> in(body.data() + off, std::min(piece, body.size() - off));
        while (!in.empty() || d.output_pending()) {
            auto out = d.decompress(in);
            if (!out) {
                r.error = out.message();
                return r;
            }
            r.largest_piece = std::max(r.largest_piece, out->size());
            r.bytes.append(out->data(), out->size());
        }
    }
    CHECK(d.bytes_out() == r.bytes.size());
    r.at_frame_end = d.at_frame_end();
    return r;
}

}  // namespace

TEST_CASE("zstd: what is compressed comes back, whatever the pieces and the workers", "[io][zstd]") {
    const std::string data = datadir_like(6 * 1024 * 1024, 7);
    const auto [level, workers] = GENERATE(std::pair{1, 0u}, std::pair{1, 2u}, std::pair{6, 1u});
    INFO("level " << level << ", " << workers << " workers");
    const std::string body = compress_all(data, level, workers);
    CHECK(body.size() < data.size() / 2);
    // 6 MiB is a multiple of both capacities: the last output fills the buffer exactly, and the call after it
    // (which takes and gives nothing) must not make the frame look unfinished.
    const auto [piece, capacity] = GENERATE(std::pair{std::size_t{1} << 20, std::size_t{256} << 10},
                                            std::pair{std::size_t{7001}, std::size_t{4096}},
                                            std::pair{std::size_t{65536}, std::size_t{65537}});
    const decoded got = decompress_all(body, piece, capacity);
    REQUIRE(got.error.empty());
    CHECK(got.bytes == data);
    CHECK(got.at_frame_end);
    CHECK(got.largest_piece <= capacity);
}

TEST_CASE("zstd: worker threads when the library has them, else the caller's thread", "[io][zstd]") {
    // Debian 12's libzstd.a (1.5.4) is built without ZSTD_MULTITHREAD (ZSTD_c_nbWorkers is bounded to 0..0; its
    // libzstd.so has threads): the static binary then compresses on the caller's thread, and says so.
    const ZSTD_bounds bounds = ZSTD_cParam_getBounds(ZSTD_c_nbWorkers);
    CHECK(zstd_compressor(1, 2).workers() == (bounds.upperBound >= 2 ? 2u : 0u));
    CHECK(zstd_compressor(1, 0).workers() == 0);
}

TEST_CASE("zstd: a small body that expands hugely comes out in bounded pieces", "[io][zstd]") {
    const std::string zeros(64 * 1024 * 1024, '\0');
    const std::string body = compress_all(zeros, 1, 0, 1 << 20);
    CHECK(body.size() < 64 * 1024);
    const decoded got = decompress_all(body, body.size(), 64 * 1024);
    REQUIRE(got.error.empty());
    CHECK(got.bytes.size() == zeros.size());
    CHECK(got.largest_piece <= 64 * 1024);
}

TEST_CASE("zstd: damaged, cut, foreign and oversized frames", "[io][zstd]") {
    const std::string data = datadir_like(2 * 1024 * 1024, 11);
    const std::string body = compress_all(data, 1, 0);

    SECTION("a byte flipped in the middle: an error, at the latest from the content checksum") {
        std::string damaged = body;
        damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x5a);
        const decoded got = decompress_all(damaged, 65536, 65536);
        CHECK_FALSE(got.error.empty());
    }
    SECTION("the last bytes missing: no error, but not at a frame's end") {
        const decoded got = decompress_all(body.substr(0, body.size() - 3), 65536, 65536);
        CHECK(got.error.empty());
        CHECK_FALSE(got.at_frame_end);
    }
    SECTION("raw xbstream bytes are not a zstd frame") {
        const decoded got = decompress_all(std::string("XBSTCK01") + std::string(100, 'x'), 65536, 65536);
        CHECK_THAT(got.error, Catch::Contains("Unknown frame descriptor"));
    }
    SECTION("a frame that asks for a 128 MiB window is refused before anything is allocated") {
        ZSTD_CCtx* ctx = ZSTD_createCCtx();
        REQUIRE(!ZSTD_isError(ZSTD_CCtx_setParameter(ctx, ZSTD_c_windowLog, 27)));
        std::string big(ZSTD_compressBound(data.size()), '\0');
        ZSTD_inBuffer in{data.data(), data.size(), 0};
        ZSTD_outBuffer out{big.data(), big.size(), 0};
        // e_continue first: the size is then unknown to the header, which declares the whole window (a first
        // call with e_end would shrink it to the input's size).
        while (in.pos < in.size) REQUIRE(!ZSTD_isError(ZSTD_compressStream2(ctx, &out, &in, ZSTD_e_continue)));
        ZSTD_inBuffer none{nullptr, 0, 0};
        REQUIRE(ZSTD_compressStream2(ctx, &out, &none, ZSTD_e_end) == 0);
        ZSTD_freeCCtx(ctx);
        big.resize(out.pos);
        const decoded got = decompress_all(big, 65536, 65536);
        CHECK_THAT(got.error, Catch::Contains("Frame requires too much memory"));
        CHECK_THAT(got.error, Catch::Contains("window above 8388608 bytes"));
        CHECK(got.bytes.empty());
    }
}
