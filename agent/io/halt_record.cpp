#include "mysql_agent/io/halt_record.hpp"

#include <system_error>

#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/atomic_file.hpp"

namespace mysql_agent {
namespace {

constexpr std::uint64_t record_limit = 64 * 1024;

}  // namespace

std::optional<std::string> read_halt_record(const std::filesystem::path& datadir) {
    try {
        const auto text = read_file_if_exists(datadir / replication_halted_file, record_limit);
        if (!text) return std::nullopt;
        const auto reason = text::trim(*text);
        return std::string(reason.empty() ? std::string_view("(no reason recorded)") : reason);
    } catch (const std::exception&) {
        return std::string("(the halt record cannot be read)");
    }
}

void write_halt_record(const std::filesystem::path& datadir, const std::string& reason) {
    write_file_atomically(datadir / replication_halted_file, reason + "\n", {.mode = 0644, .temp_dir = std::nullopt});
}

void clear_halt_record(const std::filesystem::path& datadir) {
    std::error_code ec;
    std::filesystem::remove(datadir / replication_halted_file, ec);
    if (ec) throw file_error(describe_file_failure("cannot remove", datadir / replication_halted_file, ec.value()));
}

}  // namespace mysql_agent
