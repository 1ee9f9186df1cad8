#pragma once
// The XML of S3's answers the agent reads (errors, CreateMultipartUpload, CompleteMultipartUpload, ListObjectsV2,
// ListMultipartUploads) and the one body it writes (CompleteMultipartUpload), with pugixml: never parsed by hand.
// Answers come from the network: each parse is bounded by the caller's body limit and refuses what it cannot
// read; names are matched without namespace prefixes (stores differ in how they declare S3's namespace).
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html and its siblings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent::objstore {

/// <Error><Code>NoSuchBucket</Code><Message>...</Message></Error>.
struct s3_error_body {
    std::string code;
    std::string message;
};

/// The Code and Message of an <Error> document; nullopt when `xml` is not one (an empty body, HTML from a proxy).
std::optional<s3_error_body> parse_error(std::string_view xml);

/// The UploadId of an InitiateMultipartUploadResult.
result<std::string> parse_upload_id(std::string_view xml);

struct listed_object {
    std::string key;
    std::uint64_t size = 0;
    std::string etag;           ///< as the store wrote it, quotes removed
    std::string last_modified;  ///< ISO 8601, as the store wrote it
};

struct object_listing {
    std::vector<listed_object> objects;
    bool truncated = false;
    std::string next_token;  ///< NextContinuationToken when truncated
};

/// A ListBucketResult (ListObjectsV2). A truncated listing without a continuation token is refused.
result<object_listing> parse_list_objects(std::string_view xml);

struct listed_upload {
    std::string key;
    std::string upload_id;
    std::string initiated;  ///< ISO 8601
};

struct upload_listing {
    std::vector<listed_upload> uploads;
    bool truncated = false;
    std::string next_key_marker;
    std::string next_upload_id_marker;
};

/// A ListMultipartUploadsResult.
result<upload_listing> parse_list_uploads(std::string_view xml);

/// A part as CompleteMultipartUpload names it.
struct completed_part {
    std::uint32_t number = 0;
    std::string etag;  ///< as UploadPart's ETag header gave it (quotes kept or not: both are accepted)
};

/// The CompleteMultipartUpload request body.
std::string complete_upload_body(const std::vector<completed_part>& parts);

/// A CompleteMultipartUpload answer: its 200 may still carry an <Error> (S3 reports a failure found after it
/// started answering that way). ok, or the error's code and message.
status check_complete_answer(std::string_view xml);

}  // namespace mysql_agent::objstore
