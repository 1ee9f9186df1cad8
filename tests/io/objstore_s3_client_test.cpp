// s3_client against a real S3-compatible store: OpenStack Swift with s3api on loopback (swift_store.hpp), and Debian's
// awscli as the independent client: what the agent writes, awscli reads byte for byte, and the other way round.

#include <catch2/catch.hpp>

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"
#include "fault_proxy.hpp"
#include "mariadb_server.hpp"
#include "swift_store.hpp"
#include "temp_dir.hpp"

using namespace mysql_agent;
using namespace mysql_agent::objstore;
using test_support::random_bytes;
using test_support::swift_store;

namespace {

constexpr const char* bucket = "agent-test";

s3_client_options options_for(const swift_store& store) { return store.client_options(); }

swift_store& store_with_bucket() {
    swift_store& store = swift_store::instance();
    store.ensure_bucket(bucket);
    return store;
}

std::string aws_get(const swift_store& store, const std::string& key) { return store.aws_get(bucket, key); }

/// Client options for `store` reached through `proxy`, retrying at once.
s3_client_options through(const test_support::fault_proxy& proxy, const swift_store& store) {
    s3_client_options o = options_for(store);
    o.endpoint = *parse_endpoint("http://127.0.0.1:" + std::to_string(proxy.port()));
    o.backoff_first = std::chrono::milliseconds(10);
    return o;
}

}  // namespace

