#pragma once
// The backup server's shutdown, as every connection sees it: raised once (SIGTERM), it wakes each wait that races
// against it, so a request being read is dropped and a backup in flight ends between two chunks with a failed
// trailer. I/O layer (Asio).

#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace mysql_agent {

/// What a client is told (503, or a failed trailer) once the server is shutting down.
inline constexpr std::string_view shutting_down_message = "sidecar is shutting down";

class shutdown_signal {
public:
    explicit shutdown_signal(boost::asio::any_io_executor ex);

    /// Raises the signal and wakes every wait(); a second call does nothing.
    void raise();
    bool raised() const noexcept { return raised_; }

    /// Completes once the signal is raised (at once if it was), or when cancelled as the loser of a race.
    boost::asio::awaitable<void> wait();

private:
    boost::asio::steady_timer timer_;  ///< never expires; raise() cancels it, which wakes every wait()
    bool raised_ = false;
};

}  // namespace mysql_agent
