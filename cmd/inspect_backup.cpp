// `mysql-agent inspect-backup DIR`: prints the replication coordinates recorded in a backup as JSON.

#include <iostream>

#include "command.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/backup_dir.hpp"
#include "mysql_agent/core/backup_metadata.hpp"
#include "mysql_agent/core/exit_codes.hpp"

namespace mysql_agent::cmd {
namespace {

struct inspect_backup_options {
    std::string dir;
};

int run_inspect_backup(const inspect_backup_options& opts) {
    const backup_files files = read_backup_files(opts.dir);
    const auto metadata = parse_backup_metadata(files);
    if (!metadata) throw bad_input_error(metadata.message());
    std::cout << to_json(*metadata);
    return exit_code::ok;
}

}  // namespace

command add_inspect_backup(CLI::App& app) {
    auto opts = std::make_shared<inspect_backup_options>();
    CLI::App* sub = app.add_subcommand(
        "inspect-backup",
        "Print the replication coordinates of a backup directory as JSON: binlog position, replication channels, "
        "gtid_purged, gtid_slave_pos (from {mariadb_backup,xtrabackup}_{binlog,slave}_info).");
    sub->add_option("dir", opts->dir, "Backup directory (extracted or prepared)")->required();
    bind_environment(*sub);
    return {sub, [opts] { return guarded("inspect-backup", [&] { return run_inspect_backup(*opts); }); }};
}

}  // namespace mysql_agent::cmd
