// The sidecar's compression threads on their own: a stream's blocks come back as frames in the stream's order,
// however the threads finish them, within the window; and a pipeline dropped with blocks still being compressed
// leaves nothing behind.

#include <random>
#include <span>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "mysql_agent/io/compression_pool.hpp"
#include "mysql_agent/io/zstd_codec.hpp"

namespace {

namespace asio = boost::asio;
using mysql_agent::compression_pool;
using mysql_agent::frame_pipeline;
using mysql_agent::zstd_decompressor;

constexpr std::size_t block = frame_pipeline::block_bytes;

/// Blocks that take very different times at level 19: random bytes (slow) and zeros (fast) in turn, so later
/// blocks finish before earlier ones.
std::string uneven(std::size_t blocks) {
    std::mt19937 rng(5);
    std::string s;
    for (std::size_t b = 0; b < blocks; ++b)
        for (std::size_t i = 0; i < block; ++i) s.push_back(b % 2 == 0 ? static_cast<char>(rng() & 0xff) : '\0');
    s += "a short last block";
    return s;
}

/// Everything `body` decodes to.
std::string decode(const std::string& body) {
    zstd_decompressor d;
    std::string out;
    std::span<const char> in(body);
    while (!in.empty() || d.output_pending()) {
        const auto got = d.decompress(in);
        REQUIRE(got.has_value());
        out.append(got->data(), got->size());
    }
    CHECK(d.at_frame_end());
    return out;
}

struct pumped {
    std::string body;
    std::size_t frames = 0;
    std::size_t most_in_flight = 0;
};

/// Feeds `data` in `piece`-byte reads as the backup stream does: frames that are ready go out, and beyond the
/// window the reader waits.
asio::awaitable<pumped> pump(frame_pipeline& p, const std::string& data, std::size_t piece) {
    pumped r;
    auto take = [&]() -> asio::awaitable<void> {
        while (!p.frame_ready()) co_await p.wait_for_progress();
        const auto frame = p.take_frame();
        r.body.append(frame.data(), frame.size());
        ++r.frames;
    };
    for (std::size_t off = 0; off < data.size(); off += piece) {
        p.add(std::span<const char>(data).subspan(off, std::min(piece, data.size() - off)));
        r.most_in_flight = std::max(r.most_in_flight, p.in_flight());
        while (p.frame_ready() || p.in_flight() > p.window()) co_await take();
    }
    p.end_block();
    while (p.in_flight() > 0) co_await take();
    co_return r;
}

}  // namespace

TEST_CASE("compression pool: frames come back in the stream's order, within the window", "[io][zstd]") {
    const unsigned threads = GENERATE(1u, 3u);
    INFO(threads << " thread(s)");
    const std::string data = uneven(8);
    compression_pool pool(threads);
    asio::io_context io;
    frame_pipeline p(pool, io.get_executor(), 19);
    CHECK(p.window() == 2 * threads);
    auto result = asio::co_spawn(io, pump(p, data, 256 * 1024), asio::use_future);
    io.run();
    const pumped r = result.get();
    CHECK(r.frames == 9);
    CHECK(r.most_in_flight <= p.window() + 1);
    CHECK(p.bytes_in() == data.size());
    CHECK(r.body.size() < data.size());
    CHECK(decode(r.body) == data);
}

TEST_CASE("compression pool: a stream dropped mid-block leaves the threads nothing dangling", "[io][zstd]") {
    const std::string data = uneven(6);
    // The io_context outlives the pool, as the sidecar's does: a thread may still post a notice to it.
    asio::io_context io;
    compression_pool pool(2);
    {
        frame_pipeline dropped(pool, io.get_executor(), 19);
        dropped.add(data);
        CHECK(dropped.in_flight() == 6);
    }
    // The next stream gets the threads (the dropped stream's queued blocks are skipped), and the notices of its
    // blocks that were being compressed arrive at no one.
    frame_pipeline p(pool, io.get_executor(), 1);
    auto result = asio::co_spawn(io, pump(p, data, 1 << 20), asio::use_future);
    io.run();
    CHECK(decode(result.get().body) == data);
}
