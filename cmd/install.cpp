// `mysql-agent install --to DIR`: copies this static binary into DIR (a shared emptyDir), so that containers
// built from other images (mariadb, percona-xtrabackup) can run it.

#include <spdlog/spdlog.h>

#include <filesystem>

#include "command.hpp"
#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"

namespace mysql_agent::cmd {
namespace {

namespace fs = std::filesystem;

struct install_options {
    std::string to;
};

int run_install(const install_options& opts) {
    std::error_code ec;
    if (!fs::is_directory(opts.to, ec))
        throw config_error("--to " + opts.to + " is not a directory (mount the shared emptyDir there)");
    // /proc/self/exe is the running binary even if it was started through a symlink or has been replaced since.
    const std::string binary = read_file("/proc/self/exe");
    const fs::path target = fs::path(opts.to) / "mysql-agent";
    write_file_atomically(target, binary, atomic_write_options{.mode = 0755, .temp_dir = std::nullopt});
    spdlog::info("install: copied mysql-agent {} ({} bytes) to {}", MYSQL_AGENT_VERSION, binary.size(),
                 target.string());
    return exit_code::ok;
}

}  // namespace

command add_install(CLI::App& app) {
    auto opts = std::make_shared<install_options>();
    CLI::App* sub = app.add_subcommand(
        "install", "Copy this static binary to DIR/mysql-agent (for an init container filling a shared emptyDir).");
    sub->add_option("--to", opts->to, "Target directory")->required();
    bind_environment(*sub);
    return {sub, [opts] { return guarded("install", [&] { return run_install(*opts); }); }};
}

}  // namespace mysql_agent::cmd
