#pragma once
// The replication half of the sidecar: waits for the local mysqld, gathers the facts (flavour, version, GTID mode,
// clone marker, applied record, replica status), lets plan_replication() (replication_plan.hpp) decide, and carries
// the decision out. I/O layer: blocking MySQL calls (mysql_client.hpp), files, spdlog.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/core/replication_plan.hpp"

namespace mysql_agent {

class backup_gate;

/// Everything the setup needs. Passwords arrive already read from their files (secret_file.hpp).
struct replication_options {
    mysql_connection local;     ///< the pod's own mysqld, usually through its unix socket
    std::filesystem::path datadir;      ///< holds the clone marker and where the applied record is written
    bool is_primary = false;            ///< ordinal 0 (pod_identity::is_primary())
    replication_config replication;     ///< source host/port, replication user/password, channel, gtid, accounts
    /// How the replica's sidecar itself logs into its primary (the reconcile loop): the primary's RSA public key
    /// (PEM, --replication-server-public-key) and whether the key the primary sends may be used instead
    /// (--get-server-public-key); TLS comes from replication.source.tls_ca (mysql_connection.hpp).
    std::string primary_public_key;
    bool get_primary_public_key = false;
    std::chrono::milliseconds wait_for_server{0};      ///< give up waiting for mysqld after this; 0: until stopped
    std::chrono::milliseconds verify_timeout{30'000};  ///< both threads must run within this after START
    std::chrono::milliseconds retry_initial{100};      ///< first pause between connection attempts, doubled...
    std::chrono::milliseconds retry_max{2'000};        ///< ...up to this
    std::chrono::milliseconds progress_interval{5'000};  ///< a log line this often while waiting
    /// Called after each statement of a re-seeded primary's takeover (tests inject a kill between two); none: {}.
    std::function<void(const sql_statement&)> after_takeover_statement;
    /// The backups this sidecar serves (core/backup_gate.hpp): the reconcile loop starts no replication while one
    /// runs. None: the loop never waits for a backup.
    backup_gate* backups = nullptr;
};

/// How a run ended when it did not throw.
struct replication_outcome {
    replication_action action = replication_action::nothing;  ///< what was decided (and, unless stopped, done)
    std::string message;   ///< the decision's reason and what was done; for report_error, the error to surface
    bool stopped = false;  ///< `stop` was set before the work finished; nothing half-done is recorded
    std::size_t statements_run = 0;  ///< statements sent to the server (0: a primary whose accounts were as configured)
};

/// Sets up replication once, and returns. Blocking: run it on its own thread (a sidecar serving backups on an
/// io_context keeps that thread free), e.g.
///     std::jthread repl([&](std::stop_token stop) { auto r = run_replication_setup(opts, stop); ... });
///     // on SIGTERM: repl.request_stop(); (the jthread joins when it goes out of scope)
/// A stop request ends every wait (for mysqld, for the threads to run) at once (io/stoppable.hpp); a connection
/// attempt in flight is bounded by local.connect_timeout, a statement by local.read_timeout. Calling it again later is safe:
/// that is exactly what a restart does. Waits for mysqld with exponential backoff (retry_initial doubling up to
/// retry_max), logging every progress_interval what it waits for and the last error.
/// On the primary, the accounts are read first (mysql.user, SHOW GRANTS) and changed only where they differ from the
/// configuration, with client-side password hashes (password_hash.hpp): the clear password never reaches the binlog.
/// On a replica, the applied record (`replication_applied_file` in the datadir) is written atomically after the
/// threads were seen running, so a restart never reconfigures replication that already ran.
/// report_error is returned, not thrown: the replica keeps serving while an operator looks.
/// Throws: mysql_error (access denied, a refused statement, mysqld not up within wait_for_server), replication_error
/// (threads not running after START), config_error (missing password, `--gtid on` without gtid_mode), file_error.
/// A replica that halted (halt_record.hpp) is left to the reconcile loop (replica_reconciler.hpp): never started here.
replication_outcome run_replication_setup(const replication_options& options, std::stop_token stop);

/// SHOW SLAVE/REPLICA STATUS of `control`'s channel; a channel that does not exist reads as "none". Throws
/// mysql_error.
replica_status read_replica_status(mysql_client& client, const replica_control& control);

}  // namespace mysql_agent
