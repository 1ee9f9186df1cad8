#pragma once
// SHA-256 and HMAC-SHA256 from libcrypto, for whoever signs or checks with them: the re-seed request's signature
// (reseed_request_file.hpp), S3's Signature V4 (objstore/sigv4_signer.hpp), its Content-MD5 and a backup's digests.
// Raw bytes in and out; hex is core's text::to_hex.

#include <memory>
#include <string>
#include <string_view>

namespace mysql_agent {

/// SHA-256 of `bytes`: 32 raw bytes. Throws std::runtime_error only when libcrypto fails.
std::string sha256(std::string_view bytes);

/// MD5 of `bytes`: 16 raw bytes, for S3's Content-MD5 (an integrity check the store makes, not a security one).
std::string md5(std::string_view bytes);

/// A digest of a stream fed piece by piece.
class digest_stream {
public:
    enum class algorithm { sha256, md5 };
    explicit digest_stream(algorithm a);
    ~digest_stream();
    digest_stream(const digest_stream&) = delete;
    digest_stream& operator=(const digest_stream&) = delete;
    void update(std::string_view bytes);
    /// The digest of everything fed so far (raw bytes); the stream goes on.
    std::string so_far() const;
    /// The digest of everything fed (raw bytes); the stream starts again empty.
    std::string finish();

private:
    struct context;
    std::unique_ptr<context> ctx_;
    algorithm algorithm_;
};

/// SHA-256 of a stream fed piece by piece.
struct sha256_stream : digest_stream {
    sha256_stream() : digest_stream(algorithm::sha256) {}
};

/// MD5 of a stream fed piece by piece (a part's Content-MD5 while it downloads).
struct md5_stream : digest_stream {
    md5_stream() : digest_stream(algorithm::md5) {}
};

/// HMAC-SHA256 of `bytes` keyed by `key`: 32 raw bytes. Throws std::runtime_error only when libcrypto fails.
std::string hmac_sha256(std::string_view key, std::string_view bytes);

}  // namespace mysql_agent
