#include "mysql_agent/io/objstore/sigv4_signer.hpp"

#include <stdexcept>

#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/digests.hpp"

namespace mysql_agent::objstore {

std::string sigv4_authorization(const sigv4_request& r, const s3_credentials& c, std::string_view amz_date,
                                std::string_view region, std::string_view service) {
    if (!is_amz_date(amz_date))
        throw std::invalid_argument("SigV4: the request time '" + std::string(amz_date) +
                                    "' is not of the form YYYYMMDDTHHMMSSZ");
    const std::string scope = credential_scope(amz_date, region, service);
    const std::string to_sign = string_to_sign(amz_date, scope, text::to_hex(sha256(canonical_request(r))));
    // The signing key: an HMAC chain over the date, region, service and "aws4_request", keyed first by "AWS4" and
    // the secret.
    const std::string k_date = hmac_sha256("AWS4" + c.secret_key, amz_date.substr(0, 8));
    const std::string k_region = hmac_sha256(k_date, region);
    const std::string k_service = hmac_sha256(k_region, service);
    const std::string k_signing = hmac_sha256(k_service, "aws4_request");
    return authorization_value(c.access_key, scope, signed_headers(r), text::to_hex(hmac_sha256(k_signing, to_sign)));
}

}  // namespace mysql_agent::objstore
