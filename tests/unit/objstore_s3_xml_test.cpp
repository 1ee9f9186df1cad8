// s3_xml: S3's answers as stores send them (AWS's documented examples, Swift s3api's namespace-prefixed form) and
// what is refused.

#include <catch2/catch.hpp>

#include "mysql_agent/core/objstore/s3_failure.hpp"
#include "mysql_agent/core/objstore/s3_xml.hpp"
#include "mysql_agent/core/text.hpp"

using namespace mysql_agent;
using namespace mysql_agent::objstore;

TEST_CASE("S3 error documents", "[objstore]") {
    const auto e = parse_error(R"(<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>b</BucketName></Error>)");
    REQUIRE(e);
    CHECK(e->code == "NoSuchBucket");
    CHECK(e->message == "The specified bucket does not exist");
    CHECK_FALSE(parse_error(""));
    CHECK_FALSE(parse_error("<html><body>502 Bad Gateway</body></html>"));
    CHECK_FALSE(parse_error("not xml at all"));
    // No entity expansion from a DOCTYPE (a hostile answer): the document is not read as an Error.
    const auto doctype = parse_error(R"(<!DOCTYPE e [<!ENTITY x "boom">]><Error><Code>&x;</Code></Error>)");
    CHECK((!doctype || doctype->code != "boom"));
}

TEST_CASE("multipart answers: upload id, complete, and the 200 that carries an error", "[objstore]") {
    const auto id = parse_upload_id(R"(<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2FkIElE</UploadId></InitiateMultipartUploadResult>)");
    REQUIRE(id);
    CHECK(*id == "VXBsb2FkIElE");
    CHECK_FALSE(parse_upload_id("<InitiateMultipartUploadResult><Bucket>b</Bucket></InitiateMultipartUploadResult>"));
    CHECK_FALSE(parse_upload_id("<ListBucketResult/>"));
    CHECK(check_complete_answer(R"(<CompleteMultipartUploadResult><Location>x</Location><ETag>"3858f62230ac3c915f300c664312c11f-9"</ETag></CompleteMultipartUploadResult>)"));
    const auto failed = check_complete_answer(
        "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>");
    REQUIRE_FALSE(failed);
    CHECK_THAT(failed.message(), Catch::Contains("InternalError"));
    const std::string body = complete_upload_body({{1, "\"a54357aff0632cce46d942af68356b38\""}, {2, "0c78aef83f66abc1fa1e8477f296d394"}});
    CHECK(body ==
          "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Part><PartNumber>1</PartNumber>"
          "<ETag>\"a54357aff0632cce46d942af68356b38\"</ETag></Part><Part><PartNumber>2</PartNumber>"
          "<ETag>\"0c78aef83f66abc1fa1e8477f296d394\"</ETag></Part></CompleteMultipartUpload>");
    // What came from the network is escaped, never markup.
    CHECK_THAT(complete_upload_body({{3, "x</ETag><Part>&"}}), Catch::Contains("<ETag>\"x&lt;/ETag&gt;&lt;Part&gt;&amp;\"</ETag>"));
}

TEST_CASE("listings: objects page by page, uploads, prefixed names", "[objstore]") {
    const auto page = parse_list_objects(R"(<?xml version="1.0" encoding="UTF-8"?>
<s3:ListBucketResult xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/"><s3:Name>b</s3:Name><s3:Prefix>p/</s3:Prefix>
<s3:KeyCount>2</s3:KeyCount><s3:IsTruncated>true</s3:IsTruncated><s3:NextContinuationToken>tok==</s3:NextContinuationToken>
<s3:Contents><s3:Key>p/a &amp; b</s3:Key><s3:LastModified>2026-12-07T07:00:00.000Z</s3:LastModified><s3:ETag>"e1"</s3:ETag><s3:Size>12</s3:Size></s3:Contents>
<s3:Contents><s3:Key>p/c</s3:Key><s3:LastModified>2026-12-07T07:00:01.000Z</s3:LastModified><s3:ETag>"e2-3"</s3:ETag><s3:Size>16777216</s3:Size></s3:Contents>
</s3:ListBucketResult>)");
    REQUIRE(page);
    REQUIRE(page->objects.size() == 2);
    CHECK(page->objects[0].key == "p/a & b");
    CHECK(page->objects[0].size == 12);
    CHECK(page->objects[0].etag == "e1");
    CHECK(page->objects[1].size == 16777216);
    CHECK(page->truncated);
    CHECK(page->next_token == "tok==");
    CHECK_FALSE(parse_list_objects("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"));
    CHECK_FALSE(parse_list_objects("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>"));
    const auto empty = parse_list_objects("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
    REQUIRE(empty);
    CHECK(empty->objects.empty());

    const auto uploads = parse_list_uploads(R"(<ListMultipartUploadsResult><Bucket>b</Bucket><IsTruncated>false</IsTruncated>
<Upload><Key>p/x</Key><UploadId>u1</UploadId><Initiated>2026-12-06T01:02:03.000Z</Initiated></Upload></ListMultipartUploadsResult>)");
    REQUIRE(uploads);
    REQUIRE(uploads->uploads.size() == 1);
    CHECK(uploads->uploads[0].upload_id == "u1");
    CHECK(uploads->uploads[0].initiated == "2026-12-06T01:02:03.000Z");
    CHECK_FALSE(parse_list_uploads("<ListMultipartUploadsResult><IsTruncated>true</IsTruncated></ListMultipartUploadsResult>"));
}

TEST_CASE("failures: what is retried and what the operator must fix", "[objstore]") {
    CHECK(classify(503, "SlowDown") == s3_failure::transient);
    CHECK(classify(500, "InternalError") == s3_failure::transient);
    CHECK(classify(0, "") == s3_failure::transient);
    CHECK(classify(502, "") == s3_failure::transient);
    CHECK(classify(400, "RequestTimeout") == s3_failure::transient);
    CHECK(classify(403, "SignatureDoesNotMatch") == s3_failure::denied);
    CHECK(classify(403, "InvalidAccessKeyId") == s3_failure::denied);
    CHECK(classify(403, "") == s3_failure::denied);
    CHECK(classify(404, "NoSuchBucket") == s3_failure::no_bucket);
    CHECK(classify(404, "NoSuchKey") == s3_failure::no_key);
    CHECK(classify(400, "BadDigest") == s3_failure::refused);
    CHECK(classify(400, "EntityTooSmall") == s3_failure::refused);
    CHECK(to_string(s3_failure::denied) == "denied");
}

TEST_CASE("base64 as Content-MD5 wants it (RFC 4648 test vectors)", "[objstore]") {
    CHECK(text::to_base64("") == "");
    CHECK(text::to_base64("f") == "Zg==");
    CHECK(text::to_base64("fo") == "Zm8=");
    CHECK(text::to_base64("foo") == "Zm9v");
    CHECK(text::to_base64("foob") == "Zm9vYg==");
    CHECK(text::to_base64("fooba") == "Zm9vYmE=");
    CHECK(text::to_base64("foobar") == "Zm9vYmFy");
    CHECK(text::to_base64(std::string("\xff\xfe\x00", 3)) == "//4A");
}
