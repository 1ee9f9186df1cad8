// The zstd wrapper on its own: what the sidecar compresses, frame after frame, comes back byte for byte, in bounded
// pieces, however the input is cut; and a damaged, truncated or oversized frame is an error value, never a crash or a big
// allocation.

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader: the window a frame asks for
#include <zstd.h>

#include "mysql_agent/io/zstd_codec.hpp"
#include "zstd_frames.hpp"

namespace {

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

/// `data` as the sidecar sends it: a frame per `block` bytes.
std::string compress_all(const std::string& data, int level, std::size_t block = 1 << 20) {
    return test_support::zstd_frames_of(data, level, block);
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

TEST_CASE("zstd: what is compressed comes back, whatever the frames and the pieces", "[io][zstd]") {
    const std::string data = datadir_like(6 * 1024 * 1024, 7);
    const auto [level, block] = GENERATE(std::pair{1, std::size_t{1} << 20}, std::pair{1, std::size_t{6} << 20},
                                         std::pair{6, std::size_t{100'003}});
    INFO("level " << level << ", frames of " << block << " bytes");
    const std::string body = compress_all(data, level, block);
    CHECK(body.size() < data.size() / 2);
    // Each frame declares its content size and ends where the next begins.
    std::size_t frames = 0;
    for (std::size_t off = 0; off < body.size(); ++frames) {
        const std::size_t n = ZSTD_findFrameCompressedSize(body.data() + off, body.size() - off);
        REQUIRE_FALSE(ZSTD_isError(n));
        CHECK(ZSTD_getFrameContentSize(body.data() + off, n) == std::min(block, data.size() - frames * block));
        off += n;
    }
    CHECK(frames == (data.size() + block - 1) / block);
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

TEST_CASE("zstd: a frame of a block asks for no more window than the block, at any level", "[io][zstd]") {
    const std::string data = datadir_like(1 << 20, 3);
    const std::string body = compress_all(data, 19);
    ZSTD_frameHeader header{};
    REQUIRE(ZSTD_getFrameHeader(&header, body.data(), body.size()) == 0);
    CHECK(header.windowSize <= data.size());
    CHECK(header.checksumFlag == 1);
    CHECK(decompress_all(body, body.size(), 65536).bytes == data);
}

TEST_CASE("zstd: a small body that expands hugely comes out in bounded pieces", "[io][zstd]") {
    const std::string zeros(64 * 1024 * 1024, '\0');
    const std::string body = compress_all(zeros, 1, zeros.size());
    CHECK(body.size() < 64 * 1024);
    const decoded got = decompress_all(body, body.size(), 64 * 1024);
    REQUIRE(got.error.empty());
    CHECK(got.bytes.size() == zeros.size());
    CHECK(got.largest_piece <= 64 * 1024);
}

TEST_CASE("zstd: damaged, cut, foreign and oversized frames", "[io][zstd]") {
    const std::string data = datadir_like(2 * 1024 * 1024, 11);
    const std::string body = compress_all(data, 1);

    SECTION("a byte flipped in the middle: an error, at the latest from the content checksum") {
        std::string damaged = body;
        damaged[damaged.size() / 2] = static_cast<char>(damaged[damaged.size() / 2] ^ 0x5a);
        const decoded got = decompress_all(damaged, 65536, 65536);
        CHECK_FALSE(got.error.empty());
    }
    SECTION("cut where the first frame ends: zstd sees nothing wrong, which is why the trailer counts bytes") {
        const std::size_t first = ZSTD_findFrameCompressedSize(body.data(), body.size());
        REQUIRE(first < body.size());
        const decoded got = decompress_all(body.substr(0, first), 65536, 65536);
        CHECK(got.error.empty());
        CHECK(got.at_frame_end);
        CHECK(got.bytes == data.substr(0, 1 << 20));
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
