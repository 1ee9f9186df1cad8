#include "mysql_agent/core/xbstream_verifier.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <string_view>

#include "mysql_agent/core/backup_layout.hpp"
#include "mysql_agent/core/text.hpp"

// Chunk layout: tests/fixtures/backup-metadata/README.md §4, taken from MariaDB extra/mariabackup/xbstream_read.cc
// (xb_stream_read_chunk) and Percona's xbstream_read.cc and docs/xbstream file format.

namespace mysql_agent {
namespace {

constexpr std::string_view chunk_magic = "XBSTCK01";
constexpr std::uint8_t flag_ignorable = 0x01;
constexpr std::uint8_t type_payload = 'P';
constexpr std::uint8_t type_sparse = 'S';
constexpr std::uint8_t type_end = 'E';
// Both readers reject pathlen >= FN_REFLEN (512) with "path length (%lu) is too large".
constexpr std::uint32_t path_len_limit = 512;
constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::string_view elf_magic = "\x7f" "ELF";

// Without these two a backup cannot be prepared: `--prepare` reads the LSNs from the checkpoints file, and the
// clone marker takes the tool and server versions from the info file. MariaDB 11.1 renamed both (MDEV-18931).
constexpr std::array<std::string_view, 2> checkpoints_names = {"xtrabackup_checkpoints", "mariadb_backup_checkpoints"};
constexpr std::array<std::string_view, 2> info_names = {"xtrabackup_info", "mariadb_backup_info"};

// Little-endian integers of `bytes` starting at `at` (all xbstream integers are little-endian).
std::uint64_t read_le(const std::string& b, std::size_t at, std::size_t bytes) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < bytes; ++i) v |= std::uint64_t{static_cast<unsigned char>(b[at + i])} << (8 * i);
    return v;
}

std::uint32_t read_u32(const std::string& b, std::size_t at) { return static_cast<std::uint32_t>(read_le(b, at, 4)); }
std::uint64_t read_u64(const std::string& b, std::size_t at) { return read_le(b, at, 8); }

std::string describe_byte(std::uint8_t b) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = {'0', 'x', hex[b >> 4], hex[b & 0xf]};
    if (b >= 0x20 && b < 0x7f) out += std::string(" '") + static_cast<char>(b) + "'";
    return out;
}

bool any_completed(const std::set<std::string>& completed, const std::array<std::string_view, 2>& names) {
    return std::any_of(names.begin(), names.end(),
                       [&](std::string_view n) { return completed.count(std::string(n)) > 0; });
}

}  // namespace

void xbstream_verifier::capture(std::string path, std::size_t limit) { capture_limits_[std::move(path)] = limit; }

std::optional<std::string> xbstream_verifier::captured(const std::string& path) const {
    const auto it = captured_.find(path);
    if (it == captured_.end() || !completed_.count(path)) return std::nullopt;
    return it->second;
}

status xbstream_verifier::feed(const void* data, std::size_t size) {
    if (!error_.empty()) return error{error_};
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        if (stage_ == stage::payload) {
            // The hot path: a backup is almost all payload, which is skipped without being looked at (but for the
            // first bytes of each file, which say whether it is an executable).
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, size));
            if (sniff_left_ > 0) {
                if (status s = sniff(p, n); !s) return s;
            }
            if (capturing_ != nullptr) capturing_->append(p, n);
            p += n;
            size -= n;
            offset_ += n;
            payload_left_ -= n;
            if (payload_left_ == 0) end_chunk();
            continue;
        }
        const std::size_t n = std::min(need_ - pending_.size(), size);
        pending_.append(p, n);
        p += n;
        size -= n;
        offset_ += n;
        if (pending_.size() < need_) break;
        status s = on_field();
        pending_.clear();
        if (!s) return s;
    }
    return ok();
}

