#include "mysql_agent/core/backup_protocol.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace mysql_agent::protocol;
using namespace std::string_literals;

namespace {

const std::string digest_a = "xxh3-64:0979f786a24edde7";
const std::string digest_b = "xxh3-64:2d06800538d394c2";

std::vector<field> good_fields() {
    return {{"X-Backup-Status", "ok"}, {"X-Backup-Bytes", "1234"}, {"X-Backup-Digest", digest_a},
            {"X-Backup-Exit-Code", "0"}};
}

std::vector<field> without(std::vector<field> fields, std::string_view name) {
    std::erase_if(fields, [&](const field& f) { return f.name == name; });
    return fields;
}

std::vector<field> with(std::vector<field> fields, std::string_view name, std::string value) {
    for (auto& f : fields)
        if (f.name == name) f.value = value;
    return fields;
}

std::string render(const std::vector<field>& fields) {
    std::string s;
    for (const auto& f : fields) s += f.name + ": " + f.value + "\n";
    return s;
}

}  // namespace

TEST_CASE("backup trailer: encode, then decode gives it back", "[stream]") {
    struct row {
        const char* name;
        backup_trailer trailer;
        std::string fields;         // what encode_trailer renders, one "name: value" per line
        backup_trailer decoded;     // what decode_trailer makes of it
    };
    const backup_trailer ok_trailer{true, 1234, digest_a, 0, "", {}};
    const backup_trailer failed{false, 77, digest_b, 1, "[ERROR] InnoDB: Operating system error number 28", {}};
    const backup_trailer killed{false, 0, digest_b, -1, "", {}};
    const std::vector<row> rows = {
        {"ok: no error field", ok_trailer,
         "X-Backup-Status: ok\nX-Backup-Bytes: 1234\nX-Backup-Digest: " + digest_a + "\nX-Backup-Exit-Code: 0\n",
         ok_trailer},
        {"failed: the error line travels", failed,
         "X-Backup-Status: failed\nX-Backup-Bytes: 77\nX-Backup-Digest: " + digest_b +
             "\nX-Backup-Exit-Code: 1\nX-Backup-Error: [ERROR] InnoDB: Operating system error number 28\n",
         failed},
        {"killed tool: exit code -1", killed,
         "X-Backup-Status: failed\nX-Backup-Bytes: 0\nX-Backup-Digest: " + digest_b + "\nX-Backup-Exit-Code: -1\n",
         killed},
        {"a multi-line error becomes one line (a CR/LF would inject a field)",
         backup_trailer{false, 1, digest_b, 2, "line one\r\nX-Backup-Status: ok\tend\n", {}},
         "X-Backup-Status: failed\nX-Backup-Bytes: 1\nX-Backup-Digest: " + digest_b +
             "\nX-Backup-Exit-Code: 2\nX-Backup-Error: line one  X-Backup-Status: ok end\n",
         backup_trailer{false, 1, digest_b, 2, "line one  X-Backup-Status: ok end", {}}},
        {"an error line of only control characters is left out",
         backup_trailer{false, 1, digest_b, 2, "\n\r", {}},
         "X-Backup-Status: failed\nX-Backup-Bytes: 1\nX-Backup-Digest: " + digest_b + "\nX-Backup-Exit-Code: 2\n",
         backup_trailer{false, 1, digest_b, 2, "", {}}},
        {"compressed: the byte count before compression travels last",
         backup_trailer{true, 1234, digest_a, 0, "", 5000},
         "X-Backup-Status: ok\nX-Backup-Bytes: 1234\nX-Backup-Digest: " + digest_a +
             "\nX-Backup-Exit-Code: 0\nX-Backup-Uncompressed-Bytes: 5000\n",
         backup_trailer{true, 1234, digest_a, 0, "", 5000}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto fields = encode_trailer(r.trailer);
            CHECK(render(fields) == r.fields);
            const auto decoded = decode_trailer(fields);
            REQUIRE(decoded.has_value());
            CHECK(*decoded == r.decoded);
        }
    }
}

