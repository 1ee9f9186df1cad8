#pragma once
// Carries out the takeover of a re-seeded primary (core/primary_takeover.hpp decides): the prelude, then, under
// the lock that keeps every other session's writes out (MariaDB: FLUSH TABLES WITH READ LOCK), the facts the
// decision needs and the binlog reset, then the jump and its record, writable last. The takeover record
// (`takeover_record_file` in the datadir) is written before the reset: for the operator, who sees that a takeover
// began; the decision never depends on it (the server's own state does).

#include <filesystem>
#include <functional>

#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/primary_takeover.hpp"
#include "mysql_agent/io/mysql_client.hpp"

namespace mysql_agent {

/// Called after each statement that ran, with the statement (tests inject a fault here: a kill between two).
using statement_hook = std::function<void(const sql_statement&)>;

/// Runs the takeover on `client` and returns the plan it carried out; on `refuse`, nothing ran but the prelude
/// and the lock was released. `run` counts the statements sent. Throws mysql_error when a statement fails (the
/// connection's lock goes with it: the next run decides again on what the server then holds).
takeover_plan run_takeover(mysql_client& client, const backup_metadata& clone, const server_version& server,
                           bool no_backslash_escapes, const std::filesystem::path& datadir, std::size_t& run,
                           const statement_hook& after_statement = {});

}  // namespace mysql_agent
