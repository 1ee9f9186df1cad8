#pragma once
// Glue shared by the subcommand files: registration, environment variables, the error boundary.

#include <functional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace mysql_agent::cmd {

/// A registered subcommand: its parser and what runs when it was chosen (returns the exit code).
struct command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

/// Lets every long flag of `sub` come from the environment as MYSQL_AGENT_<FLAG> (`--auth-token-file`
/// -> MYSQL_AGENT_AUTH_TOKEN_FILE). Call after all options are added.
void bind_environment(CLI::App& sub);

/// Runs `body` and turns any exception escaping it into one clear error line ("mysql-agent <subcommand>:
/// <message>", logged in the --log-format) and a distinct exit code: the one boundary between the subcommands,
/// which always throw (core/errors.hpp), and the process's exit code.
int guarded(std::string_view subcommand, const std::function<int()>& body);

/// The short hostname of this machine (the pod name in Kubernetes).
std::string local_hostname();

// One function per subcommand file.
command add_init(CLI::App& app);
command add_inspect_backup(CLI::App& app);
command add_replication_sql(CLI::App& app);
command add_install(CLI::App& app);
command add_probe(CLI::App& app);
command add_clone(CLI::App& app);
command add_sidecar(CLI::App& app);
command add_status(CLI::App& app);
command add_reseed(CLI::App& app);
command add_backup(CLI::App& app);
command add_backups(CLI::App& app);
command add_restore(CLI::App& app);

}  // namespace mysql_agent::cmd
