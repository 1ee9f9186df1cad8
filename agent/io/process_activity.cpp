#include "mysql_agent/io/process_activity.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace mysql_agent {

std::optional<process_activity> read_process_activity(int pid) {
    const std::string dir = "/proc/" + std::to_string(pid);
    std::ifstream stat(dir + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 1));
    std::string field;
    process_activity a;
    // After ")": state is field 3; utime 14, stime 15, cutime 16, cstime 17.
    for (int n = 3; n <= 17 && fields >> field; ++n) {
        if (n >= 14) {
            try {
                a.cpu_ticks += std::stoull(field);
            } catch (const std::exception&) {
                return std::nullopt;
            }
        }
    }
    std::ifstream io(dir + "/io");
    std::string key;
    std::uint64_t value = 0;
    while (io >> key >> value) {
        if (key == "rchar:") a.read_bytes = value;
        if (key == "wchar:") a.written_bytes = value;
    }
    return a;
}

}  // namespace mysql_agent
