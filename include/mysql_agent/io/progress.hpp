#pragma once
// Progress of a long transfer for the person watching: a log line every few seconds (bytes, MB/s, ETA),
// or one updating line when stderr (where logs go) is a terminal, and a summary at the end. Time comes in as arguments,
// so tests drive it without sleeping. I/O layer (writes to the log or the terminal).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mysql_agent {

/// Renders a byte count in decimal units, as people compare them with MB/s: "0 B", "812 kB", "1.50 GB".
std::string format_bytes(std::uint64_t bytes);

/// Renders a duration as "42s", "3m07s" or "2h05m".
std::string format_duration(std::chrono::seconds d);

/// One progress line: "<what>: 1.20 GB of ~3.40 GB (35%) in 14s, 85.7 MB/s, ETA 26s". Without an estimate
/// (or once past it) the share and the ETA are left out.
std::string format_progress(std::string_view what, std::uint64_t bytes, std::optional<std::uint64_t> estimated_total,
                            std::chrono::duration<double> elapsed);

class progress_reporter {
public:
    using clock = std::chrono::steady_clock;
    /// Where finished lines go (default: spdlog info).
    using sink = std::function<void(std::string_view line)>;

    struct options {
        std::string what = "received";                 ///< first word(s) of each line
        std::optional<std::uint64_t> estimated_total;  ///< X-Backup-Estimated-Size, when the donor sent it
        std::chrono::milliseconds interval{5000};      ///< between log lines
        std::chrono::milliseconds tty_interval{500};   ///< between redraws of the terminal line
        bool tty = false;                              ///< redraw one line on stderr instead of logging
        sink log;                                      ///< empty: spdlog::info
    };

    progress_reporter(options opts, clock::time_point start);

    /// Records that `total` bytes have arrived by `now`; emits a line when the interval has passed.
    void update(std::uint64_t total, clock::time_point now);

    /// Ends the terminal line (if one is drawn) and logs and returns the summary:
    /// "<what> 1.20 GB in 14s (85.7 MB/s), digest xxh3-64:...".
    std::string finish(std::uint64_t total, clock::time_point now, std::string_view digest);

    /// True when stderr, where logs go, is a terminal (for options::tty).
    static bool stderr_is_tty();

private:
    void emit(const std::string& line, std::string_view event, std::uint64_t bytes, double seconds);

    options opts_;
    clock::time_point start_;
    clock::time_point next_log_;
    clock::time_point next_draw_;
    bool drawn_ = false;
};

}  // namespace mysql_agent
