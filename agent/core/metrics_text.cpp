#include "mysql_agent/core/metrics_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace mysql_agent {
namespace {

std::string_view type_name(metric_type t) {
    switch (t) {
        case metric_type::counter: return "counter";
        case metric_type::gauge: return "gauge";
        case metric_type::summary: return "summary";
        case metric_type::histogram: return "histogram";
        case metric_type::untyped: break;
    }
    return "untyped";
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool valid_label_name(std::string_view name) {
    return valid_metric_name(name) && name.find(':') == std::string_view::npos;
}

/// Parses `{a="x",b="y"}` at the start of `rest`; advances past it. nullopt when malformed.
std::optional<metric_labels> parse_labels(std::string_view& rest) {
    metric_labels out;
    if (rest.empty() || rest.front() != '{') return out;
    rest.remove_prefix(1);
    for (;;) {
        if (rest.empty()) return std::nullopt;
        if (rest.front() == '}') {
            rest.remove_prefix(1);
            return out;
        }
        const auto eq = rest.find('=');
        if (eq == std::string_view::npos || eq + 1 >= rest.size() || rest[eq + 1] != '"') return std::nullopt;
        std::string name(rest.substr(0, eq));
        rest.remove_prefix(eq + 2);
        std::string value;
        bool closed = false;
        while (!rest.empty()) {
            const char c = rest.front();
            rest.remove_prefix(1);
            if (c == '"') {
                closed = true;
                break;
            }
            if (c == '\\' && !rest.empty()) {
                const char e = rest.front();
                rest.remove_prefix(1);
                value += e == 'n' ? '\n' : e;
            } else {
                value += c;
            }
        }
        if (!closed) return std::nullopt;
        out.emplace_back(std::move(name), std::move(value));
        if (!rest.empty() && rest.front() == ',') rest.remove_prefix(1);
    }
}

std::optional<double> parse_value(std::string_view text) {
    if (text == "+Inf") return HUGE_VAL;
    if (text == "-Inf") return -HUGE_VAL;
    if (text == "NaN") return std::nan("");
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '"': out += "\\\""; break;
            case '\n': out += "\\n"; break;
            default: out += c;
        }
    }
    return out;
}

std::string escape_help(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (const char c : help) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            default: out += c;
        }
    }
    return out;
}

std::string format_metric_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    // Integral values (counters, byte counts) print exactly up to 2^53, where doubles stop being exact.
    if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0)
        return std::to_string(static_cast<std::int64_t>(value));
    char buf[64];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
}

bool valid_metric_name(std::string_view name) {
    if (name.empty()) return false;
    auto ok = [](char c, bool first) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
    };
    for (std::size_t i = 0; i < name.size(); ++i)
        if (!ok(name[i], i == 0)) return false;
    return true;
}

std::string render_metrics(const std::vector<metric_family>& families) {
    std::string out;
    for (const auto& f : families) {
        if (!valid_metric_name(f.name)) {
            out += "# mysql-agent: skipped a family with the invalid name \"" + escape_help(f.name) + "\"\n";
            continue;
        }
        if (f.type == metric_type::counter && !ends_with(f.name, "_total")) {
            out += "# mysql-agent: skipped the counter " + f.name + ": counter names end in _total\n";
            continue;
        }
        out += "# HELP " + f.name + " " + escape_help(f.help) + "\n";
        out += "# TYPE " + f.name + " " + std::string(type_name(f.type)) + "\n";
        for (const auto& s : f.samples) {
            std::string line = f.name + s.suffix;
            if (!s.labels.empty()) {
                line += '{';
                bool first = true;
                bool bad = false;
                for (const auto& [name, value] : s.labels) {
                    if (!valid_label_name(name)) bad = true;
                    if (!first) line += ',';
                    first = false;
                    line += name + "=\"" + escape_label_value(value) + "\"";
                }
                line += '}';
                if (bad) {
                    out += "# mysql-agent: skipped a sample of " + f.name + " with an invalid label name\n";
                    continue;
                }
            }
            out += line + " " + format_metric_value(s.value) + "\n";
        }
    }
    return out;
}

std::optional<double> find_metric_value(std::string_view exposition, std::string_view name,
                                        const metric_labels& labels) {
    metric_labels wanted = labels;
    std::sort(wanted.begin(), wanted.end());
    while (!exposition.empty()) {
        const auto nl = exposition.find('\n');
        std::string_view line = exposition.substr(0, nl);
        exposition = nl == std::string_view::npos ? std::string_view{} : exposition.substr(nl + 1);
        if (line.empty() || line.front() == '#') continue;
        if (line.size() <= name.size() || line.substr(0, name.size()) != name) continue;
        std::string_view rest = line.substr(name.size());
        if (rest.front() != '{' && rest.front() != ' ') continue;  // a longer name sharing the prefix
        auto got = parse_labels(rest);
        if (!got) continue;
        std::sort(got->begin(), got->end());
        if (*got != wanted) continue;
        if (rest.empty() || rest.front() != ' ') continue;
        rest.remove_prefix(1);
        rest = rest.substr(0, rest.find(' '));  // an optional timestamp follows
        return parse_value(rest);
    }
    return std::nullopt;
}

}  // namespace mysql_agent
