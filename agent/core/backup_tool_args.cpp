#include "mysql_agent/core/backup_tool_args.hpp"

namespace mysql_agent {

std::vector<std::string> backup_tool_arguments(const backup_tool_settings& settings, std::string_view defaults_file,
                                               std::string_view target_dir) {
    std::vector<std::string> args = {
        "--defaults-extra-file=" + std::string(defaults_file),
        "--backup",
        "--stream=xbstream",
        "--target-dir=" + std::string(target_dir),
    };
    if (!settings.datadir.empty()) args.push_back("--datadir=" + settings.datadir);
    // Both tools take it: https://mariadb.com/kb/en/mariabackup-options/#-open-files-limit
    if (settings.open_files_limit > 0) args.push_back("--open-files-limit=" + std::to_string(settings.open_files_limit));
    if (settings.replica) {
        // A replica's backup must say where it was in its source's binlog, so the clone can replicate from
        // the primary: https://mariadb.com/kb/en/mariabackup-options/#-slave-info
        args.emplace_back("--slave-info");
        // Stops the SQL thread while no temporary tables are open, so none is lost from the backup:
        // https://mariadb.com/kb/en/mariabackup-options/#-safe-slave-backup
        if (settings.mariadb) args.emplace_back("--safe-slave-backup");
    }
    return args;
}

std::string option_file_value(std::string_view value) {
    // Inside double quotes the option-file parser turns \" into " and \\ into \, and knows \n \r \t
    // (mysys/my_default.c); a raw newline would end the value.
    std::string out = "\"";
    for (char c : value) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default: out += c;
        }
    }
    out += '"';
    return out;
}

std::string client_option_file(const mysql_connection& c) {
    // [client] is read by both tools (mariabackup 10.11 and xtrabackup read "xtrabackup", their own name and
    // "client" for connection options; checked with mariabackup 10.11.19 against a live server).
    std::string out = "# written by mysql-agent sidecar for one backup; removed when it ends\n[client]\n";
    out += "user=" + option_file_value(c.user) + "\n";
    if (!c.password.empty()) out += "password=" + option_file_value(c.password) + "\n";
    if (!c.socket.empty()) {
        // host=localhost is what makes the client library use the socket rather than TCP.
        out += "host=localhost\nsocket=" + option_file_value(c.socket) + "\n";
    } else {
        out += "host=" + option_file_value(c.host) + "\nport=" + std::to_string(c.port) + "\n";
    }
    return out;
}

}  // namespace mysql_agent
