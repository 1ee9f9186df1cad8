#pragma once
// The encryption of a stored backup's stream (core/backup_store/encryption.hpp has the format and why): AES-256-GCM
// from libcrypto, segment by segment, with a data key of its own per backup. The encryptor seals what `backup`
// uploads; the decryptor opens what a restore or `backups verify` downloads and hands on only bytes whose segment's
// tag matched. Keys live in memory only, wiped when their holder goes.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "mysql_agent/core/backup_store/encryption.hpp"
#include "mysql_agent/core/result.hpp"

namespace mysql_agent::backup_store {

/// A 32-byte key, wiped from memory when it goes.
class encryption_key {
public:
    /// The key in `path` (encryption.hpp parse_key_file). Throws config_error naming `flag` and the path, never the
    /// key.
    static encryption_key from_file(const std::filesystem::path& path, std::string_view flag);
    explicit encryption_key(std::string raw);
    ~encryption_key();
    encryption_key(const encryption_key&) = default;
    encryption_key& operator=(const encryption_key&) = default;

    std::string_view bytes() const noexcept { return raw_; }
    /// HMAC-SHA256(key, key_id_label), 8 bytes in hex: what a manifest records.
    std::string id() const;

private:
    std::string raw_;
};

using cipher_sink = std::function<void(std::span<const char>)>;

/// Seals a stream: the header first, then a segment each time segment_bytes of plaintext are held and more follows,
/// the last at finish().
class stream_encryptor {
public:
    explicit stream_encryptor(const encryption_key& key, std::uint32_t segment_bytes = default_segment_bytes);
    ~stream_encryptor();
    stream_encryptor(const stream_encryptor&) = delete;
    stream_encryptor& operator=(const stream_encryptor&) = delete;

    void write(std::span<const char> plain, const cipher_sink& out);
    /// Seals the last segment (possibly empty). Nothing may be written after.
    void finish(const cipher_sink& out);
    std::uint32_t segment_bytes() const noexcept { return segment_bytes_; }

private:
    void seal(bool last, const cipher_sink& out);
    struct context;
    std::unique_ptr<context> ctx_;
    std::uint32_t segment_bytes_;
    std::string header_, plain_, sealed_;
    std::uint64_t index_ = 0;
    bool header_sent_ = false;
};

/// Opens a stream sealed by stream_encryptor with the same key: checks the header (its segment size must be the
/// manifest's), each segment's tag, and that the stream ends with a segment sealed as last.
class stream_decryptor {
public:
    stream_decryptor(const encryption_key& key, std::uint32_t segment_bytes);
    ~stream_decryptor();
    stream_decryptor(const stream_decryptor&) = delete;
    stream_decryptor& operator=(const stream_decryptor&) = delete;

    /// The next stored bytes; plaintext of every segment known complete (more bytes follow it) goes to `out`. An error
    /// value names the first segment that did not open; nothing of it was handed on.
    status feed(std::span<const char> sealed, const cipher_sink& out);
    /// The stream ended: its last segment opened as the last one.
    status finish(const cipher_sink& out);

private:
    status open(std::size_t length, bool last, const cipher_sink& out);
    struct context;
    std::unique_ptr<context> ctx_;
    std::uint32_t segment_bytes_;
    std::string key_;  ///< until the header (its salt) has arrived; then wiped
    std::string header_, held_, plain_;
    std::size_t held_from_ = 0;
    std::uint64_t index_ = 0;
    bool failed_ = false;
};

}  // namespace mysql_agent::backup_store
