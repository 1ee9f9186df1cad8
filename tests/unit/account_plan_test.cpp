// The primary's accounts as tables: SHOW GRANTS as the servers print them, which grants are missing, what mysql.user
// holds, and the statements that make an account as configured (none when it is), never with the clear password.

#include <catch2/catch.hpp>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mysql_agent/core/account_statements.hpp"
#include "mysql_agent/core/grants.hpp"
#include "mysql_agent/core/server_version.hpp"

using namespace mysql_agent;
using strings = std::vector<std::string>;

namespace {

const char* const mariadb = "10.11.19-MariaDB-0+deb12u1-log";
const std::string password = "s3cr'et\\pw";  // a quote and a backslash; must never appear in a statement

// Known vectors (computed by the mysql9 branch's tests/support/mysql/sha2_auth_string.py, whose CRYPT5 output
// matches MySQL 9.7.4's own; the io tests check password_hash.cpp against the same values):
// "*" + HEX(SHA1(SHA1(password))) of `password`, and of another one.
const std::string native_hash = "*E6F898189F13DCD30A129FD5B2CBCA7730E9C9F4";
const std::string other_native_hash = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19";  // "password"
// caching_sha2_password CRYPT5 of `password` with salt "zyxwvutsrqponm./9876", 5000 rounds, and its hex.
const std::string sha2_hash = "$A$005$zyxwvutsrqponm./9876sJ4L2rSbc/E1Uq5AVPsdTd0yTmRMoPZFETQ/md50OUA";
const std::string sha2_hex =
    "244124303035247A797877767574737271706F6E6D2E2F39383736734A344C32725362632F4531557135415650736454643079546D52"
    "4D6F505A464554512F6D6435304F5541";
// "password" with salt "abcdefghijklmnopqrst", 5000 rounds: a string stored for another password.
const std::string other_sha2_hash = "$A$005$abcdefghijklmnopqrst5h1v5FsOOkZe9oB5eilHTkorw62QcaKthhxPA7B5ukD";
// What MySQL 9.7.4 itself stored for CREATE USER 'repl'@'%' IDENTIFIED BY 'password' (10000 rounds, its own salt
// with control bytes), as SELECT HEX(authentication_string) returned it.
const std::string mysql97_stored_hex =
    "2441243030412437476051614B6D3A495C737F5A5757771037435A56394B4B6F6F6952484349694575394765307064636F4146664D4D"
    "6A69724A696941496D6133342E515933";

server_version version(const char* text) {
    const auto v = parse_server_version(text);
    REQUIRE(v.has_value());
    return *v;
}

strings joined(strings a, const strings& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

strings texts(const std::vector<sql_statement>& statements) {
    strings out;
    for (const auto& s : statements) out.push_back(s.text);
    return out;
}

// SHOW GRANTS lines as the servers printed them (MariaDB 10.11.19 and MySQL 9.7.4 on this machine; MySQL 8.0/8.4
// print the same forms).
const std::string mariadb_repl_and_backup =
    "GRANT RELOAD, PROCESS, LOCK TABLES, REPLICATION SLAVE, BINLOG MONITOR, SLAVE MONITOR ON *.* TO `repl`@`%` "
    "IDENTIFIED BY PASSWORD '*E6F898189F13DCD30A129FD5B2CBCA7730E9C9F4'";
const std::string mariadb_repl_only =
    "GRANT REPLICATION SLAVE ON *.* TO `repl`@`%` IDENTIFIED BY PASSWORD '*E6F898189F13DCD30A129FD5B2CBCA7730E9C9F4'";
// The replication account's read of the cluster identity (cluster_identity.hpp), as both servers print it.
const std::string identity_held = "GRANT SELECT ON `mysql_agent`.* TO `repl`@`%`";
const strings mysql_backup_84 = {
    "GRANT RELOAD, PROCESS, LOCK TABLES, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `repl`@`%`",
    "GRANT BACKUP_ADMIN ON *.* TO `repl`@`%`",
    "GRANT SELECT ON `performance_schema`.`keyring_component_status` TO `repl`@`%`",
    "GRANT SELECT ON `performance_schema`.`log_status` TO `repl`@`%`",
    "GRANT SELECT ON `performance_schema`.`replication_group_members` TO `repl`@`%`"};

using privileges = std::set<std::string>;

}  // namespace

TEST_CASE("SHOW GRANTS lines as MariaDB and MySQL print them", "[accounts]") {
    struct row {
        const char* name;
        strings lines;
        held_privileges expected;
    };
    const row rows[] = {
        {"MariaDB 10.11 merges every privilege on *.* into one line, with the password hash after TO",
         {mariadb_repl_and_backup},
         {{"*.*", {"RELOAD", "PROCESS", "LOCK TABLES", "REPLICATION SLAVE", "BINLOG MONITOR", "SLAVE MONITOR"}}}},
        {"MariaDB 10.11: a role line has no ON and is skipped; ALL PRIVILEGES, a table, column privileges",
         {"GRANT `r1` TO `b`@`localhost`",
          "GRANT REPLICATION SLAVE ON *.* TO `b`@`localhost` IDENTIFIED BY PASSWORD "
          "'*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'",
          "GRANT ALL PRIVILEGES ON `my_db`.* TO `b`@`localhost` WITH GRANT OPTION",
          "GRANT SELECT ON `performance_schema`.`setup_actors` TO `b`@`localhost`",
          "GRANT SELECT (`Host`, `Db`), INSERT ON `mysql`.`db` TO `b`@`localhost`"},
         {{"*.*", {"REPLICATION SLAVE"}},
          {"my_db.*", {"ALL PRIVILEGES"}},
          {"performance_schema.setup_actors", {"SELECT"}},
          {"mysql.db", {"SELECT (HOST, DB)", "INSERT"}}}},
        {"an account without privileges: USAGE", {"GRANT USAGE ON *.* TO `c`@`%`"}, {{"*.*", {"USAGE"}}}},
        {"MySQL 8.4 / 9.7: dynamic BACKUP_ADMIN on its own line, one line per performance_schema table",
         mysql_backup_84,
         {{"*.*", {"RELOAD", "PROCESS", "LOCK TABLES", "REPLICATION SLAVE", "REPLICATION CLIENT", "BACKUP_ADMIN"}},
          {"performance_schema.keyring_component_status", {"SELECT"}},
          {"performance_schema.log_status", {"SELECT"}},
          {"performance_schema.replication_group_members", {"SELECT"}}}},
        {"MySQL 9.7: dynamic privileges without spaces, a role line, a proxy line",
         {"GRANT USAGE ON *.* TO `b`@`localhost`", "GRANT BACKUP_ADMIN,CLONE_ADMIN ON *.* TO `b`@`localhost`",
          "GRANT `r1`@`%` TO `b`@`localhost`", "GRANT PROXY ON ``@`` TO `root`@`localhost` WITH GRANT OPTION"},
         {{"*.*", {"USAGE", "BACKUP_ADMIN", "CLONE_ADMIN"}}, {"@", {"PROXY"}}}},
        {"MySQL 5.7 quotes the account with single quotes", {"GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%'"},
         {{"*.*", {"REPLICATION SLAVE"}}}},
        {"MySQL partial revokes are skipped",
         {"GRANT SELECT ON *.* TO `u`@`%`", "REVOKE SELECT ON `mysql`.* FROM `u`@`%`"}, {{"*.*", {"SELECT"}}}},
        {"case and spacing are folded; ALL reads as ALL PRIVILEGES",
         {"grant  all on `My_DB`.* to `u`@`%`", "GRANT Select ON `Performance_Schema`.`Log_Status` TO `u`@`%`"},
         {{"my_db.*", {"ALL PRIVILEGES"}}, {"performance_schema.log_status", {"SELECT"}}}},
        {"ON and TO inside backticks are names, not keywords",
         {"GRANT SELECT ON `on to`.`x to y` TO `to`@`on`"}, {{"on to.x to y", {"SELECT"}}}},
        {"no lines: nothing held", {}, {}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto held = parse_show_grants(r.lines);
            REQUIRE(held.has_value());
            CHECK(*held == r.expected);
        }
    }
    struct bad {
        const char* name;
        std::string line;
        const char* says;
    };
    const bad bads[] = {
        {"not a GRANT", "CREATE USER `repl`@`%` IDENTIFIED BY PASSWORD '*E6F898189F13DCD30A129FD5B2CBCA7730E9C9F4'",
         "is not a GRANT"},
        {"no TO", "GRANT SELECT ON *.*", "has no TO"},
        {"no privilege", "GRANT ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*E6F898189F13DCD30A129FD5B2CBCA7730E9C9F4'",
         "names no privilege"},
    };
    for (const auto& b : bads) {
        SECTION(std::string("rejects: ") + b.name) {
            const auto held = parse_show_grants({"GRANT USAGE ON *.* TO `u`@`%`", b.line});
            REQUIRE_FALSE(held.has_value());
            CHECK_THAT(held.message(), Catch::Contains("line 2") && Catch::Contains(b.says));
            CHECK_THAT(held.message(), !Catch::Contains("E6F898"));  // the hash after TO is never quoted
        }
    }
}

TEST_CASE("which wanted grants an account lacks", "[accounts]") {
    const auto held_from = [](const strings& lines) {
        const auto held = parse_show_grants(lines);
        REQUIRE(held.has_value());
        return *held;
    };
    const auto mariadb_backup = grants_for(account_kind::backup, version(mariadb));
    const auto mysql_backup = grants_for(account_kind::backup, version("8.4.3"));
    const std::vector<grant_spec> repl = {{"REPLICATION SLAVE", "*.*"}};
    std::vector<grant_spec> mariadb_both = repl;
    mariadb_both.insert(mariadb_both.end(), mariadb_backup.begin(), mariadb_backup.end());

    struct row {
        const char* name;
        std::vector<grant_spec> wanted;
        strings lines;
        std::vector<grant_spec> missing;
    };
    const row rows[] = {
        {"MariaDB: both jobs' privileges on the one merged line: nothing missing", mariadb_both,
         {mariadb_repl_and_backup}, {}},
        {"MariaDB: only REPLICATION SLAVE held: the backup grant is missing", mariadb_both, {mariadb_repl_only},
         mariadb_backup},
        {"MariaDB: one privilege of a list missing: the whole grant again", mariadb_backup,
         {"GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO `backup`@`localhost`"}, mariadb_backup},
        {"a new account's USAGE holds nothing", repl, {"GRANT USAGE ON *.* TO `repl`@`%`"}, repl},
        {"MySQL 8.4: everything on four lines and a dynamic one: nothing missing", mysql_backup, mysql_backup_84, {}},
        {"MySQL 8.4: the keyring table's SELECT missing", mysql_backup,
         joined(strings(mysql_backup_84.begin(), mysql_backup_84.begin() + 2), {mysql_backup_84[3], mysql_backup_84[4]}),
         {{"SELECT", "performance_schema.keyring_component_status"}}},
        {"MySQL 8.4: BACKUP_ADMIN missing (the dynamic line)", mysql_backup,
         strings{mysql_backup_84[0], mysql_backup_84[2], mysql_backup_84[3], mysql_backup_84[4]}, {mysql_backup[0]}},
        {"ALL PRIVILEGES on *.* covers everything", mysql_backup, {"GRANT ALL PRIVILEGES ON *.* TO `u`@`%`"}, {}},
        {"SELECT on the schema, or on *.*, covers SELECT on its tables",
         {{"SELECT", "performance_schema.log_status"}, {"SELECT", "performance_schema.replication_group_members"}},
         {"GRANT SELECT ON `performance_schema`.* TO `u`@`%`"}, {}},
        {"a table's privilege does not cover the same privilege on *.*", repl,
         {"GRANT REPLICATION SLAVE ON `db`.* TO `u`@`%`"}, repl},
        {"a column privilege does not cover the table", {{"SELECT", "performance_schema.log_status"}},
         {"GRANT SELECT (`LOGS`) ON `performance_schema`.`log_status` TO `u`@`%`"},
         {{"SELECT", "performance_schema.log_status"}}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) { CHECK(missing_grants(r.wanted, held_from(r.lines)) == r.missing); }
    }
}

TEST_CASE("what mysql.user holds for an account", "[accounts]") {
    struct row {
        const char* name;
        std::vector<sql_row> rows;
        stored_account expected;
    };
    const row rows[] = {
        {"no row: the account does not exist", {}, stored_account{}},
        {"MariaDB 10.11: hash in authentication_string and Password",
         {{{"plugin", "mysql_native_password"},
           {"authentication_string", "2A45364638393831383946313344434433304131323946443542324342434137373330453943394634"},
           {"password", "2A45364638393831383946313344434433304131323946443542324342434137373330453943394634"}}},
         {true, "mysql_native_password", native_hash}},
        {"MariaDB 10.3: an old row keeps the hash in Password, plugin empty",
         {{{"plugin", ""}, {"authentication_string", ""},
           {"password", "2A45364638393831383946313344434433304131323946443542324342434137373330453943394634"}}},
         {true, "", native_hash}},
        {"MariaDB: an account without password", {{{"plugin", "mysql_native_password"}, {"authentication_string", ""},
                                                   {"password", ""}}},
         {true, "mysql_native_password", ""}},
        {"MySQL 8.4: caching_sha2_password, raw bytes through HEX()",
         {{{"plugin", "caching_sha2_password"}, {"authentication_string", sha2_hex}}},
         {true, "caching_sha2_password", sha2_hash}},
        {"SQL NULL reads as empty", {{{"plugin", std::nullopt}, {"authentication_string", std::nullopt}}},
         {true, "", ""}},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto s = stored_account_from_rows(r.rows);
            REQUIRE(s.has_value());
            CHECK(*s == r.expected);
        }
    }
    SECTION("rejects two rows, a missing column, a value that is not hex") {
        const sql_row ok{{"plugin", "x"}, {"authentication_string", "2A"}};
        CHECK_THAT(stored_account_from_rows({ok, ok}).message(), Catch::Contains("2 rows"));
        CHECK_THAT(stored_account_from_rows({{{"plugin", "x"}}}).message(), Catch::Contains("authentication_string"));
        CHECK_THAT(stored_account_from_rows({{{"plugin", "x"}, {"authentication_string", "*E6"}}}).message(),
                   Catch::Contains("not HEX()"));
    }
    SECTION("the queries, escaped, per flavour") {
        const auto m = account_queries_for("r'x", "%", version(mariadb));
        CHECK(m.stored.text ==
              "SELECT plugin AS plugin, HEX(authentication_string) AS authentication_string, HEX(Password) AS password "
              "FROM mysql.user WHERE User = 'r\\'x' AND Host = '%';");
        CHECK(m.grants.text == "SHOW GRANTS FOR 'r\\'x'@'%';");
        const auto y = account_queries_for("r'x", "%", version("8.4.3"), true);
        CHECK(y.stored.text == "SELECT plugin AS plugin, HEX(authentication_string) AS authentication_string "
                               "FROM mysql.user WHERE User = 'r''x' AND Host = '%';");
        CHECK(y.grants.text == "SHOW GRANTS FOR 'r''x'@'%';");
    }
}

