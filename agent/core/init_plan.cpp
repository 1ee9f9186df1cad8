#include "mysql_agent/core/init_plan.hpp"

namespace mysql_agent {
namespace {

init_decision keep(std::string reason) {
    init_decision d;
    d.reason = std::move(reason);
    return d;
}

/// Re-seed: from --clone-from, or from the peers to ask (--peers, else found through DNS).
init_decision reseed(const init_flags& flags, bool as_primary, bool replace, std::string why) {
    init_decision d;
    d.action = init_action::reseed;
    d.as_primary = as_primary;
    d.replace = replace;
    if (flags.clone_from) {
        d.donors.push_back(*flags.clone_from);
        d.reason = why + ": re-seeding from --clone-from " + flags.clone_from->to_string();
    } else {
        d.donors = flags.peers;
        d.discover_peers = flags.peers.empty();
        d.reason = why + ": re-seeding from the most advanced of " +
                   (flags.peers.empty() ? std::string("the peers that exist") : std::string("--peers"));
    }
    return d;
}

bool has_data(datadir_kind k) { return k == datadir_kind::cloned || k == datadir_kind::foreign; }

}  // namespace

std::string_view to_string(init_action action) {
    switch (action) {
        case init_action::keep: return "keep";
        case init_action::clone: return "clone";
        case init_action::reseed: return "reseed";
    }
    return "unknown";
}

init_decision decide_init(const init_facts& facts, const init_flags& flags) {
    const pod_identity& self = facts.self;
    if (flags.no_clone) return keep("--no-clone given: not cloning");
    if (facts.reseed_requested && has_data(facts.datadir)) {
        auto d = reseed(flags, self.is_primary(), true,
                        "`mysql-agent reseed` asked for it" +
                            (facts.reseed_reason.empty() ? std::string() : " (" + facts.reseed_reason + ")") +
                            "; the data in the datadir is replaced only once the new clone is committed");
        d.record = facts.reseed_reason.empty() ? "mysql-agent reseed" : facts.reseed_reason;
        return d;
    }
    if (self.is_primary()) {
        if (has_data(facts.datadir)) return keep("ordinal 0 holds its data: it is the primary");
        if (flags.bootstrap_empty)
            return keep("--bootstrap-empty: starting an empty primary, discarding whatever the peers hold");
        const std::string state = facts.datadir == datadir_kind::empty ? "empty" : "an unfinished clone";
        auto d = reseed(flags, true, false,
                        "ordinal 0's datadir is " + state +
                            ": a lost volume must not become an empty primary while peers hold the data");
        d.record = "ordinal 0's datadir was " + state;
        if (flags.seed_from_store && flags.primary_from_backup && !flags.clone_from) {
            d.restore_when_alone = true;
            d.reason += "; if no member is known, from the newest backup in --seed-from (--primary-from-backup)";
        }
        return d;
    }
    switch (facts.datadir) {
        case datadir_kind::cloned:
            return keep("the datadir holds a completed clone (its marker is present): keeping it");
        case datadir_kind::foreign:
            return keep("the datadir holds data mysql-agent did not create: keeping it untouched");
        case datadir_kind::empty:
        case datadir_kind::unfinished_clone:
            break;
    }
    init_decision d;
    d.action = init_action::clone;
    if (flags.clone_from) {
        d.donors.push_back(*flags.clone_from);
    } else {
        // The previous peer first: it is most likely up (StatefulSets start pods in order) and it spreads the
        // load of many replicas over several donors instead of all hitting the primary.
        for (std::uint32_t k = self.ordinal; k-- > 0;)
            d.donors.push_back(donor_address{peer_host(self, k, flags.service), flags.backup_port});
    }
    d.seed_from_store = flags.seed_from_store && !flags.clone_from;
    d.reason = std::string(facts.datadir == datadir_kind::empty ? "the datadir is empty"
                                                                : "the datadir holds an unfinished clone (cleaning it)") +
               (d.seed_from_store ? ": seeding from the newest complete backup in --seed-from, else cloning from "
                                  : ": cloning from ") +
               (flags.clone_from ? "--clone-from " + flags.clone_from->to_string() : "the peers in order");
    return d;
}

}  // namespace mysql_agent
