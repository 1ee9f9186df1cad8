#include "mysql_agent/core/sql_dialect.hpp"

#include <algorithm>

#include "mysql_agent/core/sql_literal.hpp"

namespace mysql_agent {
namespace {

bool is_mysql_gtid_set(std::string_view set) { return set.find(':') != std::string_view::npos; }

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string channel_list(const std::vector<replication_entry>& entries) {
    std::string out;
    for (const auto& e : entries) out += (out.empty() ? "" : ", ") + quoted(e.channel);
    return out;
}

}  // namespace

sql_dialect dialect_for(const server_version& server) {
    sql_dialect d;
    if (server.is_mariadb()) {
        // MariaDB keeps CHANGE MASTER and names a connection instead of a channel; CHANGE REPLICATION SOURCE,
        // MASTER_AUTO_POSITION and gtid_purged are errors there (verified on 10.11.19, fixtures README §3).
        d.change_source = "CHANGE MASTER TO";
        d.option_prefix = "MASTER_";
        d.start_replica = "START SLAVE";
        d.stop_replica = "STOP SLAVE";
        d.reset_replica_all = "RESET SLAVE ALL";
        d.show_replica_status = "SHOW SLAVE STATUS";
        d.channel_is_connection_name = true;
        return d;
    }
    // MySQL 8.0.22 added START/STOP/RESET REPLICA and SHOW REPLICA STATUS; 8.0.23 added
    // CHANGE REPLICATION SOURCE TO with SOURCE_* options; 8.4 removed the old forms.
    // https://dev.mysql.com/doc/relnotes/mysql/8.0/en/news-8-0-23.html
    const bool source_syntax = server.at_least(8, 0, 23);
    const bool replica_verbs = server.at_least(8, 0, 22);
    d.change_source = source_syntax ? "CHANGE REPLICATION SOURCE TO" : "CHANGE MASTER TO";
    d.option_prefix = source_syntax ? "SOURCE_" : "MASTER_";
    d.start_replica = source_syntax ? "START REPLICA" : "START SLAVE";
    d.stop_replica = replica_verbs ? "STOP REPLICA" : "STOP SLAVE";
    d.reset_replica_all = replica_verbs ? "RESET REPLICA ALL" : "RESET SLAVE ALL";
    d.show_replica_status = replica_verbs ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS";
    // RESET MASTER is deprecated in 8.2 and removed in 8.4 in favour of RESET BINARY LOGS AND GTIDS.
    // https://dev.mysql.com/doc/refman/8.4/en/reset-binary-logs-and-gtids.html
    d.reset_gtid = server.at_least(8, 2, 0) ? "RESET BINARY LOGS AND GTIDS" : "RESET MASTER";
    // caching_sha2_password (the 8.0 default) needs the source's RSA key on a connection without TLS.
    // https://dev.mysql.com/doc/refman/8.0/en/change-replication-source-to.html
    if (server.at_least(8, 0, 4)) d.public_key_option = source_syntax ? "GET_SOURCE_PUBLIC_KEY=1" : "GET_MASTER_PUBLIC_KEY=1";
    d.channel_is_connection_name = false;
    return d;
}

result<gtid_choice> parse_gtid_choice(std::string_view text) {
    if (text == "auto") return gtid_choice::automatic;
    if (text == "on") return gtid_choice::on;
    if (text == "off") return gtid_choice::off;
    return error{"--gtid '" + std::string(text) + "' is not one of auto, on, off"};
}

result<start_coordinates> choose_start_coordinates(const backup_metadata& md, const server_version& server,
                                                   std::string_view channel, gtid_choice gtid) {
    start_coordinates c;
    std::string gtid_set;
    bool carries_gtid = false;
    if (!md.replication.empty()) {
        // The donor was a replica: its slave info points into the primary's binlog, which is what we follow.
        const auto it = std::find_if(md.replication.begin(), md.replication.end(),
                                     [&](const replication_entry& e) { return e.channel == channel; });
        if (it == md.replication.end())
            return error{"the backup has no replication channel " + quoted(channel) + " (it has " +
                         channel_list(md.replication) + "); pass --channel with one of them"};
        c.origin = "slave info channel " + quoted(channel);
        c.file = it->file;
        c.position = it->position;
        const auto& set = md.gtid_slave_pos ? md.gtid_slave_pos : md.gtid_purged;
        if (set && !set->empty()) gtid_set = *set;
        carries_gtid = it->auto_position;
        if (it->auto_position && gtid_set.empty() && gtid != gtid_choice::off)
            return error{c.origin + " uses auto-position but the backup recorded no gtid_purged/gtid_slave_pos; "
                         "take the backup again or use a channel with a file and position"};
    } else if (md.binlog) {
        // The donor was the primary: start at its own binlog position.
        c.origin = "binlog info";
        c.file = md.binlog->file;
        c.position = md.binlog->position;
        gtid_set = md.binlog->gtid_set;
        carries_gtid = !gtid_set.empty();
    } else {
        return error{"the backup has no replication coordinates: no binlog info and no slave info entries "
                     "(was the binary log enabled on the donor?)"};
    }

    switch (gtid) {
        case gtid_choice::automatic: c.use_gtid = carries_gtid; break;
        case gtid_choice::on:
            if (gtid_set.empty())
                return error{"--gtid on, but the backup's " + c.origin + " carries no GTID set; use --gtid auto or off"};
            c.use_gtid = true;
            break;
        case gtid_choice::off: c.use_gtid = false; break;
    }
    if (c.use_gtid) {
        c.gtid_set = gtid_set;
        c.file.clear();
        c.position = 0;
        if (is_mysql_gtid_set(gtid_set) == server.is_mariadb())
            return error{"the backup's GTID set '" + gtid_set + "' is a " +
                         (server.is_mariadb() ? "MySQL" : "MariaDB") + " GTID, but the server is " +
                         (server.is_mariadb() ? "MariaDB" : "MySQL") + " " + server.text +
                         "; use --gtid off to replicate by file and position"};
        if (!server.is_mariadb() && !server.at_least(5, 6, 5))
            return error{"MySQL " + server.text + " has no GTID auto-position (needs 5.6.5); use --gtid off"};
        return c;
    }
    if (c.file.empty())
        return error{"the backup's " + c.origin + " has an empty binlog file name and " +
                     (carries_gtid || !gtid_set.empty() ? "GTID was turned off" : "no GTID") +
                     "; there is no position to replicate from"};
    return c;
}

result<std::vector<std::string>> replication_statements(const start_coordinates& start, const server_version& server,
                                                        const replication_source& source, std::string_view channel,
                                                        secret_rendering password, bool no_backslash_escapes) {
    if (source.host.empty()) return error{"the replication source host is empty; pass --source-host"};
    if (source.user.empty()) return error{"the replication user is empty; pass --repl-user"};
    if (source.port == 0) return error{"the replication source port is 0; pass --source-port 1..65535"};
    if (!channel.empty() && !server.is_mariadb() && !server.at_least(5, 7, 6))
        return error{"MySQL " + server.text + " has no replication channels (FOR CHANNEL needs 5.7.6); drop --channel"};

    const sql_dialect d = dialect_for(server);
    const auto lit = [&](std::string_view v) { return sql_string_literal(v, no_backslash_escapes); };
    const std::string& p = d.option_prefix;
    std::vector<std::string> out;

    if (start.use_gtid) {
        if (server.is_mariadb()) {
            // A clone of the primary must say where it stands before MASTER_USE_GTID=slave_pos.
            // https://mariadb.com/kb/en/gtid/#setting-up-a-new-replica-from-a-backup
            out.push_back("SET GLOBAL gtid_slave_pos=" + lit(start.gtid_set) + ";");
        } else {
            // gtid_purged can only be set on a server whose gtid_executed is empty.
            // https://dev.mysql.com/doc/refman/8.0/en/replication-options-gtids.html#sysvar_gtid_purged
            out.push_back(d.reset_gtid + ";");
            out.push_back("SET GLOBAL gtid_purged=" + lit(start.gtid_set) + ";");
        }
    }

    std::string change;
    if (d.channel_is_connection_name && !channel.empty())
        change = "CHANGE MASTER " + lit(channel) + " TO ";
    else
        change = d.change_source + " ";
    change += p + "HOST=" + lit(source.host) + ", " + p + "PORT=" + std::to_string(source.port) + ", " + p +
              "USER=" + lit(source.user);
    if (source.password)
        change += ", " + p + "PASSWORD=" +
                  (password == secret_rendering::shown ? lit(*source.password) : std::string("'<redacted>'"));
    // MariaDB's default MASTER_CONNECT_RETRY (60 s) makes a replica take up to a minute to follow a restarted
    // primary; every replica of a down primary now costs one connection attempt per replica_connect_retry instead.
    // https://mariadb.com/kb/en/change-master-to/#master_connect_retry
    change += ", " + p + "CONNECT_RETRY=" + std::to_string(replica_connect_retry_seconds);
    if (start.use_gtid)
        change += server.is_mariadb() ? ", MASTER_USE_GTID=slave_pos" : ", " + p + "AUTO_POSITION=1";
    else
        change += ", " + p + "LOG_FILE=" + lit(start.file) + ", " + p + "LOG_POS=" + std::to_string(start.position);
    if (source.tls_ca)
        // https://mariadb.com/kb/en/change-master-to/#master_ssl_verify_server_cert
        // https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html (SOURCE_SSL_VERIFY_SERVER_CERT)
        change += ", " + p + "SSL=1, " + p + "SSL_CA=" + lit(*source.tls_ca) + ", " + p + "SSL_VERIFY_SERVER_CERT=1";
    if (!d.public_key_option.empty()) change += ", " + d.public_key_option;

    std::string start_stmt = d.start_replica;
    if (!channel.empty()) {
        if (d.channel_is_connection_name) {
            start_stmt += " " + lit(channel);
        } else {
            change += " FOR CHANNEL " + lit(channel);
            start_stmt += " FOR CHANNEL " + lit(channel);
        }
    }
    out.push_back(change + ";");
    out.push_back(start_stmt + ";");
    return out;
}

}  // namespace mysql_agent
