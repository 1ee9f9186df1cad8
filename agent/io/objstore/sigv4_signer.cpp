#include "mysql_agent/io/objstore/sigv4_signer.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>

namespace mysql_agent::objstore {
namespace {

using digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

std::string hex(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 0x0f];
    }
    return out;
}

digest hmac(std::string_view key, std::string_view data) {
    digest out{};
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
             data.size(), out.data(), &len) == nullptr ||
        len != out.size())
        throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
    return out;
}

std::string_view as_key(const digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

}  // namespace

std::string sha256_hex(std::string_view data) {
    digest d{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), d.data(), &len, EVP_sha256(), nullptr) != 1 || len != d.size())
        throw std::runtime_error("SHA-256 failed (OpenSSL)");
    return hex(d.data(), d.size());
}

std::string sigv4_authorization(const sigv4_request& r, const s3_credentials& c, std::string_view amz_date,
                                std::string_view region, std::string_view service) {
    if (!is_amz_date(amz_date))
        throw std::invalid_argument("SigV4: the request time '" + std::string(amz_date) +
                                    "' is not of the form YYYYMMDDTHHMMSSZ");
    const std::string scope = credential_scope(amz_date, region, service);
    const std::string to_sign = string_to_sign(amz_date, scope, sha256_hex(canonical_request(r)));
    // The signing key: HMAC chain over the date, region, service and "aws4_request", keyed first by "AWS4" + secret.
    const digest k_date = hmac("AWS4" + c.secret_key, amz_date.substr(0, 8));
    const digest k_region = hmac(as_key(k_date), region);
    const digest k_service = hmac(as_key(k_region), service);
    const digest k_signing = hmac(as_key(k_service), "aws4_request");
    const digest signature = hmac(as_key(k_signing), to_sign);
    return authorization_value(c.access_key, scope, signed_headers(r), hex(signature.data(), signature.size()));
}

}  // namespace mysql_agent::objstore
