#include "mysql_agent/io/open_files_limit.hpp"

#include <sys/resource.h>

#include <limits>

namespace mysql_agent {
namespace {

std::uint64_t value_of(rlim_t v) noexcept {
    return v == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(v);
}

}  // namespace

open_files_limits current_open_files_limits() noexcept {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return {};
    return {value_of(r.rlim_cur), value_of(r.rlim_max)};
}

raised_limits raise_open_files_limit() noexcept {
    raised_limits out;
    out.before = current_open_files_limits();
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur != r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
    out.after = current_open_files_limits();
    return out;
}

}  // namespace mysql_agent
