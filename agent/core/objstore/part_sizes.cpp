#include "mysql_agent/core/objstore/part_sizes.hpp"

#include <algorithm>
#include <string>

namespace mysql_agent::objstore {
namespace {

std::uint64_t size_at_step(std::uint64_t first, std::uint32_t step) {
    // Doubling past 5 GiB saturates: 2^33 * 5 MiB already exceeds it, so the shift never overflows.
    if (step >= 32) return s3_max_part_bytes;
    return std::min(first << step, s3_max_part_bytes);
}

}  // namespace

std::uint64_t part_size(const part_size_plan& p, std::uint32_t n) {
    if (n == 0 || p.parts_per_doubling == 0) return 0;
    return size_at_step(p.first, (n - 1) / p.parts_per_doubling);
}

std::uint64_t bytes_through(const part_size_plan& p, std::uint32_t n) {
    if (p.parts_per_doubling == 0) return 0;
    n = std::min(n, s3_max_parts);  // no upload has more: the sum stays below 2^64, the loop short
    std::uint64_t total = 0;
    std::uint32_t step = 0;
    for (std::uint32_t done = 0; done < n; ++step) {
        const std::uint32_t parts = std::min(p.parts_per_doubling, n - done);
        total += parts * size_at_step(p.first, step);  // at most 10^4 * 5 GiB
        done += parts;
    }
    return total;
}

result<part_size_plan> plan_part_sizes(std::uint64_t first) {
    if (first < s3_min_part_bytes || first > s3_max_part_bytes)
        return error{"a multipart upload's part size must be between 5 MiB and 5 GiB (S3's limits), not " +
                     std::to_string(first) + " bytes"};
    // bytes_through(10,000) shrinks as parts_per_doubling grows: the largest that still holds 5 TiB.
    std::uint32_t lo = 1, hi = s3_max_parts;
    while (lo < hi) {
        const std::uint32_t mid = lo + (hi - lo + 1) / 2;
        if (bytes_through({first, mid}, s3_max_parts) >= s3_max_object_bytes) lo = mid;
        else hi = mid - 1;
    }
    return part_size_plan{first, lo};
}

}  // namespace mysql_agent::objstore
