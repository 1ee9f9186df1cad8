// backup status: the record `backup` leaves of its last run (written, read back, refused when it could mislead), how
// the failures in a row count, and what /metrics and `status` then say about the store's backups.

#include <catch2/catch.hpp>

#include "mysql_agent/core/backup_store/backup_status.hpp"
#include "mysql_agent/core/metrics_text.hpp"
#include "mysql_agent/core/status_report.hpp"

using namespace mysql_agent;
using namespace mysql_agent::backup_store;

TEST_CASE("last-run record: written and read back, and a record that could mislead is refused", "[backup_store]") {
    last_run r;
    r.finished_at = "2026-12-07T07:49:02Z";
    r.committed = false;
    r.id = "20261207T074830Z";
    r.uploaded_bytes = 5242880;
    r.failures_in_a_row = 3;
    r.error = "no member served a backup; the last said: connection refused";
    const auto back = parse_last_run(last_run_json(r));
    REQUIRE(back);
    CHECK(back->finished_at == r.finished_at);
    CHECK_FALSE(back->committed);
    CHECK(back->id == r.id);
    CHECK(back->uploaded_bytes == r.uploaded_bytes);
    CHECK(back->failures_in_a_row == 3);
    CHECK(back->error == r.error);

    const std::string good = last_run_json(r);
    auto with = [&](const std::string& from, const std::string& to) {
        std::string s = good;
        const auto at = s.find(from);
        REQUIRE(at != std::string::npos);
        return s.replace(at, from.size(), to);
    };
    struct row {
        const char* what;
        std::string json;
    };
    const row rows[] = {
        {"not JSON", "last run: ok"},
        {"another outcome", with("\"failed\"", "\"maybe\"")},
        {"a time that is not ISO 8601 UTC", with("2026-12-07T07:49:02Z", "yesterday")},
        {"a negative size", with("5242880", "-1")},
        {"a field missing", with("\"uploaded_bytes\": 5242880,", "")},
        {"a control character in the error", with("connection refused", "connection\\u001b[2Jrefused")},
        {"another format", with("\"format\": 1", "\"format\": 2")},
        {"larger than its limit", good + std::string(last_run_limit, ' ')},
    };
    for (const auto& x : rows) {
        INFO(x.what);
        CHECK_FALSE(parse_last_run(x.json));
    }
}

TEST_CASE("failures in a row: counted up by each failed run, back to 0 by one that committed", "[backup_store]") {
    const auto first = next_last_run(std::nullopt, false, "20261207T010000Z", 0, "2026-12-07T01:00:05Z", "boom");
    CHECK(first.failures_in_a_row == 1);
    CHECK(first.error == "boom");
    const auto second = next_last_run(first, false, "20261207T020000Z", 10, "2026-12-07T02:00:05Z",
                                      std::string(1000, 'x') + "\n");
    CHECK(second.failures_in_a_row == 2);
    CHECK(second.error.size() == last_run_error_limit);
    CHECK(parse_last_run(last_run_json(second)));  // what it writes, it reads back
    const auto control = next_last_run(second, false, "20261207T030000Z", 0, "2026-12-07T03:00:05Z", "a\nb\x1b");
    CHECK(control.error == "a\\x0ab\\x1b");
    CHECK(parse_last_run(last_run_json(control)));
    const auto committed = next_last_run(control, true, "20261207T040000Z", 99, "2026-12-07T04:00:05Z", "");
    CHECK(committed.failures_in_a_row == 0);
    CHECK(committed.error.empty());
    CHECK(next_last_run(committed, false, "20261207T050000Z", 0, "2026-12-07T05:00:05Z", "x").failures_in_a_row == 1);
}

TEST_CASE("ISO 8601 UTC times: the manifest's form and nothing else", "[backup_store]") {
    const auto t = parse_iso8601_utc("2026-12-07T07:48:30Z");
    REQUIRE(t);
    CHECK(std::chrono::system_clock::to_time_t(*t) == 1796629710);
    for (const char* bad : {"2026-12-07 07:48:30Z", "2026-12-07T07:48:30", "2026-13-07T07:48:30Z",
                            "2026-12-07T24:48:30Z", "2026-12-0xT07:48:30Z", ""}) {
        INFO(bad);
        CHECK_FALSE(parse_iso8601_utc(bad));
    }
}

TEST_CASE("store status in /metrics and status: what is known is shown, what is not is absent", "[backup_store]") {
    store_status_facts f;
    f.read_failures = 2;
    // Never read: only the failures counter, and status says so.
    auto text = render_metrics(store_status_families(f));
    CHECK(find_metric_value(text, "mysql_agent_store_read_failures_total") == 2);
    CHECK_FALSE(find_metric_value(text, "mysql_agent_store_backups_complete"));
    auto view = stored_backups_from_metrics(text);
    REQUIRE(view);
    CHECK_FALSE(view->read_at);
    status_facts s;
    s.sidecar_reachable = true;
    s.stored = view;
    CHECK_THAT(render_status_table(s), Catch::Contains("not read yet (2 failed reads)"));

    // Read: two complete backups, one incomplete, the last run failed twice in a row.
    f.read_at = std::chrono::system_clock::from_time_t(1796640000);
    f.complete = 2;
    f.incomplete = 1;
    f.newest = store_status_facts::newest_backup{"20261207T074830Z", parse_iso8601_utc("2026-12-07T07:49:02Z"),
                                                 137773391};
    f.last = next_last_run(next_last_run(std::nullopt, false, "a", 0, "2026-12-07T09:00:05Z", "x"), false, "b", 0,
                           "2026-12-07T10:00:05Z", "y");
    text = render_metrics(store_status_families(f));
    CHECK(find_metric_value(text, "mysql_agent_store_backups_complete") == 2);
    CHECK(find_metric_value(text, "mysql_agent_store_backups_incomplete") == 1);
    CHECK(find_metric_value(text, "mysql_agent_store_backup_last_success_timestamp_seconds") == 1796629742);
    CHECK(find_metric_value(text, "mysql_agent_store_backup_last_success_bytes") == 137773391);
    CHECK(find_metric_value(text, "mysql_agent_store_backup_last_run_success") == 0);
    CHECK(find_metric_value(text, "mysql_agent_store_backup_failures_in_a_row") == 2);
    view = stored_backups_from_metrics(text);
    REQUIRE(view);
    s.stored = view;
    const auto table = render_status_table(s);
    CHECK_THAT(table, Catch::Contains("2 complete, 1 incomplete; newest finished 2026-12-07T07:49:02Z, 137.8 MB"));
    CHECK_THAT(table, Catch::Contains("FAILED at 2026-12-07T10:00:05Z (2 failed in a row)"));
    CHECK(status_json(s)["stored_backups"]["failures_in_a_row"] == 2);

    // A sidecar without --backup-status-from: nothing about a store.
    CHECK_FALSE(stored_backups_from_metrics("mysql_agent_backups_started_total 1\n"));
}
