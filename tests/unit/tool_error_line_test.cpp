#include "mysql_agent/core/tool_error_line.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using mysql_agent::last_lines;
using mysql_agent::looks_like_tool_error;
using mysql_agent::mentions_disk_full;
using mysql_agent::tool_error_line;

namespace {

// Real stderr of mariabackup 10.11.19 (Debian 12) running `--backup --stream=xbstream` against mariadbd 10.11.19,
// cut to the last 20 lines as the sidecar keeps them (backup_server.cpp, stderr_tail_lines). How each was made:
//   wrong_password   the option file's password was wrong
//   server_stopped   mariadbd was stopped before the backup
//   no_privileges    the user had only SELECT (no RELOAD, PROCESS)
//   log_overwritten  --innodb-log-file-size=4M on the server, --throttle=10 on the tool, and a loop of
//                    INSERT ... SELECT / DELETE writing far more redo than that while the backup ran
//   stdout_closed    the stream piped into `head -c 100000`
//   server_killed    mariadbd killed with SIGKILL 4 s into a --throttle=10 backup
// Every run exited with code 1.

// wrong_password
const std::string wrong_password = R"log([00] 2026-11-27 02:56:48 Connecting to MariaDB server host: localhost, user: backup, password: set, port: not set, socket: /tmp/h8/s1/sock
[00] 2026-11-27 02:56:48 Failed to connect to MariaDB server: Access denied for user 'backup'@'localhost' (using password: YES).
)log";

// server_stopped
const std::string server_stopped = R"log([00] 2026-11-27 02:56:54 Connecting to MariaDB server host: localhost, user: root, password: not set, port: not set, socket: /tmp/h8/s1/sock
[00] 2026-11-27 02:56:54 Failed to connect to MariaDB server: Can't connect to local server through socket '/tmp/h8/s1/sock' (2 "No such file or directory").
)log";

// no_privileges
const std::string no_privileges = R"log([00] 2026-11-27 02:57:01 Connecting to MariaDB server host: localhost, user: weak, password: set, port: not set, socket: /tmp/h8/s1/sock
[00] 2026-11-27 02:57:01 Using server version 10.11.19-MariaDB-0+deb12u1-log
[00] 2026-11-27 02:57:01 Error: missing required privilege RELOAD on *.*
[00] 2026-11-27 02:57:01 Error: missing required privilege PROCESS on *.*
[00] 2026-11-27 02:57:01 Current privileges, as reported by 'SHOW GRANTS': 
[00] 2026-11-27 02:57:01   1.GRANT SELECT ON *.* TO `weak`@`localhost` IDENTIFIED BY PASSWORD '*32FA725434A0C5D3B03236816796B8D88CCD5860'
)log";

// log_overwritten
const std::string log_overwritten = R"log([01] 2026-11-27 03:01:35 Streaming ./shop/churn.frm to <STDOUT>
[01] 2026-11-27 03:01:35         ...done
[01] 2026-11-27 03:01:35 Streaming ./shop/db.opt to <STDOUT>
[00] 2026-11-27 03:01:35 Retrying read of log at LSN=1255469484
[01] 2026-11-27 03:01:36         ...done
[01] 2026-11-27 03:01:36 Streaming ./shop/big.frm to <STDOUT>
[01] 2026-11-27 03:01:36         ...done
[01] 2026-11-27 03:01:36 Streaming ./shop/t.frm to <STDOUT>
[01] 2026-11-27 03:01:36         ...done
[01] 2026-11-27 03:01:36 Streaming ./performance_schema/db.opt to <STDOUT>
[01] 2026-11-27 03:01:36         ...done
[00] 2026-11-27 03:01:36 Finished backing up non-InnoDB tables and files
[00] 2026-11-27 03:01:36 Waiting for log copy thread to read lsn 2001412695
[00] 2026-11-27 03:01:36 Retrying read of log at LSN=1255469484
[00] 2026-11-27 03:01:37 Retrying read of log at LSN=1255469484
[00] 2026-11-27 03:01:39 Retrying read of log at LSN=1255469484
[00] 2026-11-27 03:01:41 Was only able to copy log from 1252789781 to 1255469484, not 2001412695
[00] 2026-11-27 03:01:41 mariabackup: Try increasing the innodb_log_file_size.
mariabackup: Stopping log copying thread.
2026-11-27  3:01:41 0 [Note] InnoDB: Starting shutdown...
)log";

