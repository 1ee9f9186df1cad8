#include "mysql_agent/io/sha2_crypto.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

#include "mysql_agent/core/sha2_auth_exchange.hpp"
#include "mysql_agent/io/digests.hpp"

namespace mysql_agent {
namespace {

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

result<pkey_ptr> public_key_from_pem(std::string_view pem) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                        &BIO_free);
    pkey_ptr key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr, &EVP_PKEY_free);
    ERR_clear_error();
    if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA)
        return error{"the server's public key (" + std::to_string(pem.size()) +
                     " bytes) is not an RSA key in PEM (SubjectPublicKeyInfo)"};
    return key;
}

}  // namespace

result<std::string> caching_sha2_scramble(std::string_view password, std::string_view nonce) {
    try {
        const std::string stage1 = sha256(password);
        const std::string stage2 = sha256(stage1);
        const std::string mix = sha256(stage2 + std::string(nonce));
        return xor_bytes(stage1, mix);
    } catch (const std::runtime_error& e) {
        return error{std::string("caching_sha2_password: ") + e.what()};
    }
}

result<std::string> encrypt_password_for_server(std::string_view pem, std::string_view password,
                                                std::string_view nonce) {
    auto key = public_key_from_pem(pem);
    if (!key) return key.err();
    const auto key_bytes = static_cast<std::size_t>(EVP_PKEY_get_size(key->get()));
    if (const auto fits = check_sha2_password_length(password.size(), key_bytes); !fits) return fits.err();

    std::string plain = xor_password_with_nonce(password, nonce);
    const std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key->get(), nullptr),
                                                                          &EVP_PKEY_CTX_free);
    std::string out(key_bytes, '\0');
    std::size_t out_length = out.size();
    // OpenSSL's OAEP defaults (SHA-1, MGF1 with SHA-1, empty label) are what the server decrypts with.
    const bool encrypted = ctx && EVP_PKEY_encrypt_init(ctx.get()) == 1 &&
                           EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) == 1 &&
                           EVP_PKEY_encrypt(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &out_length,
                                            reinterpret_cast<const unsigned char*>(plain.data()), plain.size()) == 1;
    ERR_clear_error();
    OPENSSL_cleanse(plain.data(), plain.size());
    if (!encrypted) return error{"RSA-OAEP encryption of the password with the server's public key failed"};
    out.resize(out_length);
    return out;
}

status check_rsa_public_key(std::string_view pem) {
    const auto key = public_key_from_pem(pem);
    if (!key) return key.err();
    return ok();
}

}  // namespace mysql_agent