TEST_CASE("backup trailer: decoding what arrives", "[stream]") {
    struct row {
        const char* name;
        std::vector<field> fields;
        std::optional<backup_trailer> expected;  // nullopt: an error containing `error_part`
        std::string error_part;
    };
    const backup_trailer good{true, 1234, digest_a, 0, "", {}};
    const std::vector<row> rows = {
        {"as sent", good_fields(), good, ""},
        {"names are case-insensitive",
         {{"x-backup-status", "ok"}, {"X-BACKUP-BYTES", "1234"}, {"x-Backup-Digest", digest_a},
          {"x-backup-exit-code", "0"}},
         good, ""},
        {"other fields are ignored", [] { auto f = good_fields(); f.push_back({"X-Other", "1"}); return f; }(), good,
         ""},
        {"surrounding whitespace is trimmed", with(good_fields(), "X-Backup-Bytes", " 1234 \t"), good, ""},
        {"no exit code: -1", without(good_fields(), "X-Backup-Exit-Code"), backup_trailer{true, 1234, digest_a, -1, "", {}},
         ""},
        {"missing status", without(good_fields(), "X-Backup-Status"), std::nullopt, "has no X-Backup-Status field"},
        {"missing bytes", without(good_fields(), "X-Backup-Bytes"), std::nullopt, "has no X-Backup-Bytes field"},
        {"missing digest", without(good_fields(), "X-Backup-Digest"), std::nullopt, "has no X-Backup-Digest field"},
        {"no trailer fields at all", {}, std::nullopt, "has no X-Backup-Status field"},
        {"status other than ok/failed", with(good_fields(), "X-Backup-Status", "OK"), std::nullopt,
         "X-Backup-Status is 'OK', expected 'ok' or 'failed'"},
        {"bytes not a number", with(good_fields(), "X-Backup-Bytes", "12a"), std::nullopt,
         "X-Backup-Bytes is '12a', expected a byte count"},
        {"negative bytes", with(good_fields(), "X-Backup-Bytes", "-1"), std::nullopt, "X-Backup-Bytes is '-1'"},
        {"bytes beyond 64 bits", with(good_fields(), "X-Backup-Bytes", "18446744073709551616"), std::nullopt,
         "X-Backup-Bytes is '18446744073709551616'"},
        {"digest in upper case", with(good_fields(), "X-Backup-Digest", "xxh3-64:0979F786A24EDDE7"), std::nullopt,
         "expected xxh3-64:<16 lowercase hex digits>"},
        {"digest of another algorithm", with(good_fields(), "X-Backup-Digest", "sha256:0979f786a24edde7"),
         std::nullopt, "X-Backup-Digest is 'sha256:0979f786a24edde7'"},
        {"digest one digit short", with(good_fields(), "X-Backup-Digest", "xxh3-64:0979f786a24edde"), std::nullopt,
         "X-Backup-Digest is 'xxh3-64:0979f786a24edde'"},
        {"exit code not a number", with(good_fields(), "X-Backup-Exit-Code", "one"), std::nullopt,
         "X-Backup-Exit-Code is 'one', expected an integer"},
        {"a value with a line break", with(good_fields(), "X-Backup-Status", "ok\r\nX-Injected: 1"), std::nullopt,
         "X-Backup-Status spans several lines"},
        {"a field sent twice", [] { auto f = good_fields(); f.push_back({"x-backup-status", "failed"}); return f; }(),
         std::nullopt, "X-Backup-Status appears twice"},
        {"the uncompressed byte count of a compressed body",
         [] { auto f = good_fields(); f.push_back({"x-backup-uncompressed-bytes", " 99 "}); return f; }(),
         backup_trailer{true, 1234, digest_a, 0, "", 99}, ""},
        {"an uncompressed byte count that is not a number",
         [] { auto f = good_fields(); f.push_back({"X-Backup-Uncompressed-Bytes", "lots"}); return f; }(),
         std::nullopt, "X-Backup-Uncompressed-Bytes is 'lots', expected a byte count"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto t = decode_trailer(r.fields);
            if (r.expected) {
                REQUIRE(t.has_value());
                CHECK(*t == *r.expected);
            } else {
                REQUIRE_FALSE(t.has_value());
                CHECK_THAT(t.message(), Catch::Contains(r.error_part));
            }
        }
    }
}

