#include "mysql_agent/core/stream_encoding.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "mysql_agent/core/text.hpp"

namespace mysql_agent::protocol {
namespace {

using text::iequals;
using text::trim;

std::optional<int> parse_level(std::string_view s) {
    int v = 0;
    if (s.empty() || s.front() == '+') return std::nullopt;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    if (v < zstd_min_level || v > zstd_max_level) return std::nullopt;
    return v;
}

/// The q value of one Accept-Encoding element's parameters ("q=0.5"); 1 without one, 0 when malformed.
double quality(std::string_view params) {
    for (const auto p : text::split(params, ';')) {
        const auto kv = trim(p);
        if (kv.size() < 2 || !(kv[0] == 'q' || kv[0] == 'Q') || kv[1] != '=') continue;
        const std::string q(trim(kv.substr(2)));
        double v = 0;
        const auto [ptr, ec] = std::from_chars(q.data(), q.data() + q.size(), v);
        if (ec != std::errc{} || ptr != q.data() + q.size()) return 0;
        return v;
    }
    return 1;
}

}  // namespace

result<compression_choice> parse_compress_flag(std::string_view value) {
    const std::string shown(value);
    if (value == "none") return compression_choice{stream_codec::none, zstd_default_level};
    if (value == zstd_token) return compression_choice{stream_codec::zstd, zstd_default_level};
    if (value.substr(0, zstd_token.size() + 1) == "zstd:") {
        if (const auto level = parse_level(value.substr(zstd_token.size() + 1)))
            return compression_choice{stream_codec::zstd, *level};
        return error{"--compress " + shown + ": the zstd level must be a whole number from " +
                     std::to_string(zstd_min_level) + " to " + std::to_string(zstd_max_level)};
    }
    return error{"--compress " + shown + ": expected zstd, zstd:LEVEL (" + std::to_string(zstd_min_level) + ".." +
                 std::to_string(zstd_max_level) + ") or none"};
}

bool accepts_zstd(std::string_view accept_encoding) {
    for (const auto element : text::split(accept_encoding, ',')) {
        const auto semi = element.find(';');
        const auto token = trim(element.substr(0, semi));
        if (!iequals(token, zstd_token)) continue;
        return semi == std::string_view::npos || quality(element.substr(semi + 1)) > 0;
    }
    return false;
}

int requested_zstd_level(std::optional<std::string_view> value) {
    if (!value) return zstd_default_level;
    return parse_level(trim(*value)).value_or(zstd_default_level);
}

compression_choice requested_compression(std::optional<std::string_view> accept_encoding,
                                         std::optional<std::string_view> level) {
    if (!accept_encoding || !accepts_zstd(*accept_encoding)) return {stream_codec::none, zstd_default_level};
    return {stream_codec::zstd, requested_zstd_level(level)};
}

result<stream_codec> parse_content_encoding(std::optional<std::string_view> value) {
    if (!value) return stream_codec::none;
    const auto v = trim(*value);
    if (v.empty() || iequals(v, "identity")) return stream_codec::none;
    if (iequals(v, zstd_token)) return stream_codec::zstd;
    return error{"the donor answered Content-Encoding: " + std::string(v) +
                 ", which this client does not decode (it asks for zstd or nothing): the donor is not a compatible "
                 "mysql-agent sidecar"};
}

unsigned automatic_compress_threads(unsigned cpus) { return std::clamp(cpus / 2, 1u, 4u); }

}  // namespace mysql_agent::protocol
