#include "mysql_agent/core/datadir_state.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "mysql_agent/core/clone_journal.hpp"

using namespace mysql_agent;

namespace {

const std::string marker = ".mysql-agent-clone.json";
const std::string journal = ".mysql-agent-commit";
const std::string staging = ".mysql-agent-staging";
const std::string displaced = ".mysql-agent-displaced";

const char* name_of(datadir_kind k) {
    switch (k) {
        case datadir_kind::empty: return "empty";
        case datadir_kind::cloned: return "cloned";
        case datadir_kind::unfinished_clone: return "unfinished_clone";
        case datadir_kind::foreign: return "foreign";
    }
    return "?";
}

/// The identity the I/O layer would find for the i-th entry a commit created.
entry_identity id(std::uint64_t i) { return {1000 + i, birth_time{1764613389, static_cast<std::uint32_t>(i)}}; }

/// A journal in phase moving whose `in` entries have the identities id(0), id(1), ...
clone_journal moving(std::vector<std::string> names) {
    clone_journal j;
    for (auto& n : names) j.incoming.push_back({std::move(n), id(j.incoming.size())});
    return j;
}

clone_journal displacing(std::vector<std::string> in, std::vector<std::string> out) {
    clone_journal j = moving(std::move(in));
    j.phase = commit_phase::displacing;
    j.displaced = std::move(out);
    return j;
}

}  // namespace

