#include "mysql_agent/core/pod_identity.hpp"

#include <charconv>
#include <limits>

namespace mysql_agent {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// RFC 1123 label: 1-63 of [a-z0-9-], starting and ending with [a-z0-9].
// https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
bool is_dns_label(std::string_view s) {
    if (s.empty() || s.size() > 63) return false;
    if (!is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
    for (char c : s)
        if (!is_lower_alnum(c) && c != '-') return false;
    return true;
}

}  // namespace

status check_dns_label(std::string_view label, std::string_view what) {
    if (is_dns_label(label)) return ok();
    return error{std::string(what) + " '" + std::string(label) +
                 "' is not a DNS label (1-63 characters a-z, 0-9 and '-', starting and ending with a letter or digit)"};
}

result<pod_identity> parse_pod_hostname(std::string_view hostname) {
    const std::string quoted = "'" + std::string(hostname) + "'";
    const std::string_view short_name = hostname.substr(0, hostname.find('.'));
    const auto dash = short_name.rfind('-');
    if (short_name.empty() || dash == std::string_view::npos)
        return error{"hostname " + quoted +
                     " is not a StatefulSet pod name <statefulset>-<ordinal> (like mysql-2); pass --hostname"};
    const std::string_view name = short_name.substr(0, dash);
    const std::string_view digits = short_name.substr(dash + 1);
    if (digits.empty())
        return error{"hostname " + quoted + " has no ordinal after the last '-' (expected like mysql-2)"};
    for (char c : digits)
        if (c < '0' || c > '9')
            return error{"hostname " + quoted + " ends in '" + std::string(digits) +
                         "', not a decimal ordinal (expected like mysql-2)"};
    if (digits.size() > 1 && digits.front() == '0')
        return error{"hostname " + quoted + " has an ordinal with a leading zero; Kubernetes never names pods so"};
    std::uint64_t ordinal = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ordinal);
    if (ec != std::errc{} || ptr != digits.data() + digits.size() || ordinal > max_ordinal)
        return error{"hostname " + quoted + " has ordinal " + std::string(digits) + ", above the largest (" +
                     std::to_string(max_ordinal) + ")"};
    if (!is_dns_label(name))
        return error{"hostname " + quoted + ": StatefulSet name '" + std::string(name) +
                     "' is not a DNS label (a-z, 0-9 and '-', starting and ending with a letter or digit)"};
    return pod_identity{std::string(short_name), std::string(name), static_cast<std::uint32_t>(ordinal)};
}

result<std::uint32_t> server_id_for(std::uint64_t base, std::uint32_t ordinal) {
    constexpr std::uint64_t max_id = std::numeric_limits<std::uint32_t>::max();
    // server-id 0 makes a server refuse to replicate; the variable is a 32-bit unsigned.
    // https://dev.mysql.com/doc/refman/8.0/en/replication-options.html#sysvar_server_id
    if (base > max_id || base + ordinal > max_id)
        return error{"server-id " + std::to_string(base) + " + ordinal " + std::to_string(ordinal) +
                     " exceeds 4294967295; lower --server-id-base"};
    const std::uint64_t id = base + ordinal;
    if (id == 0) return error{"server-id would be 0, which disables replication; use --server-id-base 1 or more"};
    return static_cast<std::uint32_t>(id);
}

std::string peer_host(const pod_identity& self, std::uint32_t k, std::string_view service) {
    return self.statefulset + "-" + std::to_string(k) + "." + std::string(service);
}

std::string own_host(const pod_identity& self, std::string_view service) {
    return self.hostname + "." + std::string(service);
}

}  // namespace mysql_agent
