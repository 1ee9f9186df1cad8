// encryption: the format of an encrypted stored backup (its header, nonces), the key file's forms, and what a manifest
// may say about encryption. The cipher itself is tested in tests/io/backup_store_stream_cipher_test.cpp.

#include <catch2/catch.hpp>

#include "mysql_agent/core/backup_store/encryption.hpp"
#include "mysql_agent/core/backup_store/manifest.hpp"

using namespace mysql_agent::backup_store;

namespace {

/// The 32 bytes 0x00, 0x01, ... 0x1f.
std::string counting_key() {
    std::string k;
    for (int i = 0; i < 32; ++i) k += static_cast<char>(i);
    return k;
}

}  // namespace

TEST_CASE("encryption header: written and read back, anything else refused", "[backup_store]") {
    encryption_header h;
    h.segment_bytes = default_segment_bytes;
    h.salt = std::string(encryption_salt_bytes, '\x5a');
    const std::string bytes = encode_encryption_header(h);
    REQUIRE(bytes.size() == encryption_header_bytes);
    CHECK(bytes.substr(0, 8) == "MAGENC01");
    CHECK(bytes.substr(8, 4) == std::string("\x00\x10\x00\x00", 4));  // 1 MiB, big-endian
    const auto back = parse_encryption_header(bytes);
    REQUIRE(back);
    CHECK(back->segment_bytes == h.segment_bytes);
    CHECK(back->salt == h.salt);

    struct row {
        const char* what;
        std::string bytes;
    };
    std::string small = bytes, large = bytes, magic = bytes;
    small[10] = '\x00';  // 4 KiB - ...: 0x00000000 + low bytes
    small[9] = '\x00';
    small[11] = '\x01';
    large[8] = '\x01';  // 16 MiB + 1 MiB
    magic[0] = 'X';
    const row rows[] = {
        {"a zstd frame, not encrypted", std::string("\x28\xb5\x2f\xfd", 4) + std::string(40, '\0')},
        {"the magic altered", magic},
        {"a segment size under 4 KiB", small},
        {"a segment size over 16 MiB", large},
        {"cut short", bytes.substr(0, 43)},
        {"one byte too long", bytes + "x"},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        CHECK_FALSE(parse_encryption_header(r.bytes));
    }
}

TEST_CASE("segment nonces: the index big-endian, the last flag in the final byte, never equal", "[backup_store]") {
    CHECK(segment_nonce(0, false) == std::string(12, '\0'));
    CHECK(segment_nonce(1, false) == std::string("\0\0\0\0\0\0\0\x01\0\0\0\0", 12));
    CHECK(segment_nonce(1, true) == std::string("\0\0\0\0\0\0\0\x01\0\0\0\x01", 12));
    CHECK(segment_nonce(0x0102030405060708ULL, false) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08\0\0\0\0", 12));
    CHECK(segment_nonce(7, true) != segment_nonce(7, false));
    CHECK(segment_nonce(256, false) != segment_nonce(1, false));
}

TEST_CASE("key files: hex, base64 or raw 32 bytes, anything else refused without quoting it", "[backup_store]") {
    const std::string key = counting_key();
    struct row {
        const char* what;
        std::string content;
        bool ok;
    };
    const row rows[] = {
        {"64 hex digits", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", true},
        {"64 hex digits, upper case, with a newline", "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F\n",
         true},
        {"base64 (openssl rand -base64 32) with a newline", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", true},
        {"32 raw bytes", key, true},
        {"63 hex digits", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1", false},
        {"64 characters, not hex", std::string(64, 'g'), false},
        {"base64 of 31 bytes", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", false},
        {"base64 with a bad character", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd*h8=", false},
        {"a password, not a key", "correct horse battery staple\n", false},
        {"33 raw bytes", key + "x", false},
        {"empty", "", false},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        const auto parsed = parse_key_file(r.content);
        REQUIRE(parsed.has_value() == r.ok);
        if (r.ok) {
            CHECK(*parsed == key);
        } else {
            CHECK(parsed.message().find("32-byte key") != std::string::npos);
            if (r.content.size() > 8) CHECK(parsed.message().find(r.content.substr(0, 8)) == std::string::npos);
        }
    }
}

TEST_CASE("a manifest's encryption: checked, round-tripped, and a key mismatch named", "[backup_store]") {
    encryption_info e{"aes-256-gcm", default_segment_bytes, "0123456789abcdef"};
    CHECK(check_encryption_info(e));
    auto bad = e;
    bad.cipher = "chacha20-poly1305";
    CHECK_FALSE(check_encryption_info(bad));
    bad = e;
    bad.segment_bytes = 100;
    CHECK_FALSE(check_encryption_info(bad));
    bad = e;
    bad.key_id = "0123456789ABCDEF";
    CHECK_FALSE(check_encryption_info(bad));

    CHECK(key_mismatch(nullptr, "") == "");
    CHECK(key_mismatch(nullptr, "fedcba9876543210") == "");
    CHECK(key_mismatch(&e, "0123456789abcdef") == "");
    const auto none = key_mismatch(&e, "");
    CHECK(none.find("--encryption-key-file") != std::string::npos);
    CHECK(none.find("0123456789abcdef") != std::string::npos);
    const auto other = key_mismatch(&e, "fedcba9876543210");
    CHECK(other.find("0123456789abcdef") != std::string::npos);
    CHECK(other.find("fedcba9876543210") != std::string::npos);

    backup_manifest m;
    m.id = "20261207T074830Z";
    m.source = "mysql-1.mysql:3307";
    m.agent_version = "0.9.0";
    m.stream_name = "stream.xbstream.zst.enc";
    m.compression = "zstd";
    m.stream_bytes = 7;
    m.stream_sha256 = std::string(64, 'a');
    m.parts = {{1, 7, std::string(32, 'b')}};
    const auto plain = parse_manifest(manifest_json(m));
    REQUIRE(plain);
    CHECK_FALSE(plain->encryption);
    m.encryption = e;
    const auto text = manifest_json(m);
    CHECK(text.find("\"key_id\": \"0123456789abcdef\"") != std::string::npos);
    const auto back = parse_manifest(text);
    REQUIRE(back);
    REQUIRE(back->encryption);
    CHECK(back->encryption->cipher == e.cipher);
    CHECK(back->encryption->segment_bytes == e.segment_bytes);
    CHECK(back->encryption->key_id == e.key_id);
    m.encryption->cipher = "none";
    const auto refused = parse_manifest(manifest_json(m));
    REQUIRE_FALSE(refused);
    CHECK(refused.message().find("cipher") != std::string::npos);
}
