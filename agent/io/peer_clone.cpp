#include "mysql_agent/io/peer_clone.hpp"

#include <map>
#include <random>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/backoff.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/peer_positions.hpp"

namespace mysql_agent {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

/// How long a re-seed waits for every peer to answer before it chooses among those that did.
constexpr auto all_peers_grace = std::chrono::seconds(60);
/// Bound of one GET /position.
constexpr auto position_timeout = std::chrono::seconds(3);

/// Full-jitter pauses between rounds (backoff.hpp), honouring cancellation (SIGTERM) like any co_await.
class round_pause {
public:
    asio::awaitable<void> operator()(unsigned round) {
        const auto delay = full_jitter_backoff(round, std::chrono::seconds(2), std::chrono::seconds(30), unit_(rng_));
        spdlog::info("init: trying again in {} ms (round {})", delay.count(), round + 1);
        asio::steady_timer pause(co_await asio::this_coro::executor, delay);
        co_await pause.async_wait(asio::use_awaitable);
    }

private:
    std::mt19937_64 rng_{std::random_device{}()};
    std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

void log_cloned(const std::string& donor, const clone_outcome& outcome) {
    log_event(spdlog::level::info,
              fmt::format("init: cloned from {} ({} stream bytes in {:.1f} s)", donor, outcome.marker.stream_bytes,
                          outcome.marker.duration_seconds),
              {{"event", "init_cloned"},
               {"peer", donor},
               {"bytes", outcome.marker.stream_bytes},
               {"seconds", outcome.marker.duration_seconds}});
}

/// One clone attempt from `donor`: the outcome, or nullopt after logging why it may be tried again.
asio::awaitable<std::optional<clone_outcome>> try_donor(clone_options o, std::map<std::string, std::string>& failures,
                                                        bool& stream_failed) {
    const std::string donor = o.donor.to_string();
    try {
        auto outcome = co_await async_clone_datadir(o);
        log_cloned(donor, outcome);
        co_return outcome;
    } catch (const no_donor_error& e) {
        failures[donor] = "unreachable or busy";
        log_event(spdlog::level::warn, fmt::format("init: donor {} is unreachable or busy: {}", donor, e.what()),
                  {{"event", "init_donor_unavailable"}, {"peer", donor}});
    } catch (const clone_failed_error& e) {
        stream_failed = true;
        failures[donor] = e.what();
        log_event(spdlog::level::warn,
                  fmt::format("init: the clone from {} failed: {}; trying the next donor", donor, e.what()),
                  {{"event", "init_clone_failed"}, {"peer", donor}});
    }
    co_return std::nullopt;
}

std::string tried_text(const std::vector<donor_address>& donors, const std::map<std::string, std::string>& why) {
    std::string out;
    for (const auto& d : donors) {
        out += (out.empty() ? "" : "; ") + d.to_string();
        if (const auto it = why.find(d.to_string()); it != why.end()) out += ": " + it->second;
    }
    return out.empty() ? "none" : out;
}

/// The peers of this round: --peers / --clone-from, or the ones that resolve.
std::vector<donor_address> peers_of(const init_decision& d, const pod_identity& self, const init_flags& flags) {
    if (!d.discover_peers) return d.donors;
    return discover_peers(self, flags.service, flags.backup_port);
}

/// Where the peers stand; records why the silent ones are silent.
std::vector<peer_answer> ask(const std::vector<donor_address>& peers, const clone_options& base,
                             std::map<std::string, std::string>& failures) {
    auto answers = ask_positions(peers, base.token, base.tls, position_timeout);
    for (const auto& a : answers) {
        if (a.report) {
            failures.erase(a.peer.to_string());
            continue;
        }
        failures[a.peer.to_string()] = a.problem;
        spdlog::info("init: peer {} did not say where it stands: {}", a.peer.to_string(), a.problem);
    }
    return answers;
}

/// The peer to re-seed from, once enough peers answered: nullopt while waiting; index -1 when none holds data.
std::optional<std::ptrdiff_t> choose(const std::vector<peer_answer>& answers, bool waited_enough) {
    std::vector<peer_position> positions;
    std::vector<std::size_t> index_of;
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if (!answers[i].report) continue;
        positions.push_back(to_peer_position(answers[i].peer.to_string(), *answers[i].report));
        index_of.push_back(i);
    }
    if (positions.empty() || (positions.size() < answers.size() && !waited_enough)) return std::nullopt;
    const auto chosen = choose_most_advanced(positions);
    if (!chosen)
        throw clone_failed_error("the peers' histories have diverged, so there is no most advanced one to re-seed "
                                 "from: " + chosen.message() + "; choose the donor with --clone-from");
    if (chosen->outcome == most_advanced_outcome::no_data) return -1;
    spdlog::info("init: {} is the most advanced peer: {}", positions[chosen->index].name, chosen->reason);
    return static_cast<std::ptrdiff_t>(index_of[chosen->index]);
}

std::string position_text(const position_report& r) {
    if (!r.gtid_position.empty()) return r.gtid_position;
    return r.binlog_position ? r.binlog_position->file + ":" + std::to_string(r.binlog_position->position) : "";
}

}  // namespace

