#pragma once
// What `init` does with the datadir after writing the config: keep it, or clone it from which peers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/datadir_state.hpp"
#include "mysql_agent/core/donor_address.hpp"
#include "mysql_agent/core/pod_identity.hpp"

namespace mysql_agent {

struct init_decision {
    bool clone = false;
    /// When cloning: the donors in the order to try (each round tries them all, then backs off).
    std::vector<donor_address> donors;
    /// One line for the log: why this decision.
    std::string reason;
};

/// Decides the clone. Decision table (first matching row wins):
///
///   ordinal | --no-clone | datadir           | --clone-from | -> decision
///   --------+------------+-------------------+--------------+-------------------------------------------------
///   0       | any        | any               | any          | keep: the primary never clones
///   N>0     | yes        | any               | any          | keep: asked not to clone
///   N>0     | no         | cloned            | any          | keep: a completed clone (its marker) is kept
///   N>0     | no         | foreign           | any          | keep: data the agent did not create is never touched
///   N>0     | no         | empty/unfinished  | HOST[:PORT]  | clone from that donor only (unfinished: cleaned first)
///   N>0     | no         | empty/unfinished  | none         | clone from <sts>-(N-1)...<sts>-0 .<service>:<backup-port>
///
init_decision decide_init(const pod_identity& self, datadir_kind datadir, bool no_clone,
                          const std::optional<donor_address>& clone_from, std::string_view service,
                          std::uint16_t backup_port);

}  // namespace mysql_agent
