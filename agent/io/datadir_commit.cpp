#include "mysql_agent/io/datadir_commit.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE (glibc >= 2.28)
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/io/logging.hpp"

namespace mysql_agent {
namespace fs = std::filesystem;
namespace {

/// Real journals are a line per top-level entry of a datadir: a few KiB.
constexpr std::uint64_t journal_limit = 16 * 1024 * 1024;

// Every name we create, remove or journal is one component directly inside the datadir.
bool is_plain_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
           name.find('\n') == std::string_view::npos && name.find('\0') == std::string_view::npos;
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

/// statx(2) of `path` itself (a symlink is not followed): its inode and, when the filesystem has one, its birth time.
struct statx lstatx(const fs::path& path) {
    struct statx stx {};
    if (::statx(AT_FDCWD, path.c_str(), AT_SYMLINK_NOFOLLOW, STATX_INO | STATX_BTIME, &stx) != 0)
        throw file_error(describe_file_failure("cannot stat", path, errno));
    return stx;
}

/// The filesystem type holding `path`, by name for those a datadir is likely on (statfs(2) f_type).
std::string filesystem_name(const fs::path& path) {
    struct statfs st {};
    if (::statfs(path.c_str(), &st) != 0) return "an unknown filesystem";
    switch (static_cast<unsigned long>(st.f_type)) {
        case EXT4_SUPER_MAGIC: return "ext2/ext3/ext4";
        case XFS_SUPER_MAGIC: return "xfs";
        case BTRFS_SUPER_MAGIC: return "btrfs";
        case TMPFS_MAGIC: return "tmpfs";
        case NFS_SUPER_MAGIC: return "nfs";
        case OVERLAYFS_SUPER_MAGIC: return "overlayfs";
        case PROC_SUPER_MAGIC: return "proc";
        case 0xFF534D42: return "cifs";          // CIFS_SUPER_MAGIC
        case 0x65735546: return "fuse";          // FUSE_SUPER_MAGIC
        case 0x00C36400: return "ceph";          // CEPH_SUPER_MAGIC
        case 0x2FC12FC1: return "zfs";
        default: return fmt::format("filesystem type {:#x}", static_cast<unsigned long>(st.f_type));
    }
}

}  // namespace

entry_identity identity_of(const fs::path& path) {
    const auto stx = lstatx(path);
    entry_identity id{stx.stx_ino, std::nullopt};
    if (stx.stx_mask & STATX_BTIME) id.birth = birth_time{stx.stx_btime.tv_sec, stx.stx_btime.tv_nsec};
    return id;
}

void require_birth_times(const fs::path& datadir) {
    if (identity_of(datadir).birth) return;
    throw config_error(fmt::format(
        "refusing to clone into {}: it is on {}, which reports no file birth times (statx STATX_BTIME), so the "
        "commit journal could not tell the clone's entries from files put there later; put the datadir on ext4, "
        "xfs, btrfs or tmpfs",
        datadir.string(), filesystem_name(datadir)));
}

namespace {

void remove_tree(const fs::path& path) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) throw file_error(describe_file_failure("cannot remove", path, ec.value()));
}

