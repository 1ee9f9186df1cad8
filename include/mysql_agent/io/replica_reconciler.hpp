#pragma once
// The replica's reconcile loop: every few seconds, after the initial setup (replication_runner.hpp), it gathers
// where replication stands, asks the primary who it is (its cluster identity; MySQL: its executed GTID set),
// lets plan_reconcile() (reconcile_plan.hpp) decide, and carries that out: START a replica stopped without an
// error, STOP one whose primary carries another history (and record why, halt_record.hpp), START it again once
// the primary matches. It never changes data. I/O layer: blocking MySQL calls on this thread.

#include <chrono>
#include <stop_token>

#include "mysql_agent/core/reconcile_plan.hpp"
#include "mysql_agent/io/replication_runner.hpp"

namespace mysql_agent {

/// One pass. The primary is asked as the replication user with `primary_timeout` for connecting and each
/// statement; a primary that does not answer, or whose identity cannot be read, is "unreachable" (never taken
/// for another history). Throws mysql_error when the local mysqld does not answer, file_error.
reconcile_plan reconcile_once(const replication_options& options, std::chrono::seconds primary_timeout);

/// reconcile_once every `interval` until `stop`; a decision is logged when it differs from the previous pass's,
/// a failed pass is logged and retried at the next one.
void run_reconcile_loop(const replication_options& options, std::chrono::milliseconds interval, std::stop_token stop);

}  // namespace mysql_agent