// stdout_closed
const std::string stdout_closed = R"log([00] 2026-11-27 03:01:47 Connecting to MariaDB server host: localhost, user: root, password: not set, port: not set, socket: /tmp/h8/s1/sock
[00] 2026-11-27 03:01:47 Connecting to MariaDB server host: localhost, user: root, password: not set, port: not set, socket: /tmp/h8/s1/sock
[00] 2026-11-27 03:01:47 Connecting to MariaDB server host: localhost, user: root, password: not set, port: not set, socket: /tmp/h8/s1/sock
[00] 2026-11-27 03:01:47 Starting BACKUP STAGE START
[00] 2026-11-27 03:01:47 Acquiring BACKUP LOCKS...
[00] 2026-11-27 03:01:47 Acquired locks for BACKUP STAGE START
[00] 2026-11-27 03:01:47 Streaming /tmp/h8/s1/data//aria_log_control to <STDOUT>
[00] 2026-11-27 03:01:47         ...done
[00] 2026-11-27 03:01:47 Loading aria_log_control.
[00] 2026-11-27 03:01:47 aria_log_control: last_log_number: 1
[00] 2026-11-27 03:01:47 Start scanning aria tables.
[00] 2026-11-27 03:01:47 Start scanning aria log files.
[00] 2026-11-27 03:01:47 Found 1 aria log files, minimum log number 1, maximum log number 1
[00] 2026-11-27 03:01:47 Stop scanning aria tables.
[00] 2026-11-27 03:01:47 Streaming ./mysql/transaction_registry.ibd
[00] 2026-11-27 03:01:47         ...done
[00] 2026-11-27 03:01:47 Streaming ./mysql/innodb_table_stats.ibd
[00] 2026-11-27 03:01:47         ...done
mariabackup: Error writing file 'UNKNOWN' (errno: 32 "Broken pipe")
[00] FATAL ERROR: 2026-11-27 03:01:47 mariabackup: Error: failed to copy datafile.
)log";

// server_killed
const std::string server_killed = R"log([00] 2026-11-27 03:01:49 Streaming ./mysql/innodb_index_stats.ibd
[00] 2026-11-27 03:01:49         ...done
[00] 2026-11-27 03:01:49 Streaming ./mysql/gtid_slave_pos.ibd
[00] 2026-11-27 03:01:49         ...done
[00] 2026-11-27 03:01:49 Streaming ./shop/churn.ibd
[00] 2026-11-27 03:01:50         ...done
[00] 2026-11-27 03:01:50 Streaming ./shop/t.ibd
[00] 2026-11-27 03:01:50         ...done
[00] 2026-11-27 03:01:50 Streaming ./shop/big.ibd
[00] 2026-11-27 03:01:50         ...done
[00] 2026-11-27 03:01:50 Streaming ibdata1
[00] 2026-11-27 03:01:50         ...done
[00] 2026-11-27 03:01:51 aria table file ./mysql/time_zone.MAI is copied successfully.
[00] 2026-11-27 03:01:51 aria table file ./mysql/time_zone.MAD is copied successfully.
[00] 2026-11-27 03:01:51 aria table file ./mysql/proc.MAI is copied successfully.
[00] 2026-11-27 03:01:53 Error: failed to execute query SHOW STATUS LIKE 'Innodb_lsn_flushed': Server has gone away
[00] 2026-11-27 03:01:54 Error: failed to execute query SHOW STATUS LIKE 'Innodb_lsn_flushed': Server has gone away
[00] 2026-11-27 03:01:55 Error: failed to execute query SHOW STATUS LIKE 'Innodb_lsn_flushed': Server has gone away
[00] 2026-11-27 03:01:56 aria table file ./mysql/proc.MAD is copied successfully.
[00] FATAL ERROR: 2026-11-27 03:01:56 failed to execute query BACKUP LOCK `mysql`.`global_priv`: Server has gone away
)log";

// Writes that failed for lack of space, captured on Debian 12 (MariaDB 10.11) with the target on a small tmpfs:
//   mbstream_enospc       `mbstream -x` of a 210 MB stream into a 2 MiB tmpfs (exit 1)
//   mariabackup_enospc    `mariabackup --backup --target-dir` on a 20 MiB tmpfs, cut to its last lines (exit 1)
//   prepare_enospc        `mariabackup --prepare` of a backup whose redo extends a table beyond the tmpfs's free
//                         space, cut to the last 10 lines of the 20 the clone keeps (killed by SIGABRT)

// mbstream_enospc
const std::string mbstream_enospc = R"log(mbstream: Error writing file './ibdata1' (Errcode: 28 "No space left on device")
[00] 2026-12-01 20:36:50 mbstream: my_write() failed.
)log";

// mariabackup_enospc
const std::string mariabackup_enospc = R"log([00] 2026-12-01 20:42:11         ...done
[00] 2026-12-01 20:42:11 Copying ./shop/t.ibd to /tmp/enospc-probe/mnt/bk/shop/t.ibd
mariabackup: Error writing file '/tmp/enospc-probe/mnt/bk/shop/t.ibd' (errno: 28 "No space left on device")
[00] 2026-12-01 20:42:12 mariabackup: xtrabackup_copy_datafile() failed.
[00] FATAL ERROR: 2026-12-01 20:42:12 mariabackup: Error: failed to copy datafile.
)log";

