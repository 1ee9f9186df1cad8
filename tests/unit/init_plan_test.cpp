#include <catch2/catch.hpp>

#include "mysql_agent/core/init_plan.hpp"

using namespace mysql_agent;
using strings = std::vector<std::string>;

namespace {

const char* name_of(init_action a) {
    switch (a) {
        case init_action::keep: return "keep";
        case init_action::clone: return "clone";
        case init_action::reseed: return "reseed";
    }
    return "?";
}

strings texts(const std::vector<donor_address>& donors) {
    strings out;
    for (const auto& d : donors) out.push_back(d.to_string());
    return out;
}

}  // namespace

TEST_CASE("init decision table", "[init]") {
    const donor_address host{"10.0.0.5", 4000};
    struct row {
        const char* name;
        const char* hostname;
        datadir_kind datadir;
        bool reseed_requested;
        init_flags flags;
        init_action action;
        strings donors;
        bool discover = false;
        bool as_primary = false;
        bool replace = false;
    };
    const auto flags = [](auto f) {
        init_flags x;
        f(x);
        return x;
    };
    const init_flags none;
    const auto no_clone = flags([](init_flags& f) { f.no_clone = true; });
    const auto from_host = flags([&](init_flags& f) { f.clone_from = host; });
    const auto bootstrap = flags([](init_flags& f) { f.bootstrap_empty = true; });
    const auto with_peers = flags([](init_flags& f) { f.peers = {{"127.0.0.1", 23307}, {"127.0.0.1", 23308}}; });
    const row rows[] = {
        {"--no-clone keeps everything", "mysql-2", datadir_kind::empty, true, no_clone, init_action::keep, {}},
        {"a primary with data keeps it", "mysql-0", datadir_kind::foreign, false, none, init_action::keep, {}},
        {"a primary's completed re-seed is kept", "mysql-0", datadir_kind::cloned, false, none, init_action::keep, {}},
        {"an empty primary asks the peers it finds", "mysql-0", datadir_kind::empty, false, none, init_action::reseed,
         {}, true, true, false},
        {"an unfinished re-seed of the primary asks again", "mysql-0", datadir_kind::unfinished_clone, false, none,
         init_action::reseed, {}, true, true, false},
        {"an empty primary asks --peers", "mysql-0", datadir_kind::empty, false, with_peers, init_action::reseed,
         {"127.0.0.1:23307", "127.0.0.1:23308"}, false, true, false},
        {"an empty primary re-seeds from --clone-from", "mysql-0", datadir_kind::empty, false, from_host,
         init_action::reseed, {"10.0.0.5:4000"}, false, true, false},
        {"--bootstrap-empty starts an empty primary", "mysql-0", datadir_kind::empty, false, bootstrap,
         init_action::keep, {}},
        {"a requested re-seed of the primary replaces its data", "mysql-0", datadir_kind::foreign, true, none,
         init_action::reseed, {}, true, true, true},
        {"a requested re-seed of a replica replaces its clone", "mysql-2", datadir_kind::cloned, true, none,
         init_action::reseed, {}, true, false, true},
        {"a requested re-seed from --clone-from", "mysql-2", datadir_kind::cloned, true, from_host, init_action::reseed,
         {"10.0.0.5:4000"}, false, false, true},
        {"a re-seed request on an empty replica is an ordinary clone", "mysql-1", datadir_kind::empty, true, none,
         init_action::clone, {"mysql-0.mysql:3307"}},
        {"a completed clone is kept", "mysql-2", datadir_kind::cloned, false, none, init_action::keep, {}},
        {"foreign data is kept untouched", "mysql-2", datadir_kind::foreign, false, none, init_action::keep, {}},
        {"foreign data is kept even with --clone-from", "mysql-2", datadir_kind::foreign, false, from_host,
         init_action::keep, {}},
        {"empty replica 1 clones from the primary", "mysql-1", datadir_kind::empty, false, none, init_action::clone,
         {"mysql-0.mysql:3307"}},
        {"empty replica 3 tries 2, 1, then 0", "mysql-3", datadir_kind::empty, false, none, init_action::clone,
         {"mysql-2.mysql:3307", "mysql-1.mysql:3307", "mysql-0.mysql:3307"}},
        {"unfinished clone is cloned again", "mysql-2", datadir_kind::unfinished_clone, false, none,
         init_action::clone, {"mysql-1.mysql:3307", "mysql-0.mysql:3307"}},
        {"--clone-from overrides the peer list", "mysql-3", datadir_kind::empty, false, from_host, init_action::clone,
         {"10.0.0.5:4000"}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const init_facts facts{*parse_pod_hostname(r.hostname), r.datadir, r.reseed_requested};
            const auto d = decide_init(facts, r.flags);
            CHECK(std::string(name_of(d.action)) == name_of(r.action));
            CHECK(texts(d.donors) == r.donors);
            CHECK(d.discover_peers == r.discover);
            CHECK(d.as_primary == r.as_primary);
            CHECK(d.replace == r.replace);
            CHECK_FALSE(d.reason.empty());
        }
    }
}

