#include "mysql_agent/core/backup_store/encryption.hpp"

#include <algorithm>
#include <optional>

#include "mysql_agent/core/text.hpp"

namespace mysql_agent::backup_store {
namespace {

std::optional<std::string> from_hex(std::string_view s) {
    if (s.size() % 2 != 0) return std::nullopt;
    auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); i += 2) {
        const int hi = digit(s[i]), lo = digit(s[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi << 4 | lo);
    }
    return out;
}

/// Standard base64 with padding (RFC 4648 section 4); nullopt for any other character or a bad length.
std::optional<std::string> from_base64(std::string_view s) {
    if (s.size() % 4 != 0) return std::nullopt;
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); i += 4) {
        const bool last = i + 4 == s.size();
        const int pad = last ? (s[i + 3] == '=') + (s[i + 2] == '=') : 0;
        if (pad == 1 && s[i + 2] == '=') return std::nullopt;
        unsigned v = 0;
        for (int k = 0; k < 4; ++k) {
            const int d = k >= 4 - pad ? 0 : value(s[i + k]);
            if (d < 0) return std::nullopt;
            v = v << 6 | static_cast<unsigned>(d);
        }
        out += static_cast<char>(v >> 16 & 0xff);
        if (pad < 2) out += static_cast<char>(v >> 8 & 0xff);
        if (pad < 1) out += static_cast<char>(v & 0xff);
    }
    return out;
}

bool lower_hex(std::string_view s, std::size_t length) {
    return s.size() == length &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::string encode_encryption_header(const encryption_header& h) {
    std::string out(encryption_magic);
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>(h.segment_bytes >> shift & 0xff);
    out += h.salt;
    return out;
}

result<encryption_header> parse_encryption_header(std::string_view bytes) {
    if (bytes.size() != encryption_header_bytes || bytes.substr(0, encryption_magic.size()) != encryption_magic)
        return error{"the stream does not start with the agent's encryption header"};
    encryption_header h;
    for (std::size_t i = 0; i < 4; ++i)
        h.segment_bytes = h.segment_bytes << 8 | static_cast<unsigned char>(bytes[encryption_magic.size() + i]);
    if (h.segment_bytes < min_segment_bytes || h.segment_bytes > max_segment_bytes)
        return error{"the encryption header's segment size " + std::to_string(h.segment_bytes) +
                     " is outside 4 KiB..16 MiB"};
    h.salt = std::string(bytes.substr(encryption_magic.size() + 4));
    return h;
}

std::string segment_nonce(std::uint64_t index, bool last) {
    std::string out(encryption_nonce_bytes, '\0');
    for (int i = 0; i < 8; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>(index >> (56 - 8 * i) & 0xff);
    out[11] = last ? '\x01' : '\x00';
    return out;
}

result<std::string> parse_key_file(std::string_view content) {
    const std::string_view trimmed = text::trim(content);
    if (trimmed.size() == 2 * encryption_key_bytes)
        if (auto key = from_hex(trimmed)) return *key;
    if (trimmed.size() == (encryption_key_bytes + 2) / 3 * 4)
        if (auto key = from_base64(trimmed); key && key->size() == encryption_key_bytes) return *key;
    if (content.size() == encryption_key_bytes) return std::string(content);
    return error{"the key file does not hold a 32-byte key: 64 hex digits, base64 of 32 bytes (openssl rand -base64 "
                 "32), or 32 raw bytes"};
}

status check_encryption_info(const encryption_info& e) {
    if (e.cipher != encryption_cipher)
        return error{"the manifest's encryption cipher \"" + text::printable(e.cipher) + "\" is not " +
                     std::string(encryption_cipher)};
    if (e.segment_bytes < min_segment_bytes || e.segment_bytes > max_segment_bytes)
        return error{"the manifest's encryption segment size is outside 4 KiB..16 MiB"};
    if (!lower_hex(e.key_id, 16)) return error{"the manifest's encryption key id is not 16 lower-case hex digits"};
    return ok();
}

std::string key_mismatch(const encryption_info* e, std::string_view key_id) {
    if (!e) return {};
    if (key_id.empty())
        return "the backup is encrypted (key id " + e->key_id + "); give the key with --encryption-key-file";
    if (key_id != e->key_id)
        return "the backup was encrypted with key id " + e->key_id + ", --encryption-key-file holds key id " +
               std::string(key_id);
    return {};
}

}  // namespace mysql_agent::backup_store