TEST_CASE("datadir classification follows the decision table", "[stream]") {
    using strings = std::vector<std::string>;
    struct row {
        const char* name;
        strings entries;
        std::optional<clone_journal> journal;
        bool force;
        datadir_kind kind;
        strings to_remove;  // in order: the journal always last
        std::string reason_part;
        strings to_displace = {};
    };
    const std::vector<row> rows = {
        // marker | journal | staging | other data -> verdict
        {"marker: a completed clone is kept", {marker, "ibdata1", "mysql"}, {}, false, datadir_kind::cloned, {},
         "completed clone"},
        {"marker + journal + staging: cloned, and the commit's leftovers go",
         {"ibdata1", journal, marker, staging, "mysql"}, moving({"ibdata1", "mysql"}), false, datadir_kind::cloned,
         {staging, journal}, "removing the leftovers"},
        {"marker + displaced dir: the replaced data goes after the commit", {marker, displaced, "ibdata1", journal},
         moving({"ibdata1"}), false, datadir_kind::cloned, {displaced, journal}, "leftovers"},
        {"marker + staging only: cloned, staging goes", {marker, staging}, {}, false, datadir_kind::cloned, {staging},
         "completed clone"},
        {"marker with force: still cloned, force never deletes a clone", {marker, "ibdata1"}, {}, true,
         datadir_kind::cloned, {}, "completed clone"},
        {"journal, everything else journaled: unfinished, journaled entries then staging then journal",
         {"mysql", journal, staging, "ibdata1"}, moving({"ibdata1", "mysql", "ib_logfile0"}), false,
         datadir_kind::unfinished_clone, {"ibdata1", "mysql", staging, journal}, "interrupted clone commit"},
        {"journal alone (every move undone or never started): unfinished, journal goes", {journal},
         moving({"ibdata1"}), false, datadir_kind::unfinished_clone, {journal}, "interrupted clone commit"},
        {"journal without staging, entries journaled: unfinished", {journal, "ibdata1"}, moving({"ibdata1"}), false,
         datadir_kind::unfinished_clone, {"ibdata1", journal}, "interrupted clone commit"},
        {"journal + an entry it does not list: foreign, nothing deleted", {journal, staging, "ibdata1", "notes.txt"},
         moving({"ibdata1"}), false, datadir_kind::foreign, {}, "1 entry that it does not account for (notes.txt)"},
        {"journal + an unlisted entry, with force: still foreign, force does not guess",
         {journal, staging, "ibdata1", "notes.txt"}, moving({"ibdata1"}), true, datadir_kind::foreign, {},
         "something else wrote there"},
        {"displacing: the foreign entries not yet moved stay, the rest goes back", {journal, staging, displaced,
         "ibdata1"}, displacing({"ibdata1", "mysql"}, {"ibdata1", "notes"}), false, datadir_kind::unfinished_clone,
         {staging, displaced, journal}, "interrupted clone commit"},
        {"displacing + an entry it does not list: foreign", {journal, displaced, "ibdata1", "new.txt"},
         displacing({"ibdata1"}, {"ibdata1"}), false, datadir_kind::foreign, {}, "(new.txt)"},
        {"moving after displacing: what was moved in goes, then the displaced dir",
         {journal, staging, displaced, "ibdata1"}, [] {
             auto j = displacing({"ibdata1", "mysql"}, {"ibdata1", "notes"});
             j.phase = commit_phase::moving;
             return j;
         }(),
         false, datadir_kind::unfinished_clone, {"ibdata1", staging, displaced, journal}, "interrupted clone commit"},
        {"staging alone: unfinished, staging goes", {staging}, {}, false, datadir_kind::unfinished_clone, {staging},
         "staging"},
        {"staging + other data: foreign", {staging, "ibdata1"}, {}, false, datadir_kind::foreign, {},
         "1 entry not created by mysql-agent (ibdata1)"},
        {"a displaced dir without a journal: foreign, even with force", {displaced, "ibdata1"}, {}, true,
         datadir_kind::foreign, {}, "move its entries back by hand"},
        {"nothing at all: empty", {}, {}, false, datadir_kind::empty, {}, "empty"},
        {"only lost+found: empty", {"lost+found"}, {}, false, datadir_kind::empty, {}, "empty"},
        {"data without our files: foreign, never deleted",
         {"ibdata1", "mysql", "performance_schema", "lost+found", "aria_log.00000001"}, {}, false,
         datadir_kind::foreign, {}, "4 entries not created by mysql-agent (aria_log.00000001, ibdata1, mysql, ...)"},
        // --force: nothing is removed now; the commit displaces the data
        {"force on foreign data: foreign, to be displaced at commit, nothing removed now",
         {"mysql", "lost+found", "ibdata1"}, {}, true, datadir_kind::foreign, {}, "--force", {"ibdata1", "mysql"}},
        {"force on staging + data: only the stale staging goes now", {staging, "ibdata1"}, {}, true,
         datadir_kind::foreign, {staging}, "--force", {"ibdata1"}},
        {"force on an empty datadir: still empty", {"lost+found"}, {}, true, datadir_kind::empty, {}, "empty"},
        {"force on an unfinished clone changes nothing", {staging}, {}, true, datadir_kind::unfinished_clone,
         {staging}, "staging"},
        // what the I/O layer may hand over
        {"lost+found next to a staging dir is ignored", {"lost+found", staging}, {}, false,
         datadir_kind::unfinished_clone, {staging}, "staging"},
        {"journal listing lost+found never gets it deleted", {journal, "lost+found"}, moving({"lost+found"}), false,
         datadir_kind::unfinished_clone, {journal}, "interrupted"},
        {". and .. from readdir are not entries", {".", "..", "lost+found"}, {}, false, datadir_kind::empty, {},
         "empty"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            datadir_facts facts;
            facts.entries = r.entries;
            facts.journal = r.journal;
            // Every entry the journal lists is the one the commit created (the next test changes that).
            if (r.journal)
                for (const auto& e : r.journal->incoming) facts.identities[e.name] = e.id;
            const auto v = classify_datadir(facts, r.force);
            CHECK(std::string(name_of(v.kind)) == name_of(r.kind));
            CHECK(v.to_remove == r.to_remove);
            CHECK(v.to_displace == r.to_displace);
            CHECK_THAT(v.reason, Catch::Contains(r.reason_part));
        }
    }
}

