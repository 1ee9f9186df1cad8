#pragma once
// One GET /backup answered: the backup tool started with the credentials in a private option file, its stdout
// sent as the chunks of the body (as zstd frames when the client asked for it: stream_encoding.hpp and
// compression_pool.hpp; within
// --max-rate: rate_limiter.hpp), and the trailer that says how the backup ended (backup_protocol.hpp). A client
// that goes away or stops reading can be sent no trailer: the tool's process group is killed at once.
// I/O layer (Asio coroutines, Beast).

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "mysql_agent/core/backup_counters.hpp"
#include "mysql_agent/core/stream_encoding.hpp"
#include "mysql_agent/io/backup_server.hpp"
#include "mysql_agent/io/compression_pool.hpp"
#include "mysql_agent/io/net_stream.hpp"
#include "mysql_agent/io/rate_limiter.hpp"
#include "mysql_agent/io/shutdown_signal.hpp"

namespace mysql_agent {

/// What every stream shares with the server that accepted it.
struct backup_stream_context {
    const backup_server_options& options;
    const std::vector<std::string>& secrets;  ///< scrubbed from the trailer and the log lines
    backup_counters& counters;                ///< what /metrics reports
    backup_gate& gate;                        ///< held from before the tool starts until it has exited
    shutdown_signal& shutdown;                ///< ends a stream between two chunks, with a failed trailer
    rate_limiter& limiter;                    ///< --max-rate, shared by all streams
    compression_pool& compressors;            ///< --compress-threads, shared by all streams
};

/// Streams a fresh backup to the client on `stream` (authorized, and within the server's limits), counting it
/// in `ctx.counters`. What the tool or the client did wrong ends up in the trailer, or in the log when no
/// trailer can be sent. `peer` names the client in the log lines; `compression` is what its request asked for
/// (protocol::requested_compression).
boost::asio::awaitable<void> stream_backup(net_stream& stream, const std::string& peer,
                                           const backup_stream_context& ctx,
                                           protocol::compression_choice compression);

}  // namespace mysql_agent
