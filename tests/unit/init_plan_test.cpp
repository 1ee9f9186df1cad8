#include <catch2/catch.hpp>

#include "mysql_agent/core/init_plan.hpp"

using namespace mysql_agent;
using strings = std::vector<std::string>;

TEST_CASE("init decision table", "[init]") {
    struct row {
        const char* name;
        const char* hostname;
        bool no_clone;
        datadir_kind datadir;
        std::optional<donor_address> clone_from;
        bool clone;
        strings donors;
    };
    const row rows[] = {
        {"primary with an empty datadir never clones", "mysql-0", false, datadir_kind::empty, {}, false, {}},
        {"primary ignores --clone-from", "mysql-0", false, datadir_kind::empty, donor_address{"mysql-1.mysql", 3307}, false, {}},
        {"--no-clone keeps an empty datadir", "mysql-2", true, datadir_kind::empty, {}, false, {}},
        {"a completed clone is kept", "mysql-2", false, datadir_kind::cloned, {}, false, {}},
        {"foreign data is kept untouched", "mysql-2", false, datadir_kind::foreign, {}, false, {}},
        {"foreign data is kept even with --clone-from", "mysql-2", false, datadir_kind::foreign, donor_address{"x", 1}, false, {}},
        {"empty replica 1 clones from the primary", "mysql-1", false, datadir_kind::empty, {}, true,
         {"mysql-0.mysql:3307"}},
        {"empty replica 3 tries 2, 1, then 0", "mysql-3", false, datadir_kind::empty, {}, true,
         {"mysql-2.mysql:3307", "mysql-1.mysql:3307", "mysql-0.mysql:3307"}},
        {"unfinished clone is cloned again", "mysql-2", false, datadir_kind::unfinished_clone, {}, true,
         {"mysql-1.mysql:3307", "mysql-0.mysql:3307"}},
        {"--clone-from overrides the peer list", "mysql-3", false, datadir_kind::empty, donor_address{"10.0.0.5", 4000}, true,
         {"10.0.0.5:4000"}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto d = decide_init(*parse_pod_hostname(r.hostname), r.datadir, r.no_clone, r.clone_from, "mysql", 3307);
            CHECK(d.clone == r.clone);
            strings donors;
            for (const auto& a : d.donors) donors.push_back(a.to_string());
            CHECK(donors == r.donors);
            CHECK_FALSE(d.reason.empty());
        }
    }
}

TEST_CASE("peer donors use the service and backup port", "[init]") {
    const auto d = decide_init(*parse_pod_hostname("db-2"), datadir_kind::empty, false, std::nullopt, "dbsvc", 4444);
    CHECK(d.donors == std::vector<donor_address>{{"db-1.dbsvc", 4444}, {"db-0.dbsvc", 4444}});
}