void check_plain(const fs::path& datadir, std::string_view name) {
    if (!is_plain_name(name))
        throw file_error(fmt::format("refusing to touch '{}' in {}: not a plain entry name", name, datadir.string()));
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

std::string list_for_message(const std::vector<std::string>& names, std::size_t max = 5) {
    std::string out;
    for (std::size_t i = 0; i < names.size() && i < max; ++i) out += (i ? ", " : "") + names[i];
    if (names.size() > max) out += fmt::format(", ... ({} in all)", names.size());
    return out;
}

/// Moves the displaced entries back into the datadir: an interrupted `clone --force` commit is undone.
void restore_displaced(const fs::path& datadir, const std::vector<std::string>& names) {
    const auto displaced = datadir / clone_displaced_dir;
    for (const auto& name : names) {
        check_plain(datadir, name);
        rename_no_replace(displaced / name, datadir / name);
    }
    if (!names.empty()) {
        fsync_directory(displaced);
        fsync_directory(datadir);
        spdlog::info("moved back into {} what an interrupted clone --force had moved aside: {}", datadir.string(),
                     list_for_message(names));
    }
}

/// Carries out an unfinished or cloned verdict: removes what it lists, moving displaced entries back first.
void carry_out(const fs::path& datadir, const datadir_verdict& verdict) {
    for (const auto& name : verdict.to_remove) {
        check_plain(datadir, name);
        if (name == clone_displaced_dir && verdict.kind == datadir_kind::unfinished_clone)
            restore_displaced(datadir, verdict.to_restore);
        remove_tree(datadir / name);
    }
    if (!verdict.to_remove.empty()) fsync_directory(datadir);
}

/// Writes the journal with its temporary inside the staging dir: a crash before the rename leaves nothing
/// next to the data.
void write_journal(const fs::path& datadir, const clone_journal& journal) {
    const atomic_write_options in_staging{.mode = 0640, .temp_dir = staging_dir_of(datadir)};
    write_file_atomically(datadir / clone_journal_file, format_journal(journal), in_staging);
}

/// Moves the foreign entries into the displaced dir (same filesystem: renames, no copy), journaled first.
void displace(const fs::path& datadir, clone_journal& journal, const std::vector<std::string>& names) {
    journal.phase = commit_phase::displacing;
    journal.displaced = names;
    write_journal(datadir, journal);
    const auto displaced = datadir / clone_displaced_dir;
    std::error_code ec;
    fs::create_directory(displaced, ec);
    if (ec) throw file_error(describe_file_failure("cannot create", displaced, ec.value()));
    for (const auto& name : names) rename_no_replace(datadir / name, displaced / name);
    fsync_directory(displaced);
    fsync_directory(datadir);
    spdlog::info("--force: moved {} aside into {} (removed once the clone is committed)", list_for_message(names),
                 displaced.string());
}

}  // namespace

fs::path staging_dir_of(const fs::path& datadir) { return datadir / clone_staging_dir; }

datadir_facts gather_datadir_facts(const fs::path& datadir) {
    datadir_facts facts;
    facts.entries = list_names(datadir);
    for (const auto& name : facts.entries) facts.identities[name] = identity_of(datadir / name);
    if (auto text = read_file_if_exists(datadir / clone_journal_file, journal_limit)) {
        auto journal = parse_journal(*text);
        if (journal) {
            facts.journal = std::move(journal).value();
        } else {
            facts.journal_unreadable = true;
            spdlog::warn("{}: {}", (datadir / clone_journal_file).string(), journal.message());
        }
    }
    std::error_code ec;
    if (fs::is_directory(fs::symlink_status(datadir / clone_displaced_dir, ec)))
        facts.displaced = list_names(datadir / clone_displaced_dir);
    return facts;
}

