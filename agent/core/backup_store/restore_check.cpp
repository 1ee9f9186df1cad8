#include "mysql_agent/core/backup_store/restore_check.hpp"

#include "mysql_agent/core/sql_literal.hpp"

namespace mysql_agent::backup_store {

std::vector<std::string> scratch_server_args(const std::filesystem::path& datadir, const std::filesystem::path& socket,
                                             const std::filesystem::path& error_log, const std::string& user) {
    // --no-defaults first: it must be the first argument. No networking, no grant tables (the restored accounts'
    // passwords are the cluster's, not ours), no replica threads, no binlog: nothing leaves, nothing is written
    // but what the checks need.
    return {"--no-defaults",
            "--datadir=" + datadir.string(),
            "--socket=" + socket.string(),
            "--pid-file=" + (datadir / "scratch.pid").string(),
            "--log-error=" + error_log.string(),
            "--user=" + user,
            "--skip-networking",
            "--skip-grant-tables",
            "--skip-slave-start",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=128M"};
}

std::string base_tables_query() {
    return "SELECT table_schema AS `schema`, table_name AS name FROM information_schema.tables "
           "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN "
           "('mysql', 'information_schema', 'performance_schema', 'sys') ORDER BY table_schema, table_name";
}

result<std::vector<table_name>> tables_of(const std::vector<sql_row>& rows) {
    std::vector<table_name> out;
    for (const auto& row : rows) {
        const auto schema = row.find("schema"), name = row.find("name");
        if (schema == row.end() || name == row.end() || !schema->second || !name->second)
            return error{"information_schema.tables answered a row without schema and name"};
        out.push_back({*schema->second, *name->second});
    }
    return out;
}

std::string check_table_statement(const table_name& t) {
    return "CHECK TABLE " + sql_identifier(t.schema) + "." + sql_identifier(t.name);
}

std::string count_rows_statement(const table_name& t) {
    return "SELECT COUNT(*) AS n FROM " + sql_identifier(t.schema) + "." + sql_identifier(t.name);
}

status check_table_verdict(const std::vector<sql_row>& rows) {
    std::string words;
    bool ends_ok = false;
    for (const auto& row : rows) {
        const auto type = row.find("Msg_type"), text = row.find("Msg_text");
        if (type == row.end() || text == row.end()) return error{"CHECK TABLE answered a row without Msg_type/Msg_text"};
        const std::string t = type->second.value_or(""), m = text->second.value_or("");
        if (t == "error" || (t == "status" && m != "OK")) words += (words.empty() ? "" : "; ") + t + ": " + m;
        ends_ok = t == "status" && m == "OK";
    }
    if (words.empty() && ends_ok) return ok();
    return error{words.empty() ? std::string("CHECK TABLE did not end with status OK") : words};
}

}  // namespace mysql_agent::backup_store
