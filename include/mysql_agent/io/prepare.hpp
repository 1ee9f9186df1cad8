#pragma once
// The clone's `<xtrabackup> --prepare` on the staged backup: run within --timeout, and the backup checked as
// prepared afterwards, so that mysqld can start on the files. I/O layer (Asio coroutines).

#include <filesystem>

#include <boost/asio/awaitable.hpp>

#include "mysql_agent/io/clone_client.hpp"
#include "mysql_agent/io/deadline.hpp"

namespace mysql_agent {

/// Applies the redo log to the backup in `staging` (--xtrabackup --prepare) and checks that it says it was
/// prepared (check_prepared). Returns the seconds it took. Throws clone_failed_error when --prepare does not
/// finish within --timeout or leaves the backup unprepared; a failed --prepare throws as tool_failed says.
boost::asio::awaitable<double> prepare_backup(const clone_options& o, const std::filesystem::path& staging,
                                              const deadlines& dl);

}  // namespace mysql_agent
