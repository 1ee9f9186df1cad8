#pragma once
// Which peers exist and where each stands, for a re-seed (init_plan.hpp: init_action::reseed). I/O: DNS and one
// GET /position per peer (position_report.hpp), each bounded by a timeout.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/io/tls_context.hpp"
#include "mysql_agent/core/donor_address.hpp"
#include "mysql_agent/core/pod_identity.hpp"
#include "mysql_agent/core/position_report.hpp"

namespace mysql_agent {

/// The StatefulSet's other members whose DNS names resolve: <sts>-k.<service> for k = 0, 1, ... but this pod,
/// stopping at the first name that does not resolve (ordinals are contiguous; the headless Service publishes
/// not-ready addresses, so a pod that exists resolves even while it is not ready), at most `limit` of them.
std::vector<donor_address> discover_peers(const pod_identity& self, std::string_view service, std::uint16_t port,
                                          unsigned limit = 64);

/// One peer's answer to GET /position.
struct peer_answer {
    donor_address peer;
    std::optional<position_report> report;  ///< nullopt: no usable answer
    std::string problem;                    ///< why not: "connection refused", "503: mysqld does not answer", ...
};

/// Asks each peer, one after the other, each within `timeout` (over TLS with `tls`).
std::vector<peer_answer> ask_positions(const std::vector<donor_address>& peers, const std::optional<std::string>& token,
                                       const std::optional<tls_client_settings>& tls, std::chrono::milliseconds timeout);

}  // namespace mysql_agent
