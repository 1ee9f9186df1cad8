#pragma once
// Where a clone fetches its backup: a donor's sidecar as HOST[:PORT]. Pure.

#include <cstdint>
#include <string>
#include <string_view>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// The port a donor's sidecar serves /backup on when the address names none.
inline constexpr std::uint16_t default_donor_port = 3307;

struct donor_address {
    std::string host;  ///< name or address, without brackets
    std::uint16_t port = default_donor_port;
    /// "host:port", or "[v6]:port" for an IPv6 literal.
    std::string to_string() const;
    bool operator==(const donor_address&) const = default;
};

/// Parses `host[:port]` or `[v6-address][:port]`. Errors say what is wrong with `text`.
result<donor_address> parse_donor_address(std::string_view text);

}  // namespace mysql_agent
