#pragma once
// Compression of backup streams on threads of their own (sidecar --compress-threads), shared by every stream
// of the sidecar. A stream's bytes are cut into blocks, each compressed as an independent zstd frame on
// whichever pool thread is free, and the frames come back in the stream's order; a zstd decoder reads such
// frames one after another as one body (RFC 8878, 3.1: "a compressed stream ... may contain multiple frames").
// Why not libzstd's own worker threads (ZSTD_c_nbWorkers): Debian 12's static libzstd.a is built without them
// (the parameter is bounded to 0), and with them the calling thread, the sidecar's event loop, still compresses
// whenever they are all busy. Here the event loop only moves buffers: /healthz and /metrics answer while a
// level-19 stream is compressed.
// I/O layer (Asio).

#include <cstddef>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

namespace mysql_agent {

/// Threads that compress blocks into zstd frames. Destroying the pool waits for the blocks being compressed
/// and drops the queued ones.
class compression_pool {
public:
    /// `threads` >= 1.
    explicit compression_pool(unsigned threads);
    ~compression_pool();
    compression_pool(const compression_pool&) = delete;
    compression_pool& operator=(const compression_pool&) = delete;

    unsigned threads() const noexcept { return threads_; }
    boost::asio::thread_pool& pool() noexcept { return pool_; }

private:
    unsigned threads_;
    boost::asio::thread_pool pool_;
};

/// One stream's bytes, compressed on a pool as frames of at most block_bytes of input, handed back in order on
/// the stream's executor (which must run on one thread, as the sidecar's io_context does). At most window()
/// blocks are in the pool at once, which bounds the memory a stream holds (about 2 x block_bytes per block).
class frame_pipeline {
public:
    /// 1 MiB: at level 1 (a 512 KiB window) frames this large compress sysbench data within 1 % of one frame,
    /// and a block at level 19 takes well under a second of a core.
    static constexpr std::size_t block_bytes = 1024 * 1024;

    /// Frames at `level` (1..19), compressed on `pool` and handed back on `home`.
    frame_pipeline(compression_pool& pool, boost::asio::any_io_executor home, int level);
    ~frame_pipeline();
    frame_pipeline(const frame_pipeline&) = delete;
    frame_pipeline& operator=(const frame_pipeline&) = delete;

    /// Takes `data` into the current block, sending each block that fills up to the pool.
    void add(std::span<const char> data);
    /// Sends the current block, however short, to the pool (the stream ended).
    void end_block();

    /// Blocks in the pool, compressed or not, whose frames were not taken yet.
    std::size_t in_flight() const noexcept { return jobs_.size(); }
    /// The most blocks in flight before the caller must take frames (2 per pool thread).
    std::size_t window() const noexcept { return window_; }
    /// The oldest block in flight is compressed: take_frame() will not wait.
    bool frame_ready() const noexcept;
    /// Completes once some block was compressed since the last call (or at once if one was): the caller then
    /// checks frame_ready() again. Safe to race against other operations and cancel.
    boost::asio::awaitable<void> wait_for_progress();
    /// The oldest block's frame (valid until the next call), removed from the pipeline; frame_ready() must hold.
    /// Throws std::runtime_error with libzstd's reason when compressing it failed.
    std::span<const char> take_frame();

    std::uint64_t bytes_in() const noexcept { return bytes_in_; }

private:
    struct job;
    struct signal;
    void submit();

    compression_pool& pool_;
    int level_;
    std::size_t window_;
    std::vector<char> block_;
    std::deque<std::shared_ptr<job>> jobs_;
    std::shared_ptr<job> taken_;  ///< the job whose frame take_frame() last returned
    std::shared_ptr<signal> signal_;
    std::uint64_t bytes_in_ = 0;
};

}  // namespace mysql_agent
