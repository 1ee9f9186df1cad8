#pragma once
// Test support: a whole zstd frame made with the sidecar's own compressor, as it sends one.

#include <algorithm>
#include <span>
#include <string>
#include <string_view>

#include "mysql_agent/io/zstd_codec.hpp"

namespace test_support {

/// `data` as one zstd frame from `c`, fed to it in pieces of at most `piece` bytes.
inline std::string zstd_frame_of(mysql_agent::zstd_compressor& c, std::string_view data,
                                 std::size_t piece = std::string_view::npos) {
    std::string out;
    for (std::size_t off = 0; off < data.size(); off += std::min(piece, data.size() - off)) {
        std::span<const char> in(data.data() + off, std::min(piece, data.size() - off));
        while (!in.empty()) {
            const auto got = c.compress(in);
            out.append(got.data(), got.size());
        }
    }
    while (!c.finished()) {
        const auto got = c.finish();
        out.append(got.data(), got.size());
    }
    return out;
}

}  // namespace test_support
