#pragma once
// One place that configures spdlog for every subcommand: log lines go to stderr so that stdout stays
// clean for what a command prints (JSON, SQL). One line per event, as text for a person at a terminal or as
// one JSON object per line for a log pipeline:
//
//   text: 2024-05-01T10:00:00.123Z info backup for 10.0.0.7:51234 finished: ok pod=mysql-0 peer=10.0.0.7:51234 bytes=123
//   json: {"ts":"2024-05-01T10:00:00.123Z","level":"info","msg":"backup for ... finished: ok","pod":"mysql-0",
//          "peer":"10.0.0.7:51234","bytes":123}
//
// spdlog has no structured fields: log_event() hands its fields to the formatter through a thread-local for the
// duration of one (synchronous) log call. Plain spdlog::info(...) calls still work and carry only the context.
// Fields and messages must never hold a secret: passwords and tokens are scrubbed before they reach a log call.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <spdlog/spdlog.h>

namespace mysql_agent {

enum class log_format { text, json };

/// "text" | "json".
std::optional<log_format> parse_log_format(std::string_view text);

/// text when stderr is a terminal, json otherwise (a container's log is read by machines).
log_format default_log_format();

/// Sends the default spdlog logger to stderr in `format`, with an ISO-8601 UTC timestamp and the level.
/// May be called again (main calls it once before and once after parsing --log-format).
void setup_logging(log_format format = default_log_format());

using log_value = std::variant<std::string, std::int64_t, std::uint64_t, double, bool>;

/// One field of an event: `{"peer", peer}`, `{"bytes", n}`, `{"seconds", 1.5}`.
struct log_field {
    std::string key;
    log_value value;

    log_field(std::string k, std::string_view v) : key(std::move(k)), value(std::string(v)) {}
    log_field(std::string k, const char* v) : key(std::move(k)), value(std::string(v)) {}
    log_field(std::string k, const std::string& v) : key(std::move(k)), value(v) {}
    template <typename T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
    log_field(std::string k, T v) : key(std::move(k)), value(convert(v)) {}

private:
    template <typename T>
    static log_value convert(T v) {
        if constexpr (std::is_same_v<T, bool>)
            return v;
        else if constexpr (std::is_floating_point_v<T>)
            return static_cast<double>(v);
        else if constexpr (std::is_signed_v<T>)
            return static_cast<std::int64_t>(v);
        else
            return static_cast<std::uint64_t>(v);
    }
};

using log_fields = std::vector<log_field>;

/// A field every later line of this process carries (e.g. {"pod", "mysql-1"}); replaces one of the same key.
/// Call it before starting threads that log.
void set_log_context(const log_field& field);

/// Logs `message` at `level` with `fields` (after the context fields).
void log_event(spdlog::level::level_enum level, std::string_view message, const log_fields& fields = {});

/// The line `setup_logging(format)` would write, for tests. `time` is seconds since the epoch.
std::string format_log_line(log_format format, double time, spdlog::level::level_enum level, std::string_view message,
                            const log_fields& context, const log_fields& fields);

}  // namespace mysql_agent
