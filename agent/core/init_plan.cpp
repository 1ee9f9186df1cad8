#include "mysql_agent/core/init_plan.hpp"

namespace mysql_agent {

init_decision decide_init(const pod_identity& self, datadir_kind datadir, bool no_clone,
                          const std::optional<donor_address>& clone_from, std::string_view service,
                          std::uint16_t backup_port) {
    init_decision d;
    if (self.is_primary()) {
        d.reason = "ordinal 0 is the primary and never clones";
        return d;
    }
    if (no_clone) {
        d.reason = "--no-clone given: not cloning";
        return d;
    }
    switch (datadir) {
        case datadir_kind::cloned:
            d.reason = "the datadir holds a completed clone (its marker is present): keeping it";
            return d;
        case datadir_kind::foreign:
            d.reason = "the datadir holds data mysql-agent did not create: keeping it untouched";
            return d;
        case datadir_kind::empty:
        case datadir_kind::unfinished_clone:
            break;
    }
    d.clone = true;
    if (clone_from) {
        d.donors.push_back(*clone_from);
    } else {
        // The previous peer first: it is most likely up (StatefulSets start pods in order) and it spreads the
        // load of many replicas over several donors instead of all hitting the primary.
        for (std::uint32_t k = self.ordinal; k-- > 0;)
            d.donors.push_back(donor_address{peer_host(self, k, service), backup_port});
    }
    d.reason = std::string(datadir == datadir_kind::empty ? "the datadir is empty"
                                                          : "the datadir holds an unfinished clone (cleaning it)") +
               ": cloning from " + (clone_from ? "--clone-from " + clone_from->to_string() : "the peers in order");
    return d;
}

}  // namespace mysql_agent
