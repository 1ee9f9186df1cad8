#pragma once
// What a failed backup tool's stderr says. Which line explains the failure: mariabackup and xtrabackup keep
// logging after the error that ends them (the log copy thread stopping, InnoDB's "[Note] InnoDB: Starting
// shutdown..."), so their last line is often not the cause; the sidecar puts the choice in X-Backup-Error.
// Whether it ran out of disk space, and its last lines for the one error line of a failed clone. Pure: no I/O.

#include <cstddef>
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

/// True when a tool's stderr says that a write failed for lack of space: mbstream/xbstream print
/// "Errcode: 28 "No space left on device"" (my_error's EE_WRITE), mariabackup "(errno: 28 "No space left on
/// device")", the InnoDB code inside it "... failed with error 28" or "Disk is full. Try to clean the disk to free
/// space."; also "errno 28", "ENOSPC", "Disk full", "disk is full" and "Disk quota exceeded". Substrings, matched
/// in the case the tools print them.
bool mentions_disk_full(std::string_view text);

/// The last `n` non-blank lines of a stderr tail, joined with " | " so that they fit on the one error line;
/// "(it wrote nothing to stderr)" when there is none.
std::string last_lines(std::string_view tail, std::size_t n = 3);

}  // namespace mysql_agent
