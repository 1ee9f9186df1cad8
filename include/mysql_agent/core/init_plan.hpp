#pragma once
// What `init` does with the datadir after writing the config: keep it, clone it from peers in order, or re-seed
// it from the most advanced peer (an ordinal 0 that lost its data, or a member an operator asked to re-seed).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/datadir_state.hpp"
#include "mysql_agent/core/donor_address.hpp"
#include "mysql_agent/core/pod_identity.hpp"

namespace mysql_agent {

/// What init knows before it looks at the network.
struct init_facts {
    pod_identity self;
    datadir_kind datadir = datadir_kind::empty;
    bool reseed_requested = false;  ///< `mysql-agent reseed` left a request whose signature verifies
    std::string reseed_reason;      ///< the reason the request gives (reseed_request.hpp), "" when none
};

/// What the operator said.
struct init_flags {
    bool no_clone = false;
    bool bootstrap_empty = false;                 ///< ordinal 0: start empty even if peers may hold data
    std::optional<donor_address> clone_from;      ///< the one donor to use
    std::vector<donor_address> peers;             ///< --peers: the peers to ask instead of DNS
    /// --reseed-without: members a re-seed may go on without if they stay silent (reseed_choice.hpp)
    std::vector<std::string> reseed_without;
    std::string service = "mysql";
    std::uint16_t backup_port = 3307;
    bool seed_from_store = false;      ///< --seed-from s3://...: backups an empty member may be seeded from
    bool primary_from_backup = false;  ///< ordinal 0 with no member known: restore the newest backup as primary
};

enum class init_action {
    keep,     ///< leave the datadir as it is (mysqld initialises an empty one)
    clone,    ///< clone from `donors` in order, round after round
    reseed,   ///< ask `donors` (or the peers found through DNS) where they stand; clone from the most advanced
};

/// "keep", "clone", "reseed".
std::string_view to_string(init_action action);

struct init_decision {
    init_action action = init_action::keep;
    /// clone: the donors in the order to try. reseed: the peers to ask (empty with discover_peers: find them).
    std::vector<donor_address> donors;
    bool discover_peers = false;  ///< reseed: the peers are <sts>-1, <sts>-2, ... .<service> that resolve
    bool as_primary = false;      ///< reseed of ordinal 0: the clone becomes the primary (clone_marker.hpp)
    bool replace = false;         ///< reseed of a member with data: its data is displaced at commit, then deleted
    std::string reason;           ///< one line for the log: why this decision
    std::string record;           ///< reseed: why, as the clone marker records it (reseed_record::reason)
    /// clone: from the newest complete backup in --seed-from first; from `donors` when it holds none.
    bool seed_from_store = false;
    /// reseed as primary: when no member is known (the re-seed would start empty), restore the newest backup in
    /// --seed-from instead and become the primary at its position.
    bool restore_when_alone = false;
};

/// Decides. Decision table (first matching row wins; "empty" includes an unfinished clone, which is cleaned first):
///
///   --no-clone | reseed requested | ordinal | datadir        | flags              | decision
///   -----------+------------------+---------+----------------+--------------------+-------------------------------
///   yes        | any              | any     | any            | any                | keep
///   no         | yes              | any     | cloned/foreign | --clone-from HOST  | reseed from HOST, replace
///   no         | yes              | any     | cloned/foreign | none               | reseed from the most advanced
///              |                  |         |                |                    | peer but self, replace
///   no         | any              | 0       | cloned/foreign | any                | keep: the primary's data
///   no         | any              | 0       | empty          | --bootstrap-empty  | keep: an empty primary, as asked
///   no         | any              | 0       | empty          | --clone-from HOST  | reseed as primary from HOST
///   no         | any              | 0       | empty          | --peers / none     | reseed as primary from the most
///              |                  |         |                |                    | advanced peer (none: keep; with
///              |                  |         |                |                    | --seed-from and
///              |                  |         |                |                    | --primary-from-backup: restore
///              |                  |         |                |                    | the newest backup as primary)
///   no         | no               | N>0     | cloned         | any                | keep: a completed clone
///   no         | no               | N>0     | foreign        | any                | keep: never touched
///   no         | any              | N>0     | empty          | --clone-from HOST  | clone from HOST
///   no         | any              | N>0     | empty          | --seed-from URL    | seed from the newest complete
///              |                  |         |                |                    | backup; none: clone from N-1..0
///   no         | any              | N>0     | empty          | none               | clone from N-1 ... 0
///
/// "none: keep" is decided by the re-seed once no member is known (reseed_choice.hpp): no --peers, no
/// <sts>-k.<service> name resolves, so no answer names a member. That is the first deployment of a cluster, and it
/// is also all init sees when it cannot tell: CoreDNS down, every peer Pending, or (OrderedReady) a full restart
/// after ordinal 0's volume was lost, before any peer exists. Then the replicas that come up later halt rather than
/// follow the new history (cluster_identity.hpp). Everything else is certain: a member that resolves or that any
/// answer names (the replicated mysql_agent.members, members.hpp) is waited for within --clone-wait, and a silent
/// one ends init with exit 16 naming it: never an empty primary, never a re-seed from a member that may be behind.
/// --bootstrap-empty discards what every peer holds; --reseed-without NAME gives up one silent member.
init_decision decide_init(const init_facts& facts, const init_flags& flags);

}  // namespace mysql_agent
