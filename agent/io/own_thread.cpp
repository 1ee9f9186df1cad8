#include "mysql_agent/io/own_thread.hpp"

#include <atomic>
#include <exception>
#include <memory>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include "mysql_agent/io/deadline.hpp"

namespace mysql_agent {

namespace asio = boost::asio;

namespace {

struct job_state {
    explicit job_state(asio::any_io_executor ex, std::chrono::steady_clock::time_point deadline) : done(ex, deadline) {}
    asio::steady_timer done;  ///< expires at the deadline; cancelled (from the io thread) when the job ends
    std::atomic<bool> finished{false};
    std::exception_ptr failure;
};

/// Joins the job's thread on every way out, stopping it first unless it finished.
struct joined_thread {
    std::thread thread;
    std::shared_ptr<job_state> state;
    std::function<void()>& stop;
    ~joined_thread() {
        if (!state->finished) stop();
        thread.join();
    }
};

}  // namespace

asio::awaitable<bool> run_on_own_thread(std::function<void()> job, std::function<void()> stop,
                                        std::chrono::steady_clock::time_point deadline) {
    auto state = std::make_shared<job_state>(co_await asio::this_coro::executor, deadline);
    joined_thread worker{std::thread([state, job = std::move(job)] {
                             try {
                                 job();
                             } catch (...) {
                                 state->failure = std::current_exception();
                             }
                             state->finished = true;
                             // The timer is touched only on its io thread; the handler holds the state alive.
                             asio::post(state->done.get_executor(), [state] { state->done.cancel(); });
                         }),
                         state, stop};
    // The cancel above runs on this coroutine's thread, so it either finds this wait pending or `finished` was set
    // before the check.
    while (!state->finished) {
        auto [ec] = co_await state->done.async_wait(nothrow_awaitable);
        if (state->finished) break;
        if (!ec) co_return false;  // the deadline; the joiner stops and joins
        if (ec == asio::error::operation_aborted) {
            const auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
            if (cancelled != asio::cancellation_type::none)
                throw boost::system::system_error(asio::error::operation_aborted, "interrupted");
        }
    }
    if (state->failure) std::rethrow_exception(state->failure);
    co_return true;
}

}  // namespace mysql_agent
