#pragma once
// One short HTTP/1.1 GET to a peer's or this pod's sidecar (/metrics for `status`, /position for a re-seed), with a
// deadline for the whole exchange and a bound on what it reads: the answer comes from the network. Blocking, on a
// private io_context. (The backup stream has its own client: io/donor_connection.)

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "mysql_agent/io/tls_context.hpp"

namespace mysql_agent {

struct http_get_request {
    std::string host;  ///< a name (resolved) or an IP address
    std::uint16_t port = 0;
    std::string target = "/";
    std::optional<std::string> bearer;  ///< sent as "Authorization: Bearer"
    std::chrono::milliseconds timeout{std::chrono::seconds(3)};  ///< resolve, connect, send and read, in all
    std::size_t body_limit = 1024 * 1024;
    std::optional<tls_client_settings> tls;  ///< TLS, the answerer's certificate verified as a donor's
};

struct http_get_response {
    unsigned status = 0;
    std::string body;
    std::string content_type;
};

/// The answer, whatever its status. Throws agent_error (exit io) naming "GET http://host:port/target" and why when
/// the name does not resolve, nothing answers within the timeout, or the answer is not HTTP or too large; tls_error when TLS fails.
http_get_response http_get(const http_get_request& request);

}  // namespace mysql_agent
