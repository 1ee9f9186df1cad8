// The filesystem half of a clone on real directories: facts for classify_datadir, cleanup that never
// touches foreign data, the commit order (checked with inotify), recovery from a kill at any step, the
// prepare check, and atomic file writes.

#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "temp_dir.hpp"

#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/io/datadir_commit.hpp"
#include "mysql_agent/io/datadir_lock.hpp"
#include "mysql_agent/core/datadir_state.hpp"
#include "mysql_agent/io/staged_backup.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mysql_agent;

const fs::path fixtures = FIXTURES_DIR;

using test_support::temp_dir;

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

void put(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    write_file_atomically(path, content);
}

/// A prepared backup in the staging dir, as extraction and --prepare leave it.
fs::path staged_backup(const fs::path& datadir) {
    const auto staging = create_staging_dir(datadir);
    put(staging / "ibdata1", std::string(64 * 1024, 'i'));
    put(staging / "mysql/user.ibd", "users");
    put(staging / "shop/orders.ibd", "orders");
    put(staging / "xtrabackup_binlog_info", read_file(fixtures / "backup-metadata/mb1011_binlog_info_gtid.txt"));
    put(staging / "xtrabackup_slave_info", read_file(fixtures / "backup-metadata/mb1011_slave_info_gtid.txt"));
    put(staging / "xtrabackup_checkpoints", read_file(fixtures / "backup-metadata/mb1011_checkpoints_prepared.txt"));
    put(staging / "xtrabackup_info", read_file(fixtures / "backup-metadata/mb1011_info.txt"));
    return staging;
}

/// The journal a commit of `staging`'s entries writes (phase moving), with their identities.
std::string journal_of(const fs::path& staging) {
    clone_journal j;
    j.run = "test/1/2026-12-01T00:00:00Z/00000000";
    for (const auto& n : entries(staging)) j.incoming.push_back({n, identity_of(staging / n)});
    return format_journal(j);
}

clone_marker sample_marker() {
    clone_marker m;
    m.source = "mysql-0.mysql:3307";
    m.digest = "xxh3-64:0123456789abcdef";
    m.stream_bytes = 1234;
    m.started_at = "2026-11-27T01:00:00Z";
    m.finished_at = "2026-11-27T01:00:05Z";
    m.duration_seconds = 5;
    return m;
}

}  // namespace

TEST_CASE("gather_datadir_facts lists the top-level names and the journal", "[io][datadir]") {
    temp_dir tmp;
    put(tmp.path() / "ibdata1", "x");
    fs::create_directories(tmp.path() / "lost+found");
    put(tmp.path() / std::string(clone_journal_file), "ibdata1\nmysql\n");
    auto facts = gather_datadir_facts(tmp.path());
    std::sort(facts.entries.begin(), facts.entries.end());
    CHECK(facts.entries == std::vector<std::string>{".mysql-agent-commit", "ibdata1", "lost+found"});
    REQUIRE(facts.journal.has_value());
    CHECK(facts.journal->incoming == std::vector<journal_entry>{{"ibdata1", {}}, {"mysql", {}}});
    struct stat st {};
    REQUIRE(::lstat((tmp.path() / "ibdata1").c_str(), &st) == 0);
    CHECK(facts.identities.at("ibdata1").inode == st.st_ino);
    CHECK(facts.identities.at("ibdata1").birth.has_value());
    CHECK(facts.displaced.empty());

    CHECK_THROWS_AS(gather_datadir_facts(tmp.path() / "missing"), file_error);
}

TEST_CASE("foreign data is refused and left untouched", "[io][datadir]") {
    temp_dir tmp;
    put(tmp.path() / "ibdata1", "precious");
    put(tmp.path() / "mysql/user.MYD", "root");
    // A staging dir next to foreign data does not make the data ours.
    fs::create_directories(tmp.path() / std::string(clone_staging_dir));
    const auto before = entries(tmp.path());

    try {
        settle_datadir(tmp.path(), false);
        FAIL("settle_datadir accepted foreign data");
    } catch (const datadir_not_ours_error& e) {
        CHECK(e.exit_code == exit_code::datadir_not_ours);
        CHECK_THAT(e.what(), Catch::Contains("ibdata1"));
        CHECK_THAT(e.what(), Catch::Contains("--force"));
    }
    abandon_clone(tmp.path());  // the failure path of a clone must not touch it either
    CHECK(entries(tmp.path()) == before);
    CHECK(read_file(tmp.path() / "ibdata1") == "precious");
    CHECK(read_file(tmp.path() / "mysql/user.MYD") == "root");

    SECTION("--force deletes nothing before the commit: only the stale staging dir goes") {
        fs::create_directories(tmp.path() / "lost+found");
        const auto verdict = settle_datadir(tmp.path(), true);
        CHECK(verdict.kind == datadir_kind::foreign);
        CHECK(verdict.to_displace == std::vector<std::string>{"ibdata1", "mysql"});
        CHECK(entries(tmp.path()) == std::vector<std::string>{"ibdata1", "lost+found", "mysql"});
        CHECK(read_file(tmp.path() / "ibdata1") == "precious");
    }
}

