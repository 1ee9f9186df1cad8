#include "compress_flag.hpp"

#include "mysql_agent/core/errors.hpp"

namespace mysql_agent::cmd {

void add_compress_flag(CLI::App& sub, std::string& value) {
    sub.add_option("--compress", value,
                   "Ask the donor for a compressed stream: zstd (level 1), zstd:LEVEL (1..19; higher is smaller and "
                   "slower on the donor), or none. A donor that does not compress sends the raw stream either way")
        ->capture_default_str();
}

protocol::compression_choice compress_flag(const std::string& value) {
    auto choice = protocol::parse_compress_flag(value);
    if (!choice) throw config_error(choice.message());
    return *choice;
}

}  // namespace mysql_agent::cmd
