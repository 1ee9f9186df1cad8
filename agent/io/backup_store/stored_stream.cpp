#include "mysql_agent/io/backup_store/stored_stream.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/text.hpp"

namespace mysql_agent::backup_store {

/// The stream's digests computed on a thread of their own, so that hashing runs beside decoding and extracting
/// instead of before them: the whole SHA-256, taken at each part's end too when the manifest has parts'
/// sha256_through, else each part's MD5 beside it (older manifests). Bytes are copied into a bounded queue; a part's
/// digest is waited for at the part's end only.
class stored_stream_check::digest_worker {
public:
    explicit digest_worker(bool parts_sha256) : parts_sha256_(parts_sha256), thread_([this] { run(); }) {}
    ~digest_worker() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    digest_worker(const digest_worker&) = delete;
    digest_worker& operator=(const digest_worker&) = delete;

    void add(std::string_view bytes) { push({item::bytes, std::string(bytes)}); }
    void end_part() { push({item::part_end, {}}); }

    /// The digest (hex: SHA-256 through it, or its MD5) of part `index` (0-based), once every byte before its end
    /// was hashed.
    std::string part_digest(std::size_t index) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return parts_.size() > index; });
        return parts_[index];
    }

    /// The SHA-256 (hex) of everything added.
    std::string whole_sha256() {
        push({item::finish, {}});
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return finished_; });
        return sha256_hex_;
    }

private:
    struct item {
        enum kind_t { bytes, part_end, finish } kind;
        std::string data;
    };
    static constexpr std::size_t queue_limit = 8u << 20;

    void push(item it) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return queued_ < queue_limit; });
        queued_ += it.data.size();
        queue_.push_back(std::move(it));
        changed_.notify_all();
    }

    void run() {
        sha256_stream whole;
        md5_stream part;
        for (;;) {
            item it;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
                if (queue_.empty()) return;
                it = std::move(queue_.front());
                queue_.pop_front();
            }
            std::string result;
            if (it.kind == item::bytes) {
                whole.update(it.data);
                if (!parts_sha256_) part.update(it.data);
            } else if (it.kind == item::part_end) {
                result = text::to_hex(parts_sha256_ ? whole.so_far() : part.finish());
            } else {
                result = text::to_hex(whole.finish());
            }
            {
                std::lock_guard<std::mutex> lock(mutex_);
                queued_ -= it.data.size();
                if (it.kind == item::part_end) parts_.push_back(std::move(result));
                if (it.kind == item::finish) {
                    sha256_hex_ = std::move(result);
                    finished_ = true;
                }
            }
            changed_.notify_all();
        }
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<item> queue_;
    std::size_t queued_ = 0;
    std::vector<std::string> parts_;
    std::string sha256_hex_;
    bool finished_ = false, stopping_ = false;
    const bool parts_sha256_;
    std::thread thread_;  ///< last: started once everything it uses exists
};

stored_stream_check::stored_stream_check(const backup_manifest& manifest, std::string name, const encryption_key* key)
    : m_(manifest),
      name_(std::move(name)),
      parts_sha256_(!m_.parts.empty() && !m_.parts.front().sha256_through_hex.empty()),
      digests_(std::make_unique<digest_worker>(parts_sha256_)) {
    if (m_.compression == "zstd") decoder_.emplace();
    if (m_.encryption) {
        const std::string mismatch = key_mismatch(&*m_.encryption, key ? key->id() : "");
        if (!mismatch.empty()) throw config_error("backup " + name_ + ": " + mismatch);
        decryptor_.emplace(*key, m_.encryption->segment_bytes);
    }
}

stored_stream_check::~stored_stream_check() = default;

void stored_stream_check::fail(const std::string& why) const {
    throw bad_input_error("backup " + name_ + " does not verify: " + why);
}

void stored_stream_check::check_part() {
    if (part_index_ >= m_.parts.size()) fail("it holds more bytes than its manifest's parts");
    digests_->end_part();
    const auto& p = m_.parts[part_index_];
    if (digests_->part_digest(part_index_) != (parts_sha256_ ? p.sha256_through_hex : p.md5_hex))
        fail("part " + std::to_string(part_index_ + 1) + " has another " +
             (parts_sha256_ ? "SHA-256 (of the stream through it)" : "MD5") + " than its manifest says");
    part_bytes_ = 0;
    ++part_index_;
}

