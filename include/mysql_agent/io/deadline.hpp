#pragma once
// The clone's time limits: the end of the whole run (--timeout) and the per-operation deadlines derived from it,
// and before(op, deadline), the one helper that races an operation against a deadline instead of a timer per
// call site (the clone's and the backup server's). I/O layer (Asio coroutines).

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <type_traits>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mysql_agent {

/// Completion token that hands an operation's error back as a value (a tuple) instead of throwing it. Races
/// need it: `a || b` waits for the first branch that *succeeds*, so a branch that threw (a reset connection)
/// would leave it waiting for the other one (a timer).
inline constexpr auto nothrow_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

/// A duration flag's value as messages name it: "60 s", "0.5 s".
std::string seconds_text(std::chrono::milliseconds d);

/// The end of the whole clone (--timeout) and the per-operation deadlines derived from it.
class deadlines {
public:
    using clock = std::chrono::steady_clock;
    /// `overall` from `start`; 0: no overall deadline.
    deadlines(clock::time_point start, std::chrono::milliseconds overall)
        : overall_(overall.count() > 0 ? start + overall : clock::time_point::max()), overall_budget_(overall) {}
    clock::time_point overall() const noexcept { return overall_; }
    /// `d` from now, but never past the overall deadline.
    clock::time_point within(std::chrono::milliseconds d) const {
        const auto now = clock::now();
        return overall_ - now < d ? overall_ : now + d;
    }
    bool overall_passed() const { return clock::now() >= overall_; }
    /// --timeout as messages name it: "1s", "24h00m".
    std::string overall_text() const;

private:
    clock::time_point overall_;
    std::chrono::milliseconds overall_budget_;
};

template <class T>
struct is_variant : std::false_type {};
template <class... A>
struct is_variant<std::variant<A...>> : std::true_type {};

/// Runs `op` until it completes or `at` passes, whichever comes first (the loser is cancelled).
/// nullopt: the time ran out.
/// `at` = time_point::max() (--timeout 0) waits without a timer.
/// `op` must not yield a std::variant: the awaitable operators flatten one into the race's own variant, and its
/// second alternative would read as "the time ran out". Wrap such an operation in one that yields a struct.
template <class T>
boost::asio::awaitable<std::optional<T>> before(boost::asio::awaitable<T> op, deadlines::clock::time_point at) {
    static_assert(!is_variant<T>::value, "before(): wrap an operation that yields a std::variant (see above)");
    using namespace boost::asio::experimental::awaitable_operators;
    if (at == deadlines::clock::time_point::max()) co_return co_await std::move(op);
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, at);
    auto r = co_await (std::move(op) || timer.async_wait(nothrow_awaitable));
    if (r.index() == 1) co_return std::nullopt;
    co_return std::get<0>(std::move(r));
}

}  // namespace mysql_agent
