// `mysql-agent reseed`: asks the next `init` of this pod to replace its data with a clone of the most advanced
// peer. Run in the sidecar container, then restart the pod. Nothing is deleted now: init moves the old data aside
// at commit, once the new clone is verified and prepared, and deletes it only after the marker is written.

#include <ctime>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "connection_flags.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/atomic_file.hpp"

namespace mysql_agent::cmd {
namespace {

namespace fs = std::filesystem;

struct reseed_options : pod_flags {
    std::string reason = "asked by an operator";
};

int run_reseed(const reseed_options& opts) {
    const pod_identity self = identity_of(opts);
    std::error_code ec;
    if (!fs::is_directory(opts.datadir, ec))
        throw config_error("--datadir " + opts.datadir + " is not a directory: run this in a container that mounts "
                           "the data volume (the sidecar)");
    char when[32];
    const std::time_t now = std::time(nullptr);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    write_file_atomically(fs::path(opts.datadir) / reseed_request_file,
                          fmt::format("requested_at: {}\nreason: {}\n", when, opts.reason),
                          atomic_write_options{.mode = 0640, .temp_dir = std::nullopt});
    std::cout << fmt::format(
        "{}: re-seed requested. Restart the pod (kubectl delete pod {}): its init clones the most advanced peer, "
        "then replaces this datadir's data with it (nothing is deleted before the new clone is committed).{}\n",
        self.hostname, self.hostname,
        self.is_primary() ? " This is ordinal 0: transactions that never reached the peers are lost." : "");
    return exit_code::ok;
}

}  // namespace

command add_reseed(CLI::App& app) {
    auto opts = std::make_shared<reseed_options>();
    CLI::App* sub = app.add_subcommand(
        "reseed",
        "Ask the next `init` of this pod to replace its data with a clone of the most advanced peer (a replica that "
        "can never catch up: its primary purged what it needs, error 1236). Writes the request into the datadir; "
        "restart the pod to carry it out. Nothing is deleted until the new clone is committed.");
    add_pod_flags(*sub, *opts);
    sub->add_option("--reason", opts->reason, "Why, recorded with the request")->capture_default_str();
    bind_environment(*sub);
    return {sub, [opts] { return guarded("reseed", [&] { return run_reseed(*opts); }); }};
}

}  // namespace mysql_agent::cmd
