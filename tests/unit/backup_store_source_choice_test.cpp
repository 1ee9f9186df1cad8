// source_choice: a backup asks the replica with the least lag first, the primary after every replica, a member that
// did not answer last.

#include <catch2/catch.hpp>

#include "mysql_agent/core/backup_store/source_choice.hpp"

using namespace mysql_agent;
using namespace mysql_agent::backup_store;

namespace {

std::vector<std::string> names(const std::vector<source_candidate>& c, const source_order& o) {
    std::vector<std::string> out;
    for (auto i : o.order) out.push_back(c[i].name);
    return out;
}

}  // namespace

TEST_CASE("backup sources: least lag first, the primary after the replicas, the silent last", "[backup_store]") {
    const auto mariadb = server_flavor::mariadb;
    struct row {
        const char* name;
        std::vector<source_candidate> candidates;
        std::vector<std::string> order;
    };
    const std::vector<row> rows = {
        {"the replica ahead first, then the one behind, then the primary",
         {{"mysql-0", true, true, mariadb, "0-100-500"},
          {"mysql-1", true, false, mariadb, "0-100-400"},
          {"mysql-2", true, false, mariadb, "0-100-480"}},
         {"mysql-2", "mysql-1", "mysql-0"}},
        {"a member that did not answer goes last, even a replica",
         {{"mysql-2", false, false, mariadb, ""},
          {"mysql-0", true, true, mariadb, "0-100-500"},
          {"mysql-1", true, false, mariadb, "0-100-400"}},
         {"mysql-1", "mysql-0", "mysql-2"}},
        {"ties keep the --from order",
         {{"mysql-1", true, false, mariadb, "0-100-400"}, {"mysql-2", true, false, mariadb, "0-100-400"}},
         {"mysql-1", "mysql-2"}},
        {"domains add up",
         {{"mysql-1", true, false, mariadb, "0-100-400,1-100-10"}, {"mysql-2", true, false, mariadb, "0-100-405"}},
         {"mysql-1", "mysql-2"}},
        {"a position that does not parse counts as nothing applied",
         {{"mysql-1", true, false, mariadb, "garbage"}, {"mysql-2", true, false, mariadb, "0-100-1"}},
         {"mysql-2", "mysql-1"}},
        {"mysql: the transactions of the GTID set",
         {{"a", true, false, server_flavor::mysql, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10"},
          {"b", true, false, server_flavor::mysql, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-20"}},
         {"b", "a"}},
        {"only a primary", {{"mysql-0", true, true, mariadb, "0-100-5"}}, {"mysql-0"}},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        const auto o = order_backup_sources(r.candidates);
        CHECK(names(r.candidates, o) == r.order);
        CHECK_FALSE(o.reason.empty());
    }
    const auto o = order_backup_sources(rows[1].candidates);
    CHECK(o.reason == "mysql-1 (replica at 0-100-400), then mysql-0 (primary at 0-100-500), then mysql-2 (did not say "
                      "where it stands)");
}
