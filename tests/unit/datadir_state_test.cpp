#include "mysql_agent/datadir_state.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using mysql_agent::classify_datadir;
using mysql_agent::datadir_facts;
using mysql_agent::datadir_kind;

namespace {

const std::string marker = ".mysql-agent-clone.json";
const std::string journal = ".mysql-agent-commit";
const std::string staging = ".mysql-agent-staging";

const char* name_of(datadir_kind k) {
    switch (k) {
        case datadir_kind::empty: return "empty";
        case datadir_kind::cloned: return "cloned";
        case datadir_kind::unfinished_clone: return "unfinished_clone";
        case datadir_kind::foreign: return "foreign";
    }
    return "?";
}

}  // namespace

TEST_CASE("datadir classification follows the decision table", "[stream]") {
    struct row {
        const char* name;
        std::vector<std::string> entries;
        std::vector<std::string> journaled;
        bool force;
        datadir_kind kind;
        std::vector<std::string> to_remove;  // in order: the journal always last
        std::string reason_part;
    };
    const std::vector<row> rows = {
        // marker | journal | staging | other data -> verdict
        {"marker: a completed clone is kept", {marker, "ibdata1", "mysql"}, {}, false, datadir_kind::cloned, {},
         "completed clone"},
        {"marker + journal + staging: cloned, and the commit's leftovers go",
         {"ibdata1", journal, marker, staging, "mysql"}, {"ibdata1", "mysql"}, false, datadir_kind::cloned,
         {staging, journal}, "removing the leftovers"},
        {"marker + staging only: cloned, staging goes", {marker, staging}, {}, false, datadir_kind::cloned, {staging},
         "completed clone"},
        {"marker with force: still cloned, force never deletes a clone", {marker, "ibdata1"}, {}, true,
         datadir_kind::cloned, {}, "completed clone"},
        {"journal, everything else journaled: unfinished, journaled entries then staging then journal",
         {"mysql", journal, staging, "ibdata1"}, {"ibdata1", "mysql", "ib_logfile0"}, false,
         datadir_kind::unfinished_clone, {"ibdata1", "mysql", staging, journal}, "interrupted clone commit"},
        {"journal alone (every move undone or never started): unfinished, journal goes", {journal}, {"ibdata1"}, false,
         datadir_kind::unfinished_clone, {journal}, "interrupted clone commit"},
        {"journal without staging, entries journaled: unfinished", {journal, "ibdata1"}, {"ibdata1"}, false,
         datadir_kind::unfinished_clone, {"ibdata1", journal}, "interrupted clone commit"},
        {"journal + an entry it does not list: foreign, nothing deleted", {journal, staging, "ibdata1", "notes.txt"},
         {"ibdata1"}, false, datadir_kind::foreign, {}, "1 entry that it does not list (notes.txt)"},
        {"staging alone: unfinished, staging goes", {staging}, {}, false, datadir_kind::unfinished_clone, {staging},
         "staging"},
        {"staging + other data: foreign", {staging, "ibdata1"}, {}, false, datadir_kind::foreign, {},
         "1 entry not created by mysql-agent (ibdata1)"},
        {"nothing at all: empty", {}, {}, false, datadir_kind::empty, {}, "empty"},
        {"only lost+found: empty", {"lost+found"}, {}, false, datadir_kind::empty, {}, "empty"},
        {"data without our files: foreign, never deleted",
         {"ibdata1", "mysql", "performance_schema", "lost+found", "aria_log.00000001"}, {}, false,
         datadir_kind::foreign, {}, "4 entries not created by mysql-agent (aria_log.00000001, ibdata1, mysql, ...)"},
        // --force
        {"force on foreign data: unfinished, every entry but lost+found goes",
         {"mysql", "lost+found", "ibdata1"}, {}, true, datadir_kind::unfinished_clone, {"ibdata1", "mysql"}, "--force"},
        {"force on journal + unlisted entry: all of it goes, journal last", {journal, staging, "ibdata1", "notes.txt"},
         {"ibdata1"}, true, datadir_kind::unfinished_clone, {"ibdata1", "notes.txt", staging, journal}, "--force"},
        {"force on staging + data: all of it goes", {staging, "ibdata1"}, {}, true, datadir_kind::unfinished_clone,
         {"ibdata1", staging}, "--force"},
        {"force on an empty datadir: still empty", {"lost+found"}, {}, true, datadir_kind::empty, {}, "empty"},
        {"force on an unfinished clone changes nothing", {staging}, {}, true, datadir_kind::unfinished_clone,
         {staging}, "staging"},
        // what the I/O layer may hand over
        {"lost+found next to a staging dir is ignored", {"lost+found", staging}, {}, false,
         datadir_kind::unfinished_clone, {staging}, "staging"},
        {"journal listing lost+found never gets it deleted", {journal, "lost+found"}, {"lost+found"}, false,
         datadir_kind::unfinished_clone, {journal}, "interrupted"},
        {". and .. from readdir are not entries", {".", "..", "lost+found"}, {}, false, datadir_kind::empty, {},
         "empty"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto v = classify_datadir(datadir_facts{r.entries, r.journaled}, r.force);
            CHECK(std::string(name_of(v.kind)) == name_of(r.kind));
            CHECK(v.to_remove == r.to_remove);
            CHECK_THAT(v.reason, Catch::Contains(r.reason_part));
        }
    }
}
