#pragma once
// AWS Signature Version 4 for S3 requests: the parts that are text, the canonical request and the string to sign
// (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html). Pure: the SHA-256 and the HMAC
// chain are the caller's (io/objstore/sigv4_signer.hpp, with OpenSSL). S3 differs from the other services in two
// ways kept here: the path is URI-encoded once (not twice), and the payload hash is also sent, as
// x-amz-content-sha256, and signed.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mysql_agent::objstore {

/// One request as it will be sent. `path` and the query are given decoded: this file encodes them, and the request
/// line must use the same encoding (uri_encode), or the store computes another canonical request and refuses it.
struct sigv4_request {
    std::string method;                                       ///< "GET", "PUT", "POST", "DELETE", "HEAD"
    std::string path;                                         ///< decoded, from the root: "/bucket/backups/a b"
    std::vector<std::pair<std::string, std::string>> query;   ///< decoded names and values; ("uploads", "") for ?uploads
    std::vector<std::pair<std::string, std::string>> headers; ///< every header to sign: host, x-amz-date, ...
    std::string payload_sha256_hex;                           ///< lower-case hex of the body's SHA-256
};

/// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - _ . ~) kept, every other byte
/// as %XY with upper-case hex; '/' kept when `keep_slash` (paths), encoded otherwise (query names and values).
std::string uri_encode(std::string_view s, bool keep_slash);

/// The query string as sent and as signed: each name and value uri_encode'd, sorted by name then value, "n=v"
/// joined by '&' (a name without value gives "n=").
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);

/// The header names signed: lower-case, sorted, unique, joined by ';'.
std::string signed_headers(const sigv4_request& r);

/// METHOD \n path \n query \n headers (lower-case name ':' value trimmed, inner runs of spaces as one; one line per
/// name, sorted; values of a repeated name joined by ',') \n \n signed headers \n payload hash.
std::string canonical_request(const sigv4_request& r);

/// "YYYYMMDD/REGION/SERVICE/aws4_request" for `amz_date` "YYYYMMDDTHHMMSSZ".
std::string credential_scope(std::string_view amz_date, std::string_view region, std::string_view service);

/// "AWS4-HMAC-SHA256" \n amz_date \n scope \n hex SHA-256 of the canonical request.
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request_sha256_hex);

/// The Authorization header's value.
std::string authorization_value(std::string_view access_key, std::string_view scope, std::string_view signed_header_names,
                                std::string_view signature_hex);

/// Whether `amz_date` has the form YYYYMMDDTHHMMSSZ (digits where digits belong).
bool is_amz_date(std::string_view amz_date);

}  // namespace mysql_agent::objstore
