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

/// The StatefulSet's other members whose DNS names resolve: <sts>-k.<service> for every k < `ordinals` but this
/// pod's, looked up at once. A name that does not resolve is skipped, never the end of the list: a Pending pod has
/// no DNS record (even with publishNotReadyAddresses), so mysql-1 may be missing while mysql-2 holds every row. The
/// members named by the cluster itself (GET /position `members`) are added by the caller (peer_clone.cpp).
std::vector<donor_address> discover_peers(const pod_identity& self, std::string_view service, std::uint16_t port,
                                          unsigned ordinals = 16);

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
