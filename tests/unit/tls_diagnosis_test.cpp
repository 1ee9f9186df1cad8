// tls_diagnosis: each way a handshake with a donor fails names what to fix.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mysql_agent/core/tls_diagnosis.hpp"

using namespace mysql_agent;
using Catch::Matchers::Contains;

namespace {

tls_failure_facts facts(tls_failure_kind kind) {
    tls_failure_facts f;
    f.kind = kind;
    f.peer = "mysql-0.mysql:3307";
    f.checked_name = "mysql-0.mysql";
    f.ca_file = "/etc/mysql-agent/tls/ca.crt";
    f.subject = "CN=mysql-0";
    f.cert_names = "*.other, other.db.svc";
    f.not_before = "2026-12-01 10:00:00 UTC";
    f.not_after = "2026-12-02 10:00:00 UTC";
    f.detail = "openssl says so";
    return f;
}

struct row {
    const char* shows;
    tls_failure_kind kind;
    const char* must_say;
};

}  // namespace

TEST_CASE("a TLS failure names the donor and what to change, for each kind of failure", "[tls]") {
    const auto r = GENERATE(
        row{"an untrusted chain names the CA file", tls_failure_kind::untrusted, "not signed by the CA in --tls-ca /etc/mysql-agent/tls/ca.crt"},
        row{"a wrong name names the checked name", tls_failure_kind::name_mismatch, "not valid for the name 'mysql-0.mysql'"},
        row{"a wrong name lists the names the certificate carries", tls_failure_kind::name_mismatch, "it names *.other, other.db.svc"},
        row{"an expired certificate says when it expired", tls_failure_kind::expired, "expired at 2026-12-02 10:00:00 UTC"},
        row{"a certificate not valid yet points at the clocks", tls_failure_kind::not_yet_valid, "check the clocks"},
        row{"a plaintext donor is told apart", tls_failure_kind::not_tls, "does not speak TLS"},
        row{"a refused client certificate names the flags to pass", tls_failure_kind::client_cert_refused, "--tls-cert and --tls-key"},
        row{"a client certificate refused as expired says to renew it", tls_failure_kind::client_cert_expired, "renew it"},
        row{"another handshake failure keeps OpenSSL's words", tls_failure_kind::handshake, "[openssl says so]"});
    CAPTURE(r.shows);
    const std::string m = tls_failure_message(facts(r.kind));
    CHECK_THAT(m, Contains("TLS with donor mysql-0.mysql:3307 failed: "));
    CHECK_THAT(m, Contains(r.must_say));
}

TEST_CASE("a wrong name checked because of --tls-server-name points at that flag", "[tls]") {
    auto f = facts(tls_failure_kind::name_mismatch);
    f.name_from_flag = true;
    CHECK_THAT(tls_failure_message(f), Contains("fix --tls-server-name"));
    f.name_from_flag = false;
    CHECK_THAT(tls_failure_message(f), Contains("Certificate's dnsNames"));
}

TEST_CASE("a refused client certificate we sent is named, and the CA it must come from", "[tls]") {
    auto f = facts(tls_failure_kind::client_cert_refused);
    f.detail = "tlsv1 alert unknown ca";
    CHECK_THAT(tls_failure_message(f), Contains("it requires a client certificate"));
    f.client_cert = "--tls-cert /tls/rogue.crt (CN=rogue, names *.mysql, valid until 2027-01-06 00:00:00 UTC)";
    const std::string m = tls_failure_message(f);
    CHECK_THAT(m, Contains("it refused our client certificate, --tls-cert /tls/rogue.crt (CN=rogue"));
    CHECK_THAT(m, Contains("[tlsv1 alert unknown ca]"));
    CHECK_THAT(m, Contains("signed by the CA in the donor's --tls-client-ca"));
    f.kind = tls_failure_kind::client_cert_expired;
    CHECK_THAT(tls_failure_message(f), Contains("as expired, --tls-cert /tls/rogue.crt"));
}