asio::awaitable<clone_outcome> clone_in_order(std::vector<donor_address> donors, clone_options base,
                                              std::chrono::seconds wait) {
    const auto give_up_at = clock::now() + wait;
    std::map<std::string, std::string> failures;
    bool stream_failed = false;
    round_pause pause;
    for (unsigned round = 1;; ++round) {
        for (const auto& address : donors) {
            clone_options o = base;
            o.donor = address;
            if (auto done = co_await try_donor(o, failures, stream_failed)) co_return std::move(*done);
        }
        if (clock::now() >= give_up_at) {
            const std::string message = fmt::format(
                "no donor served a complete backup within --clone-wait {} s (tried {}); check that their sidecars "
                "run and are reachable, and their logs",
                wait.count(), tried_text(donors, failures));
            if (stream_failed) throw clone_failed_error(message);
            throw no_donor_error(message);
        }
        co_await pause(round);
    }
}

asio::awaitable<std::optional<clone_outcome>> reseed_from_peers(init_decision decision, const pod_identity& self,
                                                                const init_flags& flags, clone_options base,
                                                                std::chrono::seconds wait) {
    const auto started = clock::now();
    std::map<std::string, std::string> failures;
    std::vector<donor_address> peers;
    bool stream_failed = false;
    round_pause pause;
    for (unsigned round = 1;; ++round) {
        peers = peers_of(decision, self, flags);
        if (peers.empty() && decision.discover_peers && !decision.replace) {
            spdlog::info("init: no peer of {} exists (no <sts>-k.{} name resolves): the first deployment", self.hostname,
                         flags.service);
            co_return std::nullopt;
        }
        const auto answers = ask(peers, base, failures);
        if (const auto chosen = choose(answers, clock::now() - started >= all_peers_grace)) {
            if (*chosen < 0 && decision.as_primary && !decision.replace) co_return std::nullopt;
            if (*chosen >= 0) {
                const auto& peer = answers[static_cast<std::size_t>(*chosen)];
                clone_options o = base;
                o.donor = peer.peer;
                o.reseed = reseed_record{decision.as_primary, decision.record, position_text(*peer.report)};
                if (auto done = co_await try_donor(o, failures, stream_failed)) co_return std::move(*done);
            }
        }
        if (clock::now() - started >= wait) break;
        co_await pause(round);
    }
    throw no_donor_error(fmt::format(
        "{}, but no peer served a backup within --clone-wait {} s (peers: {}). Never starting an empty {} while "
        "peers may hold the data: bring them back, or, if what they hold may be thrown away, run init with "
        "--bootstrap-empty (MYSQL_AGENT_BOOTSTRAP_EMPTY=1): you are discarding whatever the peers hold",
        decision.reason, wait.count(), tried_text(peers, failures), decision.as_primary ? "primary" : "member"));
}

}  // namespace mysql_agent
