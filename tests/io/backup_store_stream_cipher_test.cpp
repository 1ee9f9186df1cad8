// The stream cipher of an encrypted backup (libcrypto's AES-256-GCM, segment by segment): what the encryptor seals
// opens byte for byte however it is cut, with a fresh salt per stream; and every way a stored stream can be changed
// (a byte flipped, a segment dropped, moved or duplicated, the stream cut at a segment boundary or inside one, the
// header's segment size altered, another key) is refused, with nothing of the refused segment handed on.

#include <random>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mysql_agent/core/backup_store/encryption.hpp"
#include "mysql_agent/io/backup_store/stream_cipher.hpp"

using namespace mysql_agent::backup_store;

namespace {

constexpr std::uint32_t segment = min_segment_bytes;  // 4 KiB: many segments from little data

encryption_key key_of(char fill) { return encryption_key(std::string(encryption_key_bytes, fill)); }

std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
}

/// `plain` sealed, written in pieces of `piece` bytes.
std::string seal(const encryption_key& key, const std::string& plain, std::size_t piece = 1000) {
    stream_encryptor e(key, segment);
    std::string out;
    const cipher_sink sink = [&](std::span<const char> b) { out.append(b.data(), b.size()); };
    for (std::size_t at = 0; at < plain.size(); at += piece)
        e.write(std::span<const char>(plain.data() + at, std::min(piece, plain.size() - at)), sink);
    e.finish(sink);
    return out;
}

struct opened {
    std::string plain;
    std::string error;  ///< empty when it opened
};

/// `sealed` opened, fed in pieces of `piece` bytes; stops at the first error.
opened open_all(const encryption_key& key, const std::string& sealed, std::size_t piece = 777,
                std::uint32_t segment_bytes = segment) {
    stream_decryptor d(key, segment_bytes);
    opened out;
    const cipher_sink sink = [&](std::span<const char> b) { out.plain.append(b.data(), b.size()); };
    for (std::size_t at = 0; at < sealed.size(); at += piece) {
        auto fed = d.feed(std::span<const char>(sealed.data() + at, std::min(piece, sealed.size() - at)), sink);
        if (!fed) {
            out.error = fed.message();
            return out;
        }
    }
    if (auto last = d.finish(sink); !last) out.error = last.message();
    return out;
}

std::size_t whole_segment() { return segment + encryption_tag_bytes; }

}  // namespace

TEST_CASE("stream cipher: what is sealed opens byte for byte, however long and however cut", "[backup_store]") {
    const auto key = key_of('k');
    for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{segment - 1}, std::size_t{segment},
                                std::size_t{segment + 1}, std::size_t{3 * segment}, std::size_t{100'000}}) {
        INFO(n << " bytes");
        const std::string plain = random_bytes(n, static_cast<unsigned>(n));
        const std::string sealed = seal(key, plain, 333);
        // The header, then one segment per started segment of plaintext (one empty segment for an empty stream),
        // each with its tag.
        const std::size_t segments = n == 0 ? 1 : (n + segment - 1) / segment;
        CHECK(sealed.size() == encryption_header_bytes + n + segments * encryption_tag_bytes);
        if (n >= 64) CHECK(sealed.find(plain.substr(0, 64)) == std::string::npos);
        for (const std::size_t piece : {std::size_t{1}, std::size_t{4096}, std::size_t{1} << 20}) {
            if (piece == 1 && n > 20'000) continue;
            const auto o = open_all(key, sealed, piece);
            CHECK(o.error == "");
            CHECK(o.plain == plain);
        }
    }
    // A fresh salt each time: the same plaintext under the same key never seals to the same bytes.
    const std::string plain = random_bytes(10'000, 7);
    CHECK(seal(key, plain) != seal(key, plain));
    CHECK(key.id().size() == 16);
    CHECK(key.id() != key_of('j').id());
    CHECK(key.id() == key_of('k').id());
}

TEST_CASE("stream cipher: an altered, reordered, cut or foreign stream is refused", "[backup_store]") {
    const auto key = key_of('k');
    const std::string plain = random_bytes(4 * segment + 100, 11);  // 5 segments
    const std::string sealed = seal(key, plain);
    const std::size_t h = encryption_header_bytes, w = whole_segment();
    REQUIRE(sealed.size() == h + 4 * w + 100 + encryption_tag_bytes);

    auto flipped = [&](std::size_t at) {
        std::string s = sealed;
        s[at] = static_cast<char>(s[at] ^ 0x01);
        return s;
    };
    auto segment_at = [&](std::size_t i) { return sealed.substr(h + i * w, w); };
    struct row {
        const char* what;
        std::string stored;
        const char* says;
        std::size_t plain_before;  ///< plaintext handed on before the refusal: only whole segments before the bad one
    };
    const row rows[] = {
        {"a ciphertext byte flipped in segment 2", flipped(h + w + 10), "segment 2 ", segment},
        {"a tag byte flipped in segment 1", flipped(h + w - 1), "segment 1 ", 0},
        {"a salt byte flipped (another data key)", flipped(20), "segment 1 ", 0},
        {"the header's segment size altered", flipped(10), "segments of", 0},
        {"segment 2 dropped", sealed.substr(0, h + w) + sealed.substr(h + 2 * w), "segment 2 ", segment},
        {"segments 2 and 3 swapped",
         sealed.substr(0, h + w) + segment_at(2) + segment_at(1) + sealed.substr(h + 3 * w), "segment 2 ", segment},
        {"segment 2 duplicated", sealed.substr(0, h + 2 * w) + segment_at(1) + sealed.substr(h + 2 * w), "segment 3 ",
         2 * segment},
        {"cut at a segment boundary", sealed.substr(0, h + 3 * w), "segment 3 (the last)", 2 * segment},
        {"cut inside the last segment", sealed.substr(0, sealed.size() - 1), "segment 5 (the last)", 4 * segment},
        {"cut inside the header", sealed.substr(0, 20), "shorter than its encryption header", 0},
        {"a stream that is not encrypted", random_bytes(3 * w, 3), "encryption header", 0},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        const auto o = open_all(key, r.stored);
        CHECK(o.error.find(r.says) != std::string::npos);
        CHECK(o.plain.size() == r.plain_before);
        CHECK(o.plain == plain.substr(0, r.plain_before));
    }
    const auto foreign = open_all(key_of('x'), sealed);
    CHECK(foreign.error.find("segment 1 ") != std::string::npos);
    CHECK(foreign.plain.empty());
    const auto other_size = open_all(key, sealed, 777, 2 * segment);
    CHECK(other_size.error.find("its manifest 8192") != std::string::npos);
}
