// s3_location: the s3:// address and the --endpoint an operator writes, and how a request addresses an object.

#include <catch2/catch.hpp>

#include "mysql_agent/core/objstore/s3_location.hpp"

using namespace mysql_agent::objstore;

TEST_CASE("s3:// addresses: bucket and prefix", "[objstore]") {
    auto u = parse_s3_url("s3://mysql-backups/prod/cluster-a/");
    REQUIRE(u);
    CHECK(u->bucket == "mysql-backups");
    CHECK(u->prefix == "prod/cluster-a/");
    CHECK(parse_s3_url("s3://mysql-backups/prod/cluster-a")->prefix == "prod/cluster-a/");
    CHECK(parse_s3_url("s3://mysql-backups")->prefix.empty());
    CHECK(parse_s3_url("s3://mysql-backups/")->prefix.empty());
    CHECK(parse_s3_url("s3://my.dotted-bucket1/x")->bucket == "my.dotted-bucket1");
}

TEST_CASE("s3:// addresses refused, each with its reason", "[objstore]") {
    struct row {
        const char* url;
        const char* says;
    };
    for (const row& r : {row{"https://bucket/x", "is not an s3://"}, row{"s3://ab/x", "3 to 63"},
                         row{"s3://bUcket/x", "a-z, 0-9"}, row{"s3://-bucket/x", "start and end"},
                         row{"s3://a..b/x", "\"..\""}, row{"s3://192.168.1.10/x", "IP address"},
                         row{"s3://bucket/a//b", "empty, '.' or '..'"}, row{"s3://bucket/a/../b", "'..'"},
                         row{"s3://bucket/a\nb", "control character"}, row{"s3://bucket_x/y", "a-z, 0-9"}}) {
        SECTION(r.url) {
            const auto u = parse_s3_url(r.url);
            REQUIRE_FALSE(u);
            CHECK_THAT(u.message(), Catch::Contains(r.says));
        }
    }
    CHECK_FALSE(parse_s3_url("s3://bucket/" + std::string(600, 'a')));
}

TEST_CASE("the endpoint flag: scheme, host and port", "[objstore]") {
    auto e = parse_endpoint("http://127.0.0.1:18080");
    REQUIRE(e);
    CHECK_FALSE(e->https);
    CHECK(e->host == "127.0.0.1");
    CHECK(e->port == 18080);
    e = parse_endpoint("https://minio.storage.svc/");
    REQUIRE(e);
    CHECK(e->https);
    CHECK(e->port == 443);
    e = parse_endpoint("http://[::1]:9000");
    REQUIRE(e);
    CHECK(e->host == "::1");
    CHECK(e->port == 9000);
    for (const char* bad : {"ftp://host", "http://", "http://host/path", "http://host?x=1", "http://host:0",
                            "http://host:70000", "http://host:12ab", "https://user:secret@host"}) {
        INFO(bad);
        CHECK_FALSE(parse_endpoint(bad));
    }
    // A secret in the URL is refused without being repeated.
    CHECK_THAT(parse_endpoint("https://user:s3cr3t@host").message(), !Catch::Contains("s3cr3t"));
}

TEST_CASE("path-style and virtual-hosted addressing", "[objstore]") {
    const s3_endpoint local{false, "127.0.0.1", 18080};
    auto t = target_for(local, addressing::path, "backups", "prod/b 1/manifest.json");
    CHECK(t.connect_host == "127.0.0.1");
    CHECK(t.port == 18080);
    CHECK(t.host_header == "127.0.0.1:18080");
    CHECK(t.path == "/backups/prod/b 1/manifest.json");
    CHECK(target_for(local, addressing::path, "backups", "").path == "/backups");
    const s3_endpoint aws = aws_endpoint("eu-west-1");
    t = target_for(aws, addressing::virtual_hosted, "backups", "k");
    CHECK(t.connect_host == "backups.s3.eu-west-1.amazonaws.com");
    CHECK(t.host_header == "backups.s3.eu-west-1.amazonaws.com");  // 443 is https's default
    CHECK(t.path == "/k");
    CHECK(target_for(s3_endpoint{false, "::1", 9000}, addressing::path, "b", "k").host_header == "[::1]:9000");
    CHECK(describe(local, addressing::path, "backups", "a") == "http://127.0.0.1:18080/backups/a");
}
