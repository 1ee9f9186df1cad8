#include "mysql_agent/io/health_checker.hpp"

#include <exception>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/io/cluster_position.hpp"
#include "mysql_agent/io/health_facts.hpp"

namespace mysql_agent {

namespace asio = boost::asio;

marker_reading read_marker_reading(const std::filesystem::path& datadir) {
    marker_reading r;
    const auto path = datadir / clone_marker_file;
    try {
        const auto text = read_file_if_exists(path);
        if (!text) return r;
        auto m = marker_from_json(path.string(), *text);
        if (!m) {
            r.state = agent_metrics_facts::marker_state::unreadable;
            r.problem = m.message();
            return r;
        }
        r.state = agent_metrics_facts::marker_state::present;
        r.marker = std::move(m).value();
    } catch (const std::exception& e) {
        r.state = agent_metrics_facts::marker_state::unreadable;
        r.problem = e.what();
    }
    return r;
}

health_checker::health_checker(health_checker_options options)
    : opts_(std::move(options)), pool_(opts_.threads == 0 ? 1 : opts_.threads) {
    opts_.connection.connect_timeout = opts_.connection.read_timeout = opts_.connection.write_timeout = opts_.timeout;
}

health_checker::~health_checker() { pool_.join(); }

bool health_checker::admit() {
    if (pending_.fetch_add(1) < opts_.max_queued) return true;
    pending_.fetch_sub(1);
    return false;
}

template <typename F>
asio::awaitable<std::invoke_result_t<F>> health_checker::on_pool(F f) {
    using value = std::invoke_result_t<F>;
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(value)>(
        [this](auto handler, F fn) {
            // Keeps the awaiting side's io_context from running out of work while the pool works.
            auto home = asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
            asio::post(pool_, [handler = std::move(handler), fn = std::move(fn), home = std::move(home)]() mutable {
                value v = fn();
                asio::post(home, [handler = std::move(handler), v = std::move(v)]() mutable {
                    std::move(handler)(std::move(v));
                });
            });
        },
        asio::use_awaitable, std::move(f));
}

namespace {
struct pending_guard {
    std::atomic<unsigned>& n;
    ~pending_guard() { n.fetch_sub(1); }
};
}  // namespace

asio::awaitable<std::optional<probe_verdict>> health_checker::live() {
    if (!admit()) co_return std::nullopt;
    pending_guard guard{pending_};
    // [gcc12-await-temporaries] Built as named locals outside the co_await expression: GCC 12 destroys a
    // temporary that lives across a co_await twice (a double free of the captured strings).
    auto work = on_pool([c = opts_.connection] { return live_verdict(gather_liveness(c)); });
    probe_verdict v = co_await std::move(work);
    co_return v;
}

asio::awaitable<std::optional<probe_verdict>> health_checker::ready() {
    if (!admit()) co_return std::nullopt;
    pending_guard guard{pending_};
    auto work = on_pool([c = opts_.connection, d = opts_.datadir, primary = opts_.is_primary, lag = opts_.max_lag] {
        return ready_verdict(gather_readiness(c, d, primary, lag));
    });
    probe_verdict v = co_await std::move(work);
    co_return v;
}

asio::awaitable<health_checker::metrics_facts> health_checker::for_metrics() {
    const auto d = opts_.datadir;
    if (!admit()) co_return metrics_facts{std::nullopt, read_marker_reading(d)};
    pending_guard guard{pending_};
    auto work = on_pool([c = opts_.connection, d, primary = opts_.is_primary, lag = opts_.max_lag] {
        return metrics_facts{gather_readiness(c, d, primary, lag), read_marker_reading(d)};
    });
    metrics_facts facts = co_await std::move(work);
    co_return facts;
}

asio::awaitable<std::optional<health_checker::position_answer>> health_checker::position() {
    if (!admit()) co_return std::nullopt;
    pending_guard guard{pending_};
    auto work = on_pool([c = opts_.connection, primary = opts_.is_primary] {
        try {
            mysql_client client(c);
            return position_answer{true, to_json(gather_position(client, primary))};
        } catch (const std::exception& e) {
            return position_answer{false, std::string("mysqld cannot say where it stands: ") + e.what()};
        }
    });
    position_answer answer = co_await std::move(work);
    co_return answer;
}

}  // namespace mysql_agent