TEST_CASE("the salt and rounds of a stored caching_sha2_password string", "[accounts]") {
    const auto stored_97 = stored_account_from_rows({{{"plugin", "caching_sha2_password"},
                                                      {"authentication_string", mysql97_stored_hex}}});
    REQUIRE(stored_97.has_value());
    struct row {
        const char* name;
        std::string stored;
        std::optional<caching_sha2_params> expected;
    };
    const row rows[] = {
        {"5000 rounds: 005", sha2_hash, caching_sha2_params{"zyxwvutsrqponm./9876", 5000}},
        {"MySQL 9.7.4's own: 10000 rounds as 00A, a salt with control bytes", stored_97->auth_string,
         caching_sha2_params{"7G`QaKm:I\\s\x7fZWWw\x10" "7CZ", 10000}},
        {"empty (an account without password)", "", std::nullopt},
        {"a native hash", native_hash, std::nullopt},
        {"MySQL 9.7's PBKDF2 format", "$B$00A$" + std::string(20, 'a') + std::string(88, 'b'), std::nullopt},
        {"truncated", sha2_hash.substr(0, 69), std::nullopt},
        {"lower-case rounds", "$A$00a$" + sha2_hash.substr(7), std::nullopt},
        {"a '$' in the salt", "$A$005$zyxwvutsr$ponm./9876" + sha2_hash.substr(27), std::nullopt},
        {"a byte >= 0x80 in the salt", "$A$005$zyxwvutsr\xe9ponm./9876" + sha2_hash.substr(27), std::nullopt},
    };
    for (const auto& r : rows) {
        SECTION(r.name) { CHECK(caching_sha2_params_of(r.stored) == r.expected); }
    }
}

