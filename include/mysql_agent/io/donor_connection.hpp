#pragma once
// Reaching a donor's sidecar: resolve and connect within --connect-timeout, send GET /backup, read the response
// header and classify the answer. 200 hands over the connection, positioned at the start of the body. Refused or
// timed-out connections, an unresolvable name, no response, 503 (honouring its Retry-After) and other 5xx are
// retried with full-jitter backoff until --max-attempts or --retry-for run out (no_donor_error). A 401 is final
// (unauthorized_error), and so is an answer no mysql-agent sidecar gives (no_donor_error, clone_failed_error).
// I/O layer (Asio coroutines, Beast).

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/net_stream.hpp"
#include "mysql_agent/io/tls_context.hpp"

namespace mysql_agent {

/// The most the response buffer may hold. The body passes through it in pieces, but a chunk header line (with
/// its extensions) or the whole trailer section must fit in it to be parsed: a donor that sends a larger one
/// is not our sidecar, and must not grow the init container's memory without bound.
inline constexpr std::size_t response_buffer_limit = 1024 * 1024;

/// A connection on which the donor answered 200, positioned at the start of the body.
struct donor_response {
    explicit donor_response(boost::asio::any_io_executor ex);
    /// A field of the response's header, or (once the body was read) of its trailer, which Beast merges in.
    std::optional<std::string> field(std::string_view name) const;

    net_stream stream;     ///< TLS when the clone was given --tls-ca
    tls_peer_check tls_check;  ///< what the TLS verification saw (the verify callback refers to it)
    boost::beast::flat_buffer buffer;  ///< at most response_buffer_limit
    using parser_type = boost::beast::http::response_parser<boost::beast::http::buffer_body>;
    std::unique_ptr<parser_type> parser;  // not movable: held by pointer
};

/// Asks the donor for its backup until it answers 200, the attempts or --retry-for run out, or --timeout
/// passes. Returns the connection at the start of the body; throws no_donor_error, unauthorized_error or
/// clone_failed_error (the header alone is too large for our sidecar), and tls_error when TLS
/// with the donor fails (final: a certificate or a flag must change).
boost::asio::awaitable<std::unique_ptr<donor_response>> request_backup_with_retries(const clone_options& o,
                                                                                   const deadlines& dl);

}  // namespace mysql_agent
