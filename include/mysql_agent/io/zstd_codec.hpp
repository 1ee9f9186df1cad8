#pragma once
// zstd compression of the backup body's blocks into frames (the sidecar: compression_pool.hpp) and the bounded
// streaming decompression of the frames one after another (the clone client), over libzstd
// (https://facebook.github.io/zstd/zstd_manual.html, "Simple Advanced compression API" and "Streaming
// decompression"). libzstd is linked statically, like OpenSSL. It is no I/O, but a C library, which core does not
// take.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// Compresses a block into one whole zstd frame, with zstd's content checksum (so the decoder checks what came
/// out) and the block's size in the frame header. One encoder per thread: it keeps its libzstd context, whose
/// allocation would otherwise cost as much as compressing a small block.
class zstd_frame_encoder {
public:
    /// Throws std::runtime_error when libzstd cannot allocate a context.
    zstd_frame_encoder();
    ~zstd_frame_encoder();
    zstd_frame_encoder(const zstd_frame_encoder&) = delete;
    zstd_frame_encoder& operator=(const zstd_frame_encoder&) = delete;

    /// `block` as one frame at `level` (1..19), replacing what `out` held. Throws std::runtime_error naming
    /// libzstd's error when it refuses the level or fails.
    void encode(std::span<const char> block, int level, std::vector<char>& out);

private:
    struct state;
    std::unique_ptr<state> state_;
};

/// Decodes a zstd body (frames one after another) from a donor that may be hostile, in bounded memory: a frame
/// whose window exceeds 2^max_window_log bytes is refused (not allocated), and the output comes in pieces of at
/// most `output_capacity`. A corrupt frame is an error value naming what libzstd found.
class zstd_decompressor {
public:
    /// 8 MiB: the window of level 19, the highest --compress offers (stream_encoding.hpp).
    static constexpr int max_window_log = 23;

    explicit zstd_decompressor(std::size_t output_capacity = 256 * 1024);
    ~zstd_decompressor();
    zstd_decompressor(const zstd_decompressor&) = delete;
    zstd_decompressor& operator=(const zstd_decompressor&) = delete;

    /// Decodes from `input` (advancing it past what was taken) and returns the bytes that came out (valid until
    /// the next call), or an error. Call again while `input` is not empty or output_pending().
    result<std::span<const char>> decompress(std::span<const char>& input);

    /// The last call filled the output: more may be waiting inside libzstd.
    bool output_pending() const noexcept { return output_pending_; }
    /// The input so far ends exactly at the end of a frame (a stream may end here, and only here).
    bool at_frame_end() const noexcept { return at_frame_end_; }
    std::uint64_t bytes_out() const noexcept { return bytes_out_; }

private:
    struct state;
    std::unique_ptr<state> state_;
    bool output_pending_ = false;
    bool at_frame_end_ = true;
    std::uint64_t bytes_out_ = 0;
};

}  // namespace mysql_agent
