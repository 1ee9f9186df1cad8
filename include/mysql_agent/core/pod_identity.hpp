#pragma once
// Who this pod is inside its StatefulSet: name, ordinal, server-id and peer names.

#include <cstdint>
#include <string>
#include <string_view>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// A pod of a StatefulSet: `mysql-2` is (statefulset "mysql", ordinal 2).
struct pod_identity {
    std::string hostname;     ///< the short pod name, e.g. "mysql-2"
    std::string statefulset;  ///< e.g. "mysql"
    std::uint32_t ordinal = 0;

    /// Ordinal 0 is the primary.
    bool is_primary() const noexcept { return ordinal == 0; }
};

/// Largest ordinal accepted (Kubernetes ordinals are int32).
inline constexpr std::uint32_t max_ordinal = 2147483647U;

/// Parses a pod hostname (or the first label of an FQDN) into StatefulSet name and ordinal.
/// The name must be a DNS-1123 label and the ordinal a decimal number without sign or leading
/// zeros, at most `max_ordinal`. Errors name the hostname.
result<pod_identity> parse_pod_hostname(std::string_view hostname);

/// Checks that `label` is an RFC 1123 DNS label (what Kubernetes accepts for a Service name).
/// `what` names the input in the error ("--service").
status check_dns_label(std::string_view label, std::string_view what);

/// server-id = base + ordinal; an error unless it lies in 1..4294967295.
result<std::uint32_t> server_id_for(std::uint64_t base, std::uint32_t ordinal);

/// The stable DNS name of ordinal `k` of the same StatefulSet: `<sts>-<k>.<service>`.
std::string peer_host(const pod_identity& self, std::uint32_t k, std::string_view service);

/// This pod's own stable DNS name: `<hostname>.<service>`.
std::string own_host(const pod_identity& self, std::string_view service);

}  // namespace mysql_agent
