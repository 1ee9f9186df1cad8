#pragma once
// Which CA bundle verifies an https store when --ca-file is not given. The agent is one static binary that runs in
// images of every family: its own (FROM scratch, with Debian's bundle copied in), the MariaDB and MySQL images (Debian
// or Ubuntu), Percona's (Oracle Linux), and whatever else an operator picks. Its static OpenSSL knows only the
// build machine's OPENSSLDIR (/usr/lib/ssl), which most of those images lack, so the bundle is looked for where the
// distributions put it, and where there is none the store is not contacted: a one-line error says what to mount.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mysql_agent::objstore {

/// The single-file PEM bundles of the ca-certificates packages, in the order they are tried: Debian and Ubuntu (and
/// the agent's image), Fedora, RHEL and Oracle Linux, Alpine (and macOS-like layouts), openSUSE.
inline constexpr std::string_view well_known_ca_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
};

/// The first of `candidates` for which `readable` holds; nullopt when none does.
std::optional<std::string> first_ca_bundle(std::span<const std::string_view> candidates,
                                           const std::function<bool(std::string_view)>& readable);

/// The error for an https `endpoint` with no --ca-file and none of `candidates` readable: what was looked for
/// and what to do.
std::string no_ca_bundle_message(std::string_view endpoint, std::span<const std::string_view> candidates);

}  // namespace mysql_agent::objstore
