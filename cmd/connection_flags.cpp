#include "connection_flags.hpp"

#include "command.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/secret_file.hpp"

namespace mysql_agent::cmd {

void add_pod_flags(CLI::App& sub, pod_flags& f) {
    sub.add_option("--hostname", f.hostname, "This pod's name <statefulset>-<ordinal> (default: the machine's hostname)");
    sub.add_option("--service", f.service, "Headless Service of the StatefulSet (peers are <sts>-<k>.<service>)")
        ->capture_default_str();
    sub.add_option("--datadir", f.datadir, "MySQL data directory (the data volume; holds the clone marker)")
        ->capture_default_str();
}

void add_local_flags(CLI::App& sub, local_flags& f) {
    add_pod_flags(sub, f);
    sub.add_option("--mysql-host", f.mysql_host, "Host of the local mysqld")->capture_default_str();
    sub.add_option("--mysql-port", f.mysql_port, "Port of the local mysqld")->capture_default_str();
    sub.add_option("--mysql-socket", f.mysql_socket,
                   "Unix socket of the local mysqld; when set, used instead of --mysql-host/--mysql-port");
    sub.add_flag("--mysql-tls", f.mysql_tls,
                 "Require TLS to the local mysqld (its certificate is not verified); without it the connection is "
                 "plain (caching_sha2_password then uses the unix socket or the server's RSA key)");
    sub.add_option("--user", f.user,
                   "MySQL user for the local mysqld (mysql_native_password, caching_sha2_password or sha256_password)")
        ->capture_default_str();
    sub.add_option("--password-file", f.password_file, "File holding --user's password (trailing whitespace trimmed)");
}

pod_identity identity_of(const pod_flags& f) {
    const auto self = parse_pod_hostname(f.hostname.empty() ? local_hostname() : f.hostname);
    if (!self) throw config_error("--hostname: " + self.message());
    if (const auto s = check_dns_label(f.service, "--service"); !s) throw config_error(s.message());
    return *self;
}

mysql_connection connection_of(const local_flags& f) {
    mysql_connection o;
    o.host = f.mysql_host;
    o.port = f.mysql_port;
    o.socket = f.mysql_socket;
    o.tls = f.mysql_tls;
    o.user = f.user;
    // The pod's own mysqld, over loopback or the pod's network namespace: nobody can sit between the agent and it,
    // so the RSA key it sends for a caching_sha2_password full authentication over TCP may be used.
    o.get_server_public_key = true;
    if (!f.password_file.empty()) o.password = read_secret_file(f.password_file, "--password-file");
    return o;
}

}  // namespace mysql_agent::cmd
