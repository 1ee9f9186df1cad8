#include "mysql_agent/io/digests.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace mysql_agent {
namespace {

std::string digest_of(const EVP_MD* md, std::string_view bytes, const char* name) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), out, &length, md, nullptr) != 1)
        throw std::runtime_error(std::string(name) + " failed in libcrypto");
    return std::string(reinterpret_cast<const char*>(out), length);
}

}  // namespace

std::string sha256(std::string_view bytes) { return digest_of(EVP_sha256(), bytes, "SHA-256"); }

std::string md5(std::string_view bytes) { return digest_of(EVP_md5(), bytes, "MD5"); }

struct digest_stream::context {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ~context() { EVP_MD_CTX_free(md); }
};

namespace {

const EVP_MD* evp_of(digest_stream::algorithm a) {
    return a == digest_stream::algorithm::md5 ? EVP_md5() : EVP_sha256();
}

const char* name_of(digest_stream::algorithm a) { return a == digest_stream::algorithm::md5 ? "MD5" : "SHA-256"; }

}  // namespace

digest_stream::digest_stream(algorithm a) : ctx_(std::make_unique<context>()), algorithm_(a) {
    if (ctx_->md == nullptr || EVP_DigestInit_ex(ctx_->md, evp_of(a), nullptr) != 1)
        throw std::runtime_error(std::string(name_of(a)) + " failed in libcrypto");
}

digest_stream::~digest_stream() = default;

void digest_stream::update(std::string_view bytes) {
    if (EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size()) != 1)
        throw std::runtime_error(std::string(name_of(algorithm_)) + " failed in libcrypto");
}

std::string digest_stream::so_far() const {
    context copy;
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (copy.md == nullptr || EVP_MD_CTX_copy_ex(copy.md, ctx_->md) != 1 || EVP_DigestFinal_ex(copy.md, out, &length) != 1)
        throw std::runtime_error(std::string(name_of(algorithm_)) + " failed in libcrypto");
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string digest_stream::finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_->md, out, &length) != 1 || EVP_DigestInit_ex(ctx_->md, evp_of(algorithm_), nullptr) != 1)
        throw std::runtime_error(std::string(name_of(algorithm_)) + " failed in libcrypto");
    return std::string(reinterpret_cast<const char*>(out), length);
}

std::string hmac_sha256(std::string_view key, std::string_view bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (::HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
               reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out, &length) == nullptr)
        throw std::runtime_error("HMAC-SHA256 failed in libcrypto");
    return std::string(reinterpret_cast<const char*>(out), length);
}

}  // namespace mysql_agent
