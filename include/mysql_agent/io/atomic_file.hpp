#pragma once
// Small files that must survive a crash whole or not at all (the clone journal and marker, generated
// config): written to a temporary file, fsynced, renamed over the target, and the directory fsynced.
// I/O layer; errors are file_error naming the path and the OS error.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace mysql_agent {

/// read_file's default limit: none (files the agent itself or the operator wrote).
inline constexpr std::uint64_t unbounded_read = ~std::uint64_t{0};

/// How write_file_atomically() writes.
struct atomic_write_options {
    unsigned mode = 0644;  ///< permission bits of the new file (set exactly: umask does not apply)
    /// Where the temporary file is created; it must be on the same filesystem as the target. Default: the
    /// target's directory. The clone writes its journal and marker with a temporary inside the staging dir,
    /// so that a crash between create and rename leaves nothing visible next to the data.
    std::optional<std::filesystem::path> temp_dir;
};

/// Reads the whole file. Throws file_error naming `path` and the OS error, or bad_input_error when it holds
/// more than `limit` bytes (a file from a peer is bounded before it is allocated).
std::string read_file(const std::filesystem::path& path, std::uint64_t limit = unbounded_read);

/// Reads the whole file, or nullopt if it does not exist. Other failures throw file_error, as read_file.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path,
                                               std::uint64_t limit = unbounded_read);

/// Replaces `path` by a file holding exactly `content`: a reader, or the next boot after a crash, sees the
/// old content or the new one, never a mix. Returns false (and writes nothing) when the file already
/// holds `content`. Throws file_error naming the path and the OS error; the temporary is removed on failure.
bool write_file_atomically(const std::filesystem::path& path, std::string_view content,
                           const atomic_write_options& options = {});

/// fsyncs a directory, so that entries created, renamed or removed in it survive a power loss.
/// Throws file_error.
void fsync_directory(const std::filesystem::path& dir);

/// "<what> <path>: <strerror(err)>", plus a hint for a full disk (ENOSPC, EDQUOT). For file_error messages.
std::string describe_file_failure(std::string_view what, const std::filesystem::path& path, int err);

}  // namespace mysql_agent
