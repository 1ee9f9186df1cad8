#pragma once
// Why a TLS handshake with a donor failed, said so that an operator at 3 a.m. knows what to fix: which name was
// checked, against which CA, whether the certificate expired, or whether the donor speaks TLS at all. The I/O
// side (io/tls_context.hpp) records the facts from OpenSSL's verification; this turns them into one line.

#include <string>
#include <vector>

namespace mysql_agent {

enum class tls_failure_kind {
    untrusted,            ///< the chain does not lead to the CA in --tls-ca (or is self-signed, incomplete)
    name_mismatch,        ///< the certificate does not name the host we connected to (or --tls-server-name)
    expired,              ///< notAfter has passed
    not_yet_valid,        ///< notBefore is in the future (clock skew, or a certificate issued a moment ago)
    other_verification,   ///< another verification error (OpenSSL's text in `detail`)
    not_tls,              ///< the donor answered in plaintext: it serves without --tls-cert
    client_cert_refused,  ///< the donor's handshake refused our certificate, or it wants one we did not send
    client_cert_expired,  ///< the donor refused our certificate as expired
    handshake,            ///< the handshake failed for another reason (`detail`)
};

/// Whom the handshake was with: a donor's sidecar (--tls-ca, the pods' CA) or an object store (--ca-file).
enum class tls_peer_kind { donor, store };

/// What is known about a failed TLS handshake with a donor or a store.
struct tls_failure_facts {
    tls_failure_kind kind = tls_failure_kind::handshake;
    tls_peer_kind peer_kind = tls_peer_kind::donor;
    bool ca_from_flag = true;   ///< ca_file was given (--tls-ca, --ca-file), not the store's default bundle
    std::string peer;           ///< "mysql-0.mysql:3307"
    std::string checked_name;   ///< the name the certificate must carry
    bool name_from_flag = false;  ///< checked_name came from --tls-server-name
    std::string ca_file;        ///< --tls-ca, --ca-file or the bundle found (core/objstore/ca_bundle.hpp)
    std::string detail;         ///< OpenSSL's own words
    std::string subject;        ///< the certificate that failed, if one was seen ("CN=mysql-0")
    std::string cert_names;     ///< its DNS names, "*.mysql, *.mysql.db.svc"
    std::string not_before;     ///< "2026-12-01 10:00:00 UTC"
    std::string not_after;
    std::string client_cert;    ///< ours, when we sent one: "--tls-cert /etc/tls/tls.crt (CN=mysql-1, ...)"
};

/// One line: what failed with which donor or store, the certificate's own facts, and what to change.
std::string tls_failure_message(const tls_failure_facts& f);

}  // namespace mysql_agent

namespace mysql_agent {

/// Whether a certificate with these subjectAltNames is valid for `host` (RFC 6125 section 6.4): a DNS name
/// matches case-insensitively; a wildcard is the whole leftmost label ("*.mysql") and stands for exactly one
/// label, so "*.mysql" covers "mysql-0.mysql" but neither "mysql" nor "a.mysql-0.mysql". OpenSSL's own check
/// refuses wildcards with fewer than two labels after them, yet the peer names of a StatefulSet
/// ("mysql-0.mysql", through the pod's DNS search path) have only one. An IP address matches only an IP entry,
/// compared as text in its canonical form (the caller normalises both).
bool certificate_names_host(const std::string& host, const std::vector<std::string>& dns_names,
                            const std::vector<std::string>& ip_addresses);

}  // namespace mysql_agent
