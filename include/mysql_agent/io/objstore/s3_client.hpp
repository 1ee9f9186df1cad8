#pragma once
// A blocking S3 client on the agent's own Beast/OpenSSL stack: the requests a backup, a restore and their
// housekeeping need, signed with Signature V4 (sigv4_signer.hpp), each body sent with Content-MD5 and its SHA-256
// signed (x-amz-content-sha256), so the store refuses a part damaged on the way. Every answer is bounded in size
// and time; a transient failure (no answer, 5xx, SlowDown) is retried with full-jitter backoff; anything else
// throws an s3_error whose exit code says what the operator can fix (store_denied, store_no_bucket, store_failed).
// One connection per request (HTTP/1.1, Connection: close): a part is megabytes, a connection a round trip.
// Credentials appear in no message, log line or URL.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/objstore/s3_failure.hpp"
#include "mysql_agent/core/objstore/s3_location.hpp"
#include "mysql_agent/core/objstore/s3_xml.hpp"
#include "mysql_agent/io/objstore/sigv4_signer.hpp"

namespace mysql_agent::objstore {

struct s3_client_options {
    s3_endpoint endpoint;
    addressing style = addressing::path;
    std::string region = "us-east-1";
    s3_credentials credentials;
    /// https: the store's certificate is verified against this file and its name against the host; none: Debian's
    /// bundle /etc/ssl/certs/ca-certificates.crt.
    std::optional<std::filesystem::path> ca_file;
    bool ca_file_found = false;  ///< ca_file is the bundle found where the distributions put it, not --ca-file
    /// Connecting, and each wait for the store (its answer, the next bytes of a download); sending a body gets one
    /// more second per MiB.
    std::chrono::milliseconds timeout{30'000};
    unsigned attempts = 5;  ///< tries of a request that fails transiently (1: no retry)
    std::chrono::milliseconds backoff_first{200};
    std::chrono::milliseconds backoff_cap{10'000};
    std::size_t answer_limit = 8u << 20;  ///< most bytes of an XML answer read (a listing page is ~1,000 keys)
    /// Tests only: called with each request body after its digests were computed (a fault injector damages it).
    std::function<void(std::string&)> damage_body;
};

/// A request the store refused or never answered, after the retries.
struct s3_error : agent_error {
    s3_error(s3_failure failure_kind, unsigned http_status, std::string s3_code, const std::string& message);
    s3_failure kind;
    unsigned status;   ///< 0: no answer
    std::string code;  ///< <Error><Code>, "" when none
};

/// cancel() was called: the request was abandoned (never retried).
struct s3_cancelled : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class s3_client {
public:
    explicit s3_client(s3_client_options options);
    ~s3_client();
    s3_client(const s3_client&) = delete;
    s3_client& operator=(const s3_client&) = delete;

    /// From any thread: the request running now (a download stalled on a silent store included) and every later one
    /// throw s3_cancelled at once, and a backoff between attempts ends. For SIGTERM: a restore stops within moments,
    /// not within --store-timeout.
    void cancel() noexcept;

    /// Fails with the store's own error (exit store_denied or store_no_bucket) when the bucket cannot be used.
    void check_bucket(std::string_view bucket);

    void put_object(std::string_view bucket, std::string_view key, std::string_view body);

    /// The new upload's id.
    std::string create_upload(std::string_view bucket, std::string_view key);
    /// Part `number` (1..10,000); its ETag. `body_md5`: the body's MD5 (16 bytes) when the caller computed it
    /// already (it is sent as Content-MD5), else "".
    std::string upload_part(std::string_view bucket, std::string_view key, std::string_view upload_id,
                            std::uint32_t number, std::string_view body, std::string_view body_md5 = {});
    void complete_upload(std::string_view bucket, std::string_view key, std::string_view upload_id,
                         const std::vector<completed_part>& parts);
    /// An upload already gone (NoSuchUpload, 404) counts as aborted.
    void abort_upload(std::string_view bucket, std::string_view key, std::string_view upload_id);

    /// Every object under `prefix`, page by page (ListObjectsV2), in the store's (key) order.
    /// `page_size`: keys asked for per request (max-keys; S3 answers at most 1,000).
    std::vector<listed_object> list_objects(std::string_view bucket, std::string_view prefix,
                                            std::uint32_t page_size = 1000);
    /// Every multipart upload in progress under `prefix`.
    std::vector<listed_upload> list_uploads(std::string_view bucket, std::string_view prefix,
                                            std::uint32_t page_size = 1000);

    /// Streams the object to `sink` in pieces; its size. A transient failure is retried like any request; one after
    /// bytes reached the sink resumes from the next byte (Range, If-Match on the first answer's ETag), so the sink
    /// sees every byte once, in order. A sink that throws ends it with that exception.
    std::uint64_t get_object(std::string_view bucket, std::string_view key,
                             const std::function<void(std::string_view)>& sink);
    /// The whole object, refused when larger than `limit` bytes (a manifest).
    std::string get_small_object(std::string_view bucket, std::string_view key, std::size_t limit);

    /// Removes the object; one already gone counts as removed.
    void delete_object(std::string_view bucket, std::string_view key);

    /// Requests sent, retries included (for tests and the README's counts).
    std::uint64_t requests_sent() const { return requests_; }

    struct call;
    struct answer;

private:
    answer send(const call& c);
    answer exchange_once(const call& c);

    struct cancel_state;
    s3_client_options options_;
    std::unique_ptr<cancel_state> cancel_;
    std::uint64_t requests_ = 0;
};

}  // namespace mysql_agent::objstore
