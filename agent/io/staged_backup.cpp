#include "mysql_agent/io/staged_backup.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/io/backup_dir.hpp"
#include "mysql_agent/core/backup_layout.hpp"
#include "mysql_agent/io/datadir_commit.hpp"
#include "mysql_agent/io/file_tree.hpp"
#include "mysql_agent/core/text.hpp"

namespace mysql_agent {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view cnf_name = "backup-my.cnf";

[[noreturn]] void refuse(const std::string& what) {
    throw clone_failed_error("refusing the donor's backup before --prepare: " + what +
                             "; the donor is not running a backup tool this agent trusts (check its image)");
}

/// The small text files of a backup whose content the agent or --prepare reads.
bool is_control_file(std::string_view path) {
    if (path.find('/') != std::string_view::npos) return text::ends_with_ci(path, ".ren");
    if (path == cnf_name) return true;
    constexpr std::array suffixes = {"binlog_info", "slave_info", "checkpoints", "info", "binlog_pos_innodb",
                                     "galera_info"};
    for (const std::string_view prefix : {"xtrabackup_", "mariadb_backup_"}) {
        if (path.substr(0, prefix.size()) != prefix) continue;
        const auto rest = path.substr(prefix.size());
        if (std::any_of(suffixes.begin(), suffixes.end(), [&](std::string_view s) { return rest == s; }))
            return true;
    }
    return false;
}

struct staged_entry {
    std::string path;  ///< relative, '/'-separated
    bool directory = false;
    bool regular = false;
    std::uint64_t size = 0;
};

std::vector<staged_entry> list_staging(const fs::path& staging) {
    std::vector<staged_entry> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(staging, ec);
    for (const fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0)
            throw file_error(describe_file_failure("cannot stat", it->path(), errno));
        staged_entry e;
        e.path = it->path().lexically_relative(staging).generic_string();
        e.directory = S_ISDIR(st.st_mode);
        e.regular = S_ISREG(st.st_mode);
        e.size = static_cast<std::uint64_t>(st.st_size);
        if (e.directory && it.depth() >= 1) it.disable_recursion_pending();  // refused below; never descend
        out.push_back(std::move(e));
    }
    if (ec) throw file_error(describe_file_failure("cannot list", staging, ec.value()));
    return out;
}

std::vector<std::string> rebuild_cnf(const fs::path& staging) {
    const auto path = staging / cnf_name;
    std::error_code ec;
    if (!fs::is_regular_file(fs::symlink_status(path, ec))) return {};
    auto rebuilt = rebuild_backup_my_cnf(read_file(path, control_file_limit));
    if (!rebuilt) refuse(rebuilt.message());
    if (!rebuilt->dropped.empty()) {
        std::string names;
        for (const auto& d : rebuilt->dropped) names += (names.empty() ? "" : ", ") + d;
        spdlog::info("backup-my.cnf: dropped what --prepare must not take from a donor: {}", names);
    }
    write_file_atomically(path, rebuilt->content, {.mode = 0640, .temp_dir = std::nullopt});
    return rebuilt->data_files;
}

void check_announced(const std::map<std::string, std::uint64_t>& announced, const std::vector<staged_entry>& found) {
    std::map<std::string, const staged_entry*> by_path;
    for (const auto& e : found) by_path[e.path] = &e;
    for (const auto& [path, size] : announced) {
        const auto it = by_path.find(path);
        if (it == by_path.end() || !it->second->regular)
            throw clone_failed_error(fmt::format(
                "the stream carried '{}' but the extractor did not leave it in the staging dir as a file (it stops "
                "at a name it refuses and still exits 0); retry the clone",
                text::printable(path)));
        if (it->second->size != size)
            throw clone_failed_error(fmt::format("'{}' is {} bytes in the staging dir but the stream carried {}",
                                                 text::printable(path), it->second->size, size));
        if (size > control_file_limit && is_control_file(path))
            refuse(fmt::format("'{}' is {} bytes, far more than such a file ever holds", text::printable(path), size));
    }
    for (const auto& e : found) {
        if (e.directory) continue;
        if (!e.regular) refuse(fmt::format("'{}' is not a regular file", text::printable(e.path)));
        if (announced.count(e.path) == 0)
            refuse(fmt::format("'{}' is in the staging dir but was not in the stream", text::printable(e.path)));
    }
}