// prepare_enospc
const std::string prepare_enospc = R"log(2026-12-01 20:41:22 0 [ERROR] InnoDB: preallocating 411041792 bytes for file shop/t.ibd failed with error 28
2026-12-01 20:41:22 0x7f5a59ae3880  InnoDB: Assertion failure in file ./storage/innobase/fil/fil0fil.cc line 696
InnoDB: Failing assertion: success
InnoDB: We intentionally generate a memory trap.
InnoDB: Submit a detailed bug report to https://jira.mariadb.org/
InnoDB: If you get repeated assertion failures or crashes, even
InnoDB: immediately after the mariadbd startup, there may be
InnoDB: corruption in the InnoDB tablespace. Please refer to
InnoDB: https://mariadb.com/docs/server/server-usage/storage-engines/innodb/innodb-troubleshooting/innodb-recovery-modes
InnoDB: about forcing recovery.
)log";

}  // namespace

TEST_CASE("tool_error_line picks the line that explains a real mariabackup failure", "[tool_error_line]") {
    struct row {
        const char* name;
        const std::string& tail;
        std::string expected;
    };
    const std::vector<row> rows = {
        {"wrong password: the refused connection (also the last line)", wrong_password,
         "[00] 2026-11-27 02:56:48 Failed to connect to MariaDB server: Access denied for user 'backup'@'localhost' "
         "(using password: YES)."},
        {"mysqld down: the failed connection (also the last line)", server_stopped,
         "[00] 2026-11-27 02:56:54 Failed to connect to MariaDB server: Can't connect to local server through socket "
         "'/tmp/h8/s1/sock' (2 \"No such file or directory\")."},
        {"missing privileges: the last Error line, not the SHOW GRANTS dump after it (it holds a password hash)",
         no_privileges, "[00] 2026-11-27 02:57:01 Error: missing required privilege PROCESS on *.*"},
        {"redo log overtook the copy: that line, not the hint, the thread stop or InnoDB's shutdown note after it",
         log_overwritten, "[00] 2026-11-27 03:01:41 Was only able to copy log from 1252789781 to 1255469484, not 2001412695"},
        {"stdout closed under it: the FATAL ERROR line after the write error", stdout_closed,
         "[00] FATAL ERROR: 2026-11-27 03:01:47 mariabackup: Error: failed to copy datafile."},
        {"mysqld killed mid-backup: the FATAL ERROR line, after progress lines that follow earlier errors",
         server_killed,
         "[00] FATAL ERROR: 2026-11-27 03:01:56 failed to execute query BACKUP LOCK `mysql`.`global_priv`: Server has "
         "gone away"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(tool_error_line(r.tail) == r.expected);
    }
}

TEST_CASE("tool_error_line without an error-looking line, and on odd input", "[tool_error_line]") {
    struct row {
        const char* name;
        std::string tail;
        std::string expected;
    };
    const std::vector<row> rows = {
        {"no error-looking line: the last non-empty one", "[00] Streaming ./a.ibd\nsomething unexpected\n\n  \t\n",
         "something unexpected"},
        {"a file or table named failed is no error", "[01] Streaming ./shop/failed_jobs.ibd\n[01] Streaming "
         "./shop/failed.ibd\nmariabackup: Stopping log copying thread.\n",
         "mariabackup: Stopping log copying thread."},
        {"lower-case error inside a name is no error", "[00] Copied file ./mysql/error_log.CSV\nlast words\n",
         "last words"},
        {"a [Note] that mentions a failure is not the cause",
         "2024-01-01 10:00:00 0 [ERROR] InnoDB: Operating system error number 28 in a file operation.\n"
         "2024-01-01 10:00:00 0 [Note] InnoDB: Starting shutdown... (flush failed)\n",
         "2024-01-01 10:00:00 0 [ERROR] InnoDB: Operating system error number 28 in a file operation."},
        {"xtrabackup's lower-case 'error:'", "xtrabackup: error: log block numbers mismatch\nxtrabackup: done\n",
         "xtrabackup: error: log block numbers mismatch"},
        {"CRLF and trailing blanks are trimmed", "FATAL ERROR: boom  \r\nshutting down\r\n", "FATAL ERROR: boom"},
        {"no newline at the end", "first\nFailed to connect", "Failed to connect"},
        {"empty", "", ""},
        {"only blank lines", "\n \n\t\r\n", ""},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(tool_error_line(r.tail) == r.expected);
    }
}

TEST_CASE("looks_like_tool_error", "[tool_error_line]") {
    struct row {
        const char* line;
        bool error;
    };
    const std::vector<row> rows = {
        {"2024-01-01 10:00:00 0 [ERROR] InnoDB: Unable to lock ./ibdata1 error: 11", true},
        {"[00] FATAL ERROR: 2026-11-27 03:01:47 mariabackup: Error: failed to copy datafile.", true},
        {"mariabackup: Error writing file 'UNKNOWN' (errno: 32 \"Broken pipe\")", true},
        {"ERROR 1045 (28000): Access denied for user 'root'@'localhost'", true},
        {"Access denied for user 'backup'@'localhost' (using password: YES)", true},
        {"[00] 2026-11-27 03:01:53 Error: failed to execute query SHOW STATUS LIKE 'Innodb_lsn_flushed'", true},
        {"the copy failed.", true},
        {"[00] 2026-11-27 03:01:41 Was only able to copy log from 1 to 2, not 3", true},
        {"2026-11-27  3:01:41 0 [Note] InnoDB: Starting shutdown...", false},
        {"2024-01-01 10:00:00 0 [Warning] InnoDB: Retry attempts for reading partial data failed.", false},
        {"[00] 2026-11-27 03:01:41 mariabackup: Try increasing the innodb_log_file_size.", false},
        {"[01] 2026-11-27 03:01:35 Streaming ./shop/failed_jobs.ibd to <STDOUT>", false},
        {"[01] 2026-11-27 03:01:35 Streaming ./shop/failed.frm to <STDOUT>", false},
        {"[00] 2026-11-27 03:01:35 Copied file ./mysql/error_log.CSV", false},
        {"[00] 2026-11-27 02:56:51 completed OK!", false},
    };
    for (const auto& r : rows) {
        INFO(r.line);
        CHECK(looks_like_tool_error(r.line) == r.error);
    }
}

TEST_CASE("mentions_disk_full on what the tools print", "[tool_error_line]") {
    struct row {
        const char* name;
        std::string text;
        bool full;
    };
    const std::vector<row> rows = {
        {"mbstream: Errcode: 28 (captured)", mbstream_enospc, true},
        {"mariabackup: errno: 28 \"No space left on device\" (captured)", mariabackup_enospc, true},
        {"InnoDB inside --prepare: failed with error 28 (captured)", prepare_enospc, true},
        // os_file_handle_error_cond_exit() in storage/innobase/os/os0file.cc, where a write (not a preallocation)
        // meets ENOSPC; it does not print the errno for ENOSPC. Text from the source, not captured.
        {"InnoDB's own words: Disk is full", "2026-12-01 20:41:22 0 [ERROR] InnoDB: Disk is full. Try to clean the "
         "disk to free space.\n", true},
        {"a quota: the same mbstream line with EDQUOT's text (constructed: no quota-enabled filesystem here)",
         "mbstream: Error writing file './ibdata1' (Errcode: 122 \"Disk quota exceeded\")\n", true},
        {"errno 28 without the colon", "write failed: errno 28\n", true},
        {"a broken pipe is no full disk", stdout_closed, false},
        {"a refused login is no full disk", wrong_password, false},
        {"the redo log overtaking the copy is no full disk", log_overwritten, false},
        {"empty", "", false},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(mentions_disk_full(r.text) == r.full);
    }
}

TEST_CASE("last_lines", "[tool_error_line]") {
    struct row {
        const char* name;
        std::string tail;
        std::size_t n;
        std::string expected;
    };
    const std::vector<row> rows = {
        {"the last three lines of a real tail, joined (mariabackup begins its write error with BEL)", stdout_closed, 3,
         "[00] 2026-11-27 03:01:47         ...done | \amariabackup: Error writing file 'UNKNOWN' (errno: 32 \"Broken "
         "pipe\") | [00] FATAL ERROR: 2026-11-27 03:01:47 mariabackup: Error: failed to copy datafile."},
        {"two lines of the extractor's full disk, as the disk-full message shows them", mbstream_enospc, 2,
         "mbstream: Error writing file './ibdata1' (Errcode: 28 \"No space left on device\") | [00] 2026-12-01 "
         "20:36:50 mbstream: my_write() failed."},
        {"fewer lines than asked: all of them", "only line\n", 3, "only line"},
        {"blank lines do not count, and the last line needs no newline", "a\n\n  \nb\n\t\nc", 2, "b | c"},
        {"a line keeps its own trailing blanks", "a  \nb\n", 3, "a   | b"},
        {"nothing written", "", 3, "(it wrote nothing to stderr)"},
        {"only blank lines", "\n \r\n\t\n", 3, "(it wrote nothing to stderr)"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(last_lines(r.tail, r.n) == r.expected);
    }
}
