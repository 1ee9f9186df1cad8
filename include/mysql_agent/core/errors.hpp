#pragma once
// Typed errors thrown by the I/O layer and caught once at the subcommand boundary (cmd/command.cpp),
// which prints one line and exits with the error's code (include/mysql_agent/exit_codes.hpp).

#include <stdexcept>
#include <string>

#include "mysql_agent/core/exit_codes.hpp"

namespace mysql_agent {

/// Base of every error the agent reports to a person: the message says what was being done, with
/// which input, and what to do; `exit_code` is the distinct code the process exits with.
struct agent_error : std::runtime_error {
    agent_error(int code, const std::string& message) : std::runtime_error(message), exit_code(code) {}
    int exit_code;
};

/// A configuration problem the operator must fix (missing file, bad flag value).
struct config_error : agent_error {
    explicit config_error(const std::string& message) : agent_error(exit_code::config, message) {}
};

/// A filesystem operation failed; the message names the path and the OS error.
struct file_error : agent_error {
    explicit file_error(const std::string& message) : agent_error(exit_code::io, message) {}
};

/// Input data is malformed or unusable (a backup's metadata, a file far larger than its kind ever is).
struct bad_input_error : agent_error {
    explicit bad_input_error(const std::string& message) : agent_error(exit_code::bad_input, message) {}
};

}  // namespace mysql_agent