TEST_CASE("backup stream end: the verdict on a finished body", "[stream]") {
    struct row {
        const char* name;
        std::optional<backup_trailer> trailer;
        observed_stream seen;
        std::vector<std::string> parts;  // empty: ok; else every part appears in the error
    };
    const std::vector<row> rows = {
        {"trailer agrees with the body", backup_trailer{true, 1234, digest_a, 0, "", {}}, {1234, digest_a, {}}, {}},
        {"no trailer: the connection was cut", std::nullopt, {4096, digest_b, {}},
         {"the donor's stream ended without its trailer: the connection was cut at byte 4096"}},
        {"donor failed: exit code, its error line and where to look",
         backup_trailer{false, 4096, digest_b, 1, "[ERROR] InnoDB: Operating system error number 28", {}}, {4096, digest_b, {}},
         {"exit code 1", "[ERROR] InnoDB: Operating system error number 28", "check the donor's sidecar log"}},
        {"donor failed even when bytes also differ: the failure is the news",
         backup_trailer{false, 4096, digest_b, 2, "boom", {}}, {10, digest_a, {}}, {"exit code 2", "boom"}},
        {"donor's tool killed", backup_trailer{false, 0, digest_b, -1, "", {}}, {0, digest_b, {}},
         {"the backup tool was killed or never started", "no error line"}},
        {"byte count differs: both numbers", backup_trailer{true, 1234, digest_a, 0, "", {}}, {1200, digest_a, {}},
         {"the donor says it sent 1234 bytes but 1200 arrived"}},
        {"digest differs: both digests", backup_trailer{true, 1234, digest_a, 0, "", {}}, {1234, digest_b, {}},
         {digest_a, digest_b}},
        {"compressed: what decompression gave agrees with the donor", backup_trailer{true, 1234, digest_a, 0, "", 5000},
         {1234, digest_a, 5000}, {}},
        {"compressed: decompression gave another count than the donor fed in",
         backup_trailer{true, 1234, digest_a, 0, "", 5000}, {1234, digest_a, 4999},
         {"held 5000 bytes before compression but 4999 came out of decompression", "--compress none"}},
        {"compressed, but the trailer does not vouch for the decompressed count",
         backup_trailer{true, 1234, digest_a, 0, "", {}}, {1234, digest_a, 5000},
         {"has no X-Backup-Uncompressed-Bytes field", "--compress none"}},
        {"a raw body: a count in the trailer is not compared with anything",
         backup_trailer{true, 1234, digest_a, 0, "", 1}, {1234, digest_a, {}}, {}},
        {"wire bytes are judged before the decompressed count",
         backup_trailer{true, 1234, digest_a, 0, "", 5000}, {1200, digest_a, 10},
         {"the donor says it sent 1234 bytes but 1200 arrived"}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto s = check_stream_end(r.trailer, r.seen);
            if (r.parts.empty()) {
                CHECK(s.has_value());
            } else {
                REQUIRE_FALSE(s.has_value());
                for (const auto& p : r.parts) CHECK_THAT(s.message(), Catch::Contains(p));
            }
        }
    }
}

