#pragma once
// Secrets (MySQL passwords, the backup bearer token) come from files mounted from a Kubernetes Secret,
// never from flags or argv, so they stay out of `ps` and of logs.

#include <filesystem>
#include <string>
#include <string_view>

namespace mysql_agent {

/// Reads the secret in `path` with trailing whitespace trimmed (Secret files usually end in a newline).
/// Throws config_error naming `flag` (e.g. "--password-file") and `path` when the file is unreadable, empty
/// or implausibly large; the message never contains the file's content.
std::string read_secret_file(const std::filesystem::path& path, std::string_view flag);

/// The file's bytes as they are (a key that may be binary), with the same checks and messages.
std::string read_secret_bytes(const std::filesystem::path& path, std::string_view flag);

}  // namespace mysql_agent
