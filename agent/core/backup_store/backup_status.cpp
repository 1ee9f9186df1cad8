#include "mysql_agent/core/backup_store/backup_status.hpp"

#include <ctime>
#include <initializer_list>

#include <nlohmann/json.hpp>

#include "mysql_agent/core/text.hpp"

namespace mysql_agent::backup_store {
namespace {

constexpr int last_run_format = 1;

double seconds_of(std::chrono::system_clock::time_point t) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

metric_family gauge(std::string name, std::string help, double value) {
    return metric_family{std::move(name), std::move(help), metric_type::gauge, {{{}, value, ""}}};
}

/// Only printable ASCII: what a record written by next_last_run holds (text::printable's output).
bool printable_ascii(std::string_view s) {
    for (const char c : s)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SSZ, digits where digits belong.
    if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return std::nullopt;
    for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
        if (!text::is_digit(s[i])) return std::nullopt;
    auto num = [&](std::size_t at, std::size_t n) { return static_cast<int>(*text::parse_uint(s.substr(at, n))); };
    std::tm tm{};
    tm.tm_year = num(0, 4) - 1900;
    tm.tm_mon = num(5, 2) - 1;
    tm.tm_mday = num(8, 2);
    tm.tm_hour = num(11, 2);
    tm.tm_min = num(14, 2);
    tm.tm_sec = num(17, 2);
    if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return std::nullopt;
    return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string last_run_json(const last_run& r) {
    const nlohmann::ordered_json j = {{"format", last_run_format},
                                      {"finished_at", r.finished_at},
                                      {"outcome", r.committed ? "committed" : "failed"},
                                      {"id", r.id},
                                      {"uploaded_bytes", r.uploaded_bytes},
                                      {"failures_in_a_row", r.failures_in_a_row},
                                      {"error", r.error}};
    return j.dump(2) + "\n";
}

result<last_run> parse_last_run(std::string_view json) {
    if (json.size() > last_run_limit)
        return error{"the last-run record is larger than " + std::to_string(last_run_limit) + " bytes"};
    const auto j = nlohmann::json::parse(json, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return error{"the last-run record is not a JSON object"};
    last_run r;
    std::string outcome;
    try {
        if (j.at("format").get<int>() != last_run_format) return error{"the last-run record has another format"};
        r.finished_at = j.at("finished_at").get<std::string>();
        outcome = j.at("outcome").get<std::string>();
        r.id = j.at("id").get<std::string>();
        if (!j.at("uploaded_bytes").is_number_unsigned() || !j.at("failures_in_a_row").is_number_unsigned())
            return error{"the last-run record's counts are not unsigned numbers"};
        r.uploaded_bytes = j.at("uploaded_bytes").get<std::uint64_t>();
        r.failures_in_a_row = j.at("failures_in_a_row").get<std::uint32_t>();
        r.error = j.at("error").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
        return error{std::string("the last-run record lacks a field or has one of the wrong type: ") + e.what()};
    }
    if (outcome != "committed" && outcome != "failed")
        return error{"the last-run record's outcome is neither committed nor failed"};
    r.committed = outcome == "committed";
    if (!parse_iso8601_utc(r.finished_at)) return error{"the last-run record's finished_at is not ISO 8601 UTC"};
    if (r.error.size() > last_run_error_limit || !printable_ascii(r.error))
        return error{"the last-run record's error is too long or not printable"};
    if (r.id.size() > 64 || !printable_ascii(r.id)) return error{"the last-run record's id is not printable"};
    return r;
}

last_run next_last_run(const std::optional<last_run>& previous, bool committed, std::string id,
                       std::uint64_t uploaded_bytes, std::string finished_at, std::string_view error) {
    last_run r;
    r.committed = committed;
    r.id = std::move(id);
    r.uploaded_bytes = uploaded_bytes;
    r.finished_at = std::move(finished_at);
    r.failures_in_a_row = committed ? 0 : (previous ? previous->failures_in_a_row : 0) + 1;
    if (!committed) {
        r.error = text::printable(error);
        if (r.error.size() > last_run_error_limit) r.error = r.error.substr(0, last_run_error_limit - 3) + "...";
    }
    return r;
}

std::vector<metric_family> store_status_families(const store_status_facts& f) {
    std::vector<metric_family> out;
    out.push_back(metric_family{"mysql_agent_store_read_failures_total",
                                "Reads of the backup store (--backup-status-from) that failed since the sidecar started",
                                metric_type::counter,
                                {{{}, static_cast<double>(f.read_failures), ""}}});
    if (!f.read_at) return out;
    out.push_back(gauge("mysql_agent_store_last_read_timestamp_seconds",
                        "When the sidecar last read the backup store successfully (Unix time)", seconds_of(*f.read_at)));
    out.push_back(gauge("mysql_agent_store_backups_complete", "Complete backups (a manifest) under the prefix",
                        static_cast<double>(f.complete)));
    out.push_back(gauge("mysql_agent_store_backups_incomplete",
                        "Backups without a manifest under the prefix (cut off, or running now); pruned once stale",
                        static_cast<double>(f.incomplete)));
    if (f.newest) {
        if (f.newest->finished_at)
            out.push_back(gauge("mysql_agent_store_backup_last_success_timestamp_seconds",
                                "When the newest complete backup finished (its manifest's finished_at, Unix time)",
                                seconds_of(*f.newest->finished_at)));
        out.push_back(gauge("mysql_agent_store_backup_last_success_bytes",
                            "Bytes stored of the newest complete backup's stream",
                            static_cast<double>(f.newest->stream_bytes)));
    }
    if (f.last) {
        if (const auto at = parse_iso8601_utc(f.last->finished_at))
            out.push_back(gauge("mysql_agent_store_backup_last_run_timestamp_seconds",
                                "When the last `backup` run ended, committed or failed (Unix time)", seconds_of(*at)));
        out.push_back(gauge("mysql_agent_store_backup_last_run_success",
                            "1 when the last `backup` run committed its backup, 0 when it failed",
                            f.last->committed ? 1 : 0));
        out.push_back(gauge("mysql_agent_store_backup_last_run_uploaded_bytes",
                            "Bytes the last `backup` run uploaded (a failed run's too)",
                            static_cast<double>(f.last->uploaded_bytes)));
        out.push_back(gauge("mysql_agent_store_backup_failures_in_a_row",
                            "`backup` runs that failed since the last one that committed",
                            static_cast<double>(f.last->failures_in_a_row)));
    }
    return out;
}

}  // namespace mysql_agent::backup_store
