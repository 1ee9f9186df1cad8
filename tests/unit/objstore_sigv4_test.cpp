// SigV4's canonical request and string to sign, on the examples AWS publishes for S3 ("Examples: signature
// calculations", sig-v4-header-based-auth) and on the encoding and header rules each row names.
#include <catch2/catch.hpp>

#include "mysql_agent/core/objstore/sigv4.hpp"

using namespace mysql_agent::objstore;

namespace {
const std::string empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

sigv4_request get_test_txt() {
    return {"GET", "/test.txt", {},
            {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"},
             {"x-amz-content-sha256", empty_sha256}, {"x-amz-date", "20130524T000000Z"}},
            empty_sha256};
}
}  // namespace

TEST_CASE("SigV4 canonical requests", "[objstore][sigv4]") {
    struct row {
        const char* name;
        sigv4_request request;
        std::string canonical;
    };
    const std::string put_sha = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
    const row rows[] = {
        {"AWS's GET Object example: header names lower-cased and sorted", get_test_txt(),
         "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:" +
             empty_sha256 + "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
             empty_sha256},
        {"AWS's PUT Object example: '$' in the key is percent-encoded once",
         {"PUT", "/test$file.text", {},
          {{"Host", "examplebucket.s3.amazonaws.com"}, {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
           {"x-amz-date", "20130524T000000Z"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
           {"x-amz-content-sha256", put_sha}},
          put_sha},
         "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\nhost:examplebucket.s3.amazonaws.com\n"
         "x-amz-content-sha256:" + put_sha + "\nx-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
         "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n" + put_sha},
        {"AWS's list objects example: query parameters sorted by name",
         {"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}},
          {{"host", "examplebucket.s3.amazonaws.com"}, {"x-amz-date", "20130524T000000Z"},
           {"x-amz-content-sha256", empty_sha256}},
          empty_sha256},
         "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:" + empty_sha256 +
             "\nx-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n" + empty_sha256},
        {"a parameter without value (?uploads) is signed as 'uploads='; an empty path as '/'",
         {"POST", "", {{"uploads", ""}}, {{"host", "h"}}, empty_sha256},
         "POST\n/\nuploads=\nhost:h\n\nhost\n" + empty_sha256},
        {"a part upload: partNumber before uploadId; '/' and '+' in a value encoded, '~' kept",
         {"PUT", "/bucket/backups/2026-12-07/part 1", {{"uploadId", "a/b+c~d"}, {"partNumber", "12"}},
          {{"host", "h"}}, "x"},
         "PUT\n/bucket/backups/2026-12-07/part%201\npartNumber=12&uploadId=a%2Fb%2Bc~d\nhost:h\n\nhost\nx"},
        {"header values trimmed, inner runs of blanks one space; a repeated header's values joined by ','",
         {"GET", "/", {}, {{"X-Meta", "  a   b\t c  "}, {"x-meta", "d"}, {"Host", " h "}}, "x"},
         "GET\n/\n\nhost:h\nx-meta:a b c,d\n\nhost;x-meta\nx"},
        {"bytes beyond ASCII in a key are encoded as UTF-8 bytes, upper-case hex",
         {"GET", "/b/caf\xc3\xa9", {}, {{"host", "h"}}, "x"}, "GET\n/b/caf%C3%A9\n\nhost:h\n\nhost\nx"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) { CHECK(canonical_request(r.request) == r.canonical); }
    }
}

TEST_CASE("SigV4 scope, string to sign, Authorization", "[objstore][sigv4]") {
    const auto scope = credential_scope("20130524T000000Z", "us-east-1", "s3");
    CHECK(scope == "20130524/us-east-1/s3/aws4_request");
    // The canonical request's SHA-256 as AWS's GET Object example gives it.
    CHECK(string_to_sign("20130524T000000Z", scope,
                         "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972") ==
          "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
          "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    CHECK(signed_headers(get_test_txt()) == "host;range;x-amz-content-sha256;x-amz-date");
    CHECK(authorization_value("AKIAIOSFODNN7EXAMPLE", scope, "host;x-amz-date", "abc") ==
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
          "SignedHeaders=host;x-amz-date,Signature=abc");
}

TEST_CASE("SigV4 request times", "[objstore][sigv4]") {
    CHECK(is_amz_date("20130524T000000Z"));
    for (const char* bad : {"", "20130524T000000", "2013-05-24T00:00:00Z", "20130524 000000Z", "2013052AT000000Z",
                            "20130524T000000Z0"}) {
        INFO(bad);
        CHECK_FALSE(is_amz_date(bad));
    }
}
