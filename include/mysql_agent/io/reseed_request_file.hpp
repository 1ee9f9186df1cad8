#pragma once
// Writing and reading the re-seed request in the datadir (core/reseed_request.hpp says what it holds and when
// init acts on it): the HMAC-SHA256 (digests.hpp), the file, and the log line of a request that is ignored.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "mysql_agent/core/reseed_request.hpp"

namespace mysql_agent {

/// Writes `<datadir>/.mysql-agent-reseed` (atomically, mode 0640) signed with `token`. Throws file_error.
void write_reseed_request(const std::filesystem::path& datadir, const reseed_request& request,
                          std::string_view token);

/// The request in `<datadir>/.mysql-agent-reseed` when init may act on it (check_reseed_request with `token`,
/// nullopt: no key). A request it may not act on is logged as an error naming the file and why, and left in
/// place for a person to remove; nullopt then, as when there is no file. Throws file_error when it cannot read.
std::optional<reseed_request> read_reseed_request(const std::filesystem::path& datadir,
                                                  const std::optional<std::string>& token,
                                                  std::string_view self_hostname);

}  // namespace mysql_agent
