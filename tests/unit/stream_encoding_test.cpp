#include "mysql_agent/core/stream_encoding.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace mysql_agent::protocol;

TEST_CASE("compress flag: the codec and level a client asks for with --compress", "[compression]") {
    struct row {
        const char* name;
        std::string flag;
        std::optional<compression_choice> expected;  // nullopt: an error containing `error_part`
        std::string error_part;
    };
    const std::vector<row> rows = {
        {"zstd: the default level 1", "zstd", compression_choice{stream_codec::zstd, 1}, ""},
        {"none: the raw stream", "none", compression_choice{stream_codec::none, 1}, ""},
        {"zstd with a level", "zstd:6", compression_choice{stream_codec::zstd, 6}, ""},
        {"the lowest level", "zstd:1", compression_choice{stream_codec::zstd, 1}, ""},
        {"the highest level", "zstd:19", compression_choice{stream_codec::zstd, 19}, ""},
        {"level 0 (zstd's 'default', 3) is not offered", "zstd:0", std::nullopt, "from 1 to 19"},
        {"an ultra level needs windows the client refuses", "zstd:22", std::nullopt, "from 1 to 19"},
        {"negative (fast) levels are not offered", "zstd:-5", std::nullopt, "from 1 to 19"},
        {"a level with a plus sign", "zstd:+3", std::nullopt, "from 1 to 19"},
        {"an empty level", "zstd:", std::nullopt, "--compress zstd:: the zstd level must be a whole number"},
        {"a level that is not a number", "zstd:fast", std::nullopt, "--compress zstd:fast"},
        {"another codec", "gzip", std::nullopt, "--compress gzip: expected zstd, zstd:LEVEL (1..19) or none"},
        {"codec names are exact", "ZSTD", std::nullopt, "expected zstd"},
        {"empty", "", std::nullopt, "expected zstd"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto got = parse_compress_flag(r.flag);
            if (r.expected) {
                REQUIRE(got.has_value());
                CHECK(*got == *r.expected);
            } else {
                REQUIRE_FALSE(got.has_value());
                CHECK_THAT(got.message(), Catch::Contains(r.error_part));
            }
        }
    }
}

TEST_CASE("Accept-Encoding: whether the client takes a zstd body", "[compression]") {
    struct row {
        const char* name;
        std::string header;
        bool zstd;
    };
    const std::vector<row> rows = {
        {"what our client sends", "zstd", true},
        {"case-insensitive", "ZStd", true},
        {"in a list", "gzip, br, zstd", true},
        {"with a q value", "gzip;q=1.0, zstd;q=0.5", true},
        {"q=0 refuses it", "zstd;q=0", false},
        {"q=0.000 refuses it", "zstd; q=0.000", false},
        {"a malformed q counts as a refusal", "zstd;q=high", false},
        {"only other codings", "gzip, deflate", false},
        {"identity", "identity", false},
        {"empty", "", false},
        {"a token that only starts with zstd", "zstdx", false},
    };
    for (const auto& r : rows) {
        SECTION(r.name) { CHECK(accepts_zstd(r.header) == r.zstd); }
    }
}

TEST_CASE("X-Backup-Zstd-Level: a bad value means the default, never an error", "[compression]") {
    CHECK(requested_zstd_level(std::nullopt) == 1);
    CHECK(requested_zstd_level("7") == 7);
    CHECK(requested_zstd_level(" 19 ") == 19);
    CHECK(requested_zstd_level("20") == 1);
    CHECK(requested_zstd_level("0") == 1);
    CHECK(requested_zstd_level("-1") == 1);
    CHECK(requested_zstd_level("3x") == 1);
}

TEST_CASE("Content-Encoding: what the body is", "[compression]") {
    CHECK(parse_content_encoding(std::nullopt).value() == stream_codec::none);
    CHECK(parse_content_encoding("identity").value() == stream_codec::none);
    CHECK(parse_content_encoding("").value() == stream_codec::none);
    CHECK(parse_content_encoding("zstd").value() == stream_codec::zstd);
    CHECK(parse_content_encoding(" ZSTD ").value() == stream_codec::zstd);
    const auto gzip = parse_content_encoding("gzip");
    REQUIRE_FALSE(gzip.has_value());
    CHECK_THAT(gzip.message(), Catch::Contains("Content-Encoding: gzip, which this client does not decode"));
    CHECK_FALSE(parse_content_encoding("zstd, gzip").has_value());
}

TEST_CASE("automatic compression threads: half the CPUs, 1 to 4", "[compression]") {
    CHECK(automatic_compress_threads(0) == 1);
    CHECK(automatic_compress_threads(1) == 1);
    CHECK(automatic_compress_threads(2) == 1);
    CHECK(automatic_compress_threads(6) == 3);
    CHECK(automatic_compress_threads(64) == 4);
}

TEST_CASE("what a GET /backup asks for", "[compression]") {
    CHECK(requested_compression(std::nullopt, std::nullopt) == compression_choice{stream_codec::none, 1});
    CHECK(requested_compression(std::nullopt, "9") == compression_choice{stream_codec::none, 1});
    CHECK(requested_compression("zstd", std::nullopt) == compression_choice{stream_codec::zstd, 1});
    CHECK(requested_compression("gzip, zstd", "9") == compression_choice{stream_codec::zstd, 9});
    CHECK(requested_compression("zstd", "99") == compression_choice{stream_codec::zstd, 1});
    CHECK(requested_compression("gzip", "9") == compression_choice{stream_codec::none, 1});
}
