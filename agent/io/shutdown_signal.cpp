#include "mysql_agent/io/shutdown_signal.hpp"

#include "mysql_agent/io/deadline.hpp"

namespace mysql_agent {

shutdown_signal::shutdown_signal(boost::asio::any_io_executor ex) : timer_(ex) {
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
}

void shutdown_signal::raise() {
    if (raised_) return;
    raised_ = true;
    timer_.cancel();
}

boost::asio::awaitable<void> shutdown_signal::wait() {
    if (raised_) co_return;
    co_await timer_.async_wait(nothrow_awaitable);
}

}  // namespace mysql_agent
