#include "mysql_agent/core/tls_diagnosis.hpp"

#include <string_view>

namespace mysql_agent {
namespace {

std::string certificate_text(const tls_failure_facts& f) {
    return f.subject.empty() ? std::string("its certificate") : "its certificate (" + f.subject + ")";
}

std::string with_detail(const tls_failure_facts& f) {
    return f.detail.empty() ? std::string() : " [" + f.detail + "]";
}


bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool dns_name_matches(std::string_view pattern, std::string_view host) {
    if (pattern.empty() || host.empty()) return false;
    if (!pattern.starts_with("*.")) return equal_ignoring_case(pattern, host);
    const std::string_view suffix = pattern.substr(1);  // ".mysql"
    if (suffix.size() < 2 || suffix.find('*') != std::string_view::npos) return false;
    const auto dot = host.find('.');
    if (dot == 0 || dot == std::string_view::npos) return false;  // the wildcard stands for one non-empty label
    return equal_ignoring_case(host.substr(dot), suffix);
}

}  // namespace

std::string tls_failure_message(const tls_failure_facts& f) {
    const bool store = f.peer_kind == tls_peer_kind::store;
    const std::string head = std::string(store ? "TLS with the store " : "TLS with donor ") + f.peer + " failed: ";
    const std::string ca = store ? (f.ca_from_flag ? "--ca-file " + f.ca_file
                                                   : "the CA bundle " + f.ca_file + " (no --ca-file given)")
                                 : "--tls-ca " + f.ca_file;
    switch (f.kind) {
        case tls_failure_kind::untrusted:
            if (store)
                return head + certificate_text(f) + " is not signed by a CA in " + ca + with_detail(f) +
                       ": give --ca-file with the CA that signed the store's certificate";
            return head + certificate_text(f) + " is not signed by the CA in " + ca + with_detail(f) +
                   ": both pods must use certificates from the same issuer (mount the same CA)";
        case tls_failure_kind::name_mismatch:
            return head + certificate_text(f) + " is not valid for the name '" + f.checked_name + "'" +
                   (f.cert_names.empty() ? std::string(" (it carries no DNS name)")
                                         : " (it names " + f.cert_names + ")") +
                   (store ? ": give --endpoint a host name the store's certificate carries"
                    : f.name_from_flag ? ": fix --tls-server-name or the Certificate's dnsNames"
                                       : ": add the peer names (*.<service>) to the Certificate's dnsNames, or pass "
                                         "--tls-server-name with a name it carries");
        case tls_failure_kind::expired:
            return head + certificate_text(f) + " expired" +
                   (f.not_after.empty() ? std::string() : " at " + f.not_after) +
                   (store ? ": the store must renew it, or check this machine's clock"
                          : ": renew it (cert-manager renews before expiry: check the Certificate's status) or check "
                            "this machine's clock");
        case tls_failure_kind::not_yet_valid:
            return head + certificate_text(f) + " is not valid yet" +
                   (f.not_before.empty() ? std::string() : " (from " + f.not_before + ")") +
                   ": check the clocks of both machines";
        case tls_failure_kind::other_verification:
            return head + certificate_text(f) + " did not verify against " + ca + with_detail(f);
        case tls_failure_kind::not_tls:
            if (store)
                return head + "it does not speak TLS" + with_detail(f) +
                       ": give --endpoint http://... if the store serves plaintext (never over an untrusted network)";
            return head + "it does not speak TLS" + with_detail(f) +
                   ": start its sidecar with --tls-cert and --tls-key, or drop --tls-ca here (never over an "
                   "untrusted network)";
        case tls_failure_kind::client_cert_refused:
            if (f.client_cert.empty())
                return head + "it requires a client certificate" + (store ? "" : " signed by its --tls-client-ca") +
                       with_detail(f) + (store ? ", which the agent does not send to stores"
                                               : ": pass --tls-cert and --tls-key with a certificate from that CA");
            return head + "it refused our client certificate, " + f.client_cert + with_detail(f) +
                   ": pass --tls-cert and --tls-key with a certificate signed by the CA in the donor's "
                   "--tls-client-ca (the CA that issues the pods' certificates)";
        case tls_failure_kind::client_cert_expired:
            return head + "it refused our client certificate as expired, " +
                   (f.client_cert.empty() ? std::string("--tls-cert") : f.client_cert) + with_detail(f) +
                   ": renew it (cert-manager renews before expiry: check the Certificate's status) or check the "
                   "clocks of both machines";
        case tls_failure_kind::handshake:
            break;
    }
    return head + "the handshake failed" + with_detail(f) + " (CA " + ca + ", name '" + f.checked_name + "')";
}

bool certificate_names_host(const std::string& host, const std::vector<std::string>& dns_names,
                            const std::vector<std::string>& ip_addresses) {
    const bool is_ip = host.find(':') != std::string::npos ||
                       (!host.empty() && host.find_first_not_of("0123456789.") == std::string::npos);
    if (is_ip) {
        for (const auto& ip : ip_addresses)
            if (ip == host) return true;
        return false;
    }
    std::string_view h = host;
    if (h.ends_with('.')) h.remove_suffix(1);  // a fully qualified name's root dot
    for (const auto& name : dns_names)
        if (dns_name_matches(name, h)) return true;
    return false;
}

}  // namespace mysql_agent
