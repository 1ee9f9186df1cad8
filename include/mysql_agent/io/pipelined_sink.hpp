#pragma once
// Bytes handed from one thread to another through a bounded queue, so that receiving the next bytes (a download)
// overlaps with working on the last ones (checking, decoding, writing into an extractor) instead of taking turns
// with it. The consumer runs on a thread of its own; its first exception stops it, and is rethrown to the producer
// by the next push() or by finish(). I/O layer (a thread).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace mysql_agent {

class pipelined_sink {
public:
    /// `consume` gets every piece pushed, in order, on the sink's own thread. At most `limit` bytes wait in the queue.
    pipelined_sink(std::function<void(std::string_view)> consume, std::size_t limit);
    /// Abandons what is queued and joins the thread (a consume in progress finishes first).
    ~pipelined_sink();
    pipelined_sink(const pipelined_sink&) = delete;
    pipelined_sink& operator=(const pipelined_sink&) = delete;

    /// Queues a copy of `piece`, waiting while the queue is full. Rethrows the consumer's exception.
    void push(std::string_view piece);
    /// Waits until every piece was consumed. Rethrows the consumer's exception.
    void finish();

private:
    void run();
    void rethrow_failure();

    std::function<void(std::string_view)> consume_;
    std::size_t limit_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> queue_;
    std::size_t queued_ = 0;
    bool busy_ = false, closing_ = false;
    std::exception_ptr failure_;
    std::thread thread_;  ///< last: started once everything it uses exists
};

}  // namespace mysql_agent
