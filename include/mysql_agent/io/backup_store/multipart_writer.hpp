#pragma once
// Streams bytes of unknown length into one S3 object through a multipart upload, never staging it on disk: the
// bytes fill a part in memory; a full part goes to one of `parallel` uploader threads (each with its own client) while
// the next part fills; a writer with every uploader busy waits. Memory: at most (parallel + 1) parts. Part sizes
// follow part_size_plan (core/objstore/part_sizes.hpp: they grow, so 10,000 parts hold 5 TiB). Each part is sent
// with its Content-MD5 (s3_client), and retried by the client; a part that still fails fails the
// writer, and a writer that does not finish aborts its upload (destructor), so no half object is ever visible.
// Each part's MD5 (its Content-MD5, which the store checks) is computed once, on the uploader thread; the object's
// SHA-256 as it fills, taken at each part's end too (for the manifest: what a restore checks).
// I/O layer (threads, blocking HTTP).

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mysql_agent/core/objstore/part_sizes.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"

namespace mysql_agent::backup_store {

struct multipart_writer_options {
    objstore::s3_client_options client;
    std::string bucket;
    std::string key;
    objstore::part_size_plan parts;  ///< objstore::plan_part_sizes(first)
    unsigned parallel = 2;           ///< parts uploading at once, >= 1
};

struct uploaded_part {
    std::uint32_t number = 0;
    std::uint64_t bytes = 0;
    std::string md5_hex;
    std::string sha256_through_hex;  ///< the object's SHA-256 from its first byte through this part's last
    std::string etag;
};

struct multipart_result {
    std::vector<uploaded_part> parts;  ///< in part order
    std::uint64_t bytes = 0;
    std::string sha256_hex;            ///< of the whole object
    std::uint64_t peak_buffered = 0;   ///< most bytes in parts queued or uploading at once (plus one filling)
};

class multipart_writer {
public:
    /// Starts the upload (CreateMultipartUpload). Throws objstore::s3_error; config_error for a part plan without sizes.
    explicit multipart_writer(multipart_writer_options options);
    /// Aborts the upload unless finish() completed it.
    ~multipart_writer();
    multipart_writer(const multipart_writer&) = delete;
    multipart_writer& operator=(const multipart_writer&) = delete;

    /// Appends `bytes`. Blocks while every uploader is busy and the next part is full; throws the first part
    /// failure (objstore::s3_error), or bad_input_error past 10,000 parts.
    void write(std::string_view bytes);
    /// Uploads what is left as the last part and completes the upload. Throws objstore::s3_error.
    multipart_result finish();
    /// Stops the uploaders and aborts the upload (best effort; logged). Idempotent.
    void abort() noexcept;

    const std::string& upload_id() const { return upload_id_; }

private:
    struct job {
        std::uint32_t number;
        std::string body;
        std::string sha256_through_hex;
    };
    void submit();
    void uploader();
    void rethrow_failure();

    multipart_writer_options o_;
    std::string upload_id_;
    std::string filling_;
    std::uint32_t next_number_ = 1;
    std::uint64_t bytes_ = 0;
    sha256_stream digest_;

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<job> queue_;
    unsigned busy_ = 0;
    bool stopping_ = false;
    std::exception_ptr failure_;
    std::vector<uploaded_part> done_;
    std::uint64_t buffered_ = 0, peak_buffered_ = 0;
    std::vector<std::thread> threads_;
    bool finished_ = false, aborted_ = false;
};

}  // namespace mysql_agent::backup_store
