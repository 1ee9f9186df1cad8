#include "mysql_agent/core/open_files.hpp"

namespace mysql_agent {

std::uint64_t open_files_needed(std::uint64_t tablespaces) noexcept { return tablespaces + open_files_margin; }

status check_open_files(std::uint64_t tablespaces, std::uint64_t limit, std::uint64_t hard) {
    const std::uint64_t needed = open_files_needed(tablespaces);
    if (needed <= limit) return ok();
    return error{"the datadir holds " + std::to_string(tablespaces) +
                 " InnoDB tablespaces (.ibd files) and the backup tool opens every one at once: it needs an "
                 "open-files limit of at least " + std::to_string(needed) + ", the sidecar's is " +
                 std::to_string(limit) + " (hard limit " + std::to_string(hard) +
                 "); raise the container's nofile limit (the runtime's default_ulimits or LimitNOFILE of its "
                 "service) to at least " + std::to_string(needed) + ". Nothing was sent"};
}

}  // namespace mysql_agent
