#include "mysql_agent/io/file_tree.hpp"

#include <system_error>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/atomic_file.hpp"

namespace mysql_agent {
namespace fs = std::filesystem;

directory_facts gather_directory_facts(const fs::path& dir, on_listing_error on_error) {
    const bool skip = on_error == on_listing_error::skip;
    const auto options = skip ? fs::directory_options::skip_permission_denied : fs::directory_options::none;
    directory_facts facts;
    std::error_code ec;
    fs::recursive_directory_iterator it(dir, options, ec);
    for (const fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
        std::error_code fe;
        if (!it->is_regular_file(fe) || fe) continue;
        const auto size = it->file_size(fe);
        if (fe) continue;
        facts.bytes += size;
        if (it->path().extension() == ".ibd") ++facts.tablespaces;
    }
    if (ec && !skip) throw file_error(describe_file_failure("cannot list", dir, ec.value()));
    return facts;
}

std::uint64_t directory_size(const fs::path& dir, on_listing_error on_error) {
    return gather_directory_facts(dir, on_error).bytes;
}

}  // namespace mysql_agent
