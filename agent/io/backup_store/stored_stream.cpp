#include "mysql_agent/io/backup_store/stored_stream.hpp"

#include <algorithm>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/text.hpp"

namespace mysql_agent::backup_store {

stored_stream_check::stored_stream_check(const backup_manifest& manifest, std::string name)
    : m_(manifest), name_(std::move(name)) {
    if (m_.compression == "zstd") decoder_.emplace();
}

void stored_stream_check::fail(const std::string& why) const {
    throw bad_input_error("backup " + name_ + " does not verify: " + why);
}

void stored_stream_check::check_part() {
    if (part_index_ >= m_.parts.size()) fail("it holds more bytes than its manifest's parts");
    if (text::to_hex(part_digest_.finish()) != m_.parts[part_index_].md5_hex)
        fail("part " + std::to_string(part_index_ + 1) + " has another MD5 than its manifest says");
    part_bytes_ = 0;
    ++part_index_;
}

void stored_stream_check::hand_on(std::span<const char> in, const std::function<void(std::span<const char>)>& out) {
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
    whole_.update(piece);
    while (!piece.empty()) {
        if (part_index_ >= m_.parts.size()) fail("it holds more bytes than its manifest's parts");
        const std::uint64_t want = m_.parts[part_index_].bytes - part_bytes_;
        const std::size_t take = std::min<std::uint64_t>(piece.size(), want);
        if (take == 0) {  // an empty part in the middle: a manifest parse_manifest would not have passed
            check_part();
            continue;
        }
        part_digest_.update(piece.substr(0, take));
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

void stored_stream_check::finish() {
    if (pending_) throw bad_input_error(*pending_);
    if (bytes_ != m_.stream_bytes)
        fail("it holds " + std::to_string(bytes_) + " bytes, its manifest " + std::to_string(m_.stream_bytes));
    // An empty last part (an empty stream) is checked here.
    while (part_index_ < m_.parts.size() && m_.parts[part_index_].bytes == 0) check_part();
    if (text::to_hex(whole_.finish()) != m_.stream_sha256) fail("its SHA-256 is not the one its manifest says");
    if (decoder_ && !decoder_->at_frame_end()) fail("its zstd stream ends inside a frame");
    if (auto end = framing_.finish(); !end) fail("its xbstream is incomplete: " + end.message());
    if (xbstream_bytes_ != m_.xbstream_bytes)
        fail("it decompresses to " + std::to_string(xbstream_bytes_) + " bytes of xbstream, its manifest says " +
             std::to_string(m_.xbstream_bytes));
}

}  // namespace mysql_agent::backup_store
