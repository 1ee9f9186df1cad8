#pragma once
// A small writer (and reader, for `mysql-agent status`) of the Prometheus text exposition format 0.0.4:
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
// Pure. Debian 12 has prometheus-cpp 1.0.1, but only as shared libraries (core + a civetweb server), which cannot
// go into the agent's fully static, header-only-dependency build and would duplicate the Beast server.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mysql_agent {

/// The Content-Type of a /metrics answer in this format.
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

enum class metric_type { counter, gauge, summary, histogram, untyped };

using metric_labels = std::vector<std::pair<std::string, std::string>>;

/// One line: `<family name><suffix>{labels} value`.
struct metric_sample {
    metric_labels labels;
    double value = 0;
    std::string suffix;  ///< "" or, for histograms and summaries, "_bucket", "_sum", "_count"
};

/// One metric family: its HELP and TYPE lines, then its samples.
struct metric_family {
    std::string name;  ///< counters end in "_total"
    std::string help;
    metric_type type = metric_type::gauge;
    std::vector<metric_sample> samples;
};

/// `\` -> `\\`, `"` -> `\"`, newline -> `\n` (a label value inside double quotes).
std::string escape_label_value(std::string_view value);
/// `\` -> `\\`, newline -> `\n` (a HELP text).
std::string escape_help(std::string_view help);
/// A sample value: integers without exponent or fraction ("42"), others shortest round-trip ("0.25"),
/// "+Inf", "-Inf", "NaN".
std::string format_metric_value(double value);
/// Whether `name` matches [a-zA-Z_:][a-zA-Z0-9_:]* (metric names; label names must also not contain ':').
bool valid_metric_name(std::string_view name);

/// The exposition of `families`, in the given order: for each, `# HELP`, `# TYPE`, then one sample per line;
/// ends with a newline. A family whose name is invalid, or a counter not named *_total, is a programming error
/// and is rendered as a comment saying so rather than as an invalid line that would fail the whole scrape.
std::string render_metrics(const std::vector<metric_family>& families);

/// The value of the sample `name` with exactly `labels` (in any order) in an exposition; nullopt when absent or
/// unparsable. Comment lines are skipped. For reading the sidecar's /metrics back in `mysql-agent status`.
std::optional<double> find_metric_value(std::string_view exposition, std::string_view name,
                                        const metric_labels& labels = {});

}  // namespace mysql_agent
