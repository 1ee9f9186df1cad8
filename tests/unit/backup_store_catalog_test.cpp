// catalog: backups from a listing, and which retention removes: never the newest complete one, never one that may
// still be running, never a key that is not a backup's.

#include <catch2/catch.hpp>

#include <map>

#include "mysql_agent/core/backup_store/catalog.hpp"

using namespace mysql_agent::backup_store;
using namespace std::chrono_literals;

namespace {

std::vector<stored_key> listing() {
    return {
        {"c/20261201T000000Z/manifest.json", 900},  {"c/20261201T000000Z/stream.xbstream.zst", 100},
        {"c/20261203T000000Z/manifest.json", 900},  {"c/20261203T000000Z/stream.xbstream.zst", 200},
        {"c/20261205T000000Z/stream.xbstream.zst", 50},  // cut off before its manifest
        {"c/20261206T000000Z/manifest.json", 900},  {"c/20261206T000000Z/stream.xbstream.zst", 300},
        {"c/20261207T070000Z/stream.xbstream.zst", 10},  // running now
        {"c/notes.txt", 5},                                 // not a backup's
        {"c/latest/manifest.json", 5},                      // not a backup id
        {"other/20261201T000000Z/manifest.json", 5},        // another prefix
    };
}

std::map<std::string, bool> removed(const std::vector<prune_decision>& ds) {
    std::map<std::string, bool> out;
    for (const auto& d : ds) out[d.id] = d.remove;
    return out;
}

const auto now = *backup_time("20261207T080000Z");

}  // namespace

TEST_CASE("backups grouped from a listing, oldest first, manifests first", "[backup_store]") {
    const auto b = group_backups("c/", listing());
    REQUIRE(b.size() == 5);
    CHECK(b[0].id == "20261201T000000Z");
    CHECK(b[0].complete);
    CHECK(b[0].bytes == 1000);
    CHECK(b[0].keys.front() == "c/20261201T000000Z/manifest.json");
    CHECK(b[0].prefix == "c/20261201T000000Z/");
    CHECK_FALSE(b[2].complete);
    CHECK(b[4].id == "20261207T070000Z");
    CHECK(backup_time("20261207T080000Z").has_value());
    CHECK_FALSE(backup_time("2026-12-07"));
}

TEST_CASE("retention keeps the newest complete backup and anything that may be running", "[backup_store]") {
    const auto b = group_backups("c/", listing());
    SECTION("no limit given: only what was never committed goes") {
        auto r = removed(plan_prune(b, {}, now));
        CHECK(r == std::map<std::string, bool>{{"20261201T000000Z", false}, {"20261203T000000Z", false},
                                               {"20261205T000000Z", true}, {"20261206T000000Z", false},
                                               {"20261207T070000Z", false}});
    }
    SECTION("keep the last 2") {
        retention ret;
        ret.keep_last = 2;
        auto r = removed(plan_prune(b, ret, now));
        CHECK(r["20261201T000000Z"]);
        CHECK_FALSE(r["20261203T000000Z"]);
        CHECK_FALSE(r["20261206T000000Z"]);
        CHECK_FALSE(r["20261207T070000Z"]);
    }
    SECTION("max age 3 days: older ones go, but never the newest complete one") {
        retention ret;
        ret.max_age = 72h;
        auto r = removed(plan_prune(b, ret, now));
        CHECK(r["20261201T000000Z"]);
        CHECK(r["20261203T000000Z"]);
        CHECK_FALSE(r["20261206T000000Z"]);
        ret.max_age = 1h;  // even when the newest is older than that
        r = removed(plan_prune(b, ret, now));
        CHECK_FALSE(r["20261206T000000Z"]);
    }
    SECTION("both: removed only when beyond the count and older than the age") {
        retention ret;
        ret.keep_last = 1;
        ret.max_age = 120h;
        auto r = removed(plan_prune(b, ret, now));
        CHECK(r["20261201T000000Z"]);        // 6 days, 3rd
        CHECK_FALSE(r["20261203T000000Z"]);  // 4 days: within the age
    }
    SECTION("an incomplete backup younger than the grace is kept") {
        retention ret;
        ret.incomplete_after = 72h;
        auto r = removed(plan_prune(b, ret, now));
        CHECK_FALSE(r["20261205T000000Z"]);
    }
}

TEST_CASE("multipart uploads are stale only past the grace, and only with a time that parses", "[backup_store]") {
    retention r;
    r.incomplete_after = 24h;
    CHECK(s3_time("2026-12-06T01:02:03.000Z") == backup_time("20261206T010203Z"));
    CHECK(upload_is_stale("2026-12-06T07:59:59.000Z", r, now));
    CHECK_FALSE(upload_is_stale("2026-12-06T08:00:00.000Z", r, now));
    CHECK_FALSE(upload_is_stale("2026-12-07T07:00:00Z", r, now));
    for (const char* bad : {"", "yesterday", "2026/12/06 01:02:03", "2026-12-06T0x:02:03.000Z"}) {
        INFO(bad);
        CHECK_FALSE(s3_time(bad));
        CHECK_FALSE(upload_is_stale(bad, r, now));
    }
}

TEST_CASE("the newest complete backup: a later incomplete one does not count", "[backup_store]") {
    CHECK(newest_complete(group_backups("c/", listing())) == "20261206T000000Z");
    CHECK_FALSE(newest_complete(group_backups("c/", {{"c/20261205T000000Z/stream.xbstream.zst", 50}})).has_value());
    CHECK_FALSE(newest_complete({}).has_value());
}
