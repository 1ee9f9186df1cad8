#include "mysql_agent/core/byte_size.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

using namespace mysql_agent;

TEST_CASE("byte sizes on the command line", "[flags]") {
    struct row {
        const char* name;
        std::string value;
        std::optional<std::uint64_t> expected;  // nullopt: an error naming the flag and the value
    };
    const std::vector<row> rows = {
        {"plain bytes", "1048576", 1048576},
        {"zero", "0", 0},
        {"K is 1024", "64K", 64 * 1024},
        {"lower-case suffix", "100m", 100ull * 1024 * 1024},
        {"M", "100M", 100ull * 1024 * 1024},
        {"G", "2G", 2ull << 30},
        {"T", "1T", 1ull << 40},
        {"the largest that fits", "16777215T", 16777215ull << 40},
        {"overflow through the suffix", "16777216T", std::nullopt},
        {"overflow in digits", "18446744073709551616", std::nullopt},
        {"empty", "", std::nullopt},
        {"suffix only", "M", std::nullopt},
        {"unknown suffix", "100X", std::nullopt},
        {"two suffixes", "1MB", std::nullopt},
        {"negative", "-1", std::nullopt},
        {"fraction", "1.5M", std::nullopt},
        {"space inside", "100 M", std::nullopt},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto got = parse_byte_size(r.value, "--max-rate");
            if (r.expected) {
                REQUIRE(got.has_value());
                CHECK(*got == *r.expected);
            } else {
                REQUIRE_FALSE(got.has_value());
                CHECK_THAT(got.message(), Catch::StartsWith("--max-rate " + r.value + ": "));
                CHECK_THAT(got.message(), Catch::Contains("e.g. 100M"));
            }
        }
    }
}