TEST_CASE("a missing datadir is created, an empty one is left as it is", "[io][datadir]") {
    temp_dir tmp;
    CHECK(settle_datadir(tmp.path() / "data", false).kind == datadir_kind::empty);
    CHECK(fs::is_directory(tmp.path() / "data"));
    fs::create_directories(tmp.path() / "data/lost+found");
    CHECK(settle_datadir(tmp.path() / "data", false).kind == datadir_kind::empty);
    CHECK(entries(tmp.path() / "data") == std::vector<std::string>{"lost+found"});
}

TEST_CASE("commit moves every staged entry, writes the marker last and tidies up", "[io][datadir]") {
    temp_dir tmp;
    fs::create_directories(tmp.path() / "lost+found");
    staged_backup(tmp.path());

    // inotify records the order in which names appear in and leave the datadir.
    const int in = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    REQUIRE(in >= 0);
    REQUIRE(::inotify_add_watch(in, tmp.path().c_str(), IN_MOVED_TO | IN_CREATE | IN_DELETE) >= 0);
    commit_staging(tmp.path(), sample_marker());
    std::vector<std::string> events;
    alignas(inotify_event) char buf[64 * 1024];
    for (ssize_t n; (n = ::read(in, buf, sizeof buf)) > 0;) {
        for (char* p = buf; p < buf + n;) {
            const auto* e = reinterpret_cast<const inotify_event*>(p);
            const std::string kind = (e->mask & IN_MOVED_TO) ? "moved "
                                     : (e->mask & IN_CREATE) ? "created "
                                                             : "deleted ";
            events.push_back(kind + (e->len ? e->name : ""));
            p += sizeof(inotify_event) + e->len;
        }
    }
    ::close(in);

    const auto at = [&](const std::string& ev) {
        const auto it = std::find(events.begin(), events.end(), ev);
        INFO(ev);
        REQUIRE(it != events.end());
        return it - events.begin();
    };
    const auto journal = at("moved .mysql-agent-commit");
    const auto marker = at("moved .mysql-agent-clone.json");
    for (const char* name : {"ibdata1", "mysql", "shop", "xtrabackup_binlog_info", "xtrabackup_checkpoints",
                             "xtrabackup_info", "xtrabackup_slave_info"}) {
        const auto moved = at(std::string("moved ") + name);
        CHECK(journal < moved);
        CHECK(moved < marker);
    }
    CHECK(marker < at("deleted .mysql-agent-commit"));
    CHECK(marker < at("deleted .mysql-agent-staging"));
    // No temporary file ever appeared next to the data: they are made inside the staging dir.
    for (const auto& ev : events) CHECK_THAT(ev, !Catch::Contains(".tmp."));

    CHECK(entries(tmp.path()) == std::vector<std::string>{".mysql-agent-clone.json", "ibdata1", "lost+found", "mysql",
                                                        "shop", "xtrabackup_binlog_info", "xtrabackup_checkpoints",
                                                        "xtrabackup_info", "xtrabackup_slave_info"});
    const auto m = marker_from_json("marker", read_file(tmp.path() / std::string(clone_marker_file)));
    REQUIRE(m.has_value());
    CHECK(*m == sample_marker());
    CHECK(classify_datadir(gather_datadir_facts(tmp.path()), false).kind == datadir_kind::cloned);
}

