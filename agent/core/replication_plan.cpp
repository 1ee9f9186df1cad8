#include "mysql_agent/core/replication_plan.hpp"

#include "mysql_agent/core/primary_takeover.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <initializer_list>

#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/sql_literal.hpp"

namespace mysql_agent {
namespace {

// The value of the first of `names` present in `row`; "" for SQL NULL. nullopt when no such column exists.
std::optional<std::string> column(const sql_row& row, std::initializer_list<std::string_view> names) {
    for (const auto name : names) {
        const auto it = row.find(name);
        if (it != row.end()) return it->second.value_or("");
    }
    return std::nullopt;
}

std::string names_of(std::initializer_list<std::string_view> names) {
    std::string out;
    for (const auto n : names) out += (out.empty() ? "" : " / ") + std::string(n);
    return out;
}

template <class Number>
result<Number> number_column(const sql_row& row, std::initializer_list<std::string_view> names) {
    const auto text = column(row, names);
    if (!text) return error{"the replica status has no column " + names_of(names)};
    if (text->empty()) return Number{0};
    Number value{};
    const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || ptr != text->data() + text->size())
        return error{"the replica status column " + names_of(names) + " is '" + *text + "', not a number"};
    return value;
}

bool thread_runs(const std::string& state) { return !state.empty() && state != "No"; }

// A GTID set as a sorted list of its comma-separated parts, without whitespace (MySQL prints sets with a newline
// after each comma) and in lower case (UUIDs), so that equal sets compare equal.
std::vector<std::string> normalized_gtid_set(std::string_view set) {
    std::vector<std::string> parts;
    std::string current;
    for (const char ch : set) {
        if (std::isspace(static_cast<unsigned char>(ch))) continue;
        if (ch == ',') {
            if (!current.empty()) parts.push_back(std::move(current));
            current.clear();
            continue;
        }
        current.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    }
    if (!current.empty()) parts.push_back(std::move(current));
    std::sort(parts.begin(), parts.end());
    return parts;
}

std::string where(const start_coordinates& start) {
    if (start.use_gtid) return start.origin + ", GTID " + start.gtid_set;
    return start.origin + ", " + start.file + ":" + std::to_string(start.position);
}

}  // namespace

result<replica_status> replica_status_from_rows(const std::vector<sql_row>& rows) {
    replica_status s;
    if (rows.empty()) return s;
    if (rows.size() > 1)
        return error{"the replica status has " + std::to_string(rows.size()) +
                     " rows (several channels); name the channel"};
    const sql_row& row = rows.front();
    s.configured = true;

    const auto text = [&](std::initializer_list<std::string_view> names, std::string& out) -> status {
        auto v = column(row, names);
        if (!v) return error{"the replica status has no column " + names_of(names)};
        out = std::move(*v);
        return ok();
    };
    // MySQL 8.0.22 renamed the columns of SHOW REPLICA STATUS (Slave -> Replica, Master -> Source).
    // https://dev.mysql.com/doc/refman/8.0/en/show-replica-status.html
    for (auto st : {text({"Slave_IO_Running", "Replica_IO_Running"}, s.io_running),
                    text({"Slave_SQL_Running", "Replica_SQL_Running"}, s.sql_running),
                    text({"Last_IO_Error"}, s.last_io_error), text({"Last_SQL_Error"}, s.last_sql_error),
                    text({"Relay_Master_Log_File", "Relay_Source_Log_File"}, s.source_file)})
        if (!st) return st.err();
    const auto io_errno = number_column<unsigned>(row, {"Last_IO_Errno"});
    if (!io_errno) return io_errno.err();
    const auto sql_errno = number_column<unsigned>(row, {"Last_SQL_Errno"});
    if (!sql_errno) return sql_errno.err();
    const auto position = number_column<std::uint64_t>(row, {"Exec_Master_Log_Pos", "Exec_Source_Log_Pos"});
    if (!position) return position.err();
    s.last_io_errno = *io_errno;
    s.last_sql_errno = *sql_errno;
    s.source_position = *position;
    return s;
}

replica_state replica_state_of(const replica_status& s) {
    if (!s.configured) return replica_state::none;
    const bool io = thread_runs(s.io_running);
    const bool sql = thread_runs(s.sql_running);
    if (io && sql) return replica_state::running;
    if ((!io && s.last_io_errno != 0) || (!sql && s.last_sql_errno != 0)) return replica_state::failed;
    return replica_state::stopped;
}

