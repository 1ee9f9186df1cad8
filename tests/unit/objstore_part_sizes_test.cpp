// Part sizes for an upload of unknown size: every plan holds 5 TiB in 10,000 parts within S3's part bounds, and
// doubles as late as it can.
#include <catch2/catch.hpp>

#include "mysql_agent/core/objstore/part_sizes.hpp"

using namespace mysql_agent::objstore;
using u64 = std::uint64_t;
constexpr u64 MiB = u64{1} << 20;

TEST_CASE("multipart part sizes hold 5 TiB in 10,000 parts and grow as late as they can", "[objstore]") {
    for (const u64 first : {s3_min_part_bytes, 8 * MiB, 16 * MiB, 64 * MiB, 1024 * MiB, s3_max_part_bytes}) {
        INFO("first part " << first << " bytes");
        const auto plan = plan_part_sizes(first);
        REQUIRE(plan.has_value());
        CHECK(plan->first == first);
        CHECK(bytes_through(*plan, s3_max_parts) >= s3_max_object_bytes);
        if (plan->parts_per_doubling < s3_max_parts)  // one part more per doubling would fall short: the latest growth
            CHECK(bytes_through({first, plan->parts_per_doubling + 1}, s3_max_parts) < s3_max_object_bytes);
        std::uint64_t previous = 0, sum = 0;
        for (std::uint32_t n = 1; n <= s3_max_parts; ++n) {
            const auto size = part_size(*plan, n);
            if (size < s3_min_part_bytes || size > s3_max_part_bytes || size < previous) {
                FAIL("part " << n << ": " << size << " bytes after " << previous);
            }
            previous = size;
            sum += size;
        }
        CHECK(sum == bytes_through(*plan, s3_max_parts));
    }
}

TEST_CASE("multipart part sizes: the figures a reader can check", "[objstore]") {
    const auto plan = plan_part_sizes(16 * MiB);
    REQUIRE(plan.has_value());
    // A 10 GB backup fits in parts of the first size (16 MiB: 597 parts).
    CHECK(bytes_through(*plan, 597) >= u64{10'000'000'000});
    CHECK(part_size(*plan, 597) == 16 * MiB);
    // 5 MiB parts that never grow stop at 48.8 GiB (bitpoke/mysql-operator#791); growing, 5 TiB.
    CHECK(bytes_through({s3_min_part_bytes, s3_max_parts}, s3_max_parts) == 10'000 * 5 * MiB);
    CHECK(bytes_through(*plan_part_sizes(s3_min_part_bytes), s3_max_parts) >= s3_max_object_bytes);
    // No upload has more than 10,000 parts: a larger count is 10,000 (no overflow, no 4-billion-step loop).
    CHECK(bytes_through(*plan, 4'000'000'000U) == bytes_through(*plan, s3_max_parts));
    CHECK(part_size(*plan, 0) == 0);
    CHECK(bytes_through(*plan, 0) == 0);
}

TEST_CASE("multipart part sizes outside S3's bounds are refused, naming them", "[objstore]") {
    for (const u64 bad : {u64{0}, s3_min_part_bytes - 1, s3_max_part_bytes + 1}) {
        const auto plan = plan_part_sizes(bad);
        REQUIRE_FALSE(plan.has_value());
        CHECK_THAT(plan.message(), Catch::Contains("between 5 MiB and 5 GiB") &&
                                       Catch::Contains(std::to_string(bad) + " bytes"));
    }
}