TEST_CASE("the journal's inodes and birth times tell the commit's entries from ones put back by hand", "[stream]") {
    datadir_facts facts;
    facts.entries = {journal, "ibdata1", "mysql"};
    clone_journal j;
    j.run = "mysql-1/42/2026-12-01T00:00:00Z/0badcafe";
    j.incoming = {{"ibdata1", id(1)}, {"mysql", id(2)}};
    facts.journal = j;
    facts.identities = {{journal, id(7)}, {"ibdata1", id(1)}, {"mysql", id(2)}};
    struct row {
        const char* name;
        std::optional<entry_identity> journaled_mysql;  // what the journal says of "mysql" (nullopt: as above)
        std::optional<entry_identity> found_mysql;      // what is found under "mysql" (nullopt: no identity)
        bool removed;
        const char* reason_part;
    };
    const birth_time later{1764613999, 5};
    const row rows[] = {
        {"same inode and birth time: the commit's own entries, removed", {}, id(2), true, "written by run mysql-1/42/"},
        {"another inode: restored by hand, foreign", {}, entry_identity{5555, later}, false, "(mysql)"},
        {"the same inode, born later: a new file that got the freed inode number, foreign", {},
         entry_identity{id(2).inode, later}, false, "(mysql)"},
        {"no identity found for the entry: never taken for the commit's", {}, std::nullopt, false, "(mysql)"},
        {"the filesystem gave no birth time: never taken for the commit's", {}, entry_identity{id(2).inode, {}},
         false, "(mysql)"},
        {"a version 2 journal (inode only), same inode: foreign, kept, and the log says why",
         entry_identity{id(2).inode, {}}, id(2), false, "records no birth times"},
        {"a version 1 journal (name only): foreign, kept", entry_identity{0, {}}, id(2), false,
         "records no birth times"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            if (r.journaled_mysql) facts.journal->incoming[1].id = *r.journaled_mysql;
            if (r.found_mysql)
                facts.identities["mysql"] = *r.found_mysql;
            else
                facts.identities.erase("mysql");
            const auto v = classify_datadir(facts, false);
            INFO(v.reason);
            CHECK(v.kind == (r.removed ? datadir_kind::unfinished_clone : datadir_kind::foreign));
            CHECK(v.to_remove ==
                  (r.removed ? std::vector<std::string>{"ibdata1", "mysql", journal} : std::vector<std::string>{}));
            CHECK_THAT(v.reason, Catch::Contains(r.reason_part));
        }
    }
}

TEST_CASE("same_entry needs both the inode and the birth time", "[stream]") {
    CHECK(same_entry(id(1), id(1)));
    CHECK_FALSE(same_entry(id(1), id(2)));
    CHECK_FALSE(same_entry({id(1).inode, {}}, {id(1).inode, {}}));
    CHECK_FALSE(same_entry({id(1).inode, {}}, id(1)));
    CHECK_FALSE(same_entry(id(1), {id(1).inode, {}}));
    CHECK_FALSE(same_entry({0, birth_time{}}, {0, birth_time{}}));
}

TEST_CASE("an unreadable journal makes the datadir foreign", "[stream]") {
    datadir_facts facts;
    facts.entries = {journal, "ibdata1"};
    facts.journal_unreadable = true;
    const auto v = classify_datadir(facts, true);
    CHECK(v.kind == datadir_kind::foreign);
    CHECK(v.to_remove.empty());
    CHECK(v.to_displace.empty());
}

TEST_CASE("an interrupted --force commit gives the displaced data back", "[stream]") {
    datadir_facts facts;
    facts.entries = {journal, displaced, staging};
    facts.journal = displacing({"ibdata1"}, {"old1", "old2"});
    facts.displaced = {"old1", "old2"};
    const auto v = classify_datadir(facts, false);
    CHECK(v.kind == datadir_kind::unfinished_clone);
    CHECK(v.to_restore == std::vector<std::string>{"old1", "old2"});
    CHECK(v.to_remove == std::vector<std::string>{staging, displaced, journal});
}

