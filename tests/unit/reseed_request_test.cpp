#include "mysql_agent/core/reseed_request.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

using namespace mysql_agent;
using namespace std::chrono_literals;

namespace {

/// Stands in for HMAC-SHA256 (io's hmac_sha256, tested there against RFC 4231): any keyed function of the
/// bytes shows what the check does with a matching or differing MAC. FNV-1a over key, NUL, bytes.
request_mac keyed(std::string key) {
    return [key](std::string_view bytes) {
        std::uint64_t h = 1469598103934665603ull;
        for (const unsigned char c : key + std::string(1, '\0') + std::string(bytes)) h = (h ^ c) * 1099511628211ull;
        return std::string(reinterpret_cast<const char*>(&h), sizeof h);
    };
}

const auto now = std::chrono::sys_days(std::chrono::year(2026) / 12 / 7) + 1h;  // 2026-12-07T01:00:00Z

std::string request_text(const reseed_request& r, const std::string& key = "token") {
    const auto body = reseed_request_body(r);
    return signed_reseed_request(body, keyed(key)(body));
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("a re-seed request is acted on only when mysql-agent reseed signed it for this pod, lately",
          "[reseed]") {
    const reseed_request good{"2026-12-07T00:30:00Z", "mysql-2", "1236 after a purge"};
    const std::string signed_text = request_text(good);
    struct row {
        const char* name;
        std::string text;
        std::optional<request_mac> key;
        bool accepted;
        const char* why_part;
    };
    const row rows[] = {
        {"signed with this pod's token: accepted", signed_text, keyed("token"), true, ""},
        {"the reason changed after signing", replaced(signed_text, "1236 after a purge", "anything"),
         keyed("token"), false, "does not match"},
        {"the timestamp changed after signing", replaced(signed_text, "00:30:00Z", "00:59:00Z"), keyed("token"),
         false, "does not match"},
        {"the pod changed after signing", replaced(signed_text, "pod: mysql-2", "pod: mysql-0"), keyed("token"),
         false, "does not match"},
        {"a line added above the signature", "reason: x\n" + signed_text, keyed("token"), false, "does not match"},
        {"a line added below the signature", signed_text + "reason: x\n", keyed("token"), false, "no signature"},
        {"signed with another token", request_text(good, "other"), keyed("token"), false, "another token"},
        {"no signature: a plain file, as SELECT ... INTO OUTFILE writes it", "requested_at: 2026-12-07T00:30:00Z\n"
         "pod: mysql-2\nreason: x\n", keyed("token"), false, "something other than `mysql-agent reseed`"},
        {"a query result written into the datadir", "1\n", keyed("token"), false, "no signature"},
        {"an empty file", "", keyed("token"), false, "no signature"},
        {"a signature line of the wrong length", replaced(signed_text, "sha256:", "sha256:00"), keyed("token"),
         false, "does not match"},
        {"init has no token: nothing can be verified", signed_text, std::nullopt, false, "no --auth-token-file"},
        {"signed for another pod", request_text({"2026-12-07T00:30:00Z", "mysql-1", "x"}), keyed("token"), false,
         "for pod 'mysql-1', not for mysql-2"},
        {"older than a day", request_text({"2026-12-06T00:59:59Z", "mysql-2", "x"}), keyed("token"), false,
         "more than 24 hours ago"},
        {"just under a day old", request_text({"2026-12-06T01:00:00Z", "mysql-2", "x"}), keyed("token"), true, ""},
        {"dated more than 5 minutes ahead", request_text({"2026-12-07T01:05:01Z", "mysql-2", "x"}),
         keyed("token"), false, "ahead of this clock"},
        {"dated 5 minutes ahead (clock skew)", request_text({"2026-12-07T01:05:00Z", "mysql-2", "x"}),
         keyed("token"), true, ""},
        {"a time that is not one", request_text({"yesterday", "mysql-2", "x"}), keyed("token"), false,
         "not a time like"},
        {"February 30th", request_text({"2026-02-30T00:00:00Z", "mysql-2", "x"}), keyed("token"), false,
         "not a time like"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto check = check_reseed_request(r.text, r.key, "mysql-2", now);
            INFO(check.why);
            CHECK(check.accepted == r.accepted);
            if (r.accepted) {
                CHECK(check.request.pod == "mysql-2");
                CHECK(check.why.empty());
            } else {
                CHECK_THAT(check.why, Catch::Contains(r.why_part));
            }
        }
    }
}

TEST_CASE("a re-seed request's text: what it signs and what init reads back", "[reseed]") {
    const reseed_request r{"2026-12-07T00:30:00Z", "mysql-2", "1236 after\x07 a purge\n"};
    const auto body = reseed_request_body(r);
    CHECK(body == "requested_at: 2026-12-07T00:30:00Z\npod: mysql-2\nreason: 1236 after a purge\n");
    const auto text = signed_reseed_request(body, std::string("\x00\x01\xab\xff", 4));
    CHECK(text == body + "signature: hmac-sha256:0001abff\n");
    const auto check = check_reseed_request(request_text(r), keyed("token"), "mysql-2", now);
    REQUIRE(check.accepted);
    CHECK(check.request == reseed_request{"2026-12-07T00:30:00Z", "mysql-2", "1236 after a purge"});
    CHECK(rfc3339_seconds(now) == "2026-12-07T01:00:00Z");
    CHECK(rfc3339_seconds(std::chrono::sys_days(std::chrono::year(1999) / 1 / 2) + 3h + 4min + 5s + 999ms) ==
          "1999-01-02T03:04:05Z");
}
