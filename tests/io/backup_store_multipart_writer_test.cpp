// multipart_writer against a real S3-compatible store (Swift s3api, swift_store.hpp): a stream of unknown length in,
// one object out that awscli reads byte for byte; a failed part aborts the upload and leaves nothing visible.

#include <catch2/catch.hpp>


#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/backup_store/multipart_writer.hpp"
#include "mysql_agent/io/digests.hpp"
#include "swift_store.hpp"

using namespace mysql_agent;
using namespace mysql_agent::backup_store;
using test_support::random_bytes;
using test_support::swift_store;

namespace {

constexpr const char* mw_bucket = "writer-test";

multipart_writer_options writer_options(const swift_store& store, const std::string& key) {
    multipart_writer_options o;
    o.client = store.client_options();
    o.bucket = mw_bucket;
    o.key = key;
    o.parts = {5u << 20, 1};  // 5 MiB, 10 MiB, 20 MiB, ...
    o.parallel = 2;
    return o;
}

swift_store& store_with_writer_bucket() {
    swift_store& store = swift_store::instance();
    store.ensure_bucket(mw_bucket);
    return store;
}

std::string aws_object(const swift_store& store, const std::string& key) { return store.aws_get(mw_bucket, key); }

}  // namespace

TEST_CASE("multipart writer: a stream of unknown length becomes one object, parts growing, memory bounded",
          "[objstore]") {
    swift_store& store = store_with_writer_bucket();
    objstore::s3_client client(writer_options(store, "").client);

    SECTION("16 MiB and 100 bytes in uneven writes: parts of 5 and then 10 MiB, then the rest") {
        const std::string stream = random_bytes((16u << 20) + 100, 11);
        multipart_writer w(writer_options(store, "streams/one"));
        std::mt19937 g(12);
        for (std::size_t at = 0; at < stream.size();) {
            const std::size_t n = std::min<std::size_t>(stream.size() - at, 1 + g() % (3u << 20));
            w.write(std::string_view(stream).substr(at, n));
            at += n;
        }
        const auto result = w.finish();
        REQUIRE(result.parts.size() == 3);
        CHECK(result.parts[0].bytes == 5u << 20);
        CHECK(result.parts[1].bytes == 10u << 20);
        CHECK(result.parts[2].bytes == (1u << 20) + 100);
        CHECK(result.parts[1].md5_hex == text::to_hex(md5(std::string_view(stream).substr(5u << 20, 10u << 20))));
        CHECK(result.bytes == stream.size());
        CHECK(result.sha256_hex == text::to_hex(sha256(stream)));
        // At most `parallel` parts queued or uploading (here 2: 5 + 10 MiB).
        CHECK(result.peak_buffered <= (15u << 20));
        CHECK(aws_object(store, "streams/one") == stream);
        for (const auto& u : client.list_uploads(mw_bucket, "streams/")) CHECK(u.key != "streams/one");
    }

    SECTION("an empty stream is an empty object") {
        multipart_writer w(writer_options(store, "streams/empty"));
        const auto result = w.finish();
        CHECK(result.bytes == 0);
        CHECK(result.parts.size() == 1);
        CHECK(aws_object(store, "streams/empty").empty());
    }

    SECTION("a part the store refuses fails the writer; the upload is aborted and no object appears") {
        auto o = writer_options(store, "streams/failed");
        int bodies = 0;
        o.client.damage_body = [&bodies](std::string& body) {
            if (body.size() >= (5u << 20) && ++bodies == 2) body[0] ^= 0x01;  // the second part arrives damaged
        };
        o.parallel = 1;
        std::string upload_id;
        {
            multipart_writer w(o);
            upload_id = w.upload_id();
            const std::string stream = random_bytes(12u << 20, 13);
            try {
                w.write(stream);
                w.finish();
                FAIL("a damaged part was accepted");
            } catch (const objstore::s3_error& e) {
                CHECK(e.status == 400);
                CHECK_THAT(e.what(), Catch::Contains("UploadPart 2"));
            }
        }  // destroyed unfinished: aborted
        for (const auto& u : client.list_uploads(mw_bucket, "streams/")) CHECK(u.upload_id != upload_id);
        for (const auto& obj : client.list_objects(mw_bucket, "streams/")) CHECK(obj.key != "streams/failed");
    }
}