TEST_CASE("a kill at any step of the commit leaves a datadir the next run recognises and cleans", "[io][datadir]") {
    temp_dir tmp;
    fs::create_directories(tmp.path() / "lost+found");
    const auto staging = staged_backup(tmp.path());
    const std::vector<std::string> staged = entries(staging);
    const std::string journal = journal_of(staging);

    SECTION("killed during extraction: only the staging dir") {}
    SECTION("killed while writing the journal: its temporary sits in the staging dir") {
        put(staging / ".mysql-agent-commit.tmp.Ab12Cd", "ibdata1\nmy");
    }
    SECTION("killed after the journal, with half of the entries moved") {
        put(tmp.path() / std::string(clone_journal_file), journal);
        for (std::size_t i = 0; i < staged.size() / 2; ++i) fs::rename(staging / staged[i], tmp.path() / staged[i]);
    }
    SECTION("killed after all entries moved, before the marker") {
        put(tmp.path() / std::string(clone_journal_file), journal);
        for (const auto& n : staged) fs::rename(staging / n, tmp.path() / n);
    }
    SECTION("killed while cleaning up: journal and a few entries left, staging already gone") {
        put(tmp.path() / std::string(clone_journal_file), journal);
        fs::rename(staging / "ibdata1", tmp.path() / "ibdata1");
        fs::remove_all(staging);
    }

    const auto verdict = classify_datadir(gather_datadir_facts(tmp.path()), false);
    INFO(verdict.reason);
    CHECK(verdict.kind == datadir_kind::unfinished_clone);
    settle_datadir(tmp.path(), false);
    CHECK(entries(tmp.path()) == std::vector<std::string>{"lost+found"});
}

TEST_CASE("a kill after the marker keeps the clone and removes only the commit leftovers", "[io][datadir]") {
    temp_dir tmp;
    const auto staging = staged_backup(tmp.path());
    std::string journal;
    for (const auto& n : entries(staging)) {
        journal += n + "\n";
        fs::rename(staging / n, tmp.path() / n);
    }
    put(tmp.path() / std::string(clone_journal_file), journal);
    put(tmp.path() / std::string(clone_marker_file), marker_to_json(sample_marker()));

    const auto verdict = settle_datadir(tmp.path(), false);
    CHECK(verdict.kind == datadir_kind::cloned);
    CHECK_FALSE(fs::exists(staging));
    CHECK_FALSE(fs::exists(tmp.path() / std::string(clone_journal_file)));
    CHECK(read_file(tmp.path() / "ibdata1") == std::string(64 * 1024, 'i'));
    CHECK(read_clone_marker(tmp.path()) == sample_marker());
}

TEST_CASE("a failed clone is abandoned without a trace", "[io][datadir]") {
    temp_dir tmp;
    fs::create_directories(tmp.path() / "lost+found");
    const auto staging = staged_backup(tmp.path());
    put(tmp.path() / std::string(clone_journal_file), journal_of(staging));
    fs::rename(staging / "ibdata1", tmp.path() / "ibdata1");
    abandon_clone(tmp.path());
    CHECK(entries(tmp.path()) == std::vector<std::string>{"lost+found"});
}

TEST_CASE("remove_datadir_entries only takes plain names", "[io][datadir]") {
    temp_dir tmp;
    put(tmp.path() / "keep/file", "x");
    fs::create_directories(tmp.path() / "data");
    for (const char* bad : {"../keep", "a/b", "..", ".", ""}) {
        INFO(bad);
        CHECK_THROWS_AS(remove_datadir_entries(tmp.path() / "data", {bad}), file_error);
    }
    CHECK(read_file(tmp.path() / "keep/file") == "x");
    // A symlink is removed as a link; its target survives.
    fs::create_directory_symlink(tmp.path() / "keep", tmp.path() / "data/link");
    remove_datadir_entries(tmp.path() / "data", {"link"});
    CHECK(read_file(tmp.path() / "keep/file") == "x");
    CHECK(entries(tmp.path() / "data").empty());
}

