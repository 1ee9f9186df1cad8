#include <catch2/catch.hpp>

#include "mysql_agent/core/config_choice.hpp"
#include "mysql_agent/core/pod_identity.hpp"

using namespace mysql_agent;

TEST_CASE("pod hostnames parse into StatefulSet name and ordinal", "[identity]") {
    struct row {
        const char* name;
        const char* hostname;
        const char* statefulset;
        std::uint32_t ordinal;
    };
    const row rows[] = {
        {"first replica", "mysql-2", "mysql", 2},
        {"primary", "mysql-0", "mysql", 0},
        {"dashes inside the name", "my-db-cluster-12", "my-db-cluster", 12},
        {"FQDN keeps the first label", "mysql-1.mysql.default.svc.cluster.local", "mysql", 1},
        {"largest int32 ordinal", "mysql-2147483647", "mysql", 2147483647U},
        {"digits in the name", "db2-3", "db2", 3},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto id = parse_pod_hostname(r.hostname);
            REQUIRE(id.has_value());
            CHECK(id->statefulset == r.statefulset);
            CHECK(id->ordinal == r.ordinal);
            CHECK(id->is_primary() == (r.ordinal == 0));
        }
    }
}

TEST_CASE("bad pod hostnames are errors that name the hostname", "[identity]") {
    struct row {
        const char* name;
        const char* hostname;
        const char* says;
    };
    const row rows[] = {
        {"no ordinal at all", "mysql", "not a StatefulSet pod name"},
        {"dash without ordinal", "mysql-", "no ordinal"},
        {"letters for an ordinal", "mysql-x", "not a decimal ordinal"},
        {"negative ordinal", "mysql--1", "not a DNS label"},
        {"ordinal of 2^31", "mysql-2147483648", "above the largest"},
        {"ordinal far over 2^64", "mysql-99999999999999999999999", "above the largest"},
        {"leading zero", "mysql-01", "leading zero"},
        {"empty hostname", "", "not a StatefulSet pod name"},
        {"upper case name", "MySQL-1", "not a DNS label"},
        {"only an ordinal", "-1", "not a DNS label"},
        {"plus sign", "mysql-+1", "not a decimal ordinal"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto id = parse_pod_hostname(r.hostname);
            REQUIRE_FALSE(id.has_value());
            CHECK_THAT(id.message(), Catch::Contains(std::string("'") + r.hostname + "'"));
            CHECK_THAT(id.message(), Catch::Contains(r.says));
        }
    }
}

TEST_CASE("server-id is base plus ordinal and stays in 1..4294967295", "[identity]") {
    CHECK(*server_id_for(100, 0) == 100U);
    CHECK(*server_id_for(100, 7) == 107U);
    CHECK(*server_id_for(0, 1) == 1U);
    CHECK(*server_id_for(4294967294ULL, 1) == 4294967295U);
    CHECK_FALSE(server_id_for(4294967295ULL, 1).has_value());
    CHECK_FALSE(server_id_for(1ULL << 40, 0).has_value());
    const auto zero = server_id_for(0, 0);
    REQUIRE_FALSE(zero.has_value());
    CHECK_THAT(zero.message(), Catch::Contains("server-id would be 0"));
}

TEST_CASE("peer names follow <sts>-<k>.<service>", "[identity]") {
    const auto self = *parse_pod_hostname("my-db-3");
    CHECK(peer_host(self, 0, "mysql") == "my-db-0.mysql");
    CHECK(peer_host(self, 2, "db") == "my-db-2.db");
    CHECK(own_host(self, "mysql") == "my-db-3.mysql");
}

TEST_CASE("service names must be DNS labels", "[identity]") {
    CHECK(check_dns_label("mysql", "--service").has_value());
    CHECK(check_dns_label("a", "--service").has_value());
    CHECK_FALSE(check_dns_label("", "--service").has_value());
    CHECK_FALSE(check_dns_label("my_sql", "--service").has_value());
    CHECK_FALSE(check_dns_label("mysql-", "--service").has_value());
    CHECK_FALSE(check_dns_label(std::string(64, 'a'), "--service").has_value());
    CHECK_THAT(check_dns_label("My", "--service").message(), Catch::Contains("--service 'My'"));
}

TEST_CASE("config choice: master.cnf on ordinal 0, slave.cnf elsewhere, server-id.cnf with report-host", "[config]") {
    const auto primary = plan_config(*parse_pod_hostname("mysql-0"), "mysql", 100);
    CHECK(primary.role_file == "master.cnf");
    CHECK(primary.stale_role_file == "slave.cnf");
    CHECK(primary.server_id_file == "server-id.cnf");
    CHECK(primary.server_id_content == "[mysqld]\nserver-id=100\nreport-host=mysql-0.mysql\n");

    const auto replica = plan_config(*parse_pod_hostname("db-12"), "dbsvc", 4000);
    CHECK(replica.role_file == "slave.cnf");
    CHECK(replica.stale_role_file == "master.cnf");
    CHECK(replica.server_id_content == "[mysqld]\nserver-id=4000\nreport-host=db-12.dbsvc\n");
}