TEST_CASE("the commit journal: version 3 round trip, versions 2 and 1", "[stream]") {
    clone_journal j;
    j.run = "mysql-2/77/2026-12-01T18:00:00Z/deadbeef";
    j.phase = commit_phase::displacing;
    j.incoming = {{"ibdata1", {12, birth_time{1764613389, 123456789}}},
                  {"mysql", {13, birth_time{1764613389, 7}}},
                  {"a b", {14, birth_time{0, 0}}},
                  {"unknown birth", {15, std::nullopt}}};
    j.displaced = {"old data", "x"};
    const auto text = format_journal(j);
    CHECK_THAT(text, Catch::StartsWith("mysql-agent clone journal v3\n"));
    CHECK_THAT(text, Catch::Contains("\nin 12 1764613389.123456789 ibdata1\n"));
    CHECK_THAT(text, Catch::Contains("\nin 13 1764613389.000000007 mysql\n"));
    CHECK_THAT(text, Catch::Contains("\nin 15 - unknown birth\n"));
    const auto back = parse_journal(text);
    REQUIRE(back.has_value());
    CHECK(*back == j);

    const auto v2 = parse_journal("mysql-agent clone journal v2\nrun r\nphase moving\nin 12 ibdata1\nin 13 a b\n");
    REQUIRE(v2.has_value());
    CHECK(v2->incoming == std::vector<journal_entry>{{"ibdata1", {12, std::nullopt}}, {"a b", {13, std::nullopt}}});

    const auto v1 = parse_journal("ibdata1\nmysql\n\nshop\n");
    REQUIRE(v1.has_value());
    CHECK(v1->phase == commit_phase::moving);
    CHECK(v1->run.empty());
    CHECK(v1->incoming == std::vector<journal_entry>{{"ibdata1", {}}, {"mysql", {}}, {"shop", {}}});

    for (const char* bad : {"mysql-agent clone journal v3\nrun x\n",
                            "mysql-agent clone journal v3\nphase sideways\n",
                            "mysql-agent clone journal v3\nphase moving\nin x 1.000000000 ibdata1\n",
                            "mysql-agent clone journal v3\nphase moving\nin 12 ibdata1\n",
                            "mysql-agent clone journal v3\nphase moving\nin 12 1.5 ibdata1\n",
                            "mysql-agent clone journal v3\nphase moving\nin 12 1.000000000\n",
                            "mysql-agent clone journal v2\nphase moving\nin x ibdata1\n",
                            "mysql-agent clone journal v3\nphase moving\nwhat is this\n"}) {
        INFO(bad);
        CHECK_FALSE(parse_journal(bad).has_value());
    }
}

TEST_CASE("a requested re-seed replaces a completed clone at commit, marker included", "[stream]") {
    datadir_facts facts;
    facts.entries = {marker, "ibdata1", "mysql", ".mysql-agent-replication-applied", ".mysql-agent-reseed", staging};
    const auto v = classify_datadir(facts, true, true);
    CHECK(v.kind == datadir_kind::foreign);
    CHECK(v.to_displace ==
          std::vector<std::string>{".mysql-agent-clone.json", ".mysql-agent-replication-applied", "ibdata1", "mysql"});
    CHECK(v.to_remove == std::vector<std::string>{staging});
    // Without the request, the same datadir is a completed clone to keep; the request file is never data.
    const auto kept = classify_datadir(facts, true, false);
    CHECK(kept.kind == datadir_kind::cloned);
    CHECK(kept.to_remove == std::vector<std::string>{staging});
    datadir_facts request_only;
    request_only.entries = {".mysql-agent-reseed"};
    CHECK(classify_datadir(request_only, false).kind == datadir_kind::empty);
}
