#include <catch2/catch.hpp>

#include <cmath>
#include <sstream>

#include "mysql_agent/core/agent_metrics.hpp"
#include "mysql_agent/core/metrics_text.hpp"

using namespace mysql_agent;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

/// Every line is a comment or `name{labels} value` with nothing after the value: what a scraper requires.
bool every_sample_line_is_well_formed(const std::string& text) {
    for (const auto& line : lines_of(text)) {
        if (line.empty() || line.front() == '#') continue;
        const auto space = line.rfind(' ');
        if (space == std::string::npos) return false;
        const std::string head = line.substr(0, space);
        const std::string name = head.substr(0, head.find('{'));
        if (!valid_metric_name(name)) return false;
        if (head.find('{') != std::string::npos && head.back() != '}') return false;
    }
    return true;
}

}  // namespace

TEST_CASE("label values escape backslash, double quote and newline, and nothing else", "[metrics]") {
    struct row {
        const char* name;
        std::string in;
        std::string out;
    };
    const row rows[] = {
        {"plain text unchanged", "mysql-0.mysql:3307", "mysql-0.mysql:3307"},
        {"backslash doubled", R"(C:\dir)", R"(C:\\dir)"},
        {"double quote escaped", R"(say "hi")", R"(say \"hi\")"},
        {"newline becomes \\n", "a\nb", R"(a\nb)"},
        {"single quote and tab left alone", "it's\there", "it's\there"},
        {"empty stays empty", "", ""},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(escape_label_value(r.in) == r.out);
    }
}

TEST_CASE("HELP text escapes backslash and newline but keeps double quotes", "[metrics]") {
    CHECK(escape_help("a \"b\" \\ c\nd") == "a \"b\" \\\\ c\\nd");
}