status xbstream_verifier::on_field() {
    switch (stage_) {
        case stage::magic:
            if (pending_ != chunk_magic) {
                if (chunk_start_ == 0)
                    return fail("the stream does not start with an xbstream chunk (expected magic XBSTCK01, got \"" +
                                text::printable(pending_) + "\"): the donor did not send an xbstream backup");
                return fail("bad xbstream chunk magic at byte " + std::to_string(chunk_start_) +
                            " (expected XBSTCK01, got \"" + text::printable(pending_) + "\"): the stream is corrupt");
            }
            expect(stage::fixed, 6);
            return ok();
        case stage::fixed: {
            flags_ = static_cast<std::uint8_t>(pending_[0]);
            type_ = static_cast<std::uint8_t>(pending_[1]);
            const bool known = type_ == type_payload || type_ == type_sparse || type_ == type_end;
            // Unknown types are skipped only when the writer marked them ignorable (xb_stream_read_chunk).
            if (!known && (flags_ & flag_ignorable) == 0)
                return fail("unknown xbstream chunk type " + describe_byte(type_) + " at byte " +
                            std::to_string(chunk_start_) +
                            " without the ignorable flag: the stream is corrupt or comes from a newer backup tool");
            const std::uint32_t path_len = read_u32(pending_, 2);
            if (path_len >= path_len_limit)
                return fail("xbstream chunk at byte " + std::to_string(chunk_start_) + " has a path length of " +
                            std::to_string(path_len) + " (the limit is " + std::to_string(path_len_limit - 1) +
                            "): the stream is corrupt");
            current_path_.clear();
            if (path_len == 0) return after_path();
            expect(stage::path, path_len);
            return ok();
        }
        case stage::path:
            current_path_ = pending_;
            return after_path();
        case stage::sparse_count:
            sparse_left_ = read_u32(pending_, 0);
            expect(stage::lengths, 20);
            return ok();
        case stage::lengths:
            payload_len_ = read_u64(pending_, 0);
            payload_offset_ = read_u64(pending_, 8);
            // The 4 CRC bytes (pending_[16..20)) are not checked here: the extractor checks them.
            return after_lengths();
        case stage::sparse_map: {
            // Each entry is (skip u32, len u32): the file grows by `skip` bytes of hole before `len` payload bytes,
            // so the next chunk's offset is this one's plus the payload plus every skip (Percona xbstream.cc).
            const std::uint64_t skip = read_u32(pending_, 0);
            if (file_advance_ > u64_max - skip)
                return fail("xbstream sparse chunk for " + text::printable(current_path_) + " at byte " +
                            std::to_string(chunk_start_) + " describes more than 2^64 bytes: the stream is corrupt");
            file_advance_ += skip;
            if (--sparse_left_ == 0) return after_header();
            return ok();
        }
        case stage::payload:
            break;
    }
    return ok();
}

status xbstream_verifier::after_path() {
    // Checked on every chunk header, before a byte of the file reaches the extractor: mbstream stops at a name it
    // refuses and exits 0, and nothing may land outside the staging dir or under a reserved name.
    if (!last_checked_path_ || current_path_ != *last_checked_path_) {
        if (status s = check_stream_path(current_path_); !s) {
            refused_ = true;
            return fail("refusing the donor's stream at byte " + std::to_string(chunk_start_) + ": " + s.message());
        }
        last_checked_path_ = current_path_;
    }
    if (type_ == type_end) return on_end_chunk();
    if ((type_ == type_payload || type_ == type_sparse) && completed_.count(current_path_) > 0)
        return fail("xbstream chunk at byte " + std::to_string(chunk_start_) + " carries data for " +
                    text::printable(current_path_) + " after that file's end chunk: the stream is corrupt");
    if (type_ == type_sparse)
        expect(stage::sparse_count, 4);
    else
        expect(stage::lengths, 20);  // payload, or an ignorable unknown type framed like a payload
    return ok();
}

status xbstream_verifier::after_lengths() {
    file_advance_ = payload_len_;
    if (type_ == type_payload || type_ == type_sparse) {
        // `xbstream -x` fails with "out-of-order chunk" here; checking it early names the byte.
        const auto it = next_offsets_.find(current_path_);
        const std::uint64_t expected = it == next_offsets_.end() ? 0 : it->second;
        if (payload_offset_ != expected)
            return fail("out-of-order xbstream chunk for " + text::printable(current_path_) + " at byte " +
                        std::to_string(chunk_start_) + ": payload offset " + std::to_string(payload_offset_) +
                        ", expected " + std::to_string(expected) + ": the stream is corrupt");
    }
    if (type_ == type_sparse && sparse_left_ > 0) {
        expect(stage::sparse_map, 8);
        return ok();
    }
    return after_header();
}

