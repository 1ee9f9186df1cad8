#pragma once
// Client-side encryption of a stored backup (`backup --encryption-key-file`): the format, pure. The cipher itself
// (AES-256-GCM from libcrypto) is io/backup_store/stream_cipher.hpp.
//
// The stored object of an encrypted backup is the donor's (zstd) stream cut into segments, each sealed on its own, so
// that a restore can check and hand on a segment as soon as it has arrived, and never hands on a byte it has not
// authenticated:
//
//   header   "MAGENC01" | segment_bytes (u32, big-endian) | salt (32 random bytes)          44 bytes
//   segment  AES-256-GCM(data key, nonce(i, last), aad = header) of segment_bytes of plaintext, then its 16-byte tag
//   ...      every segment but the last holds exactly segment_bytes of plaintext; the last 0..segment_bytes
//
// - The data key is HMAC-SHA256(key, "mysql-agent backup data key v1" | salt): a fresh key per backup (the salt is
//   random), so the nonces can be a plain counter without ever repeating under one key.
// - nonce(i, last) = i (8 bytes, big-endian) | 0 0 0 | last (1 or 0): a segment moved, dropped or duplicated fails its
//   tag, and so does a stream cut at a segment boundary (its new last segment was sealed as not last).
// - The header is every segment's associated data: its segment size and salt cannot be changed either.
// - The manifest records the cipher, the segment size and the key's id, HMAC-SHA256(key, "mysql-agent backup key id
//   v1") cut to 8 bytes (16 hex digits): a restore with another key is refused by name before a byte is downloaded, and
//   the id says nothing about the key. The manifest's digests are of the stored (encrypted) bytes.
// - The key never reaches argv, logs or the bucket: it is read from a file (a Kubernetes Secret) holding 32 bytes,
//   as 64 hex digits, as base64 (`openssl rand -base64 32`), or raw.

#include <cstdint>
#include <string>
#include <string_view>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent::backup_store {

inline constexpr std::string_view encryption_cipher = "aes-256-gcm";
inline constexpr std::string_view encryption_magic = "MAGENC01";
inline constexpr std::size_t encryption_key_bytes = 32;
inline constexpr std::size_t encryption_salt_bytes = 32;
inline constexpr std::size_t encryption_header_bytes = 8 + 4 + encryption_salt_bytes;
inline constexpr std::size_t encryption_tag_bytes = 16;
inline constexpr std::size_t encryption_nonce_bytes = 12;
/// The segment size the agent writes; a reader takes any within the bounds below (the header and manifest say).
inline constexpr std::uint32_t default_segment_bytes = 1u << 20;
inline constexpr std::uint32_t min_segment_bytes = 4u << 10;
inline constexpr std::uint32_t max_segment_bytes = 16u << 20;
/// The suffix of an encrypted stream's object name ("stream.xbstream.zst.enc").
inline constexpr std::string_view encrypted_suffix = ".enc";

/// What a manifest says of an encrypted stream.
struct encryption_info {
    std::string cipher;  ///< encryption_cipher
    std::uint32_t segment_bytes = 0;
    std::string key_id;  ///< 16 lower-case hex digits
};

struct encryption_header {
    std::uint32_t segment_bytes = 0;
    std::string salt;  ///< encryption_salt_bytes raw bytes
};

/// The header's bytes.
std::string encode_encryption_header(const encryption_header& h);
/// The first encryption_header_bytes of a stored stream: the magic, a segment size within bounds. An error value for
/// anything else (another file, a stream not encrypted, a header altered in a way the tags would catch only later).
result<encryption_header> parse_encryption_header(std::string_view bytes);

/// The 12-byte nonce of segment `index`.
std::string segment_nonce(std::uint64_t index, bool last);

/// The label HMAC'd with the salt to derive a backup's data key, and the one HMAC'd to name a key.
inline constexpr std::string_view data_key_label = "mysql-agent backup data key v1";
inline constexpr std::string_view key_id_label = "mysql-agent backup key id v1";

/// The key in a key file's bytes: 64 hex digits or base64 of 32 bytes (surrounding whitespace ignored), or exactly 32
/// raw bytes. The error never quotes the file.
result<std::string> parse_key_file(std::string_view content);

/// A manifest's encryption fields checked: the cipher this agent speaks, a segment size within bounds, a key id of 16
/// lower-case hex digits.
status check_encryption_info(const encryption_info& e);

/// Why a backup cannot be decrypted with the key at hand (`key_id`, "" when no key file was given), or an empty
/// string when it can (or is not encrypted: `e` nullptr). Names both ids and the flag; never the key.
std::string key_mismatch(const encryption_info* e, std::string_view key_id);

}  // namespace mysql_agent::backup_store