TEST_CASE("check_prepared accepts only a prepared backup", "[io][datadir]") {
    temp_dir tmp;
    const auto dir = tmp.path();
    CHECK_THROWS_WITH(check_prepared(dir), Catch::Contains("no xtrabackup_checkpoints or mariadb_backup_checkpoints"));

    put(dir / "xtrabackup_checkpoints", read_file(fixtures / "backup-metadata/mb1011_checkpoints_backup.txt"));
    CHECK_THROWS_WITH(check_prepared(dir), Catch::Contains("backup_type = full-backuped"));
    try {
        check_prepared(dir);
    } catch (const clone_failed_error& e) {
        CHECK(e.exit_code == exit_code::clone_failed);
    }

    put(dir / "xtrabackup_checkpoints", read_file(fixtures / "backup-metadata/mb1011_checkpoints_prepared.txt"));
    CHECK_NOTHROW(check_prepared(dir));
    put(dir / "xtrabackup_checkpoints", "backup_type = full-prepared\nfrom_lsn = 0\n");
    CHECK_NOTHROW(check_prepared(dir));

    // MariaDB 11.1+ names (MDEV-18931) win over the old ones.
    put(dir / "mariadb_backup_checkpoints", "backup_type = full-backuped\n");
    CHECK_THROWS_WITH(check_prepared(dir), Catch::Contains("mariadb_backup_checkpoints"));
}

TEST_CASE("describe_backup reads coordinates, tool and server version", "[io][datadir]") {
    temp_dir tmp;
    const auto staging = staged_backup(tmp.path());
    const auto d = describe_backup(staging);
    REQUIRE(d.coordinates.binlog);
    CHECK(d.coordinates.binlog->file == "mariadb-bin.000001");
    CHECK(d.coordinates.binlog->position == 1198);
    CHECK(d.coordinates.gtid_slave_pos == "0-1-5");
    CHECK(d.tool_version == "mariadb-backup 10.11.19-MariaDB");
    CHECK(d.server_version == "10.11.19-MariaDB-0+deb12u1-log");
    CHECK(d.bytes > 64 * 1024);

    put(staging / "xtrabackup_binlog_info", "garbage without a tab\n");
    CHECK_THROWS_AS(describe_backup(staging), clone_failed_error);
}

TEST_CASE("write_file_atomically replaces whole files and skips identical content", "[io][atomic_file]") {
    temp_dir tmp;
    const auto file = tmp.path() / "server-id.cnf";
    CHECK(write_file_atomically(file, "[mysqld]\nserver-id=101\n"));
    CHECK(read_file(file) == "[mysqld]\nserver-id=101\n");
    struct stat st {};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);
    const auto inode = st.st_ino;

    CHECK_FALSE(write_file_atomically(file, "[mysqld]\nserver-id=101\n"));
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK(st.st_ino == inode);  // not rewritten

    CHECK(write_file_atomically(file, "[mysqld]\nserver-id=102\n", {.mode = 0600, .temp_dir = std::nullopt}));
    CHECK(read_file(file) == "[mysqld]\nserver-id=102\n");
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(entries(tmp.path()) == std::vector<std::string>{"server-id.cnf"});  // no temporary left

    fs::create_directories(tmp.path() / "side");
    CHECK(write_file_atomically(tmp.path() / "marker", "m", {.mode = 0640, .temp_dir = tmp.path() / "side"}));
    CHECK(entries(tmp.path() / "side").empty());

    CHECK(write_file_atomically(tmp.path() / "empty", ""));
    CHECK(read_file(tmp.path() / "empty") == "");
}

TEST_CASE("file errors name the path and the OS error", "[io][atomic_file]") {
    temp_dir tmp;
    CHECK_THROWS_WITH(read_file(tmp.path() / "nope"),
                      Catch::Contains((tmp.path() / "nope").string()) && Catch::Contains("No such file or directory"));
    CHECK(read_file_if_exists(tmp.path() / "nope") == std::nullopt);
    CHECK_THROWS_AS(read_file(tmp.path() / "nope"), file_error);
    CHECK_THROWS_WITH(
        write_file_atomically(tmp.path() / "no-dir/file", "x"),
        Catch::Contains((tmp.path() / "no-dir/file").string()) && Catch::Contains("No such file or directory"));
    CHECK_THAT(describe_file_failure("cannot write", "/data/x", ENOSPC),
               Catch::Contains("No space left on device") && Catch::Contains("grow the PersistentVolume"));
}

