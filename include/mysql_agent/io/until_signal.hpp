#pragma once
// Runs one piece of asynchronous work on a private io_context until it completes or SIGTERM/SIGINT arrives.
// A signal cancels the work (terminal cancellation), which unwinds through its cleanup (a clone removes its
// files), and then surfaces as an interrupted_error. As PID 1 of a container the agent would not even die from
// SIGTERM without a handler, so every wait of a subcommand runs under this or under the sidecar's signal_set.

#include <csignal>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "mysql_agent/core/errors.hpp"

namespace mysql_agent {

/// Runs `make_work()` (a function returning boost::asio::awaitable<T>) to completion and returns its value or
/// rethrows its exception; on SIGTERM or SIGINT throws interrupted_error(sig, `undone`) once the work unwound.
template <class MakeWork>
auto run_until_signal(MakeWork make_work, const std::string& undone) {
    using value_type = typename decltype(make_work())::value_type;
    boost::asio::io_context io;
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    boost::asio::cancellation_signal cancel;
    int caught = 0;
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        caught = sig;
        cancel.emit(boost::asio::cancellation_type::terminal);
    });
    std::exception_ptr failure;
    std::optional<value_type> value;
    boost::asio::co_spawn(io, make_work(),
                          boost::asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, value_type r) {
                              failure = e;
                              if (!e) value.emplace(std::move(r));
                              boost::system::error_code ignored;
                              signals.cancel(ignored);
                          }));
    io.run();
    if (caught != 0) throw interrupted_error(caught, undone);
    if (failure) std::rethrow_exception(failure);
    return std::move(*value);
}

}  // namespace mysql_agent
