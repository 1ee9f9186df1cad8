#pragma once
// Which server we talk to: flavour and numeric version, from `SELECT VERSION()` and `@@version_comment`.

#include <string>
#include <string_view>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

enum class server_flavor { mysql, mariadb };

struct server_version {
    server_flavor flavor = server_flavor::mysql;
    unsigned major = 0, minor = 0, patch = 0;
    std::string text;  ///< what VERSION() returned

    /// major*10000 + minor*100 + patch, as mysql_get_server_version() reports it.
    unsigned number() const noexcept { return major * 10000 + minor * 100 + patch; }
    bool at_least(unsigned ma, unsigned mi, unsigned pa) const noexcept { return number() >= ma * 10000 + mi * 100 + pa; }
    bool is_mariadb() const noexcept { return flavor == server_flavor::mariadb; }
};

/// Parses "8.0.36", "5.7.44-log", "10.11.19-MariaDB-0+deb12u1-log" (and the handshake's "5.5.5-10.11.19-MariaDB").
/// MariaDB is recognised by "MariaDB" in the version or the comment: Debian's build says only "Debian 12" in
/// @@version_comment (tests/fixtures/backup-metadata/README.md §3). Errors name the text.
result<server_version> parse_server_version(std::string_view version, std::string_view version_comment = {});

}  // namespace mysql_agent
