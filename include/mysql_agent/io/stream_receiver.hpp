#pragma once
// The clone's receiving end of the backup stream: the response body handed to `xbstream -x` through bounded
// buffers while its xbstream framing and digest are checked, then the end of the stream judged (the donor's
// trailer, the framing, the byte count and digest) and the extractor's exit checked. I/O layer (Asio coroutines,
// Beast).

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/io/received_stream.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/donor_connection.hpp"

namespace mysql_agent {

/// Where a received body goes: its bytes as they arrived (compressed, when they are), and the xbstream bytes once
/// decoded and checked; finish() once the end of the stream was checked (the clone's extractor must then exit 0).
/// A sink that fails throws; the receiver stops there.
class stream_sink {
public:
    virtual ~stream_sink() = default;
    virtual boost::asio::awaitable<void> wire(std::span<const char> bytes) = 0;
    virtual boost::asio::awaitable<void> payload(std::span<const char> bytes) = 0;
    virtual boost::asio::awaitable<void> finish() = 0;
};

/// How receive_stream describes and keeps what it receives.
struct receive_settings {
    std::string activity = "clone";    ///< in messages: "clone from ... failed", "retry the clone"
    std::string destination;           ///< in the first log line: "extracting into DIR", "uploading to s3://..."
    std::vector<std::string> capture;  ///< small files of the stream to keep (received_stream::captured)
    std::size_t capture_limit = 64 * 1024;
};

/// Extracts the body of `response` into `staging` with `xbstream -x` (--xbstream), logging progress. Throws
/// clone_failed_error when the stream is cut, stalls past --idle-timeout or --timeout, is not valid xbstream,
/// does not match its trailer, or its trailer says the donor's backup failed; a failed extractor throws as
/// tool_failed says.
boost::asio::awaitable<received_stream> receive_backup(donor_response& response,
                                                       const std::filesystem::path& staging, const clone_options& o,
                                                       const deadlines& dl);

}  // namespace mysql_agent

namespace mysql_agent {

/// Checks the body of `response` as receive_backup does (framing, digest, trailer, zstd frames; the same
/// clone_failed_error messages, with settings.activity for "clone"), handing it to `sink`.
boost::asio::awaitable<received_stream> receive_stream(donor_response& response, stream_sink& sink,
                                                       const clone_options& o, const deadlines& dl,
                                                       const receive_settings& settings);

}  // namespace mysql_agent
