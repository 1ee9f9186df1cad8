#pragma once
// A blocking job (the S3 client's requests, a blocking write into a pipe) run on a thread of its own and awaited from
// a coroutine, so that the coroutine's io_context stays free for signals and timers meanwhile. I/O layer.

#include <chrono>
#include <functional>

#include <boost/asio/awaitable.hpp>

namespace mysql_agent {

/// Runs `job` on a new thread and waits for it until `deadline`. Returns true when it finished (its exception is
/// rethrown here), false when the deadline passed first. When the deadline passes or the awaiting coroutine is
/// cancelled (SIGTERM), `stop` is called (it must make `job` return soon: set a flag it checks, kill the process it
/// writes to) and the thread is joined before this returns false or the cancellation surfaces
/// (boost::system::system_error, operation_aborted). `stop` must not throw.
boost::asio::awaitable<bool> run_on_own_thread(std::function<void()> job, std::function<void()> stop,
                                               std::chrono::steady_clock::time_point deadline);

}  // namespace mysql_agent
