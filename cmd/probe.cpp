// `mysql-agent probe live|ready`: Kubernetes exec probes. Exit 0 or 1 with one line saying why.

#include <iostream>

#include "command.hpp"
#include "connection_flags.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/health_facts.hpp"

namespace mysql_agent::cmd {
namespace {

struct probe_options {
    std::string kind;
    local_flags local;
    std::uint64_t max_lag = 60;
    unsigned timeout = 2;
};

int run_probe(const probe_options& o) {
    mysql_connection c = connection_of(o.local);
    // Probes must answer well under the kubelet's timeout (1 s by default): bound every step.
    c.connect_timeout = c.read_timeout = c.write_timeout = std::chrono::seconds(o.timeout);
    probe_verdict v;
    if (o.kind == "live") {
        v = live_verdict(gather_liveness(c));
    } else {
        const pod_identity self = identity_of(o.local);
        v = ready_verdict(gather_readiness(c, o.local.datadir, self.is_primary(), o.max_lag));
    }
    std::cout << (v.ok ? o.kind : "not " + o.kind) << ": " << v.reason << '\n';
    return v.ok ? exit_code::ok : exit_code::probe_failed;
}

}  // namespace

command add_probe(CLI::App& app) {
    auto opts = std::make_shared<probe_options>();
    CLI::App* sub = app.add_subcommand(
        "probe",
        "Kubernetes probe: `live` exits 0 when mysqld answers a ping (never looks at replication); `ready` exits 0 "
        "when the primary is writable, or when a replica cloned by the agent replicates without error within "
        "--max-lag seconds. Prints one line saying why; exit 1 when not live/ready, 3 on a configuration error.");
    sub->add_option("kind", opts->kind, "live | ready")->required()->check(CLI::IsMember({"live", "ready"}));
    add_local_flags(*sub, opts->local);
    sub->add_option("--max-lag", opts->max_lag, "ready: most seconds a replica may lag")->capture_default_str();
    sub->add_option("--timeout", opts->timeout, "Seconds for connecting and each query")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    bind_environment(*sub);
    return {sub, [opts] { return guarded("probe", [&] { return run_probe(*opts); }); }};
}

}  // namespace mysql_agent::cmd