TEST_CASE("a commit with --force moves foreign data aside and deletes it only after the marker", "[io][datadir]") {
    temp_dir tmp;
    fs::create_directories(tmp.path() / "lost+found");
    put(tmp.path() / "ibdata1", "old system tablespace");
    put(tmp.path() / "olddb/t.ibd", "old table");
    put(tmp.path() / "notes.txt", "an operator's notes");
    REQUIRE(settle_datadir(tmp.path(), true).kind == datadir_kind::foreign);
    staged_backup(tmp.path());
    commit_staging(tmp.path(), sample_marker(), {.run = "test/1/now/00000000", .replace = true});
    CHECK(read_file(tmp.path() / "ibdata1") == std::string(64 * 1024, 'i'));
    CHECK_FALSE(fs::exists(tmp.path() / "olddb"));
    CHECK_FALSE(fs::exists(tmp.path() / "notes.txt"));
    CHECK_FALSE(fs::exists(tmp.path() / std::string(clone_displaced_dir)));
    CHECK_FALSE(fs::exists(tmp.path() / std::string(clone_journal_file)));
    CHECK(fs::exists(tmp.path() / "lost+found"));
    CHECK(read_clone_marker(tmp.path()) == sample_marker());
}

TEST_CASE("with --force, a kill during the commit gives the foreign data back, byte for byte", "[io][datadir]") {
    temp_dir tmp;
    put(tmp.path() / "ibdata1", "old system tablespace");
    put(tmp.path() / "olddb/t.ibd", "old table");
    const auto staging = staged_backup(tmp.path());
    const auto displaced = tmp.path() / std::string(clone_displaced_dir);
    clone_journal j;
    j.run = "mysql-1/4711/2026-12-01T00:00:00Z/0badf00d";
    for (const auto& n : entries(staging)) j.incoming.push_back({n, {}});
    j.displaced = {"ibdata1", "olddb"};

    SECTION("killed while moving the foreign entries aside") {
        j.phase = commit_phase::displacing;
        put(tmp.path() / std::string(clone_journal_file), format_journal(j));
        fs::create_directories(displaced);
        fs::rename(tmp.path() / "olddb", displaced / "olddb");
    }
    SECTION("killed while moving the backup in") {
        j.phase = commit_phase::moving;
        fs::create_directories(displaced);
        fs::rename(tmp.path() / "olddb", displaced / "olddb");
        fs::rename(tmp.path() / "ibdata1", displaced / "ibdata1");
        // The journal records the identities of what it moves in (a rename keeps them).
        for (auto& e : j.incoming) e.id = identity_of(staging / e.name);
        put(tmp.path() / std::string(clone_journal_file), format_journal(j));
        fs::rename(staging / "ibdata1", tmp.path() / "ibdata1");
        fs::rename(staging / "mysql", tmp.path() / "mysql");
    }
    INFO(classify_datadir(gather_datadir_facts(tmp.path()), false).reason);
    CHECK(classify_datadir(gather_datadir_facts(tmp.path()), false).kind == datadir_kind::unfinished_clone);
    // Without --force the next run undoes the commit, then finds the foreign data again and refuses it.
    CHECK_THROWS_AS(settle_datadir(tmp.path(), false), datadir_not_ours_error);
    CHECK(entries(tmp.path()) == std::vector<std::string>{"ibdata1", "olddb"});
    CHECK(read_file(tmp.path() / "ibdata1") == "old system tablespace");
    CHECK(read_file(tmp.path() / "olddb/t.ibd") == "old table");
}

