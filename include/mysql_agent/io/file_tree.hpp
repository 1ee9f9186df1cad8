#pragma once
// How many bytes a directory tree holds: the sidecar's estimate of its datadir (sent before the backup stream)
// and the clone's count of what it staged (recorded in the marker). I/O layer (walks the filesystem).

#include <cstdint>
#include <filesystem>

namespace mysql_agent {

/// What directory_size does when the tree cannot be listed (missing, unreadable, removed while walked).
enum class on_listing_error {
    skip,  ///< best effort: count what can be read (0 for a missing directory); unreadable directories are skipped
    fail,  ///< throw file_error naming the directory
};

/// Total bytes of the regular files under `dir`, a symlink counted as the file it names. Symlinked directories
/// are not entered; a file that vanishes or cannot be stat'ed while walked is not counted.
std::uint64_t directory_size(const std::filesystem::path& dir, on_listing_error on_error = on_listing_error::skip);

/// What a walk of a datadir finds: directory_size's bytes, and how many of its files are InnoDB tablespaces (`.ibd`),
/// which a backup tool opens all at once (core/open_files.hpp).
struct directory_facts {
    std::uint64_t bytes = 0;
    std::uint64_t tablespaces = 0;
};
directory_facts gather_directory_facts(const std::filesystem::path& dir,
                                       on_listing_error on_error = on_listing_error::skip);

}  // namespace mysql_agent
