#pragma once
// The sidecar's /healthz, /readyz and /metrics facts, gathered off the event loop.
//
// Choice: on demand, not cached. Each request runs the same gather_liveness/gather_readiness as
// `mysql-agent probe` (blocking MySQL calls, each bounded by `timeout`) on a small thread pool and resumes the
// connection's coroutine on its own executor when done, so the io_context thread never blocks and every answer
// is as fresh as an exec probe's. The pool bounds the MySQL connections these checks open at once; checks beyond
// `max_queued` are refused at once (503) rather than queued behind a hung mysqld.
// I/O layer.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "mysql_agent/core/agent_metrics.hpp"
#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/core/readiness.hpp"

namespace mysql_agent {

/// The clone marker as a report sees it: absent, unreadable (with why), or present.
struct marker_reading {
    agent_metrics_facts::marker_state state = agent_metrics_facts::marker_state::absent;
    clone_marker marker;
    std::string problem;  ///< when unreadable
};

/// Reads `datadir`/.mysql-agent-clone.json. Never throws.
marker_reading read_marker_reading(const std::filesystem::path& datadir);

struct health_checker_options {
    mysql_connection connection;  ///< the local mysqld; its timeouts are replaced by `timeout`
    std::filesystem::path datadir;
    bool is_primary = false;
    std::uint64_t max_lag = 60;
    std::chrono::seconds timeout{2};   ///< for connecting and for each statement, as `probe --timeout`
    unsigned threads = 2;
    unsigned max_queued = 16;          ///< checks running or waiting beyond which a request is refused
};

class health_checker {
public:
    explicit health_checker(health_checker_options options);
    ~health_checker();  ///< waits for checks still running (each is bounded by the timeouts)
    health_checker(const health_checker&) = delete;
    health_checker& operator=(const health_checker&) = delete;

    /// live_verdict(gather_liveness(...)), run on the pool. nullopt when `max_queued` checks are pending.
    boost::asio::awaitable<std::optional<probe_verdict>> live();
    /// ready_verdict(gather_readiness(...)), run on the pool. nullopt when `max_queued` checks are pending.
    boost::asio::awaitable<std::optional<probe_verdict>> ready();
    /// The readiness facts and the clone marker for /metrics. nullopt facts when too many checks are pending.
    struct metrics_facts {
        std::optional<readiness_facts> health;
        marker_reading marker;
    };
    boost::asio::awaitable<metrics_facts> for_metrics();
    /// GET /position: the JSON of position_report (ok) or why the server could not say (not ok), run on the
    /// pool. nullopt when `max_queued` checks are pending.
    struct position_answer {
        bool ok = false;
        std::string body;
    };
    boost::asio::awaitable<std::optional<position_answer>> position();

private:
    /// Runs `f` on the pool; the awaiting coroutine resumes on its own executor. Not a coroutine itself: GCC 12
    /// mishandles by-value parameters of coroutines that hold strings (seen as a double free here).
    template <typename F>
    boost::asio::awaitable<std::invoke_result_t<F>> on_pool(F f);
    /// Counts a pending check; false (and nothing counted) when `max_queued` are pending already.
    bool admit();

    health_checker_options opts_;
    std::atomic<unsigned> pending_{0};
    boost::asio::thread_pool pool_;
};

}  // namespace mysql_agent
