#pragma once
// A datadir from a backup in an object store instead of from a peer: the manifest read first (the backup must be
// complete), then the stream object downloaded and checked against it as it arrives (stored_stream.hpp: every part's
// MD5, the SHA-256, zstd frames, the xbstream framing and size) while `xbstream -x` extracts it into the staging dir;
// then the same vetting, prepare and journal-and-marker commit as a clone (clone_client.hpp async_fill_datadir). A
// backup that fails any check fails before the commit: nothing is committed, the staging dir is removed, the datadir
// is as the run found it. The S3 requests and the blocking writes into the extractor run on a thread of their own
// (own_thread.hpp); SIGTERM stops them (within the store's --store-timeout at most) and removes the files.
// I/O layer.

#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "mysql_agent/core/objstore/s3_location.hpp"
#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/io/backup_store/stream_cipher.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"

namespace mysql_agent::backup_store {

struct restore_options {
    objstore::s3_client_options store;
    objstore::s3_url from;  ///< the prefix `backup --to` wrote under
    std::string id;         ///< a backup id; empty: the newest complete backup
    /// The key of an encrypted backup (--encryption-key-file); an encrypted backup without its key is refused before
    /// a byte of its stream is downloaded (config_error naming both key ids).
    std::optional<encryption_key> key;
    /// Where and how: datadir, tools, lock, force, replace_clone and reseed, --timeout, progress (donor unused).
    clone_options target;
};

/// The id of the newest complete backup under `at` (a manifest present), or nullopt when there is none.
std::optional<std::string> newest_complete_backup(objstore::s3_client& client, const objstore::s3_url& at);

/// Restores the backup into options.target.datadir. The marker's source is "s3://BUCKET/PREFIX/ID/". Throws
/// no_donor_error when the prefix holds no complete backup, bad_input_error when the backup is not valid or does not
/// verify, objstore::s3_error when the store fails or refuses, and what a clone throws for the datadir, the tools and
/// the prepare.
boost::asio::awaitable<clone_outcome> async_restore_datadir(restore_options options);

/// async_restore_datadir on a private io_context, stopped by SIGTERM/SIGINT (interrupted_error).
clone_outcome restore_datadir(const restore_options& options);

}  // namespace mysql_agent::backup_store
