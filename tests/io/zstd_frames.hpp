#pragma once
// Test support: a zstd body made with the sidecar's own frame encoder, as it sends one: a frame per block,
// one after another.

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/io/compression_pool.hpp"
#include "mysql_agent/io/zstd_codec.hpp"

namespace test_support {

/// `data` as zstd frames at `level`, one per `block` bytes of it (the last one shorter).
inline std::string zstd_frames_of(std::string_view data, int level = 1,
                                  std::size_t block = mysql_agent::frame_pipeline::block_bytes) {
    mysql_agent::zstd_frame_encoder encoder;
    std::vector<char> frame;
    std::string out;
    for (std::size_t off = 0; off < data.size(); off += block) {
        const std::size_t n = std::min(block, data.size() - off);
        encoder.encode(std::span<const char>(data.data() + off, n), level, frame);
        out.append(frame.data(), frame.size());
    }
    return out;
}

}  // namespace test_support