status xbstream_verifier::after_header() {
    if (type_ == type_payload || type_ == type_sparse) {
        if (payload_offset_ > u64_max - file_advance_)
            return fail("xbstream chunk for " + text::printable(current_path_) + " at byte " + std::to_string(chunk_start_) +
                        " ends beyond 2^64 bytes: the stream is corrupt");
        next_offsets_[current_path_] = payload_offset_ + file_advance_;
        open_.insert(current_path_);
        capturing_ = nullptr;
        if (const auto limit = capture_limits_.find(current_path_); limit != capture_limits_.end() &&
                                                                   !capture_failed_.count(current_path_)) {
            std::string& kept = captured_[current_path_];
            if (type_ != type_payload || kept.size() + payload_len_ > limit->second) {
                capture_failed_.insert(current_path_);
                captured_.erase(current_path_);
            } else {
                capturing_ = &kept;
            }
        }
        // The first bytes of a file say whether it is an ELF executable or shared object, which no backup tool
        // writes. Page files start with a checksum that may, by chance, look like one.
        if (type_ == type_payload && payload_offset_ == 0 && payload_len_ > 0 && !is_page_file(current_path_)) {
            sniffed_.clear();
            sniff_left_ = static_cast<std::size_t>(std::min<std::uint64_t>(payload_len_, elf_magic.size()));
        }
    }
    payload_left_ = payload_len_;
    if (payload_left_ == 0)
        end_chunk();
    else
        expect(stage::payload, 0);
    return ok();
}

status xbstream_verifier::on_end_chunk() {
    // A second end chunk would make the extractor create the file again; no writer sends one.
    if (completed_.count(current_path_) > 0)
        return fail("second xbstream end chunk for " + text::printable(current_path_) + " at byte " +
                    std::to_string(chunk_start_) + ": the stream is corrupt");
    open_.erase(current_path_);
    const auto next = next_offsets_.find(current_path_);
    sizes_[current_path_] = next == next_offsets_.end() ? 0 : next->second;
    if (next != next_offsets_.end()) next_offsets_.erase(next);
    completed_.insert(current_path_);
    end_chunk();
    return ok();
}

status xbstream_verifier::sniff(const char* p, std::size_t n) {
    const std::size_t take = std::min(n, sniff_left_);
    sniffed_.append(p, take);
    sniff_left_ -= take;
    if (sniff_left_ == 0 && sniffed_ == elf_magic) {
        // The bytes looked at count as consumed, however the stream was split.
        offset_ += take;
        refused_ = true;
        return fail("refusing the donor's stream at byte " + std::to_string(chunk_start_) + ": '" +
                    text::printable(current_path_) +
                    "' is an ELF executable or shared object, which no backup tool writes");
    }
    return ok();
}

void xbstream_verifier::end_chunk() {
    ++chunks_;
    capturing_ = nullptr;
    chunk_start_ = offset_;
    expect(stage::magic, chunk_magic.size());
}

void xbstream_verifier::expect(stage next, std::size_t bytes) {
    stage_ = next;
    need_ = bytes;
}

status xbstream_verifier::fail(std::string message) {
    error_ = std::move(message);
    return error{error_};
}

status xbstream_verifier::finish() const {
    if (!error_.empty()) return error{error_};
    // The caller knows the donor and adds what to do ("retry the clone"); this says what is wrong and where.
    const std::string at = std::to_string(offset_);
    if (offset_ == 0) return error{"stream is empty (0 bytes): the donor sent no backup"};
    if (stage_ == stage::payload)
        return error{"stream cut at byte " + at + " inside the payload of " + text::printable(current_path_) + " (" +
                     std::to_string(payload_left_) + " more bytes were due in the chunk that starts at byte " +
                     std::to_string(chunk_start_) + ")"};
    if (stage_ != stage::magic || !pending_.empty())
        return error{"stream cut at byte " + at + " inside a chunk header (the chunk starts at byte " +
                     std::to_string(chunk_start_) + ")"};
    if (!open_.empty()) {
        // `xbstream -x` exits 0 here and leaves the file short, so this is the check that catches it.
        constexpr std::size_t shown = 3;
        std::string names;
        std::size_t i = 0;
        for (const auto& path : open_) {
            if (i == shown) break;
            if (i > 0) names += ", ";
            names += text::printable(path);
            ++i;
        }
        if (open_.size() > shown) names += " and " + std::to_string(open_.size() - shown) + " more";
        return error{"stream ended at byte " + at + " but " + names +
                     (open_.size() == 1 ? " never got its end chunk" : " never got their end chunks")};
    }
    std::string missing;
    if (!any_completed(completed_, checkpoints_names))
        missing = "xtrabackup_checkpoints (or mariadb_backup_checkpoints)";
    if (!any_completed(completed_, info_names))
        missing += std::string(missing.empty() ? "" : " and ") + "xtrabackup_info (or mariadb_backup_info)";
    if (!missing.empty())
        return error{"stream ended at byte " + at + " without " + missing +
                     ", which a backup needs to be prepared"};
    return ok();
}

std::vector<std::string> xbstream_verifier::open_files() const { return {open_.begin(), open_.end()}; }

}  // namespace mysql_agent
