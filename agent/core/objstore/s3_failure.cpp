#include "mysql_agent/core/objstore/s3_failure.hpp"

namespace mysql_agent::objstore {

s3_failure classify(unsigned status, std::string_view code) {
    if (code == "NoSuchBucket") return s3_failure::no_bucket;
    if (code == "NoSuchKey") return s3_failure::no_key;
    if (code == "AccessDenied" || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" ||
        status == 401 || status == 403)
        return s3_failure::denied;
    if (code == "SlowDown" || code == "InternalError" || code == "ServiceUnavailable" || code == "RequestTimeout" ||
        status == 0 || status == 408 || status == 429 || status >= 500)
        return s3_failure::transient;
    if (status == 404 && code.empty()) return s3_failure::no_key;
    return s3_failure::refused;
}

std::string_view to_string(s3_failure f) {
    switch (f) {
        case s3_failure::transient: return "transient";
        case s3_failure::denied: return "denied";
        case s3_failure::no_bucket: return "no_bucket";
        case s3_failure::no_key: return "no_key";
        case s3_failure::refused: return "refused";
    }
    return "unknown";
}

}  // namespace mysql_agent::objstore