TEST_CASE("bearer token from an Authorization header", "[stream]") {
    struct row {
        const char* name;
        std::string header;
        std::optional<std::string> token;
    };
    const std::vector<row> rows = {
        {"canonical", "Bearer s3cr3t-token", "s3cr3t-token"},
        {"scheme in lower case", "bearer abc", "abc"},
        {"scheme in upper case", "BEARER abc", "abc"},
        {"several spaces (1*SP)", "Bearer   abc", "abc"},
        {"base64 padding and symbols", "Bearer YWJj+/-._~==", "YWJj+/-._~=="},
        {"another scheme", "Basic YWJjOmRlZg==", std::nullopt},
        {"scheme only", "Bearer", std::nullopt},
        {"scheme and a space", "Bearer ", std::nullopt},
        {"no space after the scheme", "Bearerabc", std::nullopt},
        {"two tokens", "Bearer abc def", std::nullopt},
        {"trailing space", "Bearer abc ", std::nullopt},
        {"tab instead of space", "Bearer\tabc", std::nullopt},
        {"control character in the token", "Bearer ab\x01" "c", std::nullopt},
        {"empty header", "", std::nullopt},
        {"scheme that only starts with Bearer", "Bearers abc", std::nullopt},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto t = bearer_token(r.header);
            REQUIRE(t.has_value() == r.token.has_value());
            if (t) CHECK(std::string(*t) == *r.token);
        }
    }
}

TEST_CASE("constant-time comparison of secrets", "[stream]") {
    struct row {
        const char* name;
        std::string a;
        std::string b;
        bool equal;
    };
    const std::vector<row> rows = {
        {"same", "s3cr3t-token", "s3cr3t-token", true},
        {"both empty", "", "", true},
        {"differ in the first byte", "x3cr3t-token", "s3cr3t-token", false},
        {"differ in the last byte", "s3cr3t-tokex", "s3cr3t-token", false},
        {"a prefix of the other", "s3cr3t", "s3cr3t-token", false},
        {"the other is a prefix", "s3cr3t-token", "s3cr3t", false},
        {"empty against non-empty", "", "s", false},
        {"longer one padded with zero bytes is still different", "abc"s, "abc\0"s, false},
        {"bytes after an embedded NUL count", "a\0b"s, "a\0c"s, false},
        {"high bytes", "\xff\xfe", "\xff\xfe", true},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            CHECK(constant_time_equal(r.a, r.b) == r.equal);
            CHECK(constant_time_equal(r.b, r.a) == r.equal);
        }
    }
}

TEST_CASE("trailing whitespace of a secret file", "[stream]") {
    struct row {
        const char* name;
        std::string in;
        std::string out;
    };
    const std::vector<row> rows = {
        {"newline from echo", "token\n", "token"},
        {"CRLF from an editor", "token\r\n", "token"},
        {"leading spaces are kept", "  token \t\n", "  token"},
        {"inner whitespace is kept", "to ken\n", "to ken"},
        {"only whitespace", " \n\r\t", ""},
        {"empty", "", ""},
        {"nothing to trim", "token", "token"},
    };
    for (const auto& r : rows)
        SECTION(r.name) { CHECK(std::string(trim_trailing_whitespace(r.in)) == r.out); }
}

