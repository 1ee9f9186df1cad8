#pragma once
// Where a backup lives in an S3-compatible store, as the operator writes it (s3://BUCKET/PREFIX, --endpoint URL),
// and how one request addresses an object: path-style (http://host/bucket/key, what most S3-compatible stores and
// loopback endpoints need) or virtual-hosted (http://bucket.host/key, what AWS prefers). Pure.

#include <cstdint>
#include <string>
#include <string_view>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent::objstore {

/// s3://BUCKET/PREFIX: `prefix` has no leading '/' and, when not empty, ends with '/' ("backups/" for
/// s3://b/backups and s3://b/backups/).
struct s3_url {
    std::string bucket;
    std::string prefix;
};

/// Parses s3://BUCKET[/PREFIX]. Refused: another scheme, a bucket name S3 does not allow (3-63 of a-z 0-9 . -,
/// starting and ending with a letter or digit, no "..", not an IPv4 address), a prefix with an empty, "." or ".."
/// segment, a control character, or more than 512 bytes (keys are at most 1,024 and the agent appends its own).
result<s3_url> parse_s3_url(std::string_view url);

/// The store's endpoint: --endpoint http(s)://HOST[:PORT], or AWS's https://s3.REGION.amazonaws.com.
struct s3_endpoint {
    bool https = true;
    std::string host;        ///< a DNS name or an IP address (IPv6 without brackets)
    std::uint16_t port = 0;  ///< 443 or 80 unless given
};

/// Parses http(s)://HOST[:PORT] with nothing after it but an optional '/'. Refused: another scheme, userinfo
/// ("user:pass@" would put a secret in argv), a path, query or fragment, an empty host, a bad port.
result<s3_endpoint> parse_endpoint(std::string_view url);

/// AWS's own endpoint for `region`: https://s3.REGION.amazonaws.com.
s3_endpoint aws_endpoint(std::string_view region);

enum class addressing {
    path,            ///< Host: endpoint; path /bucket/key
    virtual_hosted,  ///< Host: bucket.endpoint; path /key (needs a DNS name, and a bucket name without '.' for TLS)
};

/// One request's address: where to connect, the Host header, and the decoded path that is sent and signed.
struct s3_target {
    std::string connect_host;
    std::uint16_t port = 0;
    std::string host_header;  ///< with ":port" unless the scheme's default
    std::string path;         ///< decoded: "/bucket/key" or "/key"; "/bucket" or "/" for bucket requests
};

/// The address of object `key` (empty: the bucket itself) in `bucket`.
s3_target target_for(const s3_endpoint& endpoint, addressing style, std::string_view bucket, std::string_view key);

/// "http://host:port/bucket/key" for messages (never with credentials: none are in it).
std::string describe(const s3_endpoint& endpoint, addressing style, std::string_view bucket, std::string_view key);

}  // namespace mysql_agent::objstore
