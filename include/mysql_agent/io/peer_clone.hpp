#pragma once
// How `init` gets a datadir from its peers, round after round within --clone-wait, every wait answering SIGTERM
// (it runs under run_until_signal): from the peers in order (a new replica), or from the most advanced peer (a
// re-seed: an ordinal 0 that lost its volume, or a member an operator asked to re-seed). I/O (clone_client.hpp,
// peer_positions.hpp); the choices are core's (init_plan.hpp, gtid_position.hpp).

#include <chrono>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "mysql_agent/core/init_plan.hpp"
#include "mysql_agent/io/clone_client.hpp"

namespace mysql_agent {

/// Tries the donors in order, round after round with full-jitter backoff, until one serves a complete backup or
/// `wait` runs out. A donor that is unreachable or busy is skipped; a donor whose stream failed (cut, its backup
/// failed, refused as hostile) is skipped too and tried again in the next round, after the failed clone's files
/// were removed. A refused token, data the agent did not create, a busy datadir, or a local disk error end it at
/// once (no other donor changes them). Throws no_donor_error (clone_failed_error when a stream failed) at the end.
boost::asio::awaitable<clone_outcome> clone_in_order(std::vector<donor_address> donors, clone_options base,
                                                     std::chrono::seconds wait);

/// A re-seed. Each round: find the peers (decision.discover_peers: through DNS; else decision.donors), ask each
/// where it stands (GET /position), and clone from the most advanced one once every peer answered (or, after a
/// minute, among those that did). Returns nullopt when no peer exists (an ordinal 0's first deployment: start
/// empty). Peers that exist but do not answer are never a reason to start empty: at the end of `wait` it throws
/// no_donor_error naming each peer and why, and the --bootstrap-empty override. Diverged histories throw
/// clone_failed_error naming the positions (never a guess).
boost::asio::awaitable<std::optional<clone_outcome>> reseed_from_peers(init_decision decision, const pod_identity& self,
                                                                       const init_flags& flags, clone_options base,
                                                                       std::chrono::seconds wait);

}  // namespace mysql_agent
