#include "mysql_agent/io/backup_store/restore_check.hpp"

#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_store/restore_check.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/tool_error_line.hpp"
#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/io/private_dir.hpp"
#include "mysql_agent/io/private_server.hpp"


namespace mysql_agent::backup_store {
namespace {

namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;

}  // namespace

restore_check_report verify_by_restoring(const restore_check_options& o) {
    restore_check_report report;
    // The scratch dirs of earlier checks whose agent died (their lock went with it): removed first.
    sweep_stale_private_dirs(o.scratch);
    private_dir scratch(o.scratch);
    restore_options r = o.restore;
    r.target.datadir = scratch.path() / "data";
    const auto started = clock::now();
    const clone_outcome restored = restore_datadir(r);
    report.source = restored.marker.source;
    report.datadir_bytes = restored.marker.datadir_bytes;
    report.restore_seconds = std::chrono::duration<double>(clock::now() - started).count();

    const fs::path socket = scratch.path() / "mysqld.sock", error_log = scratch.path() / "mysqld.err";
    const auto checking = clock::now();
    private_server server(o.mysqld, scratch_server_args(r.target.datadir, socket, error_log, effective_user_name()),
                          "the restore check of " + report.source);
    mysql_connection c;
    c.socket = socket.string();
    c.user = "root";
    c.read_timeout = std::chrono::hours(1);  // CHECK TABLE of a large table takes its time
    std::optional<mysql_client> client;
    client.emplace(server.connect(c, error_log, o.start_timeout));
    const auto tables = tables_of(client->query(base_tables_query()));
    if (!tables) throw clone_failed_error("the restore check: " + tables.message());
    std::vector<std::string> failed;
    for (const auto& t : *tables) {
        if (auto verdict = check_table_verdict(client->query(check_table_statement(t))); !verdict) {
            failed.push_back(t.schema + "." + t.name + " (" + verdict.message() + ")");
            continue;
        }
        const std::string n = first_value(client->query(count_rows_statement(t)), "n");
        report.rows += std::strtoull(n.c_str(), nullptr, 10);
        ++report.tables;
    }
    client.reset();
    server.stop();
    report.check_seconds = std::chrono::duration<double>(clock::now() - checking).count();
    if (!failed.empty())
        throw bad_input_error("the restore check of " + report.source + ": " + std::to_string(failed.size()) + " of " +
                              std::to_string(tables->size()) + " tables failed CHECK TABLE: " + [&] {
                                  std::string all;
                                  for (const auto& f : failed) all += (all.empty() ? "" : ", ") + f;
                                  return all;
                              }());
    return report;
}

}  // namespace mysql_agent::backup_store
