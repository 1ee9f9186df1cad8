#pragma once
// The sidecar's --listen value: "HOST:PORT" or "[v6]:PORT", split and its port checked. Pure: whether HOST is a
// numeric IP is left to the caller that makes a socket address of it (io/backup_server.cpp).

#include <cstdint>
#include <string>
#include <string_view>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

struct listen_address {
    std::string host;  ///< without the brackets of "[v6]"; not yet known to be an IP address
    std::uint16_t port = 0;  ///< 0: any free port
    bool operator==(const listen_address&) const = default;
};

/// Splits `listen` at its last ':'. Errors (no ':', a port that is not a number in 0..65535) are
/// listen_address_error messages.
result<listen_address> parse_listen_address(std::string_view listen);

/// "--listen LISTEN: WHY (expected HOST:PORT with a numeric IP, ...)": every complaint about --listen.
std::string listen_address_error(std::string_view listen, std::string_view why);

}  // namespace mysql_agent
