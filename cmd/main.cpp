// mysql-agent: turns a StatefulSet of MySQL/MariaDB pods into a primary/replica cluster.

#include <vector>

#include "command.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/logging.hpp"
#include "mysql_agent/io/open_files_limit.hpp"

int main(int argc, char** argv) {
    using namespace mysql_agent;
    setup_logging();
    // The backup tools (a backup, a clone's or restore's --prepare) open every InnoDB tablespace at once and inherit
    // this process's limit: its soft limit raised to the hard one (core/open_files.hpp).
    raise_open_files_limit();
    CLI::App app{"mysql-agent: one static binary that makes a StatefulSet of MySQL/MariaDB pods a primary/replica "
                 "cluster (init container, sidecar, and tools).\nEvery flag can also be set as MYSQL_AGENT_<FLAG>."};
    app.set_version_flag("--version", std::string("mysql-agent ") + MYSQL_AGENT_VERSION);
    app.require_subcommand(1);
    // For tests that check the command lines in manifests/ against this parser: parse, then exit 0.
    bool parse_only = false;
    app.add_flag("--parse-only", parse_only, "Only check the command line; run nothing")->group("");
    std::string log_format_name;
    app.add_option("--log-format", log_format_name,
                   "Log lines as text or json (one JSON object per line); default: text on a terminal, else json")
        ->check(CLI::IsMember({"text", "json"}))
        ->envname("MYSQL_AGENT_LOG_FORMAT");
    // Lets --log-format also come after the subcommand (`mysql-agent sidecar --log-format text`); inherited by
    // the subcommands added below.
    app.fallthrough();

    const std::vector<cmd::command> commands = {
        cmd::add_init(app),
        cmd::add_inspect_backup(app),
        cmd::add_replication_sql(app),
        cmd::add_install(app),
        cmd::add_probe(app),
        cmd::add_clone(app),
        cmd::add_sidecar(app),
        cmd::add_status(app),
        cmd::add_backup(app),
        cmd::add_backups(app),
        cmd::add_restore(app),
        cmd::add_reseed(app),
    };
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? exit_code::ok : exit_code::usage;
    }
    if (!log_format_name.empty()) setup_logging(*parse_log_format(log_format_name));
    if (parse_only) return exit_code::ok;
    for (const auto& c : commands)
        if (c.app->parsed()) return c.run();
    return exit_code::usage;
}
