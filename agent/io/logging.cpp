#include "mysql_agent/io/logging.hpp"

#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace mysql_agent {
namespace {

/// The fields of the log_event() call in progress on this thread (the formatter runs inside that call).
thread_local const log_fields* current_fields = nullptr;

std::mutex context_mutex;
log_fields context;  ///< guarded by context_mutex

std::string timestamp(double epoch_seconds) {
    const auto whole = static_cast<time_t>(std::floor(epoch_seconds));
    const int millis = static_cast<int>((epoch_seconds - static_cast<double>(whole)) * 1000) % 1000;
    struct tm tm {};
    ::gmtime_r(&whole, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    return buf;
}

std::string text_of(const log_value& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::string>) {
                // Quoted when it would not read back as one token.
                if (!x.empty() && x.find_first_of(" \"=\n\t") == std::string::npos) return x;
                return nlohmann::json(x).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            } else if constexpr (std::is_same_v<T, bool>) {
                return x ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.3f", x);
                return buf;
            } else {
                return std::to_string(x);
            }
        },
        v);
}

nlohmann::ordered_json json_of(const log_value& v) {
    return std::visit([](const auto& x) { return nlohmann::ordered_json(x); }, v);
}

std::string_view level_name(spdlog::level::level_enum level) {
    const auto sv = spdlog::level::to_string_view(level);
    return {sv.data(), sv.size()};
}

class agent_formatter final : public spdlog::formatter {
public:
    explicit agent_formatter(log_format format) : format_(format) {}

    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const double t = std::chrono::duration<double>(msg.time.time_since_epoch()).count();
        log_fields ctx;
        {
            std::lock_guard lock(context_mutex);
            ctx = context;
        }
        static const log_fields none;
        const std::string line = format_log_line(format_, t, msg.level,
                                                 std::string_view(msg.payload.data(), msg.payload.size()), ctx,
                                                 current_fields ? *current_fields : none);
        dest.append(line.data(), line.data() + line.size());
    }

    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<agent_formatter>(format_); }

private:
    log_format format_;
};

}  // namespace

std::optional<log_format> parse_log_format(std::string_view text) {
    if (text == "text") return log_format::text;
    if (text == "json") return log_format::json;
    return std::nullopt;
}

log_format default_log_format() { return ::isatty(STDERR_FILENO) ? log_format::text : log_format::json; }

std::string format_log_line(log_format format, double time, spdlog::level::level_enum level, std::string_view message,
                            const log_fields& ctx, const log_fields& fields) {
    if (format == log_format::json) {
        nlohmann::ordered_json j;
        j["ts"] = timestamp(time);
        j["level"] = level_name(level);
        j["msg"] = message;
        for (const auto* list : {&ctx, &fields})
            for (const auto& f : *list)
                if (f.key != "ts" && f.key != "level" && f.key != "msg") j[f.key] = json_of(f.value);
        return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    }
    std::string line = timestamp(time) + " " + std::string(level_name(level)) + " ";
    // One event, one line: a multi-line message (a tool's stderr) is folded.
    for (const char c : message) line += c == '\n' ? ' ' : c;
    for (const auto* list : {&fields, &ctx})
        for (const auto& f : *list) line += " " + f.key + "=" + text_of(f.value);
    return line + "\n";
}

void setup_logging(log_format format) {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    sink->set_formatter(std::make_unique<agent_formatter>(format));
    auto logger = std::make_shared<spdlog::logger>("mysql-agent", std::move(sink));
    spdlog::set_default_logger(logger);
    spdlog::flush_on(spdlog::level::info);
}

void set_log_context(const log_field& field) {
    std::lock_guard lock(context_mutex);
    for (auto& f : context)
        if (f.key == field.key) {
            f.value = field.value;
            return;
        }
    context.push_back(field);
}

void log_event(spdlog::level::level_enum level, std::string_view message, const log_fields& fields) {
    auto* logger = spdlog::default_logger_raw();
    if (!logger->should_log(level)) return;
    struct restore {
        const log_fields* previous;
        ~restore() { current_fields = previous; }
    } guard{current_fields};
    current_fields = &fields;
    logger->log(level, spdlog::string_view_t(message.data(), message.size()));
}

}  // namespace mysql_agent
