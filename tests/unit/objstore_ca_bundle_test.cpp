// The CA bundle an https store is verified against without --ca-file: the first the container has, in the
// distributions' order, and an error that says what was looked for when there is none.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "mysql_agent/core/objstore/ca_bundle.hpp"

using namespace mysql_agent::objstore;

TEST_CASE("the CA bundle of an https store is the first one the container has", "[objstore]") {
    struct row {
        std::set<std::string> present;
        std::optional<std::string> chosen;
    };
    const row rows[] = {
        {{"/etc/ssl/certs/ca-certificates.crt"}, "/etc/ssl/certs/ca-certificates.crt"},  // Debian, the agent image
        {{"/etc/pki/tls/certs/ca-bundle.crt"}, "/etc/pki/tls/certs/ca-bundle.crt"},      // Oracle Linux (Percona)
        {{"/etc/ssl/cert.pem"}, "/etc/ssl/cert.pem"},                                    // Alpine
        {{"/etc/ssl/ca-bundle.pem"}, "/etc/ssl/ca-bundle.pem"},                          // openSUSE
        {{"/etc/ssl/cert.pem", "/etc/pki/tls/certs/ca-bundle.crt"}, "/etc/pki/tls/certs/ca-bundle.crt"},
        {{"/etc/ssl/ca-bundle.pem", "/etc/ssl/certs/ca-certificates.crt"}, "/etc/ssl/certs/ca-certificates.crt"},
        {{"/usr/lib/ssl/cert.pem", "/etc/ssl/certs"}, std::nullopt},  // neither is one of the bundles
        {{}, std::nullopt},                                           // FROM scratch without a bundle
    };
    for (const auto& r : rows) {
        INFO("present: " << r.present.size() << " files");
        std::set<std::string> asked;
        const auto chosen = first_ca_bundle(well_known_ca_bundles, [&](std::string_view p) {
            asked.insert(std::string(p));
            return r.present.count(std::string(p)) > 0;
        });
        CHECK(chosen == r.chosen);
        if (!chosen) CHECK(asked.size() == std::size(well_known_ca_bundles));  // every place was tried
    }
}

TEST_CASE("without a CA bundle the error names the store, every place looked at and --ca-file", "[objstore]") {
    const auto m = no_ca_bundle_message("https://s3.example.internal", well_known_ca_bundles);
    CHECK_THAT(m, Catch::Contains("https://s3.example.internal"));
    for (const auto p : well_known_ca_bundles) CHECK_THAT(m, Catch::Contains(std::string(p)));
    CHECK_THAT(m, Catch::Contains("--ca-file"));
    CHECK(m.find('\n') == std::string::npos);
}