TEST_CASE("a journaled name whose entry was replaced by hand is not removed", "[io][datadir]") {
    // The replacement is made to get the journaled entry's inode number, as ext4 and xfs hand a freed number to
    // the next file created: only the birth time tells them apart. tmpfs never reuses inode numbers, so the
    // datadir is made next to this test binary (the build tree, on disk) rather than in /tmp.
    struct dir_on_disk {
        fs::path path;
        dir_on_disk() {
            std::string pattern = (fs::read_symlink("/proc/self/exe").parent_path() / "datadir-XXXXXX").string();
            REQUIRE(::mkdtemp(pattern.data()) != nullptr);
            path = pattern;
        }
        ~dir_on_disk() {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    } on_disk;
    const fs::path datadir = on_disk.path;
    const auto create = [](const fs::path& path, const char* content) { std::ofstream(path) << content; };
    // Another process of the machine may take the freed number first (the filesystem is shared): then the whole
    // scene is played again, a bounded number of times. On ext4 the first file created gets it.
    entry_identity journaled;
    bool reused = false;
    for (int attempt = 0; attempt < 50 && !reused; ++attempt) {
        create(datadir / "ibdata1", "moved in by the interrupted commit");
        journaled = identity_of(datadir / "ibdata1");
        REQUIRE(journaled.birth);
        // A file restored by hand comes later than the commit: wait (for the clock, not for a duration) until a
        // file created now has another birth time, as it has after the restart between the commit and a hand.
        for (;;) {
            create(datadir / "clock", "");
            const auto now = identity_of(datadir / "clock");
            fs::remove(datadir / "clock");
            if (now.birth != journaled.birth) break;
        }
        fs::remove(datadir / "ibdata1");
        std::vector<fs::path> made;
        for (int i = 0; i < 64 && !reused; ++i) {
            made.push_back(datadir / ("new-" + std::to_string(i)));
            create(made.back(), "restored by hand from a backup");
            reused = identity_of(made.back()).inode == journaled.inode;
        }
        if (reused) {
            fs::rename(made.back(), datadir / "ibdata1");
            made.pop_back();
        }
        for (const auto& p : made) fs::remove(p);
    }
    {
        struct statfs sfs {};
        ::statfs(datadir.c_str(), &sfs);
        INFO("filesystem type " << std::hex << sfs.f_type << " of " << datadir << " did not reuse inode "
                                << std::dec << journaled.inode);
        REQUIRE(reused);
    }
    clone_journal j;
    j.run = "mysql-1/1/2026-12-01T00:00:00Z/00000001";
    j.incoming.push_back({"ibdata1", journaled});
    put(datadir / std::string(clone_journal_file), format_journal(j));

    const auto replaced = identity_of(datadir / "ibdata1");
    // With the inode alone (the version 2 journal), the replacement was the commit's own entry: it was deleted.
    REQUIRE(replaced.inode == journaled.inode);
    CHECK(replaced.birth != journaled.birth);

    const auto verdict = classify_datadir(gather_datadir_facts(datadir), false);
    INFO(verdict.reason);
    CHECK(verdict.kind == datadir_kind::foreign);
    CHECK_THAT(verdict.reason, Catch::Contains("(ibdata1)"));
    CHECK_THROWS_AS(settle_datadir(datadir, false), datadir_not_ours_error);
    CHECK(read_file(datadir / "ibdata1") == "restored by hand from a backup");

    // A version 2 journal (inode only) naming the same inode is not trusted either: kept, and the log says why.
    j.incoming[0].id.birth.reset();
    put(datadir / std::string(clone_journal_file), format_journal(j));
    const auto old_journal = classify_datadir(gather_datadir_facts(datadir), false);
    CHECK(old_journal.kind == datadir_kind::foreign);
    CHECK_THAT(old_journal.reason, Catch::Contains("records no birth times"));
    CHECK_THROWS_AS(settle_datadir(datadir, false), datadir_not_ours_error);
    CHECK(read_file(datadir / "ibdata1") == "restored by hand from a backup");
}

TEST_CASE("a datadir on a filesystem without birth times is refused, naming the filesystem", "[io][datadir]") {
    temp_dir tmp;
    CHECK(identity_of(tmp.path()).birth.has_value());  // ext4, xfs, btrfs, tmpfs
    CHECK_NOTHROW(require_birth_times(tmp.path()));
    // procfs reports no birth time, like NFS; it stands in for a datadir on one.
    REQUIRE_FALSE(identity_of("/proc/self").birth.has_value());
    try {
        require_birth_times("/proc/self");
        FAIL("a filesystem without birth times was accepted");
    } catch (const config_error& e) {
        CHECK_THAT(e.what(), Catch::Contains("/proc/self") && Catch::Contains("on proc,") &&
                                 Catch::Contains("no file birth times") && Catch::Contains("ext4"));
    }
    CHECK_THROWS_AS(identity_of(tmp.path() / "missing"), file_error);
}

TEST_CASE("one run at a time holds a datadir, and the second is told who holds it", "[io][datadir]") {
    temp_dir tmp;
    std::optional<datadir_lock> first;
    first.emplace(tmp.path() / "data");
    CHECK(fs::is_directory(tmp.path() / "data"));
    CHECK_THAT(first->run(), Catch::Contains("/" + std::to_string(::getpid()) + "/"));
    try {
        datadir_lock second(tmp.path() / "data");
        FAIL("a second lock was granted");
    } catch (const datadir_busy_error& e) {
        CHECK(e.exit_code == exit_code::datadir_busy);
        CHECK_THAT(e.what(), Catch::Contains("process " + std::to_string(::getpid())));
        CHECK_THAT(e.what(), Catch::Contains((tmp.path() / "data").string()));
    }
    first.reset();
    CHECK_NOTHROW(datadir_lock(tmp.path() / "data"));
}
