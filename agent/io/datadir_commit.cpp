#include "mysql_agent/datadir_commit.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc >= 2.28)
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/atomic_file.hpp"
#include "mysql_agent/backup_dir.hpp"

namespace mysql_agent {
namespace fs = std::filesystem;
namespace {

// Every name we create, remove or journal is one component directly inside the datadir.
bool is_plain_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
           name.find('\n') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

// The journal is one entry name per line; names cannot contain '\n' (is_plain_name).
std::vector<std::string> parse_journal(std::string_view content) {
    std::vector<std::string> names;
    while (!content.empty()) {
        const auto eol = content.find('\n');
        const auto line = content.substr(0, eol);
        if (!line.empty()) names.emplace_back(line);
        if (eol == std::string_view::npos) break;
        content.remove_prefix(eol + 1);
    }
    return names;
}

std::vector<std::string> list_names(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        names.push_back(it->path().filename().string());
    if (ec) throw file_error(describe_file_failure("cannot list", dir, ec.value()));
    std::sort(names.begin(), names.end());
    return names;
}

void remove_tree(const fs::path& path) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) throw file_error(describe_file_failure("cannot remove", path, ec.value()));
}

// Flushes the whole filesystem holding `dir`: one call instead of an fsync per file of the backup, which
// matters for datadirs with many thousands of .ibd files.
void sync_filesystem(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw file_error(describe_file_failure("cannot open directory", dir, errno));
    const int rc = ::syncfs(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) throw file_error(describe_file_failure("cannot flush the filesystem holding", dir, err));
}

// Moves `from` to `to` without ever replacing an existing `to`: the commit must not clobber data even if
// something appeared in the datadir after it was checked.
void rename_no_replace(const fs::path& from, const fs::path& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return;
    int err = errno;
    if (err == EINVAL || err == ENOSYS) {
        // Filesystems without RENAME_NOREPLACE (some network filesystems): check, then rename.
        std::error_code ec;
        if (fs::exists(fs::symlink_status(to, ec))) {
            err = EEXIST;
        } else if (::rename(from.c_str(), to.c_str()) == 0) {
            return;
        } else {
            err = errno;
        }
    }
    throw file_error(describe_file_failure(fmt::format("cannot move {} to", from.string()), to, err));
}

std::uint64_t tree_bytes(const fs::path& root) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code size_ec;
        if (it->is_regular_file(size_ec)) {
            const auto size = it->file_size(size_ec);
            if (!size_ec) total += size;
        }
    }
    if (ec) throw file_error(describe_file_failure("cannot list", root, ec.value()));
    return total;
}

// Reads `<prefix><base>` from a backup dir, preferring the mariadb_backup_* name (MariaDB 11.1+, MDEV-18931).
std::optional<named_content> read_metadata_file(const fs::path& dir, std::string_view base) {
    const std::string mariadb_name = fmt::format("mariadb_backup_{}", base);
    const std::string xtrabackup_name = fmt::format("xtrabackup_{}", base);
    const auto chosen = choose_metadata_file(base, fs::exists(dir / mariadb_name), fs::exists(dir / xtrabackup_name));
    if (!chosen) return std::nullopt;
    return named_content{*chosen, read_file(dir / *chosen)};
}

std::string list_for_message(const std::vector<std::string>& names, std::size_t max = 5) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < max; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > max) out += fmt::format(", ... ({} in all)", names.size());
    return out;
}

}  // namespace

fs::path staging_dir_of(const fs::path& datadir) { return datadir / clone_staging_dir; }

datadir_facts gather_datadir_facts(const fs::path& datadir) {
    datadir_facts facts;
    facts.entries = list_names(datadir);
    if (auto journal = read_file_if_exists(datadir / clone_journal_file)) facts.journal = parse_journal(*journal);
    return facts;
}

void remove_datadir_entries(const fs::path& datadir, const std::vector<std::string>& names) {
    if (names.empty()) return;
    std::vector<std::string> ordered;
    bool journal = false;
    for (const auto& name : names) {
        if (!is_plain_name(name))
            throw file_error(
                fmt::format("refusing to remove '{}' from {}: not a plain entry name", name, datadir.string()));
        if (name == clone_journal_file)
            journal = true;
        else
            ordered.push_back(name);
    }
    // The journal goes last: while it exists, the entries it lists are still recognised as ours.
    if (journal) ordered.emplace_back(clone_journal_file);
    for (const auto& name : ordered) remove_tree(datadir / name);
    fsync_directory(datadir);
}

