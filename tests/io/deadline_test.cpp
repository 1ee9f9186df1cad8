// deadlines and before(): an operation raced against a deadline, and against none (--timeout 0). Other code waits on
// timers set to time_point::max() as "until cancelled" (compression_pool, process_runner, shutdown_signal): such a
// timer must not fire by itself.
#include <catch2/catch.hpp>

#include <chrono>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "mysql_agent/io/deadline.hpp"

using namespace mysql_agent;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

asio::awaitable<int> after(std::chrono::milliseconds d, int value) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
    co_return value;
}

/// Runs `body` on an io_context until it completes.
template <class F>
void run(F body) {
    asio::io_context io;
    bool done = false;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
        co_await body();
        done = true;
    }, asio::detached);
    io.run();
    REQUIRE(done);
}

}  // namespace

TEST_CASE("before(): the operation when it ends first, nullopt when the deadline passes, and no deadline at all "
          "with --timeout 0", "[io][deadline]") {
    run([]() -> asio::awaitable<void> {
        const auto now = deadlines::clock::now();
        CHECK(co_await before(after(50ms, 7), now + 5s) == std::optional<int>(7));
        CHECK_FALSE((co_await before(after(5s, 7), deadlines::clock::now() + 50ms)).has_value());
        const deadlines none(deadlines::clock::now(), 0ms);
        CHECK(none.overall() == deadlines::clock::time_point::max());
        CHECK(co_await before(after(300ms, 9), none.overall()) == std::optional<int>(9));
    });
}

TEST_CASE("a timer set to time_point::max() waits until it is cancelled", "[io][deadline]") {
    asio::io_context io;
    asio::steady_timer forever(io, asio::steady_timer::time_point::max());
    asio::steady_timer other(io);
    other.expires_at(asio::steady_timer::time_point::max());
    asio::steady_timer stop(io, 300ms);
    boost::system::error_code forever_ec, other_ec;
    bool stopped = false;
    forever.async_wait([&](auto ec) { forever_ec = ec; CHECK(stopped); });
    other.async_wait([&](auto ec) { other_ec = ec; CHECK(stopped); });
    stop.async_wait([&](auto) {
        stopped = true;
        forever.cancel();
        other.cancel();
    });
    io.run();
    CHECK(forever_ec == asio::error::operation_aborted);
    CHECK(other_ec == asio::error::operation_aborted);
}
