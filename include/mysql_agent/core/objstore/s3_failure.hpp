#pragma once
// What a failed S3 request means for the one who sent it: try again, or stop and tell the operator which of the
// few things they can fix. Pure: from the HTTP status and the <Error><Code> (s3_xml.hpp), 0 for a request that got
// no answer at all (connection refused or reset, timeout).
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html

#include <string_view>

namespace mysql_agent::objstore {

enum class s3_failure {
    transient,  ///< no answer, 5xx, SlowDown, RequestTimeout: retried with backoff
    denied,     ///< 401/403, AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch: the credentials or policy
    no_bucket,  ///< NoSuchBucket
    no_key,     ///< NoSuchKey, or 404 on an object
    refused,    ///< anything else (BadDigest, InvalidPart, EntityTooSmall, NoSuchUpload, ...): not retried
};

s3_failure classify(unsigned http_status, std::string_view code);

/// "transient", "denied", ...
std::string_view to_string(s3_failure f);

}  // namespace mysql_agent::objstore
