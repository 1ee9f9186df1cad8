#pragma once
// Part sizes for a multipart upload of a stream whose size is not known when it starts (a backup). S3 allows at
// most 10,000 parts of 5 MiB to 5 GiB each (the last may be smaller) and objects up to 5 TiB
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). A fixed part size either caps the backup
// (5 MiB parts: 48.8 GiB, bitpoke/mysql-operator#791) or holds a large part in memory for every small backup. So the
// size starts small and doubles every `parts_per_doubling` parts, chosen as the longest run that still lets 10,000
// parts hold 5 TiB: a 10 GB backup keeps the first size throughout.

#include <cstdint>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent::objstore {

inline constexpr std::uint64_t s3_min_part_bytes = 5ULL << 20;    ///< 5 MiB, every part but the last
inline constexpr std::uint64_t s3_max_part_bytes = 5ULL << 30;    ///< 5 GiB
inline constexpr std::uint32_t s3_max_parts = 10'000;
inline constexpr std::uint64_t s3_max_object_bytes = 5ULL << 40;  ///< 5 TiB

struct part_size_plan {
    std::uint64_t first = 0;                ///< bytes of parts 1 .. parts_per_doubling
    std::uint32_t parts_per_doubling = 0;   ///< parts between two doublings, >= 1
};

/// Bytes of part `n` (1-based): first * 2^((n-1) / parts_per_doubling), never above s3_max_part_bytes.
std::uint64_t part_size(const part_size_plan& p, std::uint32_t n);

/// Bytes parts 1..n hold together (n = 0: 0; n above 10,000 counts as 10,000, S3's most).
std::uint64_t bytes_through(const part_size_plan& p, std::uint32_t n);

/// The plan from a first part size (the memory a part in flight takes): an error naming the bound when `first` is
/// below 5 MiB or above 5 GiB; else parts_per_doubling is the largest with bytes_through(10,000) >= 5 TiB.
result<part_size_plan> plan_part_sizes(std::uint64_t first);

}  // namespace mysql_agent::objstore
