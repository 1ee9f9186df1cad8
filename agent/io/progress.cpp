#include "mysql_agent/io/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/io/logging.hpp"

namespace mysql_agent {
namespace {

double megabytes_per_second(std::uint64_t bytes, std::chrono::duration<double> elapsed) {
    // Below a millisecond the rate is noise; report 0 rather than a huge number.
    if (elapsed.count() < 1e-3) return 0.0;
    return static_cast<double>(bytes) / 1e6 / elapsed.count();
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
    static constexpr const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    if (bytes < 1000) return fmt::format("{} B", bytes);
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1000.0 && unit + 1 < std::size(units)) {
        value /= 1000.0;
        ++unit;
    }
    if (value >= 100.0) return fmt::format("{:.0f} {}", value, units[unit]);
    if (value >= 10.0) return fmt::format("{:.1f} {}", value, units[unit]);
    return fmt::format("{:.2f} {}", value, units[unit]);
}

std::string format_duration(std::chrono::seconds d) {
    const auto s = d.count() < 0 ? 0 : d.count();
    if (s < 60) return fmt::format("{}s", s);
    if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
    return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

std::string format_progress(std::string_view what, std::uint64_t bytes, std::optional<std::uint64_t> estimated_total,
                            std::chrono::duration<double> elapsed) {
    const double rate = megabytes_per_second(bytes, elapsed);
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(elapsed);
    std::string line = fmt::format("{}: {}", what, format_bytes(bytes));
    // The estimate is the donor's datadir size, not the stream size: past it there is no honest ETA.
    const bool within_estimate = estimated_total && *estimated_total > 0 && bytes <= *estimated_total;
    if (within_estimate) {
        const auto percent =
            static_cast<unsigned>(static_cast<double>(bytes) * 100.0 / static_cast<double>(*estimated_total));
        line += fmt::format(" of ~{} ({}%)", format_bytes(*estimated_total), percent);
    }
    line += fmt::format(" in {}, {:.1f} MB/s", format_duration(secs), rate);
    if (within_estimate && rate > 0.0) {
        const double left = static_cast<double>(*estimated_total - bytes) / 1e6 / rate;
        // A crawling start makes `left` astronomically large; a year is as good as "not soon" and fits any clock.
        constexpr double longest = 365.0 * 24 * 3600;
        line += fmt::format(", ETA {}",
                            format_duration(std::chrono::seconds(static_cast<long long>(std::min(left, longest) + 0.5))));
    }
    return line;
}

progress_reporter::progress_reporter(options opts, clock::time_point start)
    : opts_(std::move(opts)), start_(start), next_log_(start + opts_.interval), next_draw_(start) {}

bool progress_reporter::stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }

void progress_reporter::emit(const std::string& line, std::string_view event, std::uint64_t bytes, double seconds) {
    if (opts_.log)
        opts_.log(line);
    else
        log_event(spdlog::level::info, line, {{"event", event}, {"bytes", bytes}, {"seconds", seconds}});
}

void progress_reporter::update(std::uint64_t total, clock::time_point now) {
    if (opts_.tty) {
        if (now < next_draw_) return;
        next_draw_ = now + opts_.tty_interval;
        // "\r" + erase-to-end-of-line redraws one line in place instead of scrolling the terminal.
        std::fprintf(stderr, "\r%s\x1b[K",
                     format_progress(opts_.what, total, opts_.estimated_total, now - start_).c_str());
        std::fflush(stderr);
        drawn_ = true;
        return;
    }
    if (now < next_log_) return;
    next_log_ = now + opts_.interval;
    emit(format_progress(opts_.what, total, opts_.estimated_total, now - start_), "progress", total,
         std::chrono::duration<double>(now - start_).count());
}

std::string progress_reporter::finish(std::uint64_t total, clock::time_point now, std::string_view digest) {
    if (drawn_) {
        std::fputs("\n", stderr);
        std::fflush(stderr);
        drawn_ = false;
    }
    const std::chrono::duration<double> elapsed = now - start_;
    std::string line = fmt::format("{} {} in {:.1f}s ({:.1f} MB/s)", opts_.what, format_bytes(total), elapsed.count(),
                                   megabytes_per_second(total, elapsed));
    if (!digest.empty()) line += fmt::format(", digest {}", digest);
    emit(line, "progress_finished", total, elapsed.count());
    return line;
}

}  // namespace mysql_agent
