// The two log line formats (logging.hpp): what a person reads and what a log pipeline parses.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "mysql_agent/io/logging.hpp"

using namespace mysql_agent;

TEST_CASE("a JSON log line is one object on one line with the fields typed", "[logs]") {
    // 2024-05-01T10:00:00.250Z
    const double t = 1714557600.25;
    const std::string line =
        format_log_line(log_format::json, t, spdlog::level::warn, "backup for \"x\" failed:\nline two", {{"pod", "mysql-0"}},
                        {{"peer", "10.0.0.7:5123"}, {"bytes", std::uint64_t{123}}, {"seconds", 1.5}, {"ok", false},
                         {"exit_code", -1}, {"msg", "a field may not replace the message"}});
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    const auto j = nlohmann::json::parse(line);
    CHECK(j["ts"] == "2024-05-01T10:00:00.250Z");
    CHECK(j["level"] == "warning");
    CHECK(j["msg"] == "backup for \"x\" failed:\nline two");
    CHECK(j["pod"] == "mysql-0");
    CHECK(j["peer"] == "10.0.0.7:5123");
    CHECK(j["bytes"] == 123);
    CHECK(j["seconds"] == 1.5);
    CHECK(j["ok"] == false);
    CHECK(j["exit_code"] == -1);
    CHECK(line.rfind("{\"ts\":", 0) == 0);  // ts, level, msg first: readable in `kubectl logs`
}

TEST_CASE("a text log line keeps the old layout and appends the fields", "[logs]") {
    struct row {
        const char* name;
        log_fields fields;
        const char* expected;
    };
    const row rows[] = {
        {"no fields", {}, "2024-05-01T10:00:00.250Z info listening on 127.0.0.1:3307\n"},
        {"plain and numeric fields", {{"peer", "10.0.0.7:5123"}, {"bytes", 42}},
         "2024-05-01T10:00:00.250Z info listening on 127.0.0.1:3307 peer=10.0.0.7:5123 bytes=42\n"},
        {"a value with spaces is quoted", {{"error", "access denied"}},
         "2024-05-01T10:00:00.250Z info listening on 127.0.0.1:3307 error=\"access denied\"\n"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(format_log_line(log_format::text, 1714557600.25, spdlog::level::info, "listening on 127.0.0.1:3307", {},
                              r.fields) == r.expected);
    }
    CHECK(format_log_line(log_format::text, 0, spdlog::level::err, "a\nb", {}, {}) == "1970-01-01T00:00:00.000Z error a b\n");
}

TEST_CASE("log formats by name", "[logs]") {
    CHECK(parse_log_format("json") == log_format::json);
    CHECK(parse_log_format("text") == log_format::text);
    CHECK_FALSE(parse_log_format("JSON").has_value());
}
