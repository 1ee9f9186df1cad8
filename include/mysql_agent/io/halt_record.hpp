#pragma once
// The record a replica's sidecar keeps in the datadir while it has halted replication (clone_marker.hpp
// replication_halted_file): one line, why. Written and cleared by the sidecar's reconcile loop, read by probe,
// /readyz, status and /metrics, which may run in other processes.

#include <filesystem>
#include <optional>
#include <string>

namespace mysql_agent {

/// The recorded reason, or nullopt when replication is not halted (or the record cannot be read).
std::optional<std::string> read_halt_record(const std::filesystem::path& datadir);

/// Records `reason` (atomically). Throws file_error.
void write_halt_record(const std::filesystem::path& datadir, const std::string& reason);

/// Removes the record, if any. Throws file_error.
void clear_halt_record(const std::filesystem::path& datadir);

}  // namespace mysql_agent
