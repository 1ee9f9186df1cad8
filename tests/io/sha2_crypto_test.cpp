// The libcrypto half of the caching_sha2_password client: the scramble against a vector computed independently
// (Python's hashlib, as tests/support/mysql/caching_sha2_probe.py does it), and the RSA-OAEP encryption decrypted
// again with the private key of a freshly generated pair, as the server does (sql/auth/sha2_password.cc).

#include "mysql_agent/io/sha2_crypto.hpp"

#include <catch2/catch.hpp>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>

#include "mysql_agent/core/sha2_auth_exchange.hpp"

using namespace mysql_agent;

namespace {

std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

std::string nonce_1_to_20() {
    std::string n;
    for (char c = 1; c <= 20; ++c) n.push_back(c);
    return n;
}

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string public_pem(EVP_PKEY* key) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    REQUIRE(PEM_write_bio_PUBKEY(bio.get(), key) == 1);
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

std::string decrypt_oaep(EVP_PKEY* key, const std::string& cipher) {
    const std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr),
                                                                          &EVP_PKEY_CTX_free);
    REQUIRE(EVP_PKEY_decrypt_init(ctx.get()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) == 1);
    std::string out(cipher.size(), '\0');
    std::size_t length = out.size();
    REQUIRE(EVP_PKEY_decrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &length,
                             reinterpret_cast<const unsigned char*>(cipher.data()), cipher.size()) == 1);
    out.resize(length);
    return out;
}

}  // namespace

TEST_CASE("caching_sha2 scramble: SHA-256 of stage 2 first, then the nonce, XOR the password hash", "[sha2]") {
    const auto s = caching_sha2_scramble("secret", nonce_1_to_20());
    REQUIRE(s);
    CHECK(hex(*s) == "746ebe205d56a0707acb3e796e834e0dd7b1d61743b26bd5202c7a623230c7c9");
    // The nonce-first order, which the server answers with "perform full authentication": not what we send.
    CHECK(hex(*s) != "d0611673ff7a4cfeb1b8645b5c43213bc7fec1d33a819126e8c5c65985b60d59");
}

TEST_CASE("RSA-OAEP of the password and its NUL XOR the nonce, as the server decrypts it", "[sha2]") {
    pkey_ptr key(EVP_RSA_gen(2048), &EVP_PKEY_free);
    REQUIRE(key);
    const std::string pem = public_pem(key.get());
    const std::string nonce = nonce_1_to_20();
    const std::string password = "p@ss w0rd, longer than the twenty-byte nonce";

    SECTION("exactly key-size bytes; decrypted and XORed back it is the password and its NUL") {
        const auto cipher = encrypt_password_for_server(pem, password, nonce);
        REQUIRE(cipher);
        CHECK(cipher->size() == 256);
        const std::string plain = decrypt_oaep(key.get(), *cipher);
        std::string back = plain;
        for (std::size_t i = 0; i < back.size(); ++i) back[i] = static_cast<char>(back[i] ^ nonce[i % 20]);
        CHECK(back == password + '\0');
    }
    SECTION("two encryptions differ (OAEP is randomised) and both decrypt to the same") {
        const auto a = encrypt_password_for_server(pem, password, nonce);
        const auto b = encrypt_password_for_server(pem, password, nonce);
        REQUIRE(a);
        REQUIRE(b);
        CHECK(*a != *b);
        CHECK(decrypt_oaep(key.get(), *a) == decrypt_oaep(key.get(), *b));
    }
    SECTION("a key that is not PEM, and a password too long for the key: errors without the password") {
        const auto bad_key = encrypt_password_for_server("-----BEGIN PUBLIC KEY-----\nnot base64\n", password, nonce);
        REQUIRE_FALSE(bad_key);
        CHECK_THAT(bad_key.message(), Catch::Contains("not an RSA key"));
        CHECK(bad_key.message().find(password) == std::string::npos);
        const std::string long_password(220, 'x');
        const auto too_long = encrypt_password_for_server(pem, long_password, nonce);
        REQUIRE_FALSE(too_long);
        CHECK_THAT(too_long.message(), Catch::Contains("too long for the server's 2048-bit RSA key"));
        CHECK(too_long.message().find(long_password) == std::string::npos);
    }
}

TEST_CASE("a pinned server key is checked once: an RSA public key in PEM, nothing else", "[sha2]") {
    pkey_ptr rsa(EVP_RSA_gen(2048), &EVP_PKEY_free);
    REQUIRE(rsa);
    CHECK(check_rsa_public_key(public_pem(rsa.get())));
    pkey_ptr ec(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    REQUIRE(ec);
    struct row { const char* name; std::string pem; };
    for (const row& r : {row{"an EC public key (a TLS key, not the server's RSA key)", public_pem(ec.get())},
                         row{"a PEM that is no key", "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n"},
                         row{"an empty file", ""}}) {
        INFO(r.name);
        const auto checked = check_rsa_public_key(r.pem);
        REQUIRE_FALSE(checked);
        CHECK_THAT(checked.message(), Catch::Contains("not an RSA key in PEM"));
    }
}