std::optional<clone_marker> read_clone_marker(const fs::path& datadir) {
    const auto path = datadir / clone_marker_file;
    auto content = read_file_if_exists(path);
    if (!content) return std::nullopt;
    auto marker = marker_from_json(path.string(), *content);
    if (!marker) {
        spdlog::warn("{}", marker.message());
        return std::nullopt;
    }
    return std::move(marker).value();
}

datadir_verdict settle_datadir(const fs::path& datadir, bool force) {
    std::error_code ec;
    if (!fs::exists(datadir, ec)) {
        spdlog::info("datadir {} does not exist: creating it", datadir.string());
        if (!fs::create_directories(datadir, ec) && ec)
            throw file_error(describe_file_failure("cannot create the datadir", datadir, ec.value()));
    }
    auto verdict = classify_datadir(gather_datadir_facts(datadir), force);
    switch (verdict.kind) {
        case datadir_kind::empty:
            break;
        case datadir_kind::foreign:
            throw datadir_not_ours_error(fmt::format(
                "refusing to clone into {}: {}. mysql-agent never deletes data it did not create; if this data may "
                "be thrown away, run again with --force (MYSQL_AGENT_FORCE=1), or empty the datadir yourself",
                datadir.string(), verdict.reason));
        case datadir_kind::unfinished_clone:
            spdlog::info("{} ({}); removing {}", verdict.reason, datadir.string(), list_for_message(verdict.to_remove));
            remove_datadir_entries(datadir, verdict.to_remove);
            break;
        case datadir_kind::cloned:
            if (!verdict.to_remove.empty()) {
                spdlog::info("{} ({}); removing {}", verdict.reason, datadir.string(),
                             list_for_message(verdict.to_remove));
                remove_datadir_entries(datadir, verdict.to_remove);
            }
            break;
    }
    return verdict;
}

fs::path create_staging_dir(const fs::path& datadir) {
    const auto staging = staging_dir_of(datadir);
    remove_tree(staging);
    std::error_code ec;
    fs::create_directory(staging, ec);
    if (ec) throw file_error(describe_file_failure("cannot create the staging dir", staging, ec.value()));
    // 0750 like the datadir mysqld creates: the stream carries every table of the donor.
    fs::permissions(staging, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec, ec);
    fsync_directory(datadir);
    return staging;
}

void abandon_clone(const fs::path& datadir) noexcept {
    try {
        const auto verdict = classify_datadir(gather_datadir_facts(datadir), false);
        if (verdict.kind == datadir_kind::unfinished_clone) remove_datadir_entries(datadir, verdict.to_remove);
    } catch (const std::exception& e) {
        spdlog::warn("could not remove what the failed clone left in {} ({}); the next run removes it",
                     datadir.string(), e.what());
    }
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
    out.bytes = tree_bytes(staging);
    return out;
}

void commit_staging(const fs::path& datadir, const clone_marker& marker) {
    const auto staging = staging_dir_of(datadir);
    std::vector<std::string> entries;
    for (auto& name : list_names(staging)) {
        // The datadir's own lost+found (a filesystem root) stays; a donor's one is not data.
        if (name == "lost+found") continue;
        if (!is_plain_name(name))
            throw clone_failed_error(
                fmt::format("the backup holds an entry whose name cannot be journaled: '{}'", name));
        entries.push_back(std::move(name));
    }
    if (entries.empty()) throw clone_failed_error(fmt::format("nothing to commit: {} is empty", staging.string()));

    sync_filesystem(staging);

    std::string journal;
    for (const auto& name : entries) journal += name + '\n';
    // Temporaries go into the staging dir: a crash before the rename leaves nothing next to the data.
    const atomic_write_options in_staging{.mode = 0640, .temp_dir = staging};
    write_file_atomically(datadir / clone_journal_file, journal, in_staging);

    for (const auto& name : entries) rename_no_replace(staging / name, datadir / name);
    fsync_directory(datadir);

    write_file_atomically(datadir / clone_marker_file, marker_to_json(marker), in_staging);

    // The clone is complete from here on: a failure to tidy up is not a failed clone, and the next run
    // (classified cloned) removes these leftovers.
    try {
        remove_datadir_entries(datadir, {std::string(clone_staging_dir), std::string(clone_journal_file)});
    } catch (const std::exception& e) {
        spdlog::warn("clone committed, but tidying up failed ({}); the next run removes the leftovers", e.what());
    }
}

}  // namespace mysql_agent
