#pragma once
// The wire protocol between a donor's sidecar and a cloning peer (documented in README "Wire protocol").
//
//   GET /backup HTTP/1.1            Authorization: Bearer <token>
//                                   [Accept-Encoding: zstd  [X-Backup-Zstd-Level: 1..19]]  (stream_encoding.hpp)
//   200  Transfer-Encoding: chunked, Trailer: X-Backup-Status, X-Backup-Bytes, X-Backup-Digest,
//        X-Backup-Exit-Code, X-Backup-Error, X-Backup-Uncompressed-Bytes;
//        X-Backup-Estimated-Size: <bytes of the donor's datadir>;  Content-Encoding: zstd  (only when asked for)
//        body: the xbstream bytes of a fresh `xtrabackup --backup --stream=xbstream`, as zstd frames (one per
//              MiB, one after another) when Content-Encoding says so
//        trailers: status ok|failed, byte count and digest "xxh3-64:<16 hex>" of the body as sent (compressed),
//        tool exit code, error line, and (compressed bodies only) the byte count before compression
//   401  missing or wrong token (no backup started; not worth retrying)
//   503  Retry-After: <seconds>  (--max-concurrent-backups reached, or draining on SIGTERM)
//
// A body without the trailers, or with trailers that disagree with what arrived, is a failed clone.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent::protocol {

inline constexpr std::string_view backup_path = "/backup";
/// GET /position (same token as /backup): where this member's server stands (position_report.hpp).
inline constexpr std::string_view position_path = "/position";
inline constexpr std::string_view header_estimated_size = "X-Backup-Estimated-Size";
inline constexpr std::string_view header_agent_version = "X-Mysql-Agent-Version";
/// On a 400 or 403 of a TLS sidecar: which TLS requirement the client did not meet, so that it can say what to
/// change (README "TLS").
inline constexpr std::string_view header_tls = "X-Mysql-Agent-TLS";
inline constexpr std::string_view tls_required = "required";  ///< a plaintext request on the TLS port
inline constexpr std::string_view tls_client_certificate_required = "client-certificate-required";
inline constexpr std::string_view trailer_status = "X-Backup-Status";
inline constexpr std::string_view trailer_bytes = "X-Backup-Bytes";
inline constexpr std::string_view trailer_digest = "X-Backup-Digest";
inline constexpr std::string_view trailer_exit_code = "X-Backup-Exit-Code";
inline constexpr std::string_view trailer_error = "X-Backup-Error";
/// Only after a compressed body: the xbstream bytes before compression. Clients before it ignore it.
inline constexpr std::string_view trailer_uncompressed_bytes = "X-Backup-Uncompressed-Bytes";
/// The value of the `Trailer:` response header announcing the trailers above.
inline constexpr std::string_view trailer_announcement =
    "X-Backup-Status, X-Backup-Bytes, X-Backup-Digest, X-Backup-Exit-Code, X-Backup-Error, "
    "X-Backup-Uncompressed-Bytes";

/// What the donor says at the end of a backup stream.
struct backup_trailer {
    bool ok = false;                ///< X-Backup-Status: "ok" or "failed"
    std::uint64_t bytes = 0;        ///< X-Backup-Bytes: body bytes sent
    std::string digest;             ///< X-Backup-Digest: "xxh3-64:<16 lowercase hex>" of the body
    int exit_code = -1;             ///< X-Backup-Exit-Code: the backup tool's exit code (-1: killed/not started)
    std::string error_line;         ///< X-Backup-Error: on failure, the tool's last error line, secrets scrubbed
    /// X-Backup-Uncompressed-Bytes: the tool's output bytes, when the body was compressed
    std::optional<std::uint64_t> uncompressed_bytes;
    bool operator==(const backup_trailer&) const = default;
};

/// A trailer field as (name, value), as Beast hands them over.
struct field {
    std::string name;
    std::string value;
};

/// Renders the trailer fields (error line only when non-empty; values are single-line, control chars removed).
std::vector<field> encode_trailer(const backup_trailer& t);

/// Parses trailer fields (names case-insensitive). Missing status, bytes or digest is an error.
result<backup_trailer> decode_trailer(const std::vector<field>& fields);

/// What the receiver observed in the body.
struct observed_stream {
    std::uint64_t bytes = 0;
    std::string digest;  ///< same format as backup_trailer::digest
    std::optional<std::uint64_t> uncompressed_bytes;  ///< what decompression gave, when the body was compressed
};

/// The verdict on a finished body: an error naming the first mismatch (donor reported failure with its
/// line, byte count differs, digest differs, the decompressed byte count differs or is not vouched for), or ok. `trailer` is nullopt when the body ended without one.
status check_stream_end(const std::optional<backup_trailer>& trailer, const observed_stream& seen);

/// Parses "Bearer <token>" from an Authorization header value; nullopt if it is not a Bearer credential.
std::optional<std::string_view> bearer_token(std::string_view authorization);

/// Compares two secrets in time that depends only on their lengths (not on where they differ).
bool constant_time_equal(std::string_view a, std::string_view b);

/// Trims trailing whitespace (a token or password file usually ends in a newline).
std::string_view trim_trailing_whitespace(std::string_view s);

/// Removes secrets from a line before it leaves the process: every occurrence of each non-empty secret,
/// and the value of `password=...`/`--password=...`/`-p...` style arguments, become `<redacted>`.
std::string scrub_secrets(std::string_view line, const std::vector<std::string>& secrets);

/// Parses X-Backup-Estimated-Size: a byte count up to 2^60 (an exbibyte; anything larger is not an estimate of
/// a datadir and would overflow the progress arithmetic), else nullopt (the progress then shows no percentage).
std::optional<std::uint64_t> parse_estimated_size(std::string_view value);

/// Parses a Retry-After value in seconds (HTTP-date is not used by our donors): nullopt if not a number.
std::optional<std::uint32_t> parse_retry_after(std::string_view value);

}  // namespace mysql_agent::protocol
