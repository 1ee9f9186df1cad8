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

std::string hmac_sha256(std::string_view key, std::string_view bytes) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (::HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
               reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out, &length) == nullptr)
        throw std::runtime_error("HMAC-SHA256 failed in libcrypto");
    return std::string(reinterpret_cast<const char*>(out), length);
}

}  // namespace mysql_agent
