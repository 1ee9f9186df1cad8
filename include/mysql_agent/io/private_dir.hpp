#pragma once
// The backup's private temp directory: created 0700 under the temp root, flock(2)ed by its owner while it exists
// and removed with everything in it when the backup ends; and the sweep that removes the ones whose owner died
// without cleaning up. It holds the backup tool's option file, which carries a password. I/O layer (POSIX).

#include <filesystem>
#include <string_view>

namespace mysql_agent {

/// Where private dirs go: `configured`, or when it is empty $TMPDIR, or /tmp.
std::filesystem::path private_dir_root(const std::filesystem::path& configured);

/// A directory only we can read (mkdtemp creates it 0700), locked while it exists and removed with everything
/// in it on scope exit.
class private_dir {
public:
    /// Creates `mysql-agent-backup-XXXXXX` under `root`. Throws file_error naming `root` when it cannot.
    explicit private_dir(const std::filesystem::path& root);
    ~private_dir();
    private_dir(const private_dir&) = delete;
    private_dir& operator=(const private_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    int lock_fd_ = -1;
};

/// Creates `path` mode 0600 (never following a symlink or reusing a file) and writes `content`. Throws file_error.
void write_private_file(const std::filesystem::path& path, std::string_view content);

/// Removes the private dirs under `root` that no live process holds (their owner died, however it died).
/// Best effort: failures are logged.
void sweep_stale_private_dirs(const std::filesystem::path& root);

}  // namespace mysql_agent
