// SigV4 signatures computed with OpenSSL, against the signatures AWS publishes for its S3 examples (GET Object,
// PUT Object, list objects) and its test suite's get-vanilla: a wrong canonical request, key chain or hex would
// give another signature.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/objstore/sigv4_signer.hpp"

using namespace mysql_agent::objstore;
using mysql_agent::sha256;

namespace {
std::string sha256_hex(std::string_view bytes) { return mysql_agent::text::to_hex(sha256(bytes)); }
}  // namespace

TEST_CASE("SigV4 signatures match AWS's published examples", "[io][objstore][sigv4]") {
    const s3_credentials aws_example{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
    const std::string empty = sha256_hex("");
    CHECK(empty == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    struct row {
        const char* name;
        sigv4_request request;
        s3_credentials credentials;
        const char* amz_date;
        const char* service;
        std::string authorization;
    };
    const std::string put = sha256_hex("Welcome to Amazon S3.");
    const row rows[] = {
        {"S3 GET Object with a Range",
         {"GET", "/test.txt", {},
          {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}, {"x-amz-content-sha256", empty},
           {"x-amz-date", "20130524T000000Z"}},
          empty},
         aws_example, "20130524T000000Z", "s3",
         "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;"
         "range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"},
        {"S3 PUT Object of 'Welcome to Amazon S3.'",
         {"PUT", "/test$file.text", {},
          {{"Host", "examplebucket.s3.amazonaws.com"}, {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
           {"x-amz-date", "20130524T000000Z"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
           {"x-amz-content-sha256", put}},
          put},
         aws_example, "20130524T000000Z", "s3",
         "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;"
         "x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
         "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"},
        {"S3 list objects, max-keys=2&prefix=J",
         {"GET", "/", {{"max-keys", "2"}, {"prefix", "J"}},
          {{"Host", "examplebucket.s3.amazonaws.com"}, {"x-amz-date", "20130524T000000Z"},
           {"x-amz-content-sha256", empty}},
          empty},
         aws_example, "20130524T000000Z", "s3",
         "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;"
         "x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
        {"the test suite's get-vanilla (service 'service')",
         {"GET", "/", {}, {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}}, empty},
         {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}, "20150830T123600Z", "service",
         "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,SignedHeaders=host;"
         "x-amz-date,Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto got = sigv4_authorization(r.request, r.credentials, r.amz_date, "us-east-1", r.service);
            CHECK(got == r.authorization);
            CHECK(got.find(r.credentials.secret_key) == std::string::npos);
        }
    }
    SECTION("one byte of the secret changed: another signature") {
        auto other = aws_example;
        other.secret_key.back() = 'X';
        const auto& r = rows[0];
        CHECK(sigv4_authorization(r.request, other, r.amz_date, "us-east-1") != r.authorization);
    }
    SECTION("a malformed request time is refused, naming it") {
        CHECK_THROWS_WITH(sigv4_authorization(rows[0].request, aws_example, "2013-05-24", "us-east-1"),
                          Catch::Contains("'2013-05-24'") && Catch::Contains("YYYYMMDDTHHMMSSZ"));
    }
}
