#pragma once
// Which line of a failed backup tool's stderr explains the failure. mariabackup and xtrabackup keep logging
// after the error that ends them (the log copy thread stopping, InnoDB's "[Note] InnoDB: Starting shutdown..."),
// so their last line is often not the cause. Pure: no I/O; the sidecar puts the choice in X-Backup-Error.

#include <string>
#include <string_view>

namespace mysql_agent {

/// True when `line` reads like an error of mariabackup/xtrabackup (or of the InnoDB and client library code
/// inside them): it carries "[ERROR]", "error:", "FATAL", "Access denied", "failed" (as a word, so that a
/// table named failed_jobs is no error), the word "ERROR" or "Error", or mariabackup's untagged redo overrun
/// "Was only able to copy log". A line tagged "[Note]" or "[Warning]" is never an error, whatever it says.
bool looks_like_tool_error(std::string_view line);

/// The line of `stderr_tail` that best explains a failed run: the last line that looks_like_tool_error(),
/// else the last non-empty line, else "". Trailing whitespace (and a '\r') is removed. Secrets are not
/// scrubbed here: the caller does that before the line leaves the process.
std::string tool_error_line(std::string_view stderr_tail);

}  // namespace mysql_agent
