#include "mysql_agent/io/pipelined_sink.hpp"

namespace mysql_agent {

pipelined_sink::pipelined_sink(std::function<void(std::string_view)> consume, std::size_t limit)
    : consume_(std::move(consume)), limit_(limit), thread_([this] { run(); }) {}

pipelined_sink::~pipelined_sink() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        closing_ = true;
        queue_.clear();
        queued_ = 0;
    }
    changed_.notify_all();
    thread_.join();
}

void pipelined_sink::rethrow_failure() {
    if (failure_) std::rethrow_exception(failure_);
}

void pipelined_sink::push(std::string_view piece) {
    std::unique_lock<std::mutex> lock(mutex_);
    // A piece larger than the limit still goes in when the queue is empty.
    changed_.wait(lock, [&] { return failure_ || queued_ == 0 || queued_ + piece.size() <= limit_; });
    rethrow_failure();
    queue_.emplace_back(piece);
    queued_ += piece.size();
    changed_.notify_all();
}

void pipelined_sink::finish() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return failure_ || (queue_.empty() && !busy_); });
    rethrow_failure();
}

void pipelined_sink::run() {
    for (;;) {
        std::string piece;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [&] { return closing_ || (!queue_.empty() && !failure_); });
            if (closing_) return;
            piece = std::move(queue_.front());
            queue_.pop_front();
            queued_ -= piece.size();
            busy_ = true;
        }
        changed_.notify_all();
        std::exception_ptr failed;
        try {
            consume_(piece);
        } catch (...) {
            failed = std::current_exception();
        }
        {
            std::lock_guard<std::mutex> lock(mutex_);
            busy_ = false;
            if (failed) {
                failure_ = failed;
                queue_.clear();
                queued_ = 0;
            }
        }
        changed_.notify_all();
    }
}

}  // namespace mysql_agent