TEST_CASE("secrets are scrubbed from lines that leave the process", "[stream]") {
    struct row {
        const char* name;
        std::string line;
        std::vector<std::string> secrets;
        std::string scrubbed;
    };
    const std::vector<row> rows = {
        {"a known secret, every occurrence", "token hunter2 then hunter2.", {"hunter2"},
         "token <redacted> then <redacted>."},
        {"an empty secret is ignored", "nothing to hide", {""}, "nothing to hide"},
        {"the longer of two overlapping secrets wins", "xabcdefx", {"abc", "abcdef"}, "x<redacted>x"},
        {"a short secret never matches inside <redacted>", "hunter2", {"hunter2", "e"}, "<redacted>"},
        {"--password=value", "xtrabackup --user=root --password=s3cret --backup", {},
         "xtrabackup --user=root --password=<redacted> --backup"},
        {"--password value", "xtrabackup --password s3cret --backup", {}, "xtrabackup --password <redacted> --backup"},
        {"--password followed by another option has no value", "mysql --password --host=db", {},
         "mysql --password --host=db"},
        {"-pvalue", "mysql -uroot -ps3cret -h db", {}, "mysql -uroot -p<redacted> -h db"},
        {"a lone -p prompts and has no value", "mysql -p -h db", {}, "mysql -p -h db"},
        {"-p inside a word is not an option", "mysql-proxy started", {}, "mysql-proxy started"},
        {"password=value at the start", "password=s3cret", {}, "password=<redacted>"},
        {"MYSQL_PWD in an environment dump", "MYSQL_PWD=s3cret HOME=/root", {}, "MYSQL_PWD=<redacted> HOME=/root"},
        {"MASTER_PASSWORD with a doubled quote inside",
         "CHANGE MASTER TO MASTER_HOST='db', MASTER_PASSWORD='it''s', MASTER_PORT=3306", {},
         "CHANGE MASTER TO MASTER_HOST='db', MASTER_PASSWORD=<redacted>, MASTER_PORT=3306"},
        {"SOURCE_PASSWORD with spaces around =", "SOURCE_PASSWORD = 'a b' , SOURCE_PORT=1", {},
         "SOURCE_PASSWORD = <redacted> , SOURCE_PORT=1"},
        {"a backslash-escaped quote", R"(password='a\'b' next)", {}, "password=<redacted> next"},
        {"an unterminated quote hides the rest", "password='abc def", {}, "password=<redacted>"},
        {"IDENTIFIED BY", "CREATE USER 'repl'@'%' IDENTIFIED BY 's3 cret'", {},
         "CREATE USER 'repl'@'%' IDENTIFIED BY <redacted>"},
        {"identified with plugin by, lower case", "alter user x identified with mysql_native_password by 'p'", {},
         "alter user x identified with mysql_native_password by <redacted>"},
        {"IDENTIFIED BY PASSWORD hash", "GRANT ALL ON *.* TO x IDENTIFIED BY PASSWORD '*94BDCEBE19083CE2'", {},
         "GRANT ALL ON *.* TO x IDENTIFIED BY PASSWORD <redacted>"},
        {"MariaDB IDENTIFIED VIA ... USING", "CREATE USER x IDENTIFIED VIA ed25519 USING PASSWORD('p')", {},
         "CREATE USER x IDENTIFIED VIA ed25519 USING <redacted>"},
        {"MySQL's access-denied line has no password to hide",
         "Access denied for user 'root'@'localhost' (using password: YES)", {},
         "Access denied for user 'root'@'localhost' (using password: YES)"},
        {"a known secret and a pattern on one line", "--password=hunter2 token=hunter2", {"hunter2"},
         "--password=<redacted> token=<redacted>"},
    };
    for (const auto& r : rows)
        SECTION(r.name) { CHECK(scrub_secrets(r.line, r.secrets) == r.scrubbed); }
}

TEST_CASE("Retry-After in seconds", "[stream]") {
    struct row {
        const char* name;
        std::string value;
        std::optional<std::uint32_t> seconds;
    };
    const std::vector<row> rows = {
        {"seconds", "120", 120u},
        {"zero", "0", 0u},
        {"surrounding whitespace", " 5 ", 5u},
        {"largest 32-bit value", "4294967295", 4294967295u},
        {"beyond 32 bits", "4294967296", std::nullopt},
        {"empty", "", std::nullopt},
        {"negative", "-1", std::nullopt},
        {"explicit plus sign", "+5", std::nullopt},
        {"fraction", "1.5", std::nullopt},
        {"unit suffix", "5s", std::nullopt},
        {"HTTP-date (our donors never send it)", "Wed, 21 Oct 2015 07:28:00 GMT", std::nullopt},
    };
    for (const auto& r : rows)
        SECTION(r.name) { CHECK(parse_retry_after(r.value) == r.seconds); }
}
