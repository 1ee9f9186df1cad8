#include "mysql_agent/core/clone_marker.hpp"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace mysql_agent;

namespace {

constexpr std::string_view file = "/var/lib/mysql/.mysql-agent-clone.json";

clone_marker full_marker() {
    clone_marker m;
    m.source = "mysql-0.mysql:3307";
    m.coordinates.binlog = binlog_coordinates{"mariadb-bin.000001", 1198, "0-1-5"};
    m.coordinates.replication = {{"", "", 0, true}, {"src3", "mariadb-bin.000001", 1389, false}};
    m.coordinates.gtid_slave_pos = "0-1-6,1-3-6";
    m.digest = "xxh3-64:0979f786a24edde7";
    m.stream_bytes = 18446744073709551615ull;  // the largest count must survive JSON
    m.datadir_bytes = 17600000;
    m.tool_version = "mariabackup 10.11.19-MariaDB";
    m.server_version = "10.11.19-MariaDB-0+deb12u1-log";
    m.started_at = "2024-05-01T10:00:00Z";
    m.finished_at = "2024-05-01T10:01:02Z";
    m.duration_seconds = 62.125;
    return m;
}

// The marker's JSON with one field changed through a JSON pointer, or removed when `value` is discarded.
std::string edited(const std::string& pointer, const nlohmann::json& value) {
    auto j = nlohmann::json::parse(marker_to_json(full_marker()));
    if (value.is_discarded())
        j.at(nlohmann::json::json_pointer(pointer.substr(0, pointer.rfind('/'))))
            .erase(pointer.substr(pointer.rfind('/') + 1));
    else
        j[nlohmann::json::json_pointer(pointer)] = value;
    return j.dump();
}

const nlohmann::json removed = nlohmann::json::value_t::discarded;

}  // namespace

TEST_CASE("clone marker: JSON round trip", "[stream]") {
    struct row {
        const char* name;
        clone_marker marker;
    };
    clone_marker primary = full_marker();
    primary.coordinates = {};
    primary.coordinates.binlog = binlog_coordinates{"binlog.000072", 157, ""};
    clone_marker mysql_replica = full_marker();
    mysql_replica.coordinates.gtid_slave_pos.reset();
    mysql_replica.coordinates.gtid_purged = "4b272950-e317-11eb-a829-d45d64347a19:1-2";
    mysql_replica.coordinates.replication = {{"ch1", "", 0, true}, {"ch2", "", 0, true}};
    const std::vector<row> rows = {
        {"MariaDB multi-source replica with every field set", full_marker()},
        {"a primary without GTIDs and no replication", primary},
        {"a MySQL replica with gtid_purged", mysql_replica},
        {"a default-constructed marker (no binlog coordinates)", clone_marker{}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const std::string json = marker_to_json(r.marker);
            CHECK(json.back() == '\n');
            const auto parsed = marker_from_json(file, json);
            REQUIRE(parsed.has_value());
            CHECK(*parsed == r.marker);
        }
    }
}

TEST_CASE("clone marker: the JSON a person reads", "[stream]") {
    clone_marker m = full_marker();
    m.stream_bytes = 484;
    m.coordinates.replication.resize(1);
    CHECK(marker_to_json(m) == R"({
  "source": "mysql-0.mysql:3307",
  "coordinates": {
    "binlog": {
      "file": "mariadb-bin.000001",
      "position": 1198,
      "gtid_set": "0-1-5"
    },
    "replication": [
      {
        "channel": "",
        "file": "",
        "position": 0,
        "auto_position": true
      }
    ],
    "gtid_purged": null,
    "gtid_slave_pos": "0-1-6,1-3-6"
  },
  "digest": "xxh3-64:0979f786a24edde7",
  "stream_bytes": 484,
  "datadir_bytes": 17600000,
  "tool_version": "mariabackup 10.11.19-MariaDB",
  "server_version": "10.11.19-MariaDB-0+deb12u1-log",
  "started_at": "2024-05-01T10:00:00Z",
  "finished_at": "2024-05-01T10:01:02Z",
  "duration_seconds": 62.125
}
)");
}

TEST_CASE("clone marker: errors name the file and the field", "[stream]") {
    struct row {
        const char* name;
        std::string json;
        std::string error_part;  // after the file name
    };
    const std::vector<row> rows = {
        {"empty file (a crash before the write completed)", "", "the clone marker is empty"},
        {"not JSON", "{\"source\": ", "the clone marker is not valid JSON"},
        {"not an object", "[1, 2]", "the clone marker is not a JSON object"},
        {"missing source", edited("/source", removed), "field 'source' is missing"},
        {"missing digest", edited("/digest", removed), "field 'digest' is missing"},
        {"missing duration", edited("/duration_seconds", removed), "field 'duration_seconds' is missing"},
        {"source of the wrong type", edited("/source", 3), "field 'source' must be a string, got 3"},
        {"negative byte count", edited("/stream_bytes", -1),
         "field 'stream_bytes' must be a non-negative integer, got -1"},
        {"byte count as a string", edited("/datadir_bytes", "12"),
         "field 'datadir_bytes' must be a non-negative integer, got \"12\""},
        {"duration not a number", edited("/duration_seconds", "1m"), "field 'duration_seconds' must be a number"},
        {"coordinates missing", edited("/coordinates", removed), "field 'coordinates' is missing"},
        {"coordinates not an object", edited("/coordinates", "x"), "field 'coordinates' must be an object"},
        {"nested: binlog position", edited("/coordinates/binlog/position", "1198"),
         "field 'coordinates.binlog.position' must be a non-negative integer"},
        {"nested: binlog file missing", edited("/coordinates/binlog/file", removed),
         "field 'coordinates.binlog.file' is missing"},
        {"nested: replication entry by index", edited("/coordinates/replication/1/auto_position", "yes"),
         "field 'coordinates.replication[1].auto_position' must be true or false"},
        {"nested: replication not an array", edited("/coordinates/replication", nlohmann::json::object()),
         "field 'coordinates.replication' must be an array"},
        {"nested: gtid_purged of the wrong type", edited("/coordinates/gtid_purged", 5),
         "field 'coordinates.gtid_purged' must be a string or null"},
        {"a long bad value is shortened", edited("/source", std::vector<int>(50, 1)),
         "field 'source' must be a string, got [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1..."},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto m = marker_from_json(file, r.json);
            REQUIRE_FALSE(m.has_value());
            CHECK_THAT(m.message(), Catch::StartsWith(std::string(file) + ": "));
            CHECK_THAT(m.message(), Catch::Contains(r.error_part));
        }
    }
}

TEST_CASE("clone marker: unknown fields from a later agent are ignored", "[stream]") {
    const auto m = marker_from_json(file, edited("/added_later", "x"));
    REQUIRE(m.has_value());
    CHECK(*m == full_marker());
}
