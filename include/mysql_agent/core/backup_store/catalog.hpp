#pragma once
// What the backups under a prefix are, from a listing, and which of them retention removes. Pure. A backup is the
// keys under <prefix><id>/ (manifest.hpp); it is complete once its manifest is there. Keys that are not under a
// backup id are not ours: never listed as backups, never deleted.
//
// Retention (plan_prune): the newest complete backup is always kept; of the others, the newest `keep_last` complete
// ones are kept, and a complete one is removed only when it is beyond them AND older than `max_age` (either limit
// alone when only one is given; neither given: nothing is removed). An incomplete backup (no manifest: cut off, or
// still running) is removed once older than `incomplete_after`, so a backup in progress is never touched.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mysql_agent::backup_store {

struct stored_key {
    std::string key;
    std::uint64_t size = 0;
};

struct stored_backup {
    std::string id;
    std::string prefix;             ///< <prefix><id>/
    bool complete = false;          ///< its manifest is there
    std::uint64_t bytes = 0;        ///< all its keys together
    std::vector<std::string> keys;  ///< the manifest first, when there: removing in this order un-commits it first
};

/// The backups under `prefix` in `listing`, oldest first.
std::vector<stored_backup> group_backups(const std::string& prefix, const std::vector<stored_key>& listing);

/// The time a backup id names (UTC); nullopt for a malformed id.
std::optional<std::chrono::system_clock::time_point> backup_time(const std::string& id);

struct retention {
    unsigned keep_last = 0;                         ///< 0: no count limit
    std::optional<std::chrono::seconds> max_age;    ///< none: no age limit
    std::chrono::seconds incomplete_after{std::chrono::hours(24)};
};

struct prune_decision {
    std::string id;
    bool remove = false;
    std::string why;
};

/// An S3 timestamp (ListMultipartUploads' Initiated: "2026-12-06T01:02:03.000Z") as a time point, to the second;
/// nullopt when it is not one.
std::optional<std::chrono::system_clock::time_point> s3_time(const std::string& iso);

/// The id of the newest complete backup of `backups` (as group_backups returns them, oldest first), or nullopt.
std::optional<std::string> newest_complete(const std::vector<stored_backup>& backups);

/// Whether a multipart upload initiated at `initiated` (S3's form) is older than r.incomplete_after at `now`: one
/// whose time does not parse is not (never removed on a guess).
bool upload_is_stale(const std::string& initiated, const retention& r, std::chrono::system_clock::time_point now);

/// One decision per backup of `backups` (as group_backups returns them), at `now`.
std::vector<prune_decision> plan_prune(const std::vector<stored_backup>& backups, const retention& r,
                                       std::chrono::system_clock::time_point now);

}  // namespace mysql_agent::backup_store