TEST_CASE("S3 client on Swift s3api: objects, multipart uploads and listings, read back by awscli", "[objstore]") {
    swift_store& store = store_with_bucket();
    s3_client client(options_for(store));
    client.check_bucket(bucket);

    SECTION("an object the agent puts is what awscli gets, and the other way round; odd characters in keys") {
        const std::string key = "backups/a b+c=d&e ü.txt";
        const std::string body = random_bytes(1 << 20, 1);
        client.put_object(bucket, key, body);
        CHECK(aws_get(store, key) == body);

        const auto file = store.scratch() / "aws-put";
        const std::string theirs = random_bytes(300'000, 2);
        std::ofstream(file, std::ios::binary) << theirs;
        int status = 0;
        const auto out = store.aws(std::string("s3api put-object --bucket ") + bucket +
                                       " --key backups/from-awscli --body " + file.string() + " 2>&1",
                                   status);
        INFO(out);
        REQUIRE(status == 0);
        std::string got;
        std::size_t pieces = 0;
        const auto n = client.get_object(bucket, "backups/from-awscli", [&](std::string_view piece) {
            got += piece;
            ++pieces;
        });
        CHECK(n == theirs.size());
        CHECK(got == theirs);
        CHECK(pieces >= 1);
        CHECK(client.get_small_object(bucket, "backups/from-awscli", 1 << 20) == theirs);
        CHECK_THROWS_AS(client.get_small_object(bucket, "backups/from-awscli", 1000), s3_error);
    }

    SECTION("a multipart upload completes into one object that awscli reads whole") {
        const std::string key = "backups/multi";
        const std::string a = random_bytes(5u << 20, 3), b = random_bytes(5u << 20, 4), c = random_bytes(123'456, 5);
        const std::string id = client.create_upload(bucket, key);
        std::vector<completed_part> parts;
        parts.push_back({1, client.upload_part(bucket, key, id, 1, a)});
        parts.push_back({2, client.upload_part(bucket, key, id, 2, b)});
        parts.push_back({3, client.upload_part(bucket, key, id, 3, c)});
        bool listed = false;
        for (const auto& u : client.list_uploads(bucket, "backups/")) listed = listed || u.upload_id == id;
        CHECK(listed);
        client.complete_upload(bucket, key, id, parts);
        CHECK(text::to_hex(sha256(aws_get(store, key))) == text::to_hex(sha256(a + b + c)));
        bool found = false;
        for (const auto& o : client.list_objects(bucket, "backups/"))
            if (o.key == key) found = o.size == a.size() + b.size() + c.size();
        CHECK(found);
        for (const auto& u : client.list_uploads(bucket, "backups/")) CHECK(u.upload_id != id);
    }

    SECTION("an aborted upload leaves no upload and no object; aborting again and deleting twice are no errors") {
        const std::string key = "backups/aborted";
        const std::string id = client.create_upload(bucket, key);
        client.upload_part(bucket, key, id, 1, random_bytes(5u << 20, 6));
        client.abort_upload(bucket, key, id);
        for (const auto& u : client.list_uploads(bucket, "backups/")) CHECK(u.upload_id != id);
        for (const auto& o : client.list_objects(bucket, "backups/")) CHECK(o.key != key);
        CHECK_NOTHROW(client.abort_upload(bucket, key, id));
        client.put_object(bucket, "backups/gone", "x");
        client.delete_object(bucket, "backups/gone");
        CHECK_NOTHROW(client.delete_object(bucket, "backups/gone"));
        try {
            client.get_small_object(bucket, "backups/gone", 100);
            FAIL("a deleted object was read");
        } catch (const s3_error& e) {
            CHECK(e.kind == s3_failure::no_key);
        }
    }

    SECTION("listings come page by page: 7 objects in pages of 3") {
        for (int i = 0; i < 7; ++i) client.put_object(bucket, "paged/" + std::to_string(i), std::to_string(i));
        const auto all = client.list_objects(bucket, "paged/", 3);
        REQUIRE(all.size() == 7);
        for (int i = 0; i < 7; ++i) CHECK(all[i].key == "paged/" + std::to_string(i));
        CHECK(client.list_objects(bucket, "paged/").size() == 7);
        CHECK(client.list_objects(bucket, "nothing-here/").empty());
    }
}

TEST_CASE("S3 client on Swift s3api: refusals say what to fix, with distinct exit codes, and leak no secret",
          "[objstore]") {
    swift_store& store = store_with_bucket();

    SECTION("a wrong secret key: denied (exit store_denied), the secret in no message") {
        auto o = options_for(store);
        o.credentials.secret_key = "wrong-secret-4f9d";
        s3_client client(o);
        try {
            client.check_bucket(bucket);
            FAIL("a wrong secret was accepted");
        } catch (const s3_error& e) {
            CHECK(e.kind == s3_failure::denied);
            CHECK(e.exit_code == exit_code::store_denied);
            CHECK_THAT(e.what(), !Catch::Contains("wrong-secret-4f9d"));
        }
        try {
            client.put_object(bucket, "denied", "x");
            FAIL("a wrong secret was accepted");
        } catch (const s3_error& e) {
            CHECK(e.exit_code == exit_code::store_denied);
            CHECK_THAT(e.what(), Catch::Contains("SignatureDoesNotMatch") || Catch::Contains("AccessDenied"));
        }
    }

    SECTION("a bucket that does not exist: exit store_no_bucket") {
        s3_client client(options_for(store));
        try {
            client.check_bucket("no-such-bucket-here");
            FAIL("a missing bucket was accepted");
        } catch (const s3_error& e) {
            CHECK(e.exit_code == exit_code::store_no_bucket);
            CHECK_THAT(e.what(), Catch::Contains("no-such-bucket-here"));
        }
        try {
            client.put_object("no-such-bucket-here", "k", "x");
            FAIL("a put into a missing bucket was accepted");
        } catch (const s3_error& e) {
            CHECK(e.exit_code == exit_code::store_no_bucket);
        }
    }

    SECTION("a body damaged after its digests were computed is refused by the store, and nothing is stored") {
        auto o = options_for(store);
        o.damage_body = [](std::string& body) { body[body.size() / 2] ^= 0x01; };
        s3_client client(o);
        try {
            client.put_object(bucket, "damaged/object", random_bytes(100'000, 7));
            FAIL("a damaged body was stored");
        } catch (const s3_error& e) {
            CHECK(e.exit_code == exit_code::store_failed);
            CHECK(e.kind == s3_failure::refused);
            CHECK(e.status == 400);
            INFO(e.what());
            CHECK((e.code == "BadDigest" || e.code == "XAmzContentSHA256Mismatch"));
        }
        const std::string id = s3_client(options_for(store)).create_upload(bucket, "damaged/multi");
        try {
            client.upload_part(bucket, "damaged/multi", id, 1, random_bytes(5u << 20, 8));
            FAIL("a damaged part was stored");
        } catch (const s3_error& e) {
            CHECK(e.status == 400);
            // A body of 1 MiB or more goes as UNSIGNED-PAYLOAD: its signed Content-MD5 is what the store checks.
            CHECK(e.code == "BadDigest");
        }
        // The same with the MD5 the caller computed (as the multipart writer passes it): of other bytes, refused.
        s3_client undamaged(options_for(store));
        try {
            undamaged.upload_part(bucket, "damaged/multi", id, 2, random_bytes(2u << 20, 9), md5(random_bytes(2u << 20, 10)));
            FAIL("a part whose Content-MD5 is of other bytes was stored");
        } catch (const s3_error& e) {
            CHECK(e.code == "BadDigest");
        }
        s3_client plain(options_for(store));
        plain.abort_upload(bucket, "damaged/multi", id);
        CHECK(plain.list_objects(bucket, "damaged/").empty());
    }

    SECTION("no answer: retried, then exit store_failed naming the attempts") {
        auto o = options_for(store);
        o.endpoint.port = test_support::free_port();  // nothing listens there
        o.attempts = 3;
        o.backoff_first = std::chrono::milliseconds(1);
        o.backoff_cap = std::chrono::milliseconds(5);
        s3_client client(o);
        try {
            client.put_object(bucket, "k", "x");
            FAIL("a store that does not answer accepted a put");
        } catch (const s3_error& e) {
            CHECK(e.exit_code == exit_code::store_failed);
            CHECK(e.kind == s3_failure::transient);
            CHECK_THAT(e.what(), Catch::Contains("after 3 attempts"));
        }
        CHECK(client.requests_sent() == 3);
    }
}

TEST_CASE("S3 client on Swift s3api: a download cut by the network resumes where it stopped, every byte once, and an "
          "object replaced meanwhile is refused, not spliced",
          "[objstore]") {
    swift_store& store = store_with_bucket();
    s3_client direct(options_for(store));
    const std::string body = random_bytes(6 << 20, 7);
    direct.put_object(bucket, "resume/object", body);
    const std::string endpoint = store.endpoint();
    const auto store_port = static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));

    SECTION("cut twice: three requests, the same bytes") {
        test_support::fault_proxy proxy(store_port, {.cut_after = 1'500'000, .cuts = 2});
        s3_client client(through(proxy, store));
        std::string got;
        const auto n = client.get_object(bucket, "resume/object", [&](std::string_view piece) { got += piece; });
        CHECK(proxy.cuts_done() == 2);
        CHECK(client.requests_sent() == 3);
        CHECK(n == body.size());
        CHECK(got.size() == body.size());
        CHECK(got == body);
    }

    SECTION("the object replaced after the first bytes: the resumed request is refused (If-Match), nothing spliced") {
        test_support::fault_proxy proxy(store_port, {.cut_after = 1'500'000, .cuts = 1});
        s3_client client(through(proxy, store));
        const std::string other = random_bytes(body.size(), 8);
        std::string got;
        bool replaced = false;
        try {
            client.get_object(bucket, "resume/object", [&](std::string_view piece) {
                if (!replaced) {
                    direct.put_object(bucket, "resume/object", other);
                    replaced = true;
                }
                got += piece;
            });
            FAIL("the download went on across a replaced object");
        } catch (const s3_error& e) {
            CHECK(e.status == 412);
            CHECK(e.exit_code == exit_code::store_failed);
        }
        CHECK(proxy.cuts_done() == 1);
        // What arrived before the cut (the answer's header took some of the 1.5 MB), and nothing after it.
        CHECK(got.size() > 1'000'000);
        CHECK(got.size() < 1'500'000);
        CHECK(got == body.substr(0, got.size()));
        direct.put_object(bucket, "resume/object", body);
    }
}

namespace {

/// socat terminating TLS (the certificates of tls_certs.sh: server.crt names 127.0.0.1) in front of the real store,
/// as a TLS load balancer in front of MinIO or Ceph does. Stopped on scope exit.
class tls_front {
public:
    tls_front(const std::filesystem::path& certs, std::uint16_t store_port) : port_(test_support::free_port()) {
        pid_ = test_support::spawn({"socat",
                                    "OPENSSL-LISTEN:" + std::to_string(port_) + ",bind=127.0.0.1,reuseaddr,fork,cert=" +
                                        (certs / "server.crt").string() + ",key=" + (certs / "server.key").string() +
                                        ",verify=0",
                                    "TCP:127.0.0.1:" + std::to_string(store_port)},
                                   certs / "socat.log");
        // Ready once it holds the port (it can no longer be bound).
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (test_support::port_is_free(port_)) {
            if (std::chrono::steady_clock::now() > until) throw std::runtime_error("socat did not listen");
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    ~tls_front() {
        ::kill(pid_, SIGTERM);
        test_support::wait_for_exit(pid_, std::chrono::seconds(10));
    }
    std::uint16_t port() const { return port_; }

private:
    std::uint16_t port_;
    pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("S3 client over HTTPS: the store's certificate verified against --ca-file, refused from another CA, never "
          "a plaintext retry",
          "[objstore]") {
    swift_store& store = store_with_bucket();
    test_support::temp_dir certs("mysql-agent-s3-tls");
    REQUIRE(std::system(("bash " + std::string(TLS_CERTS_SCRIPT) + " " + certs.path().string() + " >/dev/null").c_str()) ==
            0);
    const std::string endpoint = store.endpoint();
    tls_front front(certs.path(), static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1))));

    s3_client_options o = options_for(store);
    o.endpoint = *parse_endpoint("https://127.0.0.1:" + std::to_string(front.port()));
    o.ca_file = certs.path() / "ca.crt";
    s3_client client(o);
    client.check_bucket(bucket);
    const std::string body = random_bytes(3 << 20, 11);
    client.put_object(bucket, "tls/object", body);
    std::string got;
    client.get_object(bucket, "tls/object", [&](std::string_view piece) { got += piece; });
    CHECK(got == body);
    CHECK(aws_get(store, "tls/object") == body);  // the same object, read by awscli from the store itself

    // A store whose certificate is not from the CA given: refused with the TLS exit code, never sent in plaintext.
    o.ca_file = certs.path() / "other-ca.crt";
    o.attempts = 1;
    s3_client untrusted(o);
    try {
        untrusted.check_bucket(bucket);
        FAIL("a store with an untrusted certificate was used");
    } catch (const agent_error& e) {
        CHECK(e.exit_code == exit_code::tls);
        CHECK_THAT(std::string(e.what()), Catch::Contains("certificate"));
        CHECK_THAT(std::string(e.what()), !Catch::Contains(store.secret_key()));
    }
}
