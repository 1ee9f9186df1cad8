#pragma once
// Checks the framing of an xbstream (XBSTCK01) as it passes by, because `xbstream -x`/`mbstream -x`
// exit 0 on an empty stream and on one cut at a chunk boundary. Format: tests/fixtures/backup-metadata/README.md §4.
// A pure incremental parser (like Asio's http request_parser): feed it bytes in any split, ask at the end.
// It does not verify CRCs (the extractor does, and fails with rc 1 on a mismatch). It refuses, before a byte of
// the file reaches the extractor, every path that check_stream_path refuses (backup_layout.hpp) and every file
// that starts like an ELF executable or shared object (page files excepted: is_page_file).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

class xbstream_verifier {
public:
    /// Keeps the content of the file `path` (a small metadata file: xtrabackup_binlog_info, ...) as it passes, up to
    /// `limit` bytes; call before feeding. A file larger than that is not kept (captured() says nullopt).
    void capture(std::string path, std::size_t limit);
    /// The content kept of `path`, once its end chunk arrived; nullopt when it did not arrive, was larger than its
    /// limit, or was sparse.
    std::optional<std::string> captured(const std::string& path) const;

    /// Feeds the next bytes. After the first framing error, returns it again and ignores further input.
    status feed(const void* data, std::size_t size);

    /// Verdict at end of input: ok only if the stream ended between chunks, every file that got a payload
    /// chunk also got its end chunk, and the files a prepare needs arrived: `xtrabackup_checkpoints` (or
    /// `mariadb_backup_checkpoints`) and `xtrabackup_info` (or `mariadb_backup_info`). Errors say what is
    /// missing and the byte offset where the stream stopped.
    status finish() const;

    /// The error is a refusal (a path or a file no backup tool writes), not broken framing.
    bool refused() const noexcept { return refused_; }
    std::uint64_t offset() const noexcept { return offset_; }
    std::uint64_t chunks() const noexcept { return chunks_; }
    std::uint64_t files_completed() const noexcept { return completed_.size(); }
    /// Paths that started (payload seen) but have not ended yet, sorted.
    std::vector<std::string> open_files() const;
    /// Paths whose end chunk arrived (the set, for checking that metadata files are complete).
    const std::set<std::string>& completed_files() const noexcept { return completed_; }
    /// Each completed file's size as the stream describes it (the end of its last payload chunk, holes included):
    /// what the extractor must have left in the staging dir.
    const std::map<std::string, std::uint64_t>& completed_sizes() const noexcept { return sizes_; }

private:
    // Where the incremental parser is inside a chunk. Every stage but `payload` collects a fixed number of
    // header bytes in pending_; `payload` only counts bytes, so a 10 MiB payload chunk is never copied.
    enum class stage : std::uint8_t { magic, fixed, path, sparse_count, lengths, sparse_map, payload };

    status on_field();
    status after_path();
    status after_lengths();
    status after_header();
    status on_end_chunk();
    void end_chunk();
    void expect(stage next, std::size_t bytes);
    status fail(std::string message);
    status sniff(const char* p, std::size_t n);

    stage stage_ = stage::magic;
    std::size_t need_ = 8;            // header bytes the current stage needs in pending_
    std::string pending_;             // header bytes of the current stage (at most 511: a path)
    std::uint64_t offset_ = 0;        // bytes consumed so far
    std::uint64_t chunks_ = 0;        // chunks read completely
    std::uint64_t chunk_start_ = 0;   // offset of the current chunk's magic
    std::uint8_t flags_ = 0;
    std::uint8_t type_ = 0;
    std::string current_path_;
    std::uint64_t sparse_left_ = 0;   // sparse map entries still to read
    std::uint64_t payload_len_ = 0;
    std::uint64_t payload_offset_ = 0;
    std::uint64_t file_advance_ = 0;  // how far this chunk moves its file's end: payload + sparse holes
    std::uint64_t payload_left_ = 0;  // payload bytes of the current chunk still to skip
    std::set<std::string> open_;      // started, no E chunk yet
    std::set<std::string> completed_;
    std::map<std::string, std::uint64_t> next_offsets_;  // path -> expected next payload offset
    std::map<std::string, std::uint64_t> sizes_;         // completed path -> its size
    std::optional<std::string> last_checked_path_;  // check_stream_path passed it (consecutive chunks share paths)
    std::string sniffed_;             // first payload bytes of the current file, for the ELF check
    std::size_t sniff_left_ = 0;
    std::map<std::string, std::size_t> capture_limits_;  // path -> most bytes kept
    std::map<std::string, std::string> captured_;         // what was kept, per path
    std::set<std::string> capture_failed_;                // too large or sparse
    std::string* capturing_ = nullptr;                    // where the current payload chunk is kept, if anywhere
    bool refused_ = false;
    std::string error_;
};

}  // namespace mysql_agent