namespace {

account_facts facts(stored_account stored, strings grants, password_hashes hashes) {
    return account_facts{"repl", "%", std::move(stored), std::move(grants), std::move(hashes)};
}
password_hashes mariadb_hashes() { return {native_hash, "", ""}; }
// MySQL: the I/O layer always brings a fresh CRYPT5 string, and one with the stored salt when there is one.
password_hashes mysql_hashes(std::string with_stored_salt = "") { return {native_hash, sha2_hash, std::move(with_stored_salt)}; }

kept_account kept(const char* server, std::vector<account_kind> kinds, bool native = false) {
    std::vector<account_spec> specs;
    for (const auto k : kinds) specs.push_back({k, "repl", "%", password, native});
    const auto accounts = kept_accounts(specs, version(server));
    REQUIRE(accounts.has_value());
    REQUIRE(accounts->size() == 1);
    return accounts->front();
}

}  // namespace

TEST_CASE("account statements: only what must change, with a hash, never the password", "[accounts]") {
    const std::vector<account_kind> repl = {account_kind::replication};
    const std::vector<account_kind> both = {account_kind::replication, account_kind::backup};
    const stored_account missing{};
    const stored_account native_ok{true, "mysql_native_password", native_hash};
    const stored_account native_ok_lower{true, "mysql_native_password", "*e6f898189f13dcd30a129fd5b2cbca7730e9c9f4"};
    const stored_account native_other{true, "mysql_native_password", other_native_hash};
    const stored_account sha2_other{true, "caching_sha2_password", other_sha2_hash};
    const std::string mariadb_create = "CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED BY PASSWORD '" + native_hash + "';";
    const std::string mariadb_alter = "ALTER USER 'repl'@'%' IDENTIFIED BY PASSWORD '" + native_hash + "';";
    const std::string grant_repl = "GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';";
    const std::string grant_identity = "GRANT SELECT ON mysql_agent.* TO 'repl'@'%';";
    const std::string grant_mariadb_backup =
        "GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, SLAVE MONITOR ON *.* TO 'repl'@'%';";
    const std::string sha2_clause = "IDENTIFIED WITH caching_sha2_password AS 0x" + sha2_hex + ";";
    const std::string mysql_native_clause = "IDENTIFIED WITH mysql_native_password AS '" + native_hash + "';";
    const strings mysql84_backup_grants = {
        "GRANT BACKUP_ADMIN, RELOAD, LOCK TABLES, PROCESS, REPLICATION CLIENT ON *.* TO 'repl'@'%';",
        "GRANT SELECT ON performance_schema.log_status TO 'repl'@'%';",
        "GRANT SELECT ON performance_schema.replication_group_members TO 'repl'@'%';",
        "GRANT SELECT ON performance_schema.keyring_component_status TO 'repl'@'%';"};

    struct row {
        const char* name;
        const char* server;
        kept_account account;
        account_facts facts;
        strings expected;
        const char* summary_says;
    };
    const row rows[] = {
        {"MariaDB, missing: CREATE with the hash, then the grant", mariadb, kept(mariadb, repl),
         facts(missing, {}, mariadb_hashes()), {mariadb_create, grant_repl, grant_identity}, "is missing: creating it with 2 grants"},
        {"MariaDB, as configured: nothing", mariadb, kept(mariadb, repl),
         facts(native_ok, {mariadb_repl_only, identity_held}, mariadb_hashes()), {}, "the replication account 'repl'@'%' is as configured"},
        {"MariaDB, the stored hash in lower case still matches", mariadb, kept(mariadb, repl),
         facts(native_ok_lower, {mariadb_repl_only, identity_held}, mariadb_hashes()), {}, "is as configured"},
        {"MariaDB, another password (a rotated Secret): one ALTER USER", mariadb, kept(mariadb, repl),
         facts(native_other, {mariadb_repl_only, identity_held}, mariadb_hashes()), {mariadb_alter}, "hash differs"},
        {"MariaDB, switched to another plugin: ALTER USER back to native", mariadb, kept(mariadb, repl),
         facts({true, "ed25519", "x"}, {mariadb_repl_only, identity_held}, mariadb_hashes()), {mariadb_alter},
         "authenticates with 'ed25519'"},
        {"MariaDB, no password at all: ALTER USER", mariadb, kept(mariadb, repl),
         facts({true, "mysql_native_password", ""}, {mariadb_repl_only, identity_held}, mariadb_hashes()), {mariadb_alter},
         "hash differs"},
        {"MariaDB 10.3, an old row with an empty plugin and the right hash: nothing", "10.3.39-MariaDB",
         kept("10.3.39-MariaDB", repl), facts({true, "", native_hash}, {mariadb_repl_only, identity_held}, mariadb_hashes()), {},
         "is as configured"},
        {"MariaDB, replication and backup in one account, all held: nothing", mariadb, kept(mariadb, both),
         facts(native_ok, {mariadb_repl_and_backup, identity_held}, mariadb_hashes()), {},
         "the replication and backup account 'repl'@'%' is as configured"},
        {"MariaDB, one account, the backup grant missing: that GRANT only", mariadb, kept(mariadb, both),
         facts(native_ok, {mariadb_repl_only, identity_held}, mariadb_hashes()), {grant_mariadb_backup}, "lacks RELOAD"},
        {"MariaDB, one account, missing: CREATE and both grants", mariadb, kept(mariadb, both),
         facts(missing, {}, mariadb_hashes()), {mariadb_create, grant_repl, grant_identity, grant_mariadb_backup}, "3 grants"},
        {"MariaDB, password and a grant wrong: ALTER and the GRANT", mariadb, kept(mariadb, both),
         facts(native_other, {mariadb_repl_only, identity_held}, mariadb_hashes()), {mariadb_alter, grant_mariadb_backup},
         "hash differs from the configured password (ALTER USER), and it lacks"},
        {"unreadable SHOW GRANTS: every grant again, said", mariadb, kept(mariadb, repl),
         facts(native_ok, {"SOMETHING ELSE"}, mariadb_hashes()), {grant_repl, grant_identity}, "cannot be read"},
        {"MySQL 8.4, missing: caching_sha2_password from a hex literal", "8.4.3", kept("8.4.3", repl),
         facts(missing, {}, mysql_hashes()), {"CREATE USER IF NOT EXISTS 'repl'@'%' " + sha2_clause, grant_repl, grant_identity},
         "is missing"},
        {"MySQL 8.4, caching_sha2 as configured (same string with the stored salt): nothing", "8.4.3",
         kept("8.4.3", repl),
         facts({true, "caching_sha2_password", sha2_hash}, {"GRANT REPLICATION SLAVE ON *.* TO `repl`@`%`", identity_held},
               mysql_hashes(sha2_hash)),
         {}, "is as configured"},
        {"MySQL 8.4, caching_sha2 with another password: ALTER with a fresh string", "8.4.3", kept("8.4.3", repl),
         facts(sha2_other, {"GRANT REPLICATION SLAVE ON *.* TO `repl`@`%`", identity_held}, mysql_hashes("$A$005$abcdefghijklmnopqrstX")),
         {"ALTER USER 'repl'@'%' " + sha2_clause}, "hash differs"},
        {"MySQL 9.7, a PBKDF2 string that cannot be checked: replaced once by a CRYPT5 one", "9.7.4-2",
         kept("9.7.4-2", repl),
         facts({true, "caching_sha2_password", "$B$00A$..."}, {"GRANT REPLICATION SLAVE ON *.* TO `repl`@`%`", identity_held},
               mysql_hashes()),
         {"ALTER USER 'repl'@'%' " + sha2_clause}, "hash differs"},
        {"MySQL 8.4 backup grants, the keyring table missing: that GRANT only", "8.4.3",
         kept("8.4.3", both),
         facts({true, "caching_sha2_password", sha2_hash},
               joined(strings(mysql_backup_84.begin(), mysql_backup_84.begin() + 2),
                      {mysql_backup_84[3], mysql_backup_84[4], identity_held}),
               mysql_hashes(sha2_hash)),
         {mysql84_backup_grants[3]}, "lacks SELECT ON performance_schema.keyring_component_status"},
        {"MySQL 8.4, one account, missing: CREATE and all six grants", "8.4.3", kept("8.4.3", both),
         facts(missing, {}, mysql_hashes()),
         joined({"CREATE USER IF NOT EXISTS 'repl'@'%' " + sha2_clause, grant_repl, grant_identity}, mysql84_backup_grants),
         "6 grants"},
        {"MySQL 8.0, an existing native account keeps its plugin: as configured", "8.0.36", kept("8.0.36", repl),
         facts(native_ok, {"GRANT REPLICATION SLAVE ON *.* TO `repl`@`%`", identity_held}, mysql_hashes()), {}, "is as configured"},
        {"MySQL 8.0, an existing native account with another password: ALTER, still native", "8.0.36",
         kept("8.0.36", repl), facts(native_other, {"GRANT REPLICATION SLAVE ON *.* TO `repl`@`%`", identity_held}, mysql_hashes()),
         {"ALTER USER 'repl'@'%' " + mysql_native_clause}, "hash differs"},
        {"MySQL 8.0, native_password asked, the account on caching_sha2: ALTER to native", "8.0.36",
         kept("8.0.36", repl, true),
         facts({true, "caching_sha2_password", sha2_hash}, {"GRANT REPLICATION SLAVE ON *.* TO `repl`@`%`", identity_held},
               mysql_hashes(sha2_hash)),
         {"ALTER USER 'repl'@'%' " + mysql_native_clause}, "authenticates with 'caching_sha2_password'"},
        {"MySQL 5.7, missing: native from its hash", "5.7.44-log", kept("5.7.44-log", repl),
         facts(missing, {}, mysql_hashes()), {"CREATE USER IF NOT EXISTS 'repl'@'%' " + mysql_native_clause, grant_repl, grant_identity},
         "is missing"},
        {"MySQL 8.0.16, missing: caching_sha2 as a quoted literal (no AS 0x before 8.0.17)", "8.0.16",
         kept("8.0.16", repl), facts(missing, {}, mysql_hashes()),
         {"CREATE USER IF NOT EXISTS 'repl'@'%' IDENTIFIED WITH caching_sha2_password AS '" + sha2_hash + "';",
          grant_repl, grant_identity},
         "is missing"},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            const auto changes = ensure_account_statements(r.account, r.facts, version(r.server));
            REQUIRE(changes.has_value());
            CHECK(texts(changes->statements) == r.expected);
            CHECK_THAT(changes->summary, Catch::Contains(r.summary_says));
            for (const auto& s : changes->statements) {
                INFO(s.text);
                CHECK_THAT(s.text, !Catch::Contains("s3cr"));       // the clear password, sent nowhere
                CHECK_THAT(s.redacted, !Catch::Contains("E6F898"));  // the hash, logged nowhere
                CHECK_THAT(s.redacted, !Catch::Contains(sha2_hex) && !Catch::Contains("zyxwvu"));
                if (s.text.find("IDENTIFIED") != std::string::npos) {
                    CHECK_THAT(s.redacted, Catch::EndsWith("'<redacted>';"));
                } else {
                    CHECK(s.redacted == s.text);
                }
            }
            CHECK_THAT(changes->summary, !Catch::Contains("s3cr") && !Catch::Contains("E6F898"));
        }
    }
    SECTION("user and host are escaped, NO_BACKSLASH_ESCAPES too") {
        const auto a = kept_accounts({{account_kind::replication, "r'x", "10.%", password}}, version(mariadb));
        REQUIRE(a.has_value());
        account_facts f = facts(missing, {}, mariadb_hashes());
        f.user = "r'x";
        f.host = "10.%";
        auto changes = ensure_account_statements(a->front(), f, version(mariadb));
        REQUIRE(changes.has_value());
        CHECK(texts(changes->statements) ==
              strings{"CREATE USER IF NOT EXISTS 'r\\'x'@'10.%' IDENTIFIED BY PASSWORD '" + native_hash + "';",
                      "GRANT REPLICATION SLAVE ON *.* TO 'r\\'x'@'10.%';",
                      "GRANT SELECT ON mysql_agent.* TO 'r\\'x'@'10.%';"});
        changes = ensure_account_statements(a->front(), f, version(mariadb), true);
        REQUIRE(changes.has_value());
        CHECK(changes->statements[1].text == "GRANT REPLICATION SLAVE ON *.* TO 'r''x'@'10.%';");
    }
    SECTION("without the hash it needs: an error, never a fallback to the password") {
        auto changes = ensure_account_statements(kept(mariadb, repl), facts(missing, {}, {}), version(mariadb));
        REQUIRE_FALSE(changes.has_value());
        CHECK_THAT(changes.message(), Catch::Contains("no mysql_native_password hash"));
        changes = ensure_account_statements(kept("8.4.3", repl), facts(missing, {}, {native_hash, "", ""}),
                                            version("8.4.3"));
        REQUIRE_FALSE(changes.has_value());
        CHECK_THAT(changes.message(), Catch::Contains("no caching_sha2_password hash"));
    }
}