void stored_stream_check::hand_on(std::span<const char> in, const std::function<void(std::span<const char>)>& out) {
    if (!decryptor_) {
        decode(in, out);
        return;
    }
    if (auto opened = decryptor_->feed(in, [&](std::span<const char> plain) { decode(plain, out); }); !opened)
        fail(opened.message());
}

void stored_stream_check::decode(std::span<const char> in, const std::function<void(std::span<const char>)>& out) {
    auto emit = [&](std::span<const char> xb) {
        xbstream_bytes_ += xb.size();
        if (xbstream_bytes_ > m_.xbstream_bytes)
            fail("it decompresses to more than its manifest's " + std::to_string(m_.xbstream_bytes) +
                 " bytes of xbstream");
        if (auto fed = framing_.feed(xb.data(), xb.size()); !fed) fail("its xbstream: " + fed.message());
        if (out) out(xb);
    };
    if (!decoder_) {
        emit(in);
        return;
    }
    while (!in.empty() || decoder_->output_pending()) {
        auto decoded = decoder_->decompress(in);
        if (!decoded) fail("its zstd stream: " + decoded.message());
        if (!decoded->empty()) emit(*decoded);
    }
}

void stored_stream_check::guarded_hand_on(std::span<const char> in,
                                          const std::function<void(std::span<const char>)>& out) {
    if (pending_ || in.empty()) return;
    try {
        hand_on(in, out);
    } catch (const bad_input_error& e) {
        // Kept until the part's end: its MD5 says more (which part, damaged in the store) than a zstd error does.
        pending_ = e.what();
    }
}

void stored_stream_check::feed(std::string_view piece, const std::function<void(std::span<const char>)>& out) {
    bytes_ += piece.size();
    if (bytes_ > m_.stream_bytes) fail("it is larger than its manifest's " + std::to_string(m_.stream_bytes) + " bytes");
    while (!piece.empty()) {
        if (part_index_ >= m_.parts.size()) fail("it holds more bytes than its manifest's parts");
        const std::uint64_t want = m_.parts[part_index_].bytes - part_bytes_;
        const std::size_t take = std::min<std::uint64_t>(piece.size(), want);
        if (take == 0) {  // an empty part in the middle: a manifest parse_manifest would not have passed
            check_part();
            continue;
        }
        digests_->add(piece.substr(0, take));  // a part's end is marked (check_part) after its last byte
        part_bytes_ += take;
        const bool part_done = take == want;
        // The last byte of a part is handed on only after the part's MD5 matched: a damaged part never reaches the
        // extractor whole.
        const std::size_t before_last = part_done ? take - 1 : take;
        guarded_hand_on(std::span<const char>(piece.data(), before_last), out);
        if (part_done) {
            check_part();  // a damaged part is named by its MD5, before what its damage did to the decoding
            if (pending_) throw bad_input_error(*pending_);
            guarded_hand_on(std::span<const char>(piece.data() + before_last, 1), out);
        }
        piece.remove_prefix(take);
    }
}

void stored_stream_check::finish(const std::function<void(std::span<const char>)>& out) {
    if (pending_) throw bad_input_error(*pending_);
    if (bytes_ != m_.stream_bytes)
        fail("it holds " + std::to_string(bytes_) + " bytes, its manifest " + std::to_string(m_.stream_bytes));
    // An empty last part (an empty stream) is checked here.
    while (part_index_ < m_.parts.size() && m_.parts[part_index_].bytes == 0) check_part();
    if (digests_->whole_sha256() != m_.stream_sha256) fail("its SHA-256 is not the one its manifest says");
    if (decryptor_)
        if (auto last = decryptor_->finish([&](std::span<const char> plain) { decode(plain, out); }); !last)
            fail(last.message());
    if (decoder_ && !decoder_->at_frame_end()) fail("its zstd stream ends inside a frame");
    if (auto end = framing_.finish(); !end) fail("its xbstream is incomplete: " + end.message());
    if (xbstream_bytes_ != m_.xbstream_bytes)
        fail("it decompresses to " + std::to_string(xbstream_bytes_) + " bytes of xbstream, its manifest says " +
             std::to_string(m_.xbstream_bytes));
}

}  // namespace mysql_agent::backup_store