std::string describe_replica(const replica_status& s) {
    if (!s.configured) return "no replication configured";
    const auto thread = [](const char* name, const std::string& state, unsigned err, const std::string& message) {
        std::string out = std::string(name) + " thread " + (state.empty() ? "No" : state);
        if (err != 0) out += ", last error " + std::to_string(err) + ": " + message;
        return out;
    };
    return thread("IO", s.io_running, s.last_io_errno, s.last_io_error) + "; " +
           thread("SQL", s.sql_running, s.last_sql_errno, s.last_sql_error);
}

bool replica_moved_past(const start_coordinates& start, const replica_status& replica,
                        std::string_view executed_gtid_set) {
    if (start.use_gtid) {
        const auto executed = normalized_gtid_set(executed_gtid_set);
        return executed.empty() || executed != normalized_gtid_set(start.gtid_set);
    }
    return !(replica.configured && !start.file.empty() && replica.source_file == start.file &&
             replica.source_position == start.position);
}

result<gtid_choice> effective_gtid_choice(const server_version& server, gtid_choice requested,
                                          bool mysql_gtid_mode_on) {
    if (server.is_mariadb() || mysql_gtid_mode_on) return requested;
    // SOURCE_AUTO_POSITION=1 is refused unless gtid_mode=ON; without it, follow the file and position.
    if (requested == gtid_choice::on)
        return error{"--gtid on, but @@gtid_mode is not ON on MySQL " + server.text +
                     "; enable gtid_mode and enforce_gtid_consistency, or use --gtid auto"};
    return gtid_choice::off;
}

replica_control replica_control_for(const server_version& server, std::string_view channel,
                                    bool no_backslash_escapes) {
    const sql_dialect d = dialect_for(server);
    replica_control c;
    if (channel.empty()) {
        c.stop = plain_statement(d.stop_replica + ";");
        c.reset_all = plain_statement(d.reset_replica_all + ";");
        c.start = plain_statement(d.start_replica + ";");
        c.show_status = plain_statement(d.show_replica_status + ";");
        return c;
    }
    const std::string name = sql_string_literal(channel, no_backslash_escapes);
    if (d.channel_is_connection_name) {
        // MariaDB names the connection after the verb: STOP SLAVE 'c', RESET SLAVE 'c' ALL, SHOW SLAVE 'c' STATUS.
        // https://mariadb.com/kb/en/multi-source-replication/
        const auto before_last_word = [&](const std::string& words) {
            const auto space = words.rfind(' ');
            return words.substr(0, space) + " " + name + words.substr(space) + ";";
        };
        c.stop = plain_statement(d.stop_replica + " " + name + ";");
        c.reset_all = plain_statement(before_last_word(d.reset_replica_all));
        c.start = plain_statement(d.start_replica + " " + name + ";");
        c.show_status = plain_statement(before_last_word(d.show_replica_status));
        return c;
    }
    // https://dev.mysql.com/doc/refman/8.0/en/replication-channels-commands.html
    const std::string suffix = " FOR CHANNEL " + name + ";";
    c.stop = plain_statement(d.stop_replica + suffix);
    c.reset_all = plain_statement(d.reset_replica_all + suffix);
    c.start = plain_statement(d.start_replica + suffix);
    c.show_status = plain_statement(d.show_replica_status + suffix);
    return c;
}

std::string_view to_string(replication_action action) {
    switch (action) {
        case replication_action::take_over: return "take_over";
        case replication_action::ensure_users: return "ensure_users";
        case replication_action::nothing: return "nothing";
        case replication_action::configure: return "configure";
        case replication_action::stop_and_recheck: return "stop_and_recheck";
        case replication_action::start: return "start";
        case replication_action::record_applied: return "record_applied";
        case replication_action::report_error: return "report_error";
        case replication_action::ok: return "ok";
    }
    return "unknown";
}

result<std::vector<kept_account>> primary_accounts(const replication_config& c, const server_version& server) {
    if (!c.source.password)
        return error{"the replication password is missing; the primary needs it to create the replication account"};
    std::vector<account_spec> specs{{account_kind::replication, c.source.user, c.replication_user_host, *c.source.password}};
    if (c.backup_account) specs.push_back(*c.backup_account);
    return kept_accounts(specs, server);
}

