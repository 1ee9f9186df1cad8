#pragma once
// A backup's stream object checked against its manifest piece by piece, as it is downloaded: the size, every part's
// SHA-256 (the parts' boundaries are the manifest's; a damaged part is named by its digest even when the damage broke
// the decoding first, which then waits for the part's end; a manifest older than parts' SHA-256 has every part's MD5
// and the SHA-256 of the whole checked instead: three passes over the bytes, not one), an encrypted stream's every segment
// against its tag (stream_cipher.hpp: nothing unauthenticated is handed on), whole zstd frames, the xbstream framing
// with the files a prepare needs, and the xbstream size. `backups verify` feeds it and keeps nothing; a restore feeds
// it and hands the xbstream bytes it decodes to the extractor. Nothing of a piece is handed on before the piece's
// bytes were counted against the manifest, and a part that fails its digest fails before its last byte is handed on,
// so a damaged part is refused at the latest at its end; the whole and the framing are known only at the end,
// which is why a restore commits nothing before finish(). The digests run on a thread of their own beside the
// decoding (a part's end waits for its digest). I/O layer (digests, zstd, a thread).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mysql_agent/core/backup_store/manifest.hpp"
#include "mysql_agent/core/xbstream_verifier.hpp"
#include "mysql_agent/io/backup_store/stream_cipher.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/zstd_codec.hpp"

namespace mysql_agent::backup_store {

class stored_stream_check {
public:
    /// `name`: the object's s3:// name, for messages. `key`: the key of an encrypted backup (nullptr when none was
    /// given); throws config_error naming both key ids when the backup is encrypted and `key` is not its key.
    stored_stream_check(const backup_manifest& manifest, std::string name, const encryption_key* key = nullptr);
    ~stored_stream_check();
    stored_stream_check(const stored_stream_check&) = delete;
    stored_stream_check& operator=(const stored_stream_check&) = delete;

    /// Checks the next bytes of the object and hands the xbstream bytes decoded from them to `out` (which may throw).
    /// Throws bad_input_error naming the first mismatch.
    void feed(std::string_view piece, const std::function<void(std::span<const char>)>& out);
    /// The object ended: its size, SHA-256, last encrypted segment (whose bytes go to `out`), last frame and framing.
    /// Throws bad_input_error.
    void finish(const std::function<void(std::span<const char>)>& out);

    std::uint64_t bytes() const noexcept { return bytes_; }
    std::uint64_t xbstream_bytes() const noexcept { return xbstream_bytes_; }
    /// Every file the xbstream completed, with its size (for vet_staged_backup).
    const std::map<std::string, std::uint64_t>& files() const noexcept { return framing_.completed_sizes(); }

private:
    [[noreturn]] void fail(const std::string& why) const;
    void check_part();
    void hand_on(std::span<const char> in, const std::function<void(std::span<const char>)>& out);
    /// The (decrypted) zstd or raw bytes decoded, counted and checked, and handed to `out`.
    void decode(std::span<const char> in, const std::function<void(std::span<const char>)>& out);
    /// hand_on, a failure kept in pending_ (nothing more handed on) until the part's digest was checked.
    void guarded_hand_on(std::span<const char> in, const std::function<void(std::span<const char>)>& out);

    const backup_manifest& m_;
    std::string name_;
    std::uint64_t bytes_ = 0, xbstream_bytes_ = 0;
    const bool parts_sha256_;  ///< the manifest gives every part's sha256_through: no MD5 pass
    class digest_worker;
    std::unique_ptr<digest_worker> digests_;  ///< on a thread of their own
    std::uint64_t part_bytes_ = 0;
    std::size_t part_index_ = 0;
    std::optional<stream_decryptor> decryptor_;
    std::optional<zstd_decompressor> decoder_;
    xbstream_verifier framing_;
    std::optional<std::string> pending_;  ///< a decoding or framing failure, reported at the part's end
};

}  // namespace mysql_agent::backup_store