// Reads `<prefix><base>` from a backup dir, preferring the mariadb_backup_* name (MariaDB 11.1+, MDEV-18931).
std::optional<named_content> read_metadata_file(const fs::path& dir, std::string_view base) {
    const std::string mariadb_name = fmt::format("mariadb_backup_{}", base);
    const std::string xtrabackup_name = fmt::format("xtrabackup_{}", base);
    const auto chosen = choose_metadata_file(base, fs::exists(dir / mariadb_name), fs::exists(dir / xtrabackup_name));
    if (!chosen) return std::nullopt;
    return named_content{*chosen, read_file(dir / *chosen, control_file_limit)};
}

}  // namespace

void vet_staged_backup(const fs::path& staging, const std::map<std::string, std::uint64_t>& announced) {
    const auto found = list_staging(staging);
    // Types, sizes and the announced set first: backup-my.cnf is read only once it is known to be a small file.
    check_announced(announced, found);
    const auto data_files = rebuild_cnf(staging);
    std::vector<std::string> dropped;
    for (const auto& e : found) {
        const auto action = check_layout_entry({e.path, e.directory}, data_files);
        if (!action) refuse(action.message());
        if (*action == layout_action::drop) {
            dropped.push_back(e.path);
            std::error_code ec;
            fs::remove(staging / e.path, ec);
            if (ec) throw file_error(describe_file_failure("cannot remove", staging / e.path, ec.value()));
        } else if (!e.directory && text::ends_with_ci(e.path, ".ren")) {
            if (auto s = check_rename_target(read_file(staging / e.path, control_file_limit)); !s)
                refuse(fmt::format("'{}': {}", text::printable(e.path), s.message()));
        }
    }
    for (const auto& d : dropped)
        spdlog::info("dropped the donor's {}: it is the donor's own configuration, not data", d);
}

void check_prepared(const fs::path& staging) {
    const auto checkpoints = read_metadata_file(staging, "checkpoints");
    if (!checkpoints)
        throw clone_failed_error(
            fmt::format("the backup in {} has no xtrabackup_checkpoints or mariadb_backup_checkpoints "
                        "file after --prepare: the stream is not a complete backup",
                        staging.string()));
    const auto kv = parse_key_value_file(checkpoints->name, checkpoints->content);
    if (!kv) throw clone_failed_error(fmt::format("after --prepare: {}", kv.message()));
    const auto type = find_value(*kv, "backup_type");
    // mariabackup marks a prepared backup "log-applied", Percona XtraBackup "full-prepared"; a backup still
    // saying "full-backuped" would make mysqld start from an inconsistent InnoDB state.
    if (type == "log-applied" || type == "full-prepared") return;
    throw clone_failed_error(fmt::format(
        "--prepare did not finish the backup: {} says backup_type = {} (expected log-applied or full-prepared); "
        "check that --xtrabackup matches the donor's tool and version",
        checkpoints->name, type.value_or("<missing>")));
}

backup_description describe_backup(const fs::path& staging) {
    backup_description out;
    auto metadata = parse_backup_metadata(read_backup_files(staging));
    if (!metadata)
        throw clone_failed_error(
            fmt::format("the backup's replication coordinates cannot be read: {}", metadata.message()));
    out.coordinates = std::move(metadata).value();
    if (const auto info = read_metadata_file(staging, "info")) {
        const auto kv = parse_key_value_file(info->name, info->content);
        if (!kv) throw clone_failed_error(fmt::format("the backup's info file cannot be read: {}", kv.message()));
        const auto name = find_value(*kv, "tool_name").value_or("");
        const auto version = find_value(*kv, "tool_version").value_or("");
        out.tool_version = name.empty() ? version : version.empty() ? name : name + " " + version;
        out.server_version = find_value(*kv, "server_version").value_or("");
    }
    out.bytes = directory_size(staging, on_listing_error::fail);
    return out;
}

}  // namespace mysql_agent
