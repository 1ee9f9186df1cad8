#pragma once
// Signs S3 requests with AWS Signature Version 4: core/objstore/sigv4.hpp builds the canonical request and the
// string to sign, this file hashes them (digests.hpp: SHA-256 and the HMAC-SHA256 chain of the signing key).

#include <string>
#include <string_view>

#include "mysql_agent/core/objstore/sigv4.hpp"

namespace mysql_agent::objstore {

/// What signs: from the mounted Secret's files or the AWS_* variables. The secret key never leaves this struct
/// except as an HMAC key: no log line, message or object name carries it.
struct s3_credentials {
    std::string access_key;
    std::string secret_key;
};

/// The Authorization header's value for `r` at `amz_date` (YYYYMMDDTHHMMSSZ, the same as r's x-amz-date header),
/// in `region` for `service` ("s3"). Throws std::invalid_argument on a malformed amz_date.
std::string sigv4_authorization(const sigv4_request& r, const s3_credentials& c, std::string_view amz_date,
                                std::string_view region, std::string_view service = "s3");

}  // namespace mysql_agent::objstore
