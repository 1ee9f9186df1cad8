// `mysql-agent reseed`: asks the next `init` of this pod to replace its data with a clone of the most advanced
// peer. Run in the sidecar container, then restart the pod. Nothing is deleted now: init moves the old data aside
// at commit, once the new clone is verified and prepared, and deletes it only after the marker is written.
// The request is signed with the backup token (core/reseed_request.hpp): init ignores a request it cannot verify,
// so this refuses (exit 3) to write one without the token.

#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "command.hpp"
#include "connection_flags.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/reseed_request_file.hpp"
#include "mysql_agent/io/secret_file.hpp"

namespace mysql_agent::cmd {
namespace {

namespace fs = std::filesystem;

struct reseed_options : pod_flags {
    std::string reason = "asked by an operator";
    std::string auth_token_file = "/etc/mysql-secrets/backup-token";  ///< where the manifests mount it
};

int run_reseed(const reseed_options& opts) {
    const pod_identity self = identity_of(opts);
    std::error_code ec;
    if (!fs::is_directory(opts.datadir, ec))
        throw config_error("--datadir " + opts.datadir + " is not a directory: run this in a container that mounts "
                           "the data volume (the sidecar)");
    if (opts.auth_token_file.empty())
        throw config_error("no --auth-token-file: the request is signed with the backup token, and init ignores a "
                           "request it cannot verify");
    const std::string token = read_secret_file(opts.auth_token_file, "--auth-token-file");
    write_reseed_request(fs::path(opts.datadir),
                         {rfc3339_seconds(std::chrono::system_clock::now()), self.hostname, opts.reason}, token);
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
    sub->add_option("--auth-token-file", opts->auth_token_file,
                    "File holding the backup token (the one init and the sidecar read): the request is signed with "
                    "it, and init acts only on a request whose signature it verifies")
        ->capture_default_str();
    bind_environment(*sub);
    return {sub, [opts] { return guarded("reseed", [&] { return run_reseed(*opts); }); }};
}

}  // namespace mysql_agent::cmd