void remove_datadir_entries(const fs::path& datadir, const std::vector<std::string>& names) {
    if (names.empty()) return;
    std::vector<std::string> ordered;
    bool journal = false;
    for (const auto& name : names) {
        check_plain(datadir, name);
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

datadir_verdict settle_datadir(const fs::path& datadir, bool force, bool replace_clone) {
    std::error_code ec;
    if (!fs::exists(datadir, ec)) {
        spdlog::info("datadir {} does not exist: creating it", datadir.string());
        if (!fs::create_directories(datadir, ec) && ec)
            throw file_error(describe_file_failure("cannot create the datadir", datadir, ec.value()));
    }
    require_birth_times(datadir);
    auto verdict = classify_datadir(gather_datadir_facts(datadir), force, replace_clone);
    if (verdict.kind == datadir_kind::unfinished_clone) {
        // Undo it, then look again: an undone `clone --force` commit leaves the foreign data it had moved aside.
        spdlog::info("{} ({}); removing {}", verdict.reason, datadir.string(), list_for_message(verdict.to_remove));
        carry_out(datadir, verdict);
        verdict = classify_datadir(gather_datadir_facts(datadir), force, replace_clone);
    }
    switch (verdict.kind) {
        case datadir_kind::empty:
        case datadir_kind::unfinished_clone:
            break;
        case datadir_kind::foreign:
            if (!verdict.to_displace.empty()) {
                remove_datadir_entries(datadir, verdict.to_remove);  // a stale staging dir of an earlier run
                spdlog::info("{} ({}): nothing is deleted unless a donor's backup arrives whole and is prepared",
                             verdict.reason, datadir.string());
                break;
            }
            throw datadir_not_ours_error(fmt::format(
                "refusing to clone into {}: {}. mysql-agent never deletes data it did not create; if this data may "
                "be thrown away, run again with --force (MYSQL_AGENT_FORCE=1), or empty the datadir yourself",
                datadir.string(), verdict.reason));
        case datadir_kind::cloned:
            if (!verdict.to_remove.empty()) {
                spdlog::info("{} ({}); removing {}", verdict.reason, datadir.string(),
                             list_for_message(verdict.to_remove));
                carry_out(datadir, verdict);
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

void abandon_clone(const fs::path& datadir, bool force) noexcept {
    try {
        // With `force`, a foreign verdict lists this run's staging dir in to_remove; the data stays.
        const auto verdict = classify_datadir(gather_datadir_facts(datadir), force);
        if (verdict.kind == datadir_kind::unfinished_clone)
            carry_out(datadir, verdict);
        else if (verdict.kind == datadir_kind::foreign)
            remove_datadir_entries(datadir, verdict.to_remove);
    } catch (const std::exception& e) {
        spdlog::warn("could not remove what the failed clone left in {} ({}); the next run removes it",
                     datadir.string(), e.what());
    }
}

void commit_staging(const fs::path& datadir, const clone_marker& marker, const commit_options& options) {
    const auto staging = staging_dir_of(datadir);
    clone_journal journal;
    journal.run = options.run;
    for (auto& name : list_names(staging)) {
        // The datadir's own lost+found (a filesystem root) stays; a donor's one is not data.
        if (name == "lost+found") continue;
        if (!is_plain_name(name))
            throw clone_failed_error(
                fmt::format("the backup holds an entry whose name cannot be journaled: '{}'", name));
        auto id = identity_of(staging / name);
        if (!id.birth) {
            require_birth_times(datadir);
            throw clone_failed_error(fmt::format("{} has no birth time: the commit journal could not identify it",
                                                 (staging / name).string()));
        }
        journal.incoming.push_back({name, id});
    }
    if (journal.incoming.empty())
        throw clone_failed_error(fmt::format("nothing to commit: {} is empty", staging.string()));

    const auto sync_start = std::chrono::steady_clock::now();
    sync_filesystem(staging);
    // It flushes every dirty page of the filesystem, not only ours: a slow one points at other writers.
    const double sync_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - sync_start).count();
    log_event(spdlog::level::info, fmt::format("flushed the filesystem holding {} in {:.2f}s", staging.string(),
                                               sync_seconds),
              {{"event", "filesystem_flushed"}, {"seconds", sync_seconds}});

    if (options.replace) {
        // Whatever is in the datadir now (under our lock, only what settle_datadir saw) is replaced.
        const auto verdict = classify_datadir(gather_datadir_facts(datadir), true, true);
        if (verdict.kind == datadir_kind::foreign && !verdict.to_displace.empty())
            displace(datadir, journal, verdict.to_displace);
    }
    journal.phase = commit_phase::moving;
    write_journal(datadir, journal);

    for (const auto& e : journal.incoming) rename_no_replace(staging / e.name, datadir / e.name);
    fsync_directory(datadir);

    write_file_atomically(datadir / clone_marker_file, marker_to_json(marker),
                          {.mode = 0640, .temp_dir = staging});

    // The clone is complete from here on: a failure to tidy up is not a failed clone, and the next run
    // (classified cloned) removes these leftovers.
    try {
        remove_datadir_entries(datadir, {std::string(clone_displaced_dir), std::string(reseed_request_file),
                                         std::string(clone_staging_dir),
                                         std::string(clone_journal_file)});
    } catch (const std::exception& e) {
        spdlog::warn("clone committed, but tidying up failed ({}); the next run removes the leftovers", e.what());
    }
}

}  // namespace mysql_agent
