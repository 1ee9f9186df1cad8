#include "mysql_agent/io/peer_clone.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/backoff.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/gtid_position.hpp"
#include "mysql_agent/core/reseed_choice.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/peer_positions.hpp"

namespace mysql_agent {
namespace {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

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

/// The members to ask this round: --peers / --clone-from, or the names that resolve; and (unless the operator
/// chose the donor with --clone-from) every member known so far, by the name the cluster recorded.
std::vector<donor_address> peers_of(const init_decision& d, const pod_identity& self, const init_flags& flags,
                                    const std::vector<std::string>& known) {
    std::vector<donor_address> peers = d.discover_peers ? discover_peers(self, flags.service, flags.backup_port) : d.donors;
    if (flags.clone_from) return peers;
    for (const auto& name : known) {
        const bool asked = std::any_of(peers.begin(), peers.end(), [&](const donor_address& p) { return p.host == name; });
        if (!asked && name != own_host(self, flags.service)) peers.push_back({name, flags.backup_port});
    }
    return peers;
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

/// The round as core sees it (reseed_choice.hpp). A donor named by --clone-from is the operator's choice: the
/// members it knows are not waited for.
reseed_round round_of(const std::vector<peer_answer>& answers, const pod_identity& self, const init_flags& flags,
                      const std::vector<std::string>& known, bool out_of_time) {
    reseed_round r;
    r.self = own_host(self, flags.service);
    r.known = known;
    r.given_up = flags.reseed_without;
    r.out_of_time = out_of_time;
    r.donor_chosen = flags.clone_from.has_value();
    for (const auto& a : answers) {
        member_answer m{a.peer.host, std::nullopt, {}, a.problem};
        if (a.report) {
            m.position = to_peer_position(a.peer.to_string(), *a.report);
            if (!flags.clone_from) m.members = a.report->members;
        }
        r.answers.push_back(std::move(m));
    }
    return r;
}

/// "mysql-2.mysql: HTTP 401: ...; mysql-3.mysql: ...": each silent member and why, from this round's answers.
std::string silent_text(const std::vector<std::string>& names, const std::vector<peer_answer>& answers) {
    std::string out;
    for (const auto& n : names) {
        out += (out.empty() ? "" : "; ") + n;
        const auto it = std::find_if(answers.begin(), answers.end(), [&](const peer_answer& a) { return a.peer.host == n; });
        out += ": " + (it == answers.end() ? std::string("not asked") : it->problem);
    }
    return out;
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
    std::vector<std::string> known;
    bool stream_failed = false;
    round_pause pause;
    for (const auto& name : flags.reseed_without)
        log_event(spdlog::level::warn,
                  fmt::format("init: --reseed-without {}: if it stays silent, the re-seed goes on without it and "
                              "whatever it alone holds may be lost",
                              name),
                  {{"event", "init_reseed_without"}, {"peer", name}});
    for (unsigned round = 1;; ++round) {
        const bool out_of_time = clock::now() - started >= wait;
        peers = peers_of(decision, self, flags, known);
        const auto answers = ask(peers, base, failures);
        const auto choice = choose_reseed(round_of(answers, self, flags, known, out_of_time));
        if (!choice)
            throw clone_failed_error("no member's history holds every other's, so there is none to re-seed from: " +
                                     choice.message() + "; choose the donor with --clone-from");
        if (choice->known != known) spdlog::info("init: known members: {}", fmt::join(choice->known, ", "));
        known = choice->known;
        switch (choice->step) {
            case reseed_step::no_data:
                if (decision.as_primary && !decision.replace) {
                    spdlog::info("init: {}: the first deployment of {}, starting empty", choice->reason, self.hostname);
                    co_return std::nullopt;
                }
                spdlog::info("init: {}: nothing to re-seed from yet", choice->reason);
                break;
            case reseed_step::wait:
                spdlog::info("init: waiting: {}", choice->reason);
                break;
            case reseed_step::donor_silent:
                throw no_donor_error(fmt::format(
                    "{}, but the donor --clone-from {} did not answer within --clone-wait {} s: {}; check its "
                    "sidecar, token and certificate, or choose another donor",
                    decision.reason, flags.clone_from ? flags.clone_from->to_string() : "?", wait.count(),
                    silent_text(choice->silent, answers)));
            case reseed_step::give_up:
                throw member_silent_error(fmt::format(
                    "{}, but known member(s) stayed silent within --clone-wait {} s: {}. Any of them may hold what the "
                    "others lack, so no other member is chosen in its place: bring them back (check their sidecars, "
                    "tokens and certificates), or, to go on without one and lose whatever it alone holds, run init "
                    "with --reseed-without NAME for each (MYSQL_AGENT_RESEED_WITHOUT=NAME[,NAME...]){}",
                    decision.reason, wait.count(), silent_text(choice->silent, answers),
                    choice->silent.size() == choice->known.size() && decision.as_primary
                        ? "; or, with none of them answering, --bootstrap-empty (MYSQL_AGENT_BOOTSTRAP_EMPTY=1) "
                          "starts an empty primary: you are discarding whatever they hold"
                        : ""));
            case reseed_step::clone: {
                const auto& peer = answers[choice->donor];
                spdlog::info("init: {} is the donor: {}", peer.peer.to_string(), choice->reason);
                if (!choice->given_up.empty())
                    log_event(spdlog::level::warn,
                              fmt::format("init: re-seeding without {} (--reseed-without): whatever they alone hold is "
                                          "not in this clone; the marker records it",
                                          fmt::join(choice->given_up, ", ")),
                              {{"event", "init_reseed_given_up"}});
                clone_options o = base;
                o.donor = peer.peer;
                o.reseed = reseed_record{decision.as_primary, decision.record, position_text(*peer.report),
                                         choice->given_up};
                o.advertised = to_peer_position(peer.peer.to_string(), *peer.report);
                if (auto done = co_await try_donor(o, failures, stream_failed)) co_return std::move(*done);
                break;
            }
        }
        if (out_of_time) break;
        co_await pause(round);
    }
    throw no_donor_error(fmt::format(
        "{}, but no peer served a backup within --clone-wait {} s (peers: {}). Never starting an empty {} while "
        "peers may hold the data: bring them back, or, if what they hold may be thrown away, run init with "
        "--bootstrap-empty (MYSQL_AGENT_BOOTSTRAP_EMPTY=1): you are discarding whatever the peers hold",
        decision.reason, wait.count(), tried_text(peers, failures), decision.as_primary ? "primary" : "member"));
}

}  // namespace mysql_agent