TEST_CASE("sample values", "[metrics]") {
    struct row {
        const char* name;
        double value;
        const char* text;
    };
    const row rows[] = {
        {"integer without fraction or exponent", 42, "42"},
        {"zero", 0, "0"},
        {"large byte count exactly", 123456789012.0, "123456789012"},
        {"fraction shortest round-trip", 0.25, "0.25"},
        {"negative", -1.5, "-1.5"},
        {"positive infinity", HUGE_VAL, "+Inf"},
        {"negative infinity", -HUGE_VAL, "-Inf"},
        {"not a number", std::nan(""), "NaN"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(format_metric_value(r.value) == r.text);
    }
}

TEST_CASE("metric names", "[metrics]") {
    struct row {
        const char* name;
        const char* metric;
        bool valid;
    };
    const row rows[] = {
        {"snake case", "mysql_agent_backups_started_total", true},
        {"colon allowed (recording rules)", "job:rate5m", true},
        {"leading underscore", "_x", true},
        {"leading digit", "1x", false},
        {"dash", "mysql-agent", false},
        {"empty", "", false},
        {"space", "a b", false},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(valid_metric_name(r.metric) == r.valid);
    }
}

TEST_CASE("render: HELP, TYPE, one sample per line, labels in order", "[metrics]") {
    const std::vector<metric_family> families = {
        {"demo_requests_total", "Requests\nserved \\ so far", metric_type::counter,
         {{{{"path", "/x"}, {"code", "200"}}, 3, ""}, {{{"path", "a\"b\\c\nd"}, {"code", "503"}}, 1, ""}}},
        {"demo_up", "Up", metric_type::gauge, {{{}, 1, ""}}},
        {"demo_seconds", "Durations", metric_type::histogram,
         {{{{"le", "1"}}, 2, "_bucket"}, {{{"le", "+Inf"}}, 3, "_bucket"}, {{}, 4.5, "_sum"}, {{}, 3, "_count"}}},
    };
    const std::string expected =
        "# HELP demo_requests_total Requests\\nserved \\\\ so far\n"
        "# TYPE demo_requests_total counter\n"
        "demo_requests_total{path=\"/x\",code=\"200\"} 3\n"
        "demo_requests_total{path=\"a\\\"b\\\\c\\nd\",code=\"503\"} 1\n"
        "# HELP demo_up Up\n"
        "# TYPE demo_up gauge\n"
        "demo_up 1\n"
        "# HELP demo_seconds Durations\n"
        "# TYPE demo_seconds histogram\n"
        "demo_seconds_bucket{le=\"1\"} 2\n"
        "demo_seconds_bucket{le=\"+Inf\"} 3\n"
        "demo_seconds_sum 4.5\n"
        "demo_seconds_count 3\n";
    CHECK(render_metrics(families) == expected);
}

TEST_CASE("render refuses what a scraper would reject, as a comment instead of a broken line", "[metrics]") {
    struct row {
        const char* name;
        metric_family family;
        const char* says;
    };
    const row rows[] = {
        {"counter not ending in _total", {"demo_requests", "h", metric_type::counter, {{{}, 1, ""}}}, "_total"},
        {"invalid family name", {"demo-up", "h", metric_type::gauge, {{{}, 1, ""}}}, "invalid name"},
        {"invalid label name", {"demo_up", "h", metric_type::gauge, {{{{"a:b", "x"}}, 1, ""}}}, "invalid label"},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        const std::string text = render_metrics({r.family});
        CHECK_THAT(text, Catch::Contains(r.says));
        CHECK(every_sample_line_is_well_formed(text));
        CHECK(text.find("\ndemo") == std::string::npos);
        CHECK(text.rfind("demo", 0) == std::string::npos);
    }
}

TEST_CASE("find_metric_value reads back what render wrote", "[metrics]") {
    const std::string text = render_metrics({
        {"demo_bytes_total", "h", metric_type::counter, {{{}, 123456789, ""}}},
        {"demo_bytes_total_extra", "h", metric_type::gauge, {{{}, 7, ""}}},
        {"demo_errors", "h", metric_type::gauge,
         {{{{"thread", "io"}}, 1045, ""}, {{{"thread", "sql"}, {"note", "a\"b,c}"}}, 0.5, ""}}},
    });
    struct row {
        const char* name;
        const char* metric;
        metric_labels labels;
        std::optional<double> value;
    };
    const row rows[] = {
        {"unlabelled sample", "demo_bytes_total", {}, 123456789},
        {"a longer name sharing the prefix is another metric", "demo_bytes_total_extra", {}, 7},
        {"labelled sample", "demo_errors", {{"thread", "io"}}, 1045},
        {"labels in another order, escaped value", "demo_errors", {{"note", "a\"b,c}"}, {"thread", "sql"}}, 0.5},
        {"labels must match exactly", "demo_errors", {}, std::nullopt},
        {"absent metric", "demo_missing", {}, std::nullopt},
        {"name found only in HELP comments is not a sample", "h", {}, std::nullopt},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        CHECK(find_metric_value(text, r.metric, r.labels) == r.value);
    }
}

namespace {

std::string agent_text(const agent_metrics_facts& f) { return render_metrics(agent_metric_families(f)); }

readiness_facts replica_running(std::optional<std::uint64_t> lag) {
    readiness_facts h;
    h.server.answers = true;
    h.marker_present = h.applied = true;
    h.replica.configured = true;
    h.replica.io_running = "Connecting";
    h.replica.sql_running = "Yes";
    h.replica.last_io_errno = 2003;
    h.seconds_behind = lag;
    return h;
}

}  // namespace

TEST_CASE("agent metrics: which series exist for which facts", "[metrics]") {
    agent_metrics_facts base;
    base.version = "1.2.3";
    base.backups.started = 5;
    base.backups.succeeded = 3;
    base.backups.failed = 1;
    base.backups.in_flight = 1;
    base.backups.bytes = 4096;
    base.backups.uncompressed_bytes = 16384;
    base.backups.max_rate = 104857600;
    base.backups.throttled_seconds = 2.25;
    base.backups.duration_le = {2, 4, 4, 4, 4, 4, 4, 4, 4, 4};
    base.backups.duration_count = 4;
    base.backups.duration_sum = 12.5;

    struct probe {
        std::string metric;
        metric_labels labels;
        std::optional<double> value;
    };
    struct row {
        const char* name;
        agent_metrics_facts facts;
        std::vector<probe> expect;
    };
    auto with = [&](auto change) {
        agent_metrics_facts f = base;
        change(f);
        return f;
    };
    clone_marker m;
    m.source = "mysql-0.mysql:3307";
    m.stream_bytes = 1000;
    m.datadir_bytes = 2000;
    m.duration_seconds = 12.5;
    m.tool_version = "mariabackup 10.11";
    const row rows[] = {
        {"backup counters and build info, mysqld not asked",
         base,
         {{"mysql_agent_build_info", {{"version", "1.2.3"}}, 1},
          {"mysql_agent_backups_started_total", {}, 5},
          {"mysql_agent_backups_succeeded_total", {}, 3},
          {"mysql_agent_backups_failed_total", {}, 1},
          {"mysql_agent_backups_in_flight", {}, 1},
          {"mysql_agent_backup_sent_bytes_total", {}, 4096},
          {"mysql_agent_backup_uncompressed_bytes_total", {}, 16384},
          {"mysql_agent_backup_max_rate_bytes_per_second", {}, 104857600},
          {"mysql_agent_backup_throttled_seconds_total", {}, 2.25},
          {"mysql_agent_backup_duration_seconds_bucket", {{"le", "1"}}, 2},
          {"mysql_agent_backup_duration_seconds_bucket", {{"le", "+Inf"}}, 4},
          {"mysql_agent_backup_duration_seconds_sum", {}, 12.5},
          {"mysql_agent_backup_duration_seconds_count", {}, 4},
          {"mysql_agent_mysqld_up", {}, std::nullopt}}},
        {"no clone marker: clone_info 0 and no clone sizes",
         base,
         {{"mysql_agent_clone_info", {}, 0}, {"mysql_agent_clone_stream_bytes", {}, std::nullopt}}},
        {"unreadable marker: clone_info 0 saying so",
         with([](auto& f) { f.marker = agent_metrics_facts::marker_state::unreadable; }),
         {{"mysql_agent_clone_info", {{"result", "unreadable"}}, 0}}},
        {"marker: clone info labelled with its donor, sizes and duration",
         with([&](auto& f) {
             f.marker = agent_metrics_facts::marker_state::present;
             f.clone = m;
         }),
         {{"mysql_agent_clone_info",
           {{"source", "mysql-0.mysql:3307"}, {"result", "ok"}, {"tool_version", "mariabackup 10.11"}},
           1},
          {"mysql_agent_clone_stream_bytes", {}, 1000},
          {"mysql_agent_clone_datadir_bytes", {}, 2000},
          {"mysql_agent_clone_duration_seconds", {}, 12.5}}},
        {"mysqld down: up 0, not ready, no replication series",
         with([](auto& f) { f.health = readiness_facts{}; }),
         {{"mysql_agent_mysqld_up", {}, 0},
          {"mysql_agent_ready", {}, 0},
          {"mysql_agent_replication_configured", {}, std::nullopt}}},
        {"primary: configured 0 and no thread series",
         with([](auto& f) {
             readiness_facts h;
             h.server.answers = true;
             h.is_primary = true;
             f.health = h;
         }),
         {{"mysql_agent_mysqld_up", {}, 1},
          {"mysql_agent_ready", {}, 1},
          {"mysql_agent_replication_configured", {}, 0},
          {"mysql_agent_replication_io_running", {}, std::nullopt}}},
        {"replica reconnecting: IO not running, error numbers, lag absent while NULL",
         with([](auto& f) { f.health = replica_running(std::nullopt); }),
         {{"mysql_agent_replication_configured", {}, 1},
          {"mysql_agent_replication_io_running", {}, 0},
          {"mysql_agent_replication_sql_running", {}, 1},
          {"mysql_agent_replication_last_error_number", {{"thread", "io"}}, 2003},
          {"mysql_agent_replication_last_error_number", {{"thread", "sql"}}, 0},
          {"mysql_agent_replication_lag_seconds", {}, std::nullopt},
          {"mysql_agent_ready", {}, 0}}},
        {"replica with lag reported",
         with([](auto& f) { f.health = replica_running(7); }),
         {{"mysql_agent_replication_lag_seconds", {}, 7}}},
    };
    for (const auto& r : rows) {
        INFO(r.name);
        const std::string text = agent_text(r.facts);
        INFO(text);
        CHECK(every_sample_line_is_well_formed(text));
        CHECK(text.find("# mysql-agent: skipped") == std::string::npos);
        for (const auto& p : r.expect) {
            INFO(p.metric);
            CHECK(find_metric_value(text, p.metric, p.labels) == p.value);
        }
    }
}
