#include "mysql_agent/core/account_statements.hpp"

#include "mysql_agent/core/text.hpp"

#include <algorithm>
#include <cctype>

#include "mysql_agent/core/cluster_identity.hpp"
#include "mysql_agent/core/grants.hpp"
#include "mysql_agent/core/sql_literal.hpp"

namespace mysql_agent {
namespace {

constexpr std::string_view native_plugin = "mysql_native_password";
constexpr std::string_view caching_sha2_plugin = "caching_sha2_password";
constexpr std::size_t caching_sha2_salt_length = 20;
constexpr std::size_t caching_sha2_digest_length = 43;

const char* kind_name(account_kind kind) { return kind == account_kind::replication ? "replication" : "backup"; }

std::string account_name(const std::string& user, const std::string& host) { return "'" + user + "'@'" + host + "'"; }

using text::iequals;

std::optional<std::string> hex_decoded(std::string_view hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    const auto nibble = [](char ch) -> int {
        if (ch >= '0' && ch <= '9') return ch - '0';
        if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
        if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        const int hi = nibble(hex[i]);
        const int lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

std::string hex_of(std::string_view bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : bytes) {
        const auto u = static_cast<unsigned char>(ch);
        out += digits[u >> 4];
        out += digits[u & 0xf];
    }
    return out;
}

// The plugin `account` should authenticate with on `server` (the second table above ensure_account_statements).
std::string_view plugin_to_use(const kept_account& account, const stored_account& stored, const server_version& server) {
    if (server.is_mariadb() || account.spec.native_password) return native_plugin;
    if (stored.exists && (stored.plugin == native_plugin || stored.plugin == caching_sha2_plugin)) return stored.plugin;
    // caching_sha2_password arrived in 8.0.3 and became the default in 8.0.4.
    // https://dev.mysql.com/doc/refman/8.0/en/caching-sha2-pluggable-authentication.html
    return server.at_least(8, 0, 4) ? caching_sha2_plugin : native_plugin;
}

bool hash_matches(std::string_view plugin, const stored_account& stored, const password_hashes& hashes,
                  const server_version& server) {
    if (plugin == caching_sha2_plugin)
        return stored.plugin == caching_sha2_plugin && !hashes.caching_sha2_stored_salt.empty() &&
               stored.auth_string == hashes.caching_sha2_stored_salt;
    // MariaDB 10.2/10.3 rows of native accounts may have an empty plugin column.
    const bool native = stored.plugin == native_plugin || (server.is_mariadb() && stored.plugin.empty());
    return native && !hashes.native.empty() && iequals(stored.auth_string, hashes.native);
}

std::string count_of(std::size_t n, const char* what) {
    return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

std::vector<grant_spec> grants_for(account_kind kind, const server_version& server) {
    // REPLICATION SLAVE is still the privilege's name in MySQL 8.4 and MariaDB 11 (MariaDB 10.5.1 added the alias
    // REPLICATION REPLICA; SHOW GRANTS prints REPLICATION SLAVE on both).
    // SELECT on the agent's schema: a replica's sidecar logs in to its primary as this user to read the cluster
    // identity (cluster_identity.hpp) before it trusts the primary's history.
    if (kind == account_kind::replication)
        return {{"REPLICATION SLAVE", "*.*"}, {"SELECT", std::string(identity_schema) + ".*"}};

    if (server.is_mariadb()) {
        // 10.5.2 split REPLICATION CLIENT: its old name became an alias of BINLOG MONITOR, and SHOW SLAVE STATUS
        // moved to REPLICATION SLAVE ADMIN, then (10.5.9) to its own SLAVE MONITOR privilege.
        // https://mariadb.com/kb/en/grant/#global-privileges
        if (server.at_least(10, 5, 9)) return {{"RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, SLAVE MONITOR", "*.*"}};
        if (server.at_least(10, 5, 2))
            return {{"RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR, REPLICATION SLAVE ADMIN", "*.*"}};
        return {{"RELOAD, PROCESS, LOCK TABLES, REPLICATION CLIENT", "*.*"}};
    }
    if (!server.at_least(8, 0, 0)) return {{"RELOAD, LOCK TABLES, PROCESS, REPLICATION CLIENT", "*.*"}};
    // XtraBackup 8.0/8.4 reads performance_schema.log_status (needs BACKUP_ADMIN too) for consistent log
    // positions, checks replication_group_members, and keyring_component_status (a table since 8.0.24).
    // https://docs.percona.com/percona-xtrabackup/8.0/privileges.html
    std::vector<grant_spec> grants{{"BACKUP_ADMIN, RELOAD, LOCK TABLES, PROCESS, REPLICATION CLIENT", "*.*"},
                                   {"SELECT", "performance_schema.log_status"},
                                   {"SELECT", "performance_schema.replication_group_members"}};
    if (server.at_least(8, 0, 24)) grants.push_back({"SELECT", "performance_schema.keyring_component_status"});
    return grants;
}

result<std::vector<kept_account>> kept_accounts(const std::vector<account_spec>& accounts, const server_version& server) {
    // CREATE USER IF NOT EXISTS and ALTER USER make the statements safe to repeat.
    // https://dev.mysql.com/doc/refman/5.7/en/create-user.html ; https://mariadb.com/kb/en/alter-user/ (10.2.0)
    if (server.is_mariadb() ? !server.at_least(10, 2, 0) : !server.at_least(5, 7, 6))
        return error{(server.is_mariadb() ? "MariaDB " : "MySQL ") + server.text +
                     " has no CREATE USER IF NOT EXISTS / ALTER USER; the agent needs MySQL 5.7.6+ or MariaDB 10.2+"};
    std::vector<kept_account> out;
    for (const auto& a : accounts) {
        const std::string what = std::string("the ") + kind_name(a.kind) + " account";
        if (a.user.empty()) return error{what + "'s user name is empty; pass the user flag"};
        if (a.host.empty()) return error{what + " '" + a.user + "' has an empty host pattern; use '%'"};
        if (a.password.empty())
            return error{what + " '" + a.user + "' has an empty password; the password file must not be empty"};
        // MySQL 9.0 removed the server side of mysql_native_password (WL#15930).
        if (a.native_password && !server.is_mariadb() && server.at_least(9, 0, 0))
            return error{what + " " + account_name(a.user, a.host) + " asks for mysql_native_password, which MySQL " +
                         server.text + " no longer has"};
        auto same = std::find_if(out.begin(), out.end(),
                                 [&](const kept_account& k) { return k.spec.user == a.user && k.spec.host == a.host; });
        if (same == out.end()) {
            out.push_back(kept_account{a, {}, {}});
            same = out.end() - 1;
        } else if (same->spec.password != a.password) {
            return error{describe_account(*same) + " is also configured as the " + kind_name(a.kind) +
                         " account, with another password; give both the same password file"};
        }
        same->spec.native_password = same->spec.native_password || a.native_password;
        if (std::find(same->kinds.begin(), same->kinds.end(), a.kind) == same->kinds.end()) same->kinds.push_back(a.kind);
        for (const auto& g : grants_for(a.kind, server))
            if (std::find(same->grants.begin(), same->grants.end(), g) == same->grants.end()) same->grants.push_back(g);
    }
    return out;
}

std::string describe_account(const kept_account& account) {
    std::string kinds;
    for (std::size_t i = 0; i < account.kinds.size(); ++i)
        kinds += (i == 0 ? "" : " and ") + std::string(kind_name(account.kinds[i]));
    if (kinds.empty()) kinds = kind_name(account.spec.kind);
    return "the " + kinds + " account " + account_name(account.spec.user, account.spec.host);
}

account_queries account_queries_for(const std::string& user, const std::string& host, const server_version& server,
                                    bool no_backslash_escapes) {
    const auto lit = [&](const std::string& v) { return sql_string_literal(v, no_backslash_escapes); };
    // HEX(): a caching_sha2_password string holds raw salt bytes. Password: where MariaDB 10.2/10.3 keep the
    // native hash (MySQL 5.7 dropped the column). https://mariadb.com/kb/en/mysql-user-table/
    const std::string columns = server.is_mariadb()
        ? "plugin AS plugin, HEX(authentication_string) AS authentication_string, HEX(Password) AS password"
        : "plugin AS plugin, HEX(authentication_string) AS authentication_string";
    return account_queries{
        plain_statement("SELECT " + columns + " FROM mysql.user WHERE User = " + lit(user) + " AND Host = " + lit(host) + ";"),
        plain_statement("SHOW GRANTS FOR " + lit(user) + "@" + lit(host) + ";")};
}

result<stored_account> stored_account_from_rows(const std::vector<sql_row>& rows) {
    stored_account s;
    if (rows.empty()) return s;
    if (rows.size() > 1)
        return error{"mysql.user has " + std::to_string(rows.size()) + " rows for one user and host"};
    const sql_row& row = rows.front();
    const auto column = [&](const char* name) -> std::optional<std::string> {
        const auto it = row.find(std::string_view(name));
        if (it == row.end()) return std::nullopt;
        return it->second.value_or("");
    };
    const auto plugin = column("plugin");
    const auto auth = column("authentication_string");
    if (!plugin || !auth) return error{"the mysql.user row has no plugin or authentication_string column"};
    const auto decoded = [](const std::string& hex, const char* name) -> result<std::string> {
        auto bytes = hex_decoded(hex);
        if (!bytes) return error{std::string("mysql.user.") + name + " came back as '" + hex + "', not HEX()"};
        return std::move(*bytes);
    };
    auto auth_bytes = decoded(*auth, "authentication_string");
    if (!auth_bytes) return auth_bytes.err();
    s.exists = true;
    s.plugin = *plugin;
    s.auth_string = std::move(*auth_bytes);
    if (const auto password = column("password"); password && s.auth_string.empty()) {
        auto bytes = decoded(*password, "Password");
        if (!bytes) return bytes.err();
        s.auth_string = std::move(*bytes);
    }
    return s;
}

std::optional<caching_sha2_params> caching_sha2_params_of(std::string_view stored) {
    if (stored.size() != 7 + caching_sha2_salt_length + caching_sha2_digest_length) return std::nullopt;
    if (stored.substr(0, 3) != "$A$" || stored[6] != '$') return std::nullopt;
    unsigned thousands = 0;
    for (const char ch : stored.substr(3, 3)) {
        // Upper-case hex, as the server's serialize() writes it.
        const int digit = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
        if (digit < 0) return std::nullopt;
        thousands = thousands * 16 + static_cast<unsigned>(digit);
    }
    const std::string_view salt = stored.substr(7, caching_sha2_salt_length);
    for (const char ch : salt) {
        const auto u = static_cast<unsigned char>(ch);
        if (u == 0 || u == '$' || u > 0x7f) return std::nullopt;
    }
    if (thousands == 0) return std::nullopt;
    return caching_sha2_params{std::string(salt), thousands * 1000};
}

result<account_changes> ensure_account_statements(const kept_account& account, const account_facts& facts,
                                                  const server_version& server, bool no_backslash_escapes) {
    const std::string what = describe_account(account);
    const auto lit = [&](const std::string& v) { return sql_string_literal(v, no_backslash_escapes); };
    const std::string name = lit(account.spec.user) + "@" + lit(account.spec.host);
    const std::string_view plugin = plugin_to_use(account, facts.stored, server);

    // IDENTIFIED ... with the hash, and the same with '<redacted>' in its place.
    std::string shown;
    std::string hidden;
    if (plugin == caching_sha2_plugin) {
        if (facts.hashes.caching_sha2.empty())
            return error{"no caching_sha2_password hash of the password for " + what +
                         " was computed; the agent cannot create or change it without sending the password"};
        // A hex literal since 8.0.17 (WL#12803); before, a string literal, which our printable salts allow.
        shown = "IDENTIFIED WITH caching_sha2_password AS " +
                (server.at_least(8, 0, 17) ? "0x" + hex_of(facts.hashes.caching_sha2) : lit(facts.hashes.caching_sha2));
        hidden = "IDENTIFIED WITH caching_sha2_password AS '<redacted>'";
    } else {
        if (facts.hashes.native.empty())
            return error{"no mysql_native_password hash of the password for " + what +
                         " was computed; the agent cannot create or change it without sending the password"};
        // MariaDB has no `IDENTIFIED WITH plugin AS`; BY PASSWORD stores the hash for mysql_native_password.
        // https://mariadb.com/kb/en/create-user/#identified-by-password-password_hash
        const std::string head = server.is_mariadb() ? "IDENTIFIED BY PASSWORD " : "IDENTIFIED WITH mysql_native_password AS ";
        shown = head + lit(facts.hashes.native);
        hidden = head + "'<redacted>'";
    }
    const auto identified = [&](const std::string& verb) {
        return sql_statement{verb + name + " " + shown + ";", verb + name + " " + hidden + ";"};
    };
    const auto grant = [&](const grant_spec& g) {
        return plain_statement("GRANT " + g.privileges + " ON " + g.target + " TO " + name + ";");
    };

    account_changes out;
    if (!facts.stored.exists) {
        // IF NOT EXISTS: still safe should another client create it between the look and the statement.
        out.statements.push_back(identified("CREATE USER IF NOT EXISTS "));
        for (const auto& g : account.grants) out.statements.push_back(grant(g));
        out.summary = what + " is missing: creating it with " + count_of(account.grants.size(), "grant");
        return out;
    }

    std::vector<std::string> changes;
    if (facts.stored.plugin != plugin && !(plugin == native_plugin && server.is_mariadb() && facts.stored.plugin.empty())) {
        out.statements.push_back(identified("ALTER USER "));
        changes.push_back("it authenticates with '" + facts.stored.plugin + "', not " + std::string(plugin) +
                          " (ALTER USER)");
    } else if (!hash_matches(plugin, facts.stored, facts.hashes, server)) {
        out.statements.push_back(identified("ALTER USER "));
        changes.push_back("its stored password hash differs from the configured password (ALTER USER)");
    }

    std::vector<grant_spec> missing;
    const auto held = parse_show_grants(facts.grants);
    if (held) {
        missing = missing_grants(account.grants, *held);
        if (!missing.empty()) {
            std::string list;
            for (const auto& g : missing) list += (list.empty() ? "" : ", ") + g.privileges + " ON " + g.target;
            changes.push_back("it lacks " + list + " (GRANT)");
        }
    } else {
        missing = account.grants;
        changes.push_back("its grants cannot be read (" + held.message() + "): granting all " +
                          count_of(missing.size(), "grant") + " again");
    }
    for (const auto& g : missing) out.statements.push_back(grant(g));

    if (changes.empty()) {
        out.summary = what + " is as configured";
    } else {
        out.summary = what + ": ";
        for (std::size_t i = 0; i < changes.size(); ++i) out.summary += (i == 0 ? "" : ", and ") + changes[i];
    }
    return out;
}

}  // namespace mysql_agent
