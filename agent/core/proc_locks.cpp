#include "mysql_agent/core/proc_locks.hpp"

#include <charconv>
#include <string>
#include <vector>

#include "mysql_agent/core/text.hpp"

namespace mysql_agent {
namespace {

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    while (!line.empty()) {
        while (!line.empty() && text::is_space(line.front())) line.remove_prefix(1);
        std::size_t n = 0;
        while (n < line.size() && !text::is_space(line[n])) ++n;
        if (n > 0) out.push_back(line.substr(0, n));
        line.remove_prefix(n);
    }
    return out;
}

template <class T>
std::optional<T> number(std::string_view s, int base) {
    T v{};
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

std::optional<std::int64_t> flock_holder(std::string_view proc_locks, unsigned major, unsigned minor,
                                         std::uint64_t inode) {
    for (const auto line : text::lines(proc_locks)) {
        const auto w = words(line);
        // id: FLOCK ADVISORY WRITE pid maj:min:inode start end
        if (w.size() < 6 || w[1] != "FLOCK") continue;
        const auto dev = w[5];
        const auto c1 = dev.find(':');
        const auto c2 = dev.find(':', c1 == std::string_view::npos ? c1 : c1 + 1);
        if (c1 == std::string_view::npos || c2 == std::string_view::npos) continue;
        const auto maj = number<unsigned>(dev.substr(0, c1), 16);
        const auto min = number<unsigned>(dev.substr(c1 + 1, c2 - c1 - 1), 16);
        const auto ino = number<std::uint64_t>(dev.substr(c2 + 1), 10);
        const auto pid = number<std::int64_t>(w[4], 10);
        if (maj == major && min == minor && ino == inode && pid) return pid;
    }
    return std::nullopt;
}

}  // namespace mysql_agent
