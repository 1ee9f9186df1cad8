#include "mysql_agent/core/server_version.hpp"

#include <charconv>

namespace mysql_agent {
namespace {

bool parse_component(std::string_view& s, unsigned& out) {
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc{} || ptr == s.data() || out > 99) return false;
    s.remove_prefix(static_cast<std::size_t>(ptr - s.data()));
    return true;
}

}  // namespace

result<server_version> parse_server_version(std::string_view version, std::string_view version_comment) {
    server_version v;
    v.text = std::string(version);
    const bool mariadb = version.find("MariaDB") != std::string_view::npos ||
                         version_comment.find("MariaDB") != std::string_view::npos;
    v.flavor = mariadb ? server_flavor::mariadb : server_flavor::mysql;
    std::string_view s = version;
    // MariaDB 10+ prefixes the handshake version with "5.5.5-" so that old clients accept it.
    // https://mariadb.com/kb/en/connection/#initial-handshake-packet
    if (mariadb && s.rfind("5.5.5-", 0) == 0) s.remove_prefix(6);
    const auto bad = [&] {
        return error{"server version '" + std::string(version) +
                     "' does not start with MAJOR.MINOR.PATCH (expected what SELECT VERSION() returns, like 8.0.36 or "
                     "10.11.19-MariaDB)"};
    };
    if (!parse_component(s, v.major) || s.empty() || s.front() != '.') return bad();
    s.remove_prefix(1);
    if (!parse_component(s, v.minor) || s.empty() || s.front() != '.') return bad();
    s.remove_prefix(1);
    if (!parse_component(s, v.patch)) return bad();
    if (!s.empty() && s.front() != '-') return bad();
    return v;
}

}  // namespace mysql_agent
