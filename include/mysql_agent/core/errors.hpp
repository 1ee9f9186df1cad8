#pragma once
// Every error the agent reports to a person, in one place next to the exit codes they map to. I/O code throws
// them; cmd/command.cpp catches them once, at the subcommand boundary, logs one line through the logger and
// exits with the error's code. Parsers and planners return result<T> instead (result.hpp).

#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "mysql_agent/core/exit_codes.hpp"

namespace mysql_agent {

/// Base of every error the agent reports to a person: the message says what was being done, with
/// which input, and what to do; `exit_code` is the distinct code the process exits with.
struct agent_error : std::runtime_error {
    agent_error(int code, const std::string& message) : std::runtime_error(message), exit_code(code) {}
    int exit_code;
};

/// A configuration problem the operator must fix (missing file, bad flag value, a tool that cannot start).
struct config_error : agent_error {
    explicit config_error(const std::string& message) : agent_error(exit_code::config, message) {}
};

/// Input data is malformed or unusable (a backup's metadata, a file far larger than its kind ever is).
struct bad_input_error : agent_error {
    explicit bad_input_error(const std::string& message) : agent_error(exit_code::bad_input, message) {}
};

/// A filesystem operation failed; the message names the path and the OS error.
struct file_error : agent_error {
    explicit file_error(const std::string& message) : agent_error(exit_code::io, message) {}
};

/// The local server refused a connection or a statement. The message says what was being done, with which
/// endpoint, the server's error, and what to do; it never contains a password (see io/mysql_client.hpp).
/// Error numbers are matched only through the predicates of mysql_errors.hpp.
struct mysql_error : agent_error {
    mysql_error(unsigned error_code, std::string error_sqlstate, const std::string& message)
        : agent_error(exit_code::mysql, message), code(error_code), sqlstate(std::move(error_sqlstate)) {}
    unsigned code;         ///< server (1xxx, 3xxx) or client (2xxx) error number; 0 when not from MySQL
    std::string sqlstate;  ///< "28000", "HY000", ...; "" when unknown
};

/// Replication was set up or started but did not run (io/replication_runner.hpp says when).
struct replication_error : agent_error {
    explicit replication_error(const std::string& message) : agent_error(exit_code::mysql, message) {}
};

/// A point-in-time restore's target the archive cannot reach (a gap, not archived yet, before every backup).
struct pitr_unreachable_error : agent_error {
    explicit pitr_unreachable_error(const std::string& m) : agent_error(exit_code::pitr_unreachable, m) {}
};

/// No donor could be reached, or it stayed busy, until the retries ran out.
struct no_donor_error : agent_error {
    explicit no_donor_error(const std::string& message) : agent_error(exit_code::no_donor, message) {}
};

/// A clone started but cannot be completed (bad stream, donor failure, refused content, prepare failed).
struct clone_failed_error : agent_error {
    explicit clone_failed_error(const std::string& message) : agent_error(exit_code::clone_failed, message) {}
};

/// The donor refused our token (401): retrying will not help.
struct unauthorized_error : agent_error {
    explicit unauthorized_error(const std::string& message) : agent_error(exit_code::unauthorized, message) {}
};

/// TLS with the donor failed (core/tls_diagnosis.hpp says why): final for that donor.
struct tls_error : agent_error {
    explicit tls_error(const std::string& message) : agent_error(exit_code::tls, message) {}
};

/// A re-seed waited for known members that stayed silent (core/reseed_choice.hpp): never a guess among the others.
struct member_silent_error : agent_error {
    explicit member_silent_error(const std::string& message) : agent_error(exit_code::member_silent, message) {}
};

/// The datadir holds data the agent did not create.
struct datadir_not_ours_error : agent_error {
    explicit datadir_not_ours_error(const std::string& message) : agent_error(exit_code::datadir_not_ours, message) {}
};

/// Another mysql-agent run holds the datadir (io/datadir_lock.hpp).
struct datadir_busy_error : agent_error {
    explicit datadir_busy_error(const std::string& message) : agent_error(exit_code::datadir_busy, message) {}
};

/// The work was stopped by SIGTERM or SIGINT; `what` says what was undone. The clone did not happen.
struct interrupted_error : agent_error {
    interrupted_error(int sig, const std::string& what)
        : agent_error(exit_code::clone_failed,
                      "interrupted by signal " + std::to_string(sig) + " (" + ::strsignal(sig) + "); " + what),
          signal(sig) {}
    int signal;
};

/// An external tool could not be started (not found, not executable, no fork). Which one, how it ended, and its
/// last stderr lines (secrets scrubbed by the caller).
struct process_error : agent_error {
    process_error(std::string argv0_, int tool_exit_code_, std::string stderr_tail_, const std::string& what)
        : agent_error(exit_code::config, what),
          argv0(std::move(argv0_)),
          tool_exit_code(tool_exit_code_),
          stderr_tail(std::move(stderr_tail_)) {}
    std::string argv0;
    int tool_exit_code;  ///< -1 if killed by a signal or never started
    std::string stderr_tail;
};

}  // namespace mysql_agent
