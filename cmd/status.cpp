// `mysql-agent status`: this pod at a glance, for a person (a table) or a script (--json). Run it in the pod:
// `kubectl exec mysql-1 -c agent-sidecar -- mysql-agent status`.

#include <charconv>
#include <iostream>

#include "command.hpp"
#include "connection_flags.hpp"
#include "tls_flags.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/exit_codes.hpp"
#include "mysql_agent/io/status_facts.hpp"

namespace mysql_agent::cmd {
namespace {

struct status_options {
    local_flags local;
    std::string sidecar = "127.0.0.1:3307";
    bool json = false;
    unsigned timeout = 3;
    tls_client_flags tls;
};

std::pair<std::string, std::uint16_t> split_sidecar(const std::string& text) {
    const auto colon = text.rfind(':');
    unsigned port = 0;
    if (colon != std::string::npos) {
        const char* first = text.data() + colon + 1;
        const char* last = text.data() + text.size();
        const auto [end, ec] = std::from_chars(first, last, port);
        if (ec == std::errc() && end == last && port > 0 && port <= 65535) {
            std::string host = text.substr(0, colon);
            if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
            return {host, static_cast<std::uint16_t>(port)};
        }
    }
    throw config_error("--sidecar " + text + ": expected HOST:PORT with a numeric IP, e.g. 127.0.0.1:3307");
}

int run_status(const status_options& o) {
    const pod_identity self = identity_of(o.local);
    status_gather_options g;
    g.connection = connection_of(o.local);
    g.datadir = o.local.datadir;
    g.pod = self.hostname;
    g.is_primary = self.is_primary();
    std::tie(g.sidecar_host, g.sidecar_port) = split_sidecar(o.sidecar);
    g.timeout = std::chrono::seconds(o.timeout);
    g.sidecar_tls = tls_client_of(o.tls);
    // The sidecar's certificate names this pod's peer name, not the loopback address status connects to.
    if (g.sidecar_tls && !g.sidecar_tls->server_name) g.sidecar_tls->server_name = self.hostname + "." + o.local.service;
    if (g.sidecar_tls) client_tls_context(*g.sidecar_tls);  // a file that does not load: exit 3 now, not a table row
    const status_facts facts = gather_status(g);
    if (o.json)
        std::cout << status_json(facts).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    else
        std::cout << render_status_table(facts);
    return facts.mysqld_answers ? exit_code::ok : exit_code::mysql;
}

}  // namespace

command add_status(CLI::App& app) {
    auto opts = std::make_shared<status_options>();
    CLI::App* sub = app.add_subcommand(
        "status",
        "Show this pod at a glance: role, server-id, flavour and version, GTID position, replication source and "
        "threads, lag and last errors, the clone it was made from, and the backups its sidecar served (read from "
        "the sidecar's /metrics). --json for scripts. Exit 0 when printed, 6 when mysqld does not answer (what is "
        "known is still printed), 3 on a configuration error.");
    add_local_flags(*sub, opts->local);
    sub->add_option("--sidecar", opts->sidecar, "HOST:PORT of this pod's sidecar (for the backups it served)")
        ->capture_default_str();
    sub->add_flag("--json", opts->json, "Print one JSON object instead of the table");
    sub->add_option("--timeout", opts->timeout, "Seconds for connecting and each query or request")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    add_tls_client_flags(*sub, opts->tls, "the sidecar (whose certificate must name <hostname>.<service> unless "
                         "--tls-server-name says otherwise)");
    bind_environment(*sub);
    return {sub, [opts] { return guarded("status", [&] { return run_status(*opts); }); }};
}

}  // namespace mysql_agent::cmd
