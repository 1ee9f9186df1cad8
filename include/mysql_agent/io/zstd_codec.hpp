#pragma once
// zstd streaming compression of the backup body (the sidecar) and its bounded decompression (the clone client),
// over libzstd's streaming API (https://facebook.github.io/zstd/zstd_manual.html, "Streaming compression" and
// "Streaming decompression"). libzstd is linked statically, like OpenSSL. It is no I/O, but it is a C library with
// threads of its own, which core does not take.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// One zstd frame, written piece by piece, with zstd's content checksum (so the decoder checks what came out).
class zstd_compressor {
public:
    /// `level` 1..19. `workers` 0: compress on the caller's thread; N > 0: N threads of libzstd's own
    /// (ZSTD_c_nbWorkers) when the library was built with them, else the caller's thread (workers() says which).
    /// Throws std::runtime_error when libzstd refuses the level or cannot allocate.
    zstd_compressor(int level, unsigned workers);
    ~zstd_compressor();
    zstd_compressor(const zstd_compressor&) = delete;
    zstd_compressor& operator=(const zstd_compressor&) = delete;

    /// Takes what it can of `input` (advancing it past that) and returns the compressed bytes that came out:
    /// possibly none, valid until the next call. Call until `input` is empty.
    std::span<const char> compress(std::span<const char>& input);

    /// Ends the frame: returns the next compressed bytes; call until finished().
    std::span<const char> finish();
    bool finished() const noexcept { return finished_; }

    /// The threads libzstd compresses with (0: the caller's).
    unsigned workers() const noexcept { return workers_; }
    std::uint64_t bytes_in() const noexcept { return bytes_in_; }

private:
    struct state;
    std::unique_ptr<state> state_;
    unsigned workers_ = 0;
    bool finished_ = false;
    std::uint64_t bytes_in_ = 0;
};

/// Decodes a zstd body from a donor that may be hostile, in bounded memory: a frame whose window exceeds
/// 2^max_window_log bytes is refused (not allocated), and the output comes in pieces of at most
/// `output_capacity`. A corrupt frame is an error value naming what libzstd found.
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