TEST_CASE("peer donors use the service and backup port", "[init]") {
    init_flags f;
    f.service = "dbsvc";
    f.backup_port = 4444;
    const auto d = decide_init({*parse_pod_hostname("db-2"), datadir_kind::empty, false}, f);
    CHECK(d.donors == std::vector<donor_address>{{"db-1.dbsvc", 4444}, {"db-0.dbsvc", 4444}});
}

TEST_CASE("a re-seed records why: the operator's reason, or ordinal 0's lost volume", "[init]") {
    init_facts requested{*parse_pod_hostname("mysql-2"), datadir_kind::cloned, true, "1236 after a purge"};
    auto d = decide_init(requested, {});
    CHECK(d.record == "1236 after a purge");
    CHECK_THAT(d.reason, Catch::Contains("(1236 after a purge)"));
    requested.reseed_reason.clear();
    CHECK(decide_init(requested, {}).record == "mysql-agent reseed");

    d = decide_init({*parse_pod_hostname("mysql-0"), datadir_kind::empty, false, ""}, {});
    CHECK(d.record == "ordinal 0's datadir was empty");
    d = decide_init({*parse_pod_hostname("mysql-0"), datadir_kind::unfinished_clone, false, ""}, {});
    CHECK(d.record == "ordinal 0's datadir was an unfinished clone");
}

TEST_CASE("init with --seed-from: an empty replica seeds from the bucket before its peers, an ordinal 0 only when told and "
          "alone",
          "[init]") {
    struct row {
        const char* name;
        const char* hostname;
        datadir_kind datadir;
        bool seed_from, primary_from_backup, clone_from;
        init_action action;
        bool seed, restore_when_alone;
    };
    const row rows[] = {
        {"an empty replica seeds from the bucket, the peers after", "mysql-2", datadir_kind::empty, true, false, false,
         init_action::clone, true, false},
        {"an unfinished seed is seeded again", "mysql-2", datadir_kind::unfinished_clone, true, false, false,
         init_action::clone, true, false},
        {"--clone-from wins over the bucket", "mysql-2", datadir_kind::empty, true, false, true, init_action::clone,
         false, false},
        {"a replica with a completed clone keeps it", "mysql-2", datadir_kind::cloned, true, false, false,
         init_action::keep, false, false},
        {"without --seed-from, peers only", "mysql-2", datadir_kind::empty, false, false, false, init_action::clone,
         false, false},
        {"an empty ordinal 0 asks its peers first, even with --seed-from", "mysql-0", datadir_kind::empty, true, false,
         false, init_action::reseed, false, false},
        {"an empty ordinal 0 alone restores from the bucket only with --primary-from-backup", "mysql-0",
         datadir_kind::empty, true, true, false, init_action::reseed, false, true},
        {"--primary-from-backup without --seed-from does nothing", "mysql-0", datadir_kind::empty, false, true, false,
         init_action::reseed, false, false},
        {"an ordinal 0 with data keeps it", "mysql-0", datadir_kind::foreign, true, true, false, init_action::keep,
         false, false},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        init_flags f;
        f.seed_from_store = r.seed_from;
        f.primary_from_backup = r.primary_from_backup;
        if (r.clone_from) f.clone_from = donor_address{"10.0.0.5", 4000};
        const auto d = decide_init({*parse_pod_hostname(r.hostname), r.datadir, false}, f);
        CHECK(std::string(name_of(d.action)) == name_of(r.action));
        CHECK(d.seed_from_store == r.seed);
        CHECK(d.restore_when_alone == r.restore_when_alone);
        if (r.seed) CHECK_THAT(d.reason, Catch::Contains("--seed-from"));
    }
}