TEST_CASE("the accounts to keep, merged and checked", "[accounts]") {
    SECTION("replication and backup with one user and host are one account with both jobs' grants") {
        const auto a = kept_accounts({{account_kind::replication, "repl", "%", password},
                                      {account_kind::backup, "repl", "%", password}},
                                     version(mariadb));
        REQUIRE(a.has_value());
        REQUIRE(a->size() == 1);
        CHECK(describe_account(a->front()) == "the replication and backup account 'repl'@'%'");
        CHECK(a->front().grants ==
              std::vector<grant_spec>{{"REPLICATION SLAVE", "*.*"},
                                      {"SELECT", "mysql_agent.*"},
                                      {"RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, SLAVE MONITOR", "*.*"}});
    }
    SECTION("different users are two accounts, in order") {
        const auto a = kept_accounts({{account_kind::replication, "repl", "%", password},
                                      {account_kind::backup, "backup", "localhost", "b4ck"}},
                                     version(mariadb));
        REQUIRE(a.has_value());
        REQUIRE(a->size() == 2);
        CHECK(describe_account((*a)[1]) == "the backup account 'backup'@'localhost'");
    }
    struct bad {
        const char* name;
        std::vector<account_spec> accounts;
        const char* version;
        const char* says;
    };
    const bad bads[] = {
        {"empty user", {{account_kind::replication, "", "%", password}}, mariadb, "user name is empty"},
        {"empty host", {{account_kind::backup, "b", "", password}}, mariadb, "empty host pattern"},
        {"empty password", {{account_kind::replication, "repl", "%", ""}}, mariadb, "empty password"},
        {"one account, two passwords",
         {{account_kind::replication, "repl", "%", password}, {account_kind::backup, "repl", "%", "other"}}, mariadb,
         "with another password"},
        {"MySQL 5.6 has no CREATE USER IF NOT EXISTS", {{account_kind::replication, "repl", "%", password}}, "5.6.51",
         "5.7.6"},
        {"MariaDB 10.1 has no ALTER USER", {{account_kind::replication, "repl", "%", password}}, "10.1.48-MariaDB",
         "10.2"},
        {"MySQL 9 has no mysql_native_password", {{account_kind::replication, "repl", "%", password, true}}, "9.1.0",
         "no longer has"},
    };
    for (const auto& b : bads) {
        SECTION(std::string("rejects: ") + b.name) {
            const auto a = kept_accounts(b.accounts, version(b.version));
            REQUIRE_FALSE(a.has_value());
            CHECK_THAT(a.message(), Catch::Contains(b.says));
            CHECK_THAT(a.message(), !Catch::Contains("s3cr"));
        }
    }
}
