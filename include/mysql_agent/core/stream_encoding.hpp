#pragma once
// Whether a backup body is compressed on the wire (README "Wire protocol"). The client asks with
// `Accept-Encoding: zstd` (and `X-Backup-Zstd-Level: N` for a level other than 1); a sidecar that compresses
// answers `Content-Encoding: zstd` and sends the xbstream as zstd frames one after another (one per MiB of it,
// compressed in parallel: compression_pool.hpp). A sidecar that does not know the
// header ignores it and sends the raw stream, and a client that did not ask gets the raw stream: both ends of
// any version agree on what the body is by Content-Encoding alone.

#include <optional>
#include <string_view>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent::protocol {

/// Request header with the zstd level the client wants (the sidecar falls back to the default on a bad value).
inline constexpr std::string_view header_zstd_level = "X-Backup-Zstd-Level";
/// The Accept-Encoding / Content-Encoding token of a zstd body (RFC 8878 §7.2).
inline constexpr std::string_view zstd_token = "zstd";

/// Levels offered by --compress zstd:LEVEL. Above 19 zstd needs windows of 32 MiB and more ("ultra" levels),
/// which the client's bounded decoder refuses (zstd_codec.hpp).
inline constexpr int zstd_default_level = 1;
inline constexpr int zstd_min_level = 1;
inline constexpr int zstd_max_level = 19;

enum class stream_codec { none, zstd };

/// What `clone/init --compress` asked for.
struct compression_choice {
    stream_codec codec = stream_codec::zstd;
    int level = zstd_default_level;  ///< meaningful for zstd only
    bool operator==(const compression_choice&) const = default;
};

/// Parses `--compress`: "zstd", "zstd:LEVEL" (LEVEL in 1..19) or "none"; an error names the flag and the choices.
result<compression_choice> parse_compress_flag(std::string_view value);

/// Whether an Accept-Encoding value lists zstd without q=0 (RFC 9110 §12.5.3; tokens case-insensitive).
bool accepts_zstd(std::string_view accept_encoding);

/// The level a client's X-Backup-Zstd-Level asks for; absent, malformed or out of range: the default level.
int requested_zstd_level(std::optional<std::string_view> value);

/// What a GET /backup asks for, from its Accept-Encoding and X-Backup-Zstd-Level (nullopt: absent): zstd at the
/// requested level when Accept-Encoding takes zstd, else none.
compression_choice requested_compression(std::optional<std::string_view> accept_encoding,
                                         std::optional<std::string_view> level);

/// The body's codec from the response's Content-Encoding (nullopt: absent). "identity" or absent: none; "zstd":
/// zstd; anything else (gzip, a list) is an error: this client cannot decode it.
result<stream_codec> parse_content_encoding(std::optional<std::string_view> value);

/// Compression threads for `sidecar --compress-threads 0` (automatic) on a machine with `cpus` CPUs: half of
/// them, at least 1 and at most 4. One thread at level 1 compresses ~500 MB/s, several times a 1 Gbit/s link;
/// more only help at higher levels, and a donor also serves its own clients.
unsigned automatic_compress_threads(unsigned cpus);

}  // namespace mysql_agent::protocol
