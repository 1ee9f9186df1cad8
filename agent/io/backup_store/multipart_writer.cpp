#include "mysql_agent/io/backup_store/multipart_writer.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/text.hpp"

namespace mysql_agent::backup_store {

multipart_writer::multipart_writer(multipart_writer_options options) : o_(std::move(options)) {
    if (o_.parallel == 0) o_.parallel = 1;
    if (objstore::part_size(o_.parts, 1) == 0) throw config_error("a multipart upload needs a part size plan");
    upload_id_ = objstore::s3_client(o_.client).create_upload(o_.bucket, o_.key);
    for (unsigned i = 0; i < o_.parallel; ++i) threads_.emplace_back([this] { uploader(); });
}

multipart_writer::~multipart_writer() { abort(); }

void multipart_writer::rethrow_failure() {
    std::lock_guard lock(mutex_);
    if (failure_) std::rethrow_exception(failure_);
}

void multipart_writer::write(std::string_view bytes) {
    rethrow_failure();
    bytes_ += bytes.size();
    while (!bytes.empty()) {
        const std::uint64_t size = objstore::part_size(o_.parts, next_number_);
        if (filling_.capacity() < size) filling_.reserve(size);
        const std::size_t take = std::min<std::uint64_t>(bytes.size(), size - filling_.size());
        digest_.update(bytes.substr(0, take));  // up to the part's end: its sha256_through is taken there
        filling_.append(bytes.data(), take);
        bytes.remove_prefix(take);
        if (filling_.size() == size) submit();
    }
}

void multipart_writer::submit() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return failure_ || queue_.size() + busy_ < o_.parallel; });
    if (failure_) std::rethrow_exception(failure_);
    if (next_number_ > objstore::s3_max_parts)
        throw bad_input_error("the stream outgrew a multipart upload: more than 10,000 parts (" +
                              std::to_string(bytes_) + " bytes so far)");
    buffered_ += filling_.size();
    peak_buffered_ = std::max(peak_buffered_, buffered_);
    queue_.push_back({next_number_++, std::move(filling_), text::to_hex(digest_.so_far())});
    filling_ = std::string();
    changed_.notify_all();
}

void multipart_writer::uploader() {
    objstore::s3_client client(o_.client);
    for (;;) {
        job j;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return stopping_ || failure_ || !queue_.empty(); });
            if (failure_ || queue_.empty()) return;  // stopping, with nothing left to send
            j = std::move(queue_.front());
            queue_.pop_front();
            ++busy_;
        }
        const std::string body_md5 = md5(j.body);  // once: the manifest's and the request's Content-MD5
        uploaded_part part{j.number, j.body.size(), text::to_hex(body_md5), j.sha256_through_hex, ""};
        std::exception_ptr failed;
        try {
            part.etag = client.upload_part(o_.bucket, o_.key, upload_id_, j.number, j.body, body_md5);
        } catch (...) {
            failed = std::current_exception();
        }
        std::lock_guard lock(mutex_);
        --busy_;
        buffered_ -= j.body.size();
        if (failed && !failure_) failure_ = failed;
        if (!failed) done_.push_back(std::move(part));
        changed_.notify_all();
    }
}

multipart_result multipart_writer::finish() {
    rethrow_failure();
    if (!filling_.empty() || next_number_ == 1) submit();  // an empty stream is one empty part
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return failure_ || (queue_.empty() && busy_ == 0); });
        stopping_ = true;
        changed_.notify_all();
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
    rethrow_failure();
    std::sort(done_.begin(), done_.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
    std::vector<objstore::completed_part> parts;
    for (const auto& p : done_) parts.push_back({p.number, p.etag});
    objstore::s3_client(o_.client).complete_upload(o_.bucket, o_.key, upload_id_, parts);
    finished_ = true;
    return {done_, bytes_, text::to_hex(digest_.finish()), peak_buffered_};
}

void multipart_writer::abort() noexcept {
    if (finished_ || aborted_) return;
    aborted_ = true;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
        changed_.notify_all();
    }
    for (auto& t : threads_) t.join();
    threads_.clear();
    try {
        objstore::s3_client(o_.client).abort_upload(o_.bucket, o_.key, upload_id_);
        spdlog::info("multipart upload of {} aborted", o_.key);
    } catch (const std::exception& e) {
        spdlog::warn("could not abort the multipart upload of {} (a later sweep removes it): {}", o_.key, e.what());
    }
}

}  // namespace mysql_agent::backup_store
