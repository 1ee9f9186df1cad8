// manifest: a backup's commit point in the bucket, written and read back; a manifest that could point outside its
// backup, or whose numbers do not add up, is refused.

#include <limits>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "mysql_agent/core/backup_store/manifest.hpp"

using namespace mysql_agent::backup_store;

namespace {

backup_manifest sample() {
    backup_manifest m;
    m.id = "20261207T074830Z";
    m.source = "mysql-1.mysql:3307";
    m.cluster_identity = "2f0c7a1e-3b4d-4c5e-8f60-718293a4b5c6";
    m.agent_version = "0.9.0";
    m.started_at = "2026-12-07T07:48:30Z";
    m.finished_at = "2026-12-07T07:49:02Z";
    m.stream_name = "stream.xbstream.zst";
    m.compression = "zstd";
    m.stream_bytes = 7;
    m.stream_sha256 = std::string(64, 'a');
    m.xbstream_bytes = 40;
    m.donor_digest = "xxh3-64:0123456789abcdef";
    m.parts = {{1, 5, std::string(32, 'b')}, {2, 2, std::string(32, 'c')}};
    m.binlog_info = "mysqld-bin.000002\t385\t0-100-7\n";
    m.tool_info = "server_version = 10.11.19-MariaDB\n";
    return m;
}

}  // namespace

TEST_CASE("backup ids sort by time and are recognised", "[backup_store]") {
    const auto t = std::chrono::system_clock::from_time_t(1796629710);  // 2026-12-07T07:48:30Z
    CHECK(backup_id_at(t) == "20261207T074830Z");
    CHECK(iso8601_utc(t) == "2026-12-07T07:48:30Z");
    CHECK(is_backup_id("20261207T074830Z"));
    for (const char* bad : {"", "20261207T074830", "2026120xT074830Z", "20261207-074830Z", "../../etc/passwd"}) CHECK_FALSE(is_backup_id(bad));
}

TEST_CASE("a manifest round-trips through its JSON", "[backup_store]") {
    const auto m = sample();
    const auto back = parse_manifest(manifest_json(m));
    REQUIRE(back);
    CHECK(back->id == m.id);
    CHECK(back->stream_sha256 == m.stream_sha256);
    REQUIRE(back->parts.size() == 2);
    CHECK(back->parts[1].md5_hex == m.parts[1].md5_hex);
    CHECK(back->binlog_info == m.binlog_info);
    CHECK(back->cluster_identity == m.cluster_identity);
    CHECK(manifest_json(*back) == manifest_json(m));

    // A manifest without the field (written before it existed) reads as an unknown identity.
    auto j = nlohmann::json::parse(manifest_json(m));
    j.erase("cluster_identity");
    const auto older = parse_manifest(j.dump());
    REQUIRE(older);
    CHECK(older->cluster_identity.empty());
    CHECK(older->parts[0].sha256_through_hex.empty());  // written before parts had it: a restore checks MD5s
}

TEST_CASE("a manifest's parts carry the stream's SHA-256 through each, the last one's the stream's", "[backup_store]") {
    auto m = sample();
    m.parts[0].sha256_through_hex = std::string(64, 'd');
    m.parts[1].sha256_through_hex = m.stream_sha256;
    const auto back = parse_manifest(manifest_json(m));
    REQUIRE(back);
    CHECK(back->parts[0].sha256_through_hex == std::string(64, 'd'));
    CHECK(manifest_json(*back) == manifest_json(m));
    // The stream's SHA-256 altered alone (or the last part's): refused before a byte is downloaded.
    auto altered = m;
    altered.stream_sha256 = std::string(64, 'e');
    CHECK_THAT(parse_manifest(manifest_json(altered)).message(), Catch::Contains("not the SHA-256 through its last part"));
    auto some = m;
    some.parts[0].sha256_through_hex.clear();
    CHECK_THAT(parse_manifest(manifest_json(some)).message(), Catch::Contains("some parts a sha256_through and not others"));
    auto short_one = m;
    short_one.parts[0].sha256_through_hex = "abc";
    CHECK_THAT(parse_manifest(manifest_json(short_one)).message(), Catch::Contains("sha256_through is not 64"));
}

TEST_CASE("manifests refused, each with its reason", "[backup_store]") {
    struct row {
        const char* name;
        void (*change)(nlohmann::json&);
        const char* says;
    };
    const std::vector<row> rows = {
        {"not JSON", nullptr, "not a JSON object"},
        {"a newer format", [](nlohmann::json& j) { j["format"] = 2; }, "format 2"},
        {"a missing field", [](nlohmann::json& j) { j.erase("source"); }, "lacks a field"},
        {"a stream name with a path", [](nlohmann::json& j) { j["stream"]["name"] = "../other/stream"; }, "plain file name"},
        {"a bad id", [](nlohmann::json& j) { j["id"] = "latest"; }, "id"},
        {"an unknown compression", [](nlohmann::json& j) { j["stream"]["compression"] = "gzip"; }, "compression"},
        {"a short sha256", [](nlohmann::json& j) { j["stream"]["sha256"] = "abc"; }, "sha256"},
        {"parts out of order", [](nlohmann::json& j) { j["stream"]["parts"][0]["number"] = 2; }, "numbered"},
        {"parts that do not add up", [](nlohmann::json& j) { j["stream"]["bytes"] = 8; }, "add up"},
        {"no parts", [](nlohmann::json& j) { j["stream"]["parts"] = nlohmann::json::array(); }, "no part"},
        {"a cluster identity that is not a UUID", [](nlohmann::json& j) { j["cluster_identity"] = "x'; DROP"; },
         "cluster_identity"},
        // A negative size would wrap into a huge one: parts that "add up" modulo 2^64 and a part that never ends.
        {"a negative part size that wraps to add up",
         [](nlohmann::json& j) {
             j["stream"]["parts"][0]["bytes"] = -1;
             j["stream"]["parts"][1]["bytes"] = 8;
         },
         "bytes is not an unsigned number"},
        {"part sizes that overflow",
         [](nlohmann::json& j) {
             j["stream"]["parts"][0]["bytes"] = std::numeric_limits<std::uint64_t>::max();
             j["stream"]["parts"][1]["bytes"] = 8;
         },
         "overflow"},
        {"a negative stream size", [](nlohmann::json& j) { j["stream"]["bytes"] = -7; }, "bytes is not an unsigned"},
        {"a part number beyond 32 bits", [](nlohmann::json& j) { j["stream"]["parts"][0]["number"] = 4294967297ULL; },
         "number is not an unsigned"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            std::string text = "{not json";
            if (r.change) {
                auto j = nlohmann::json::parse(manifest_json(sample()));
                r.change(j);
                text = j.dump();
            }
            const auto parsed = parse_manifest(text);
            REQUIRE_FALSE(parsed);
            CHECK_THAT(parsed.message(), Catch::Contains(r.says));
        }
    }
    CHECK_FALSE(parse_manifest(std::string(manifest_limit + 1, ' ')));
}
