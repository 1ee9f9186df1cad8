#include "mysql_agent/io/compression_pool.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <optional>
#include <stdexcept>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/zstd_codec.hpp"

namespace mysql_agent {

namespace asio = boost::asio;

compression_pool::compression_pool(unsigned threads) : threads_(std::max(threads, 1u)), pool_(threads_) {}

compression_pool::~compression_pool() {
    pool_.stop();
    pool_.join();
}

/// A block and, once `done`, its frame or why there is none. Shared with the pool thread compressing it, so
/// a stream that is abandoned mid-block leaves the thread nothing dangling.
struct frame_pipeline::job {
    std::vector<char> input;
    std::vector<char> frame;
    std::string error;
    std::atomic<bool> done{false};
};

/// How a pool thread tells the stream that a block is done: a flag and a timer that is cancelled, both touched
/// only on the stream's executor. The flag keeps a notice that comes while nobody waits.
struct frame_pipeline::signal {
    explicit signal(asio::any_io_executor ex) : timer(std::move(ex)) {}
    asio::steady_timer timer;
    bool notified = false;
};

frame_pipeline::frame_pipeline(compression_pool& pool, asio::any_io_executor home, int level)
    : pool_(pool), level_(level), window_(2 * std::size_t{pool.threads()}),
      signal_(std::make_shared<signal>(std::move(home))) {
    block_.reserve(block_bytes);
}

frame_pipeline::~frame_pipeline() = default;

void frame_pipeline::add(std::span<const char> data) {
    while (!data.empty()) {
        const std::size_t n = std::min(data.size(), block_bytes - block_.size());
        block_.insert(block_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
        data = data.subspan(n);
        bytes_in_ += n;
        if (block_.size() == block_bytes) submit();
    }
}

void frame_pipeline::end_block() {
    if (!block_.empty()) submit();
}

void frame_pipeline::submit() {
    auto j = std::make_shared<job>();
    j->input.swap(block_);
    block_.reserve(block_bytes);
    jobs_.push_back(j);
    // The pool thread holds the job, and only a weak reference to the signal: the timer is then destroyed on
    // the stream's executor, never on a pool thread.
    std::weak_ptr<signal> notice = signal_;
    asio::any_io_executor home = signal_->timer.get_executor();
    asio::post(pool_.pool(), [j, notice, home, level = level_] {
        if (notice.expired()) return;  // the stream is gone: no one will take this frame
        thread_local std::optional<zstd_frame_encoder> encoder;
        try {
            if (!encoder) encoder.emplace();
            encoder->encode(j->input, level, j->frame);
        } catch (const std::exception& e) {
            j->error = e.what();
        }
        j->input = {};
        j->done.store(true, std::memory_order_release);
        asio::post(home, [notice] {
            if (const auto s = notice.lock()) {
                s->notified = true;
                s->timer.cancel();
            }
        });
    });
}

bool frame_pipeline::frame_ready() const noexcept {
    return !jobs_.empty() && jobs_.front()->done.load(std::memory_order_acquire);
}

asio::awaitable<void> frame_pipeline::wait_for_progress() {
    // Checked and armed without a suspension in between, on the one thread that also runs the notices: a notice
    // either came before (the flag) or cancels this wait.
    const std::shared_ptr<signal> s = signal_;
    if (!s->notified) {
        s->timer.expires_at(asio::steady_timer::time_point::max());
        co_await s->timer.async_wait(nothrow_awaitable);
    }
    s->notified = false;
}

std::span<const char> frame_pipeline::take_frame() {
    if (!frame_ready()) throw std::logic_error("frame_pipeline::take_frame: the oldest block is not compressed yet");
    taken_ = std::move(jobs_.front());
    jobs_.pop_front();
    if (!taken_->error.empty()) throw std::runtime_error(taken_->error);
    return {taken_->frame.data(), taken_->frame.size()};
}

}  // namespace mysql_agent
