#pragma once
// `init --seed-from s3://...`: an empty member filled from the newest complete backup in the object store instead of
// from a peer. For a replica, the primary is asked first (GET /position binlog_start) whether it still holds every
// binlog after the backup's position (core/backup_store/seed_check.hpp): a backup it cannot serve is refused before
// a byte is downloaded. For an ordinal 0 that found no member (the whole cluster lost) and was told so explicitly
// (--primary-from-backup), the backup becomes the primary: its marker carries a re-seed record as primary, and the
// sidecar makes its binlog continue the backup's GTID position (primary_takeover.hpp), as after a re-seed from a
// peer. I/O layer.

#include <optional>

#include <boost/asio/awaitable.hpp>

#include "mysql_agent/core/donor_address.hpp"
#include "mysql_agent/io/backup_store/backup_restore.hpp"

namespace mysql_agent::backup_store {

struct store_seed_options {
    restore_options restore;  ///< the store, the prefix, the datadir and tools (restore.id is chosen here)
    /// A replica: the primary's sidecar, asked where its binlog begins. nullopt: an ordinal 0 becoming primary.
    std::optional<donor_address> primary;
    bool as_primary = false;  ///< the marker's re-seed record makes the sidecar take over as primary
};

/// Seeds the datadir from the newest complete backup. nullopt: the prefix holds no complete backup, or the primary
/// showed it is of another history (judge_seed's skip: another cluster identity, data past the primary's); the caller
/// clones from the peers, or starts empty. Throws bad_input_error when the primary no longer holds the binlogs
/// after the backup's position (naming both positions), and what async_restore_datadir throws.
boost::asio::awaitable<std::optional<clone_outcome>> seed_from_store(store_seed_options options);

}  // namespace mysql_agent::backup_store
