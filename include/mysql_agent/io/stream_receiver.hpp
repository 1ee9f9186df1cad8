#pragma once
// The clone's receiving end of the backup stream: the response body handed to `xbstream -x` through bounded
// buffers while its xbstream framing and digest are checked, then the end of the stream judged (the donor's
// trailer, the framing, the byte count and digest) and the extractor's exit checked. I/O layer (Asio coroutines,
// Beast).

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/donor_connection.hpp"

namespace mysql_agent {

/// What the body turned out to be.
struct received_stream {
    std::uint64_t bytes = 0;
    std::string digest;
    double seconds = 0;                          ///< from the response's header to the body's last byte
    std::map<std::string, std::uint64_t> files;  ///< every completed file and its size, as the stream said
    double first_byte_seconds = 0;               ///< from the response's header to the body's first byte
    double drain_seconds = 0;                    ///< from the body's last byte to the extractor's exit
};

/// Extracts the body of `response` into `staging` with `xbstream -x` (--xbstream), logging progress. Throws
/// clone_failed_error when the stream is cut, stalls past --idle-timeout or --timeout, is not valid xbstream,
/// does not match its trailer, or its trailer says the donor's backup failed; a failed extractor throws as
/// tool_failed says.
boost::asio::awaitable<received_stream> receive_backup(donor_response& response,
                                                       const std::filesystem::path& staging, const clone_options& o,
                                                       const deadlines& dl);

}  // namespace mysql_agent
