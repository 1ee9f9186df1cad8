#include "mysql_agent/io/process_activity.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mysql_agent {
namespace {

/// One process's counters and its process group, from /proc/PID/stat and /proc/PID/io; nullopt when gone.
std::optional<std::pair<int, process_activity>> read_one(const std::string& dir) {
    std::ifstream stat(dir + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so fields count from the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 1));
    std::string field;
    process_activity a;
    int pgrp = 0;
    // After ")": state is field 3, pgrp 5; utime 14, stime 15, cutime 16, cstime 17.
    try {
        for (int n = 3; n <= 17 && fields >> field; ++n) {
            if (n == 5) pgrp = std::stoi(field);
            if (n >= 14) a.cpu_ticks += std::stoull(field);
        }
    } catch (const std::exception&) {
        return std::nullopt;
    }
    std::ifstream io(dir + "/io");
    std::string key;
    std::uint64_t value = 0;
    while (io >> key >> value) {
        if (key == "rchar:") a.read_bytes = value;
        if (key == "wchar:") a.written_bytes = value;
    }
    return std::pair{pgrp, a};
}

}  // namespace

std::optional<process_activity> read_group_activity(int pgid) {
    // The leader first: without it the group is gone (or its id is no longer ours to read).
    const auto leader = read_one("/proc/" + std::to_string(pgid));
    if (!leader || leader->first != pgid) return std::nullopt;
    process_activity sum = leader->second;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos || name == std::to_string(pgid))
            continue;
        const auto other = read_one(entry.path().string());
        if (!other || other->first != pgid) continue;
        sum.cpu_ticks += other->second.cpu_ticks;
        sum.read_bytes += other->second.read_bytes;
        sum.written_bytes += other->second.written_bytes;
    }
    return sum;
}

}  // namespace mysql_agent
