// `mysql-agent replication-sql DIR ...`: prints the statements that make a server a replica from a backup.

#include <iostream>
#include <optional>

#include "command.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/backup_dir.hpp"
#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/secret_file.hpp"
#include "mysql_agent/core/server_version.hpp"
#include "mysql_agent/core/sql_dialect.hpp"

namespace mysql_agent::cmd {
namespace {

struct replication_sql_options {
    std::string dir;
    std::string server_version;
    std::string source_host;
    std::uint16_t source_port = 3306;
    std::string repl_user = "repl";
    std::string repl_password_file;
    std::string channel;
    std::string gtid = "auto";
    bool show_password = false;
    std::string replication_tls_ca;
};

int run_replication_sql(const replication_sql_options& opts) {
    const auto version = parse_server_version(opts.server_version);
    if (!version) throw config_error("--server-version: " + version.message());
    const auto gtid = parse_gtid_choice(opts.gtid);
    if (!gtid) throw config_error(gtid.message());

    replication_source source{opts.source_host, opts.source_port, opts.repl_user, std::nullopt};
    if (!opts.repl_password_file.empty())
        source.password = read_secret_file(opts.repl_password_file, "--repl-password-file");
    if (!opts.replication_tls_ca.empty()) source.tls_ca = opts.replication_tls_ca;

    const auto metadata = parse_backup_metadata(read_backup_files(opts.dir));
    if (!metadata) throw bad_input_error(metadata.message());
    const auto start = choose_start_coordinates(*metadata, *version, opts.channel, *gtid);
    if (!start) throw bad_input_error("backup " + opts.dir + ": " + start.message());
    const auto statements =
        replication_statements(*start, *version, source, opts.channel,
                               opts.show_password ? secret_rendering::shown : secret_rendering::redacted);
    if (!statements) throw config_error(statements.message());
    for (const auto& s : *statements) std::cout << s << '\n';
    return exit_code::ok;
}

}  // namespace

command add_replication_sql(CLI::App& app) {
    auto opts = std::make_shared<replication_sql_options>();
    CLI::App* sub = app.add_subcommand(
        "replication-sql",
        "Print, one per line, the statements that make a server restored from the backup in DIR a replica "
        "(dry run: nothing is executed).");
    sub->add_option("dir", opts->dir, "Backup directory (extracted or prepared)")->required();
    sub->add_option("--server-version", opts->server_version,
                    "What SELECT VERSION() returns on the new replica (8.0.36, 5.7.44-log, 10.11.19-MariaDB-...)")
        ->required();
    sub->add_option("--source-host", opts->source_host, "Host the replica replicates from")->required();
    sub->add_option("--source-port", opts->source_port, "Port of the source")->capture_default_str();
    sub->add_option("--repl-user", opts->repl_user, "Replication user")->capture_default_str();
    sub->add_option("--repl-password-file", opts->repl_password_file,
                    "File holding the replication password (trailing whitespace trimmed)");
    sub->add_option("--replication-tls-ca", opts->replication_tls_ca,
                    "Replicate over TLS, verifying the source's certificate and name against this CA file (a path on "
                    "the replica's mysqld)");
    sub->add_option("--channel", opts->channel,
                    "Replication channel (MySQL FOR CHANNEL) or connection name (MariaDB); also picks the backup's "
                    "slave-info entry");
    sub->add_option("--gtid", opts->gtid, "auto: GTID when the coordinates carry a GTID set; on; off")
        ->check(CLI::IsMember({"auto", "on", "off"}))
        ->capture_default_str();
    sub->add_flag("--show-password", opts->show_password, "Print the password instead of '<redacted>'");
    bind_environment(*sub);
    return {sub, [opts] { return guarded("replication-sql", [&] { return run_replication_sql(*opts); }); }};
}

}  // namespace mysql_agent::cmd