namespace {

replication_plan decided(replication_action action, std::string reason, std::vector<sql_statement> statements = {}) {
    replication_plan p;
    p.action = action;
    p.reason = std::move(reason);
    p.statements = std::move(statements);
    return p;
}

replication_plan report(std::string reason) { return decided(replication_action::report_error, std::move(reason)); }

/// The primary: each account it keeps, changed only where it differs.
/// The statements that make a re-seeded primary the cluster's primary, or writable again; none for any other.
result<replication_plan> plan_primary_role(const replication_facts& f) {
    const bool reseeded = f.marker == replication_facts::marker_state::present && f.reseed && f.reseed->as_primary;
    if (reseeded && !f.applied) {
        // The position is checked now; the takeover's statements are decided on the server's state read under
        // its lock (primary_takeover.hpp), by the I/O layer's takeover runner.
        const auto position = takeover_position(f.coordinates, f.server);
        if (!position) return error{"re-seeded primary: " + position.message()};
        return decided(replication_action::take_over,
                       "ordinal 0 was re-seeded from a peer (" + f.reseed->reason +
                           "): its binlog continues the clone's position " + *position +
                           " unless the server logged writes since (then nothing is reset), its replica "
                           "configuration goes, then it becomes writable; ");
    }
    if (reseeded && f.read_only) {
        std::vector<sql_statement> writable;
        if (!f.server.is_mariadb()) writable.push_back(plain_statement("SET GLOBAL super_read_only=OFF;"));
        writable.push_back(plain_statement("SET GLOBAL read_only=OFF;"));
        return decided(replication_action::ensure_users,
                       "ordinal 0 was re-seeded and taken over, but mysqld restarted read-only: making it "
                       "writable; ",
                       std::move(writable));
    }
    return decided(replication_action::ensure_users, "ordinal 0 is the primary: ");
}

result<replication_plan> plan_primary(const replication_facts& f, const replication_config& c) {
    const auto accounts = primary_accounts(c, f.server);
    if (!accounts) return accounts.err();
    auto role = plan_primary_role(f);
    if (!role) return role.err();
    replication_plan p = std::move(role).value();
    for (std::size_t i = 0; i < accounts->size(); ++i) {
        const kept_account& a = (*accounts)[i];
        const auto facts = std::find_if(f.accounts.begin(), f.accounts.end(), [&](const account_facts& af) {
            return af.user == a.spec.user && af.host == a.spec.host;
        });
        if (facts == f.accounts.end())
            return error{"nothing is known about " + describe_account(a) +
                         " on the primary: its facts were not gathered (a bug in the agent)"};
        auto changes = ensure_account_statements(a, *facts, f.server, f.no_backslash_escapes);
        if (!changes) return changes.err();
        p.statements.insert(p.statements.end(), changes->statements.begin(), changes->statements.end());
        p.reason += (i == 0 ? "" : "; ") + changes->summary;
    }
    if (p.statements.empty()) p.reason += ": nothing to run";
    return p;
}

/// A replica whose setup from the clone was recorded as applied: keep it running, never reconfigure it.
replication_plan plan_applied(const replication_facts& f, const replica_control& control) {
    switch (replica_state_of(f.replica)) {
        case replica_state::running:
            return decided(replication_action::ok, "replicating (" + describe_replica(f.replica) + ")");
        case replica_state::stopped:
            // mysqld starts replicas with skip-slave-start / skip-replica-start (slave.cnf): the reconcile loop
            // starts the threads once it has checked that the primary carries this replica's history.
            return decided(replication_action::nothing,
                           "replication was set up from the clone and its threads are stopped without an error (" +
                               describe_replica(f.replica) +
                               "): the reconcile loop starts them once it has checked the primary");
        case replica_state::failed:
            return report("replication stopped on an error (" + describe_replica(f.replica) +
                          "); not resetting it, which would hide the cause: fix it and start replication, or "
                          "re-clone this replica");
        case replica_state::none:
            break;
    }
    return report("replication was set up from the clone (" + std::string(replication_applied_file) +
                  " exists) but the server has none now (RESET SLAVE ALL?); not configuring it again "
                  "from the clone's coordinates, which are stale by now: re-clone this replica");
}

/// Configured from the clone's coordinates earlier and moved since: record it or start it, never reset it.
replication_plan plan_moved(const replication_facts& f, const replica_control& control) {
    const std::string since = "replication from the clone was configured and has applied transactions since (" +
                              describe_replica(f.replica) + ")";
    switch (replica_state_of(f.replica)) {
        case replica_state::running:
            return decided(replication_action::record_applied, since + ": recording it as applied, without touching it");
        case replica_state::stopped:
            return decided(replication_action::record_applied,
                           since + ": recording it as applied, without a reset; the reconcile loop starts its "
                                   "threads once it has checked the primary");
        default:
            return report(since + "; not resetting it, which would replay them: fix the cause and start "
                                  "replication, or re-clone this replica");
    }
}

/// The statements that configure replication from `start` (after a stop and reset when something is configured).
result<replication_plan> plan_configure(const replication_facts& f, const replication_config& c,
                                        const replica_control& control, start_coordinates start) {
    if (!c.source.password) return error{"the replication password is missing; the replica needs it to connect"};
    const auto shown = replication_statements(start, f.server, c.source, c.channel, secret_rendering::shown,
                                              f.no_backslash_escapes);
    if (!shown) return shown.err();
    const auto redacted = replication_statements(start, f.server, c.source, c.channel, secret_rendering::redacted,
                                                 f.no_backslash_escapes);
    if (!redacted) return redacted.err();
    replication_plan p = decided(replication_action::configure, "");
    if (replica_state_of(f.replica) != replica_state::none) {
        // Nothing was applied since the clone: stopping and resetting loses nothing, and CHANGE MASTER needs the
        // threads stopped (SET GLOBAL gtid_slave_pos too).
        p.statements = {control.stop, control.reset_all};
        p.reason = "replication from the clone was configured but has applied nothing since (" +
                   describe_replica(f.replica) + "): configuring it again from " + where(start);
    } else {
        p.reason = "a clone not yet set up as a replica: configuring replication from " + where(start);
    }
    for (std::size_t i = 0; i < shown->size(); ++i) p.statements.push_back({(*shown)[i], (*redacted)[i]});
    p.start = std::move(start);
    return p;
}

/// A replica not yet recorded as applied: what its clone marker and its current state call for.
result<replication_plan> plan_from_marker(const replication_facts& f, const replication_config& c,
                                          const replica_control& control) {
    using marker_state = replication_facts::marker_state;
    if (f.marker == marker_state::absent)
        return decided(replication_action::nothing,
                       "no clone marker in the datadir: this replica was not cloned by the agent; leaving its "
                       "replication alone (" + describe_replica(f.replica) + ")");
    if (f.marker == marker_state::unreadable)
        return report("the clone marker cannot be used: " + f.marker_problem +
                      "; not guessing replication coordinates: re-clone this replica");
    const auto gtid = effective_gtid_choice(f.server, c.gtid, f.mysql_gtid_mode_on);
    if (!gtid) return gtid.err();
    auto start = choose_start_coordinates(f.coordinates, f.server, c.channel, *gtid);
    if (!start) return report("the clone marker's coordinates cannot be used: " + start.message());
    const replica_state state = replica_state_of(f.replica);
    if (state != replica_state::none && replica_moved_past(*start, f.replica, f.executed_gtid_set))
        return plan_moved(f, control);
    if (state == replica_state::running)
        // "Nothing applied" holds only while the threads stand still: stop them, then decide on what is left.
        return decided(replication_action::stop_and_recheck,
                       "replication from the clone was configured and runs but has applied nothing yet (" +
                           describe_replica(f.replica) +
                           "): stopping it to decide on a replica that cannot move meanwhile",
                       {control.stop});
    return plan_configure(f, c, control, std::move(*start));
}

}  // namespace

result<replication_plan> plan_replication(const replication_facts& f, const replication_config& c) {
    if (f.is_primary) return plan_primary(f, c);
    const replica_control control = replica_control_for(f.server, c.channel, f.no_backslash_escapes);
    if (f.applied) return plan_applied(f, control);
    return plan_from_marker(f, c, control);
}

}  // namespace mysql_agent
