#include "mysql_agent/core/backup_store/source_choice.hpp"

#include <algorithm>
#include <cstdint>

#include "mysql_agent/core/gtid_position.hpp"

namespace mysql_agent::backup_store {
namespace {

/// How many transactions a position holds, for ordering replicas of one primary (0 when it does not parse).
std::uint64_t applied(const source_candidate& c) {
    if (c.flavor == server_flavor::mariadb) {
        const auto p = parse_mariadb_gtid_position(c.gtid_position);
        if (!p) return 0;
        std::uint64_t sum = 0;
        for (const auto& g : p->gtids) sum += g.seq;
        return sum;
    }
    const auto s = parse_mysql_gtid_set(c.gtid_position);
    return s ? transaction_count(*s) : 0;
}

int rank(const source_candidate& c) { return !c.answered ? 2 : c.primary ? 1 : 0; }

}  // namespace

source_order order_backup_sources(const std::vector<source_candidate>& candidates) {
    source_order out;
    for (std::size_t i = 0; i < candidates.size(); ++i) out.order.push_back(i);
    std::stable_sort(out.order.begin(), out.order.end(), [&](std::size_t a, std::size_t b) {
        const auto& x = candidates[a];
        const auto& y = candidates[b];
        if (rank(x) != rank(y)) return rank(x) < rank(y);
        if (rank(x) == 0) return applied(x) > applied(y);
        return false;
    });
    for (std::size_t k = 0; k < out.order.size(); ++k) {
        const auto& c = candidates[out.order[k]];
        out.reason += (k == 0 ? "" : ", then ") + c.name + " (" +
                      (!c.answered ? std::string("did not say where it stands")
                                   : std::string(c.primary ? "primary" : "replica") + " at " +
                                         (c.gtid_position.empty() ? std::string("no GTID") : c.gtid_position)) +
                      ")";
    }
    return out;
}

}  // namespace mysql_agent::backup_store