TEST_CASE("a certificate without DNS names says so", "[tls]") {
    auto f = facts(tls_failure_kind::name_mismatch);
    f.cert_names.clear();
    CHECK_THAT(tls_failure_message(f), Contains("carries no DNS name"));
}

namespace {
struct name_row {
    const char* shows;
    const char* host;
    bool valid;
};
}  // namespace

TEST_CASE("certificate_names_host follows RFC 6125 wildcards, one label deep", "[tls]") {
    const std::vector<std::string> dns = {"*.mysql", "*.mysql.db.svc", "Primary.Example"};
    const std::vector<std::string> ips = {"127.0.0.1", "::1"};
    const auto r = GENERATE(
        name_row{"a peer name under the service matches *.<service>", "mysql-0.mysql", true},
        name_row{"the namespaced peer name matches *.<service>.<ns>.svc", "mysql-2.mysql.db.svc", true},
        name_row{"names compare without case", "MYSQL-1.MySQL", true},
        name_row{"an exact name matches without case", "primary.example", true},
        name_row{"a root dot is ignored", "mysql-0.mysql.", true},
        name_row{"the wildcard does not cover the bare service name", "mysql", false},
        name_row{"the wildcard stands for one label only", "a.mysql-0.mysql", false},
        name_row{"another service does not match", "mysql-0.other", false},
        name_row{"a longer suffix does not match", "mysql-0.mysqlx", false},
        name_row{"an empty leftmost label does not match", ".mysql", false},
        name_row{"an IP address matches an IP entry", "127.0.0.1", true},
        name_row{"an IPv6 address matches an IP entry", "::1", true},
        name_row{"an IP address never matches a DNS entry", "10.0.0.1", false});
    CAPTURE(r.shows);
    CHECK(certificate_names_host(r.host, dns, ips) == r.valid);
}

TEST_CASE("certificate_names_host refuses wildcards that are not a whole leftmost label", "[tls]") {
    CHECK_FALSE(certificate_names_host("mysql-0.mysql", {"mysql-*.mysql"}, {}));
    CHECK_FALSE(certificate_names_host("a.b", {"*.*"}, {}));
    CHECK_FALSE(certificate_names_host("a.b", {"*."}, {}));
    CHECK_FALSE(certificate_names_host("anything", {}, {}));
}

TEST_CASE("a TLS failure with an object store names the store, the CA bundle it used and --ca-file", "[tls]") {
    auto f = facts(tls_failure_kind::untrusted);
    f.peer_kind = tls_peer_kind::store;
    f.peer = "s3.example.internal:443";
    f.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    f.ca_from_flag = false;
    const auto found = tls_failure_message(f);
    CHECK_THAT(found, Contains("TLS with the store s3.example.internal:443 failed"));
    CHECK_THAT(found, Contains("the CA bundle /etc/ssl/certs/ca-certificates.crt (no --ca-file given)"));
    CHECK_THAT(found, Contains("give --ca-file"));
    CHECK_THAT(found, !Contains("donor") && !Contains("--tls-ca") && !Contains("pods"));
    f.ca_from_flag = true;
    f.ca_file = "/etc/store-ca/ca.crt";
    CHECK_THAT(tls_failure_message(f), Contains("not signed by a CA in --ca-file /etc/store-ca/ca.crt"));
    for (const auto kind : {tls_failure_kind::name_mismatch, tls_failure_kind::expired, tls_failure_kind::not_tls,
                            tls_failure_kind::other_verification, tls_failure_kind::handshake,
                            tls_failure_kind::client_cert_refused}) {
        f.kind = kind;
        const auto m = tls_failure_message(f);
        INFO(m);
        CHECK_THAT(m, Contains("TLS with the store s3.example.internal:443 failed"));
        CHECK_THAT(m, !Contains("donor") && !Contains("--tls-ca") && !Contains("sidecar") && !Contains("Certificate's"));
    }
    f.kind = tls_failure_kind::not_tls;
    CHECK_THAT(tls_failure_message(f), Contains("--endpoint http://"));
}
