#include "mysql_agent/core/binlog_archive/archive_progress.hpp"
#include "mysql_agent/core/binlog_archive/archive_index.hpp"
#include "mysql_agent/core/binlog_archive/recovery_plan.hpp"
#include "mysql_agent/core/status_report.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mysql_agent;
using namespace mysql_agent::binlog_archive;

namespace {

mariadb_gtid_position pos(const std::string& text) { return *parse_mariadb_gtid_position(text); }

// An archived file from `start` to `end` (positions), its transactions' times first..last.
archived_binlog file(const std::string& name, const std::string& start, const std::string& end,
                     std::uint32_t first_time = 1000, std::uint32_t last_time = 1010, std::uint64_t bytes = 100) {
    archived_binlog f;
    f.name = name;
    f.start = pos(start);
    f.end = pos(end);
    f.transactions = f.end == f.start ? 0 : 1;
    f.first_time = first_time;
    f.last_time = last_time;
    f.bytes = bytes;
    return f;
}

std::vector<std::string> names(const std::vector<archived_binlog>& chain) {
    std::vector<std::string> n;
    for (const auto& f : chain) n.push_back(f.name);
    return n;
}

recovery_target to_gtid(const std::string& g) { return {recovery_target::kind::gtid, pos(g), 0}; }
recovery_target to_time(std::uint32_t t) { return {recovery_target::kind::time, {}, t}; }
const recovery_target latest{};

/// The record of a file without transactions, server 7's mariadb-bin.000042, 600 bytes.
archived_binlog empty_record() {
    binlog_summary s;
    s.server_version = "10.11.19-MariaDB-log";
    s.server_id = 7;
    s.created = 1796629710;
    s.start = pos("0-7-26");
    s.end = pos("0-7-26");
    return record_of(s, "mariadb-bin.000042", 600, std::string(64, 'a'),
                     std::chrono::system_clock::time_point(std::chrono::seconds(1796629800)));
}

binlog_transaction txn(std::uint32_t domain, std::uint64_t seq, std::uint32_t time = 1000) {
    return {{domain, 1, seq}, time, seq * 100, seq * 100 + 100};
}

}  // namespace

TEST_CASE("archive index: a record round-trips, and what a bucket could hold instead is refused, named") {
    binlog_summary s;
    s.server_version = "10.11.19-MariaDB-log";
    s.server_id = 7;
    s.created = 1796629710;  // 2026-12-07T07:48:30Z
    s.checksummed = true;
    s.start_state = {{0, 1, 10}, {0, 7, 26}};
    s.start = pos("0-7-26");
    s.end = pos("0-7-27,3-7-1");
    s.first = binlog_transaction{{0, 7, 27}, 1796629720, 256, 400};
    s.last = binlog_transaction{{3, 7, 1}, 1796629730, 400, 600};
    s.transactions = 2;
    s.ending = binlog_ending::rotate;
    const std::string sha(64, 'a');
    const auto r = record_of(s, "mariadb-bin.000042", 600, sha, std::chrono::system_clock::time_point(std::chrono::seconds(1796629800)));
    CHECK(r.name == "20261207T074830Z-7-aaaaaaaaaaaaaaaa");
    CHECK(r.start_state == "0-1-10,0-7-26");
    const std::string json = index_json(r);
    CHECK(json.find("\"first_time\": \"2026-12-07T07:48:40Z\"") != std::string::npos);
    auto back = parse_index(json, r.name);
    REQUIRE(back);
    CHECK(back->name == r.name);
    CHECK(back->file == "mariadb-bin.000042");
    CHECK(back->server_id == 7);
    CHECK(back->created == s.created);
    CHECK(back->start == s.start);
    CHECK(back->end == s.end);
    CHECK(back->first_gtid == mariadb_gtid{0, 7, 27});
    CHECK(back->last_gtid == mariadb_gtid{3, 7, 1});
    CHECK(back->first_time == 1796629720);
    CHECK(back->last_time == 1796629730);
    CHECK(back->transactions == 2);
    CHECK(back->bytes == 600);
    CHECK(back->sha256_hex == sha);
    CHECK(back->ending == binlog_ending::rotate);

    struct row {
        const char* what;
        std::string from, to;
        const char* message;
    };
    const std::vector<row> rows = {
        {"another digest than its name says", "\"sha256\": \"" + sha, "\"sha256\": \"" + std::string(64, 'b'), "as its time, server id and digest say"},
        {"upper-case hex", "\"sha256\": \"" + sha, "\"sha256\": \"" + std::string(64, 'A'), "64 lower-case hex"},
        {"an end before its start", "\"end\": \"0-7-27,3-7-1\"", "\"end\": \"0-7-20\"", "ends (0-7-20) before it starts"},
        {"a position that does not parse", "\"start\": \"0-7-26\"", "\"start\": \"0-7\"", "field start"},
        {"a negative size", "\"bytes\": 600", "\"bytes\": -600", "field bytes"},
        {"an unknown ending", "\"ending\": \"rotate\"", "\"ending\": \"torn\"", "has an ending 'torn'"},
        {"a format from the future", "\"format\": 1", "\"format\": 2", "format other than 1"},
        {"transactions without a first one", "\"transactions\": 2", "\"transactions\": 0", "counts 0 transactions but names"},
        {"a missing field", "\"file\": \"mariadb-bin.000042\",", "", "lacks a field"},
        {"a time that is not one", "\"created\": \"2026-12-07T07:48:30Z\"", "\"created\": \"yesterday\"", "field created"},
    };
    for (const auto& r2 : rows) {
        INFO(r2.what);
        std::string bad = json;
        const auto at = bad.find(r2.from);
        REQUIRE(at != std::string::npos);
        bad.replace(at, r2.from.size(), r2.to);
        auto parsed = parse_index(bad);
        REQUIRE(!parsed);
        CHECK_THAT(parsed.message(), Catch::Contains(r2.message));
    }
    CHECK(json.find("file_bytes") == std::string::npos);  // written only for a torn file
    auto torn = r;
    torn.file_bytes = 700;
    CHECK(parse_index(index_json(torn))->file_bytes == 700);
    CHECK(back->file_bytes == 600);
    std::string below = index_json(torn);
    const std::string seven = "\"file_bytes\": 700";
    below.replace(below.find(seven), seven.size(), "\"file_bytes\": 500");
    CHECK_THAT(parse_index(below).message(), Catch::Contains("file_bytes below its bytes"));
    CHECK_THAT(parse_index(json, "20261207T074830Z-7-bbbbbbbbbbbbbbbb").message(), Catch::Contains("is stored as"));
    CHECK_THAT(parse_index("[1, 2]").message(), Catch::Contains("not a JSON object"));
    CHECK_THAT(parse_index(std::string(70'000, ' ')).message(), Catch::Contains("limit of 64 KiB"));
}

TEST_CASE("recovery plan: the files from a backup's position to the target, chained by GTIDs") {
    // A history in domain 0: files f1..f4 end to end; a primary re-seeded at 1045 from a member that stood at 0-1-25
    // (inside f3: the old primary's 0-1-26..40 are not in its history) wrote r1 and r2.
    std::vector<archived_binlog> archive = {
        file("f1", "", "0-1-10", 1000, 1009),         file("f2", "0-1-10", "0-1-20", 1010, 1019),
        file("f3", "0-1-20", "0-1-30", 1020, 1029),   file("f4", "0-1-30", "0-1-40", 1030, 1039),
        file("r1", "0-1-25", "0-2-50", 1046, 1049),   file("f2-again", "0-1-10", "0-1-20", 1010, 1019, 100),
        file("r2", "0-2-50", "0-2-60", 1050, 1059),
    };
    for (auto& f : archive) f.created = f.name[0] == 'r' ? f.first_time - 1 : f.first_time;
    struct row {
        const char* what;
        std::string base;
        recovery_target target;
        std::vector<std::string> chain;
    };
    const std::vector<row> rows = {
        {"latest from the first file's middle, across the re-seed", "0-1-5", latest, {"f1", "f2", "f3", "r1", "r2"}},
        {"to a time after the re-seed: its history", "0-1-5", to_time(1047), {"f1", "f2", "f3", "r1"}},
        {"to a time before the re-seed: the old history", "0-1-5", to_time(1035), {"f1", "f2", "f3", "f4"}},
        {"to a GTID only the old history holds", "0-1-5", to_gtid("0-1-35"), {"f1", "f2", "f3", "f4"}},
        {"to a GTID past the old history's end: the re-seeded one", "0-1-5", to_gtid("0-2-55"),
         {"f1", "f2", "f3", "r1", "r2"}},
        {"to a GTID inside the second file", "0-1-5", to_gtid("0-1-15"), {"f1", "f2"}},
        {"to a GTID at a file's end: not the next file", "0-1-5", to_gtid("0-1-20"), {"f1", "f2"}},
        {"a backup taken exactly at a file boundary", "0-1-20", to_gtid("0-1-25"), {"f3"}},
        {"to a time inside the third file", "0-1-5", to_time(1025), {"f1", "f2", "f3"}},
        {"to a time at the last transaction of a file: the next one too", "0-1-5", to_time(1019), {"f1", "f2", "f3"}},
        {"a backup already at the target", "0-1-15", to_gtid("0-1-15"), {}},
        {"a backup of the re-seeded primary", "0-2-50", latest, {"r2"}},
        {"a backup at the end of the archive", "0-2-60", latest, {}},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        auto plan = plan_recovery(archive, pos(r.base), r.target);
        if (!plan) FAIL(plan.message());
        CHECK(names(*plan) == r.chain);
        // f3 is left at the branch point when the chain goes on with r1, else replayed whole.
        for (std::size_t i = 0; i < plan->size(); ++i) {
            const auto cut = cut_of(*plan, i);
            const bool branches = (*plan)[i].name == "f3" && i + 1 < plan->size() && (*plan)[i + 1].name == "r1";
            CHECK(cut.has_value() == branches);
            if (cut) CHECK(*cut == pos("0-1-25"));
        }
    }
}

TEST_CASE("replay window: a file the chain leaves for a branch is replayed up to the branch point only") {
    replay_window w(pos("0-1-20"), latest);
    w.next_file(pos("0-1-25"));
    std::vector<replay_window::verdict> seen;
    for (std::uint64_t s = 21; s <= 30; ++s) seen.push_back(*w.next(txn(0, s)));
    using v = replay_window::verdict;
    CHECK(seen == std::vector<v>{v::apply, v::apply, v::apply, v::apply, v::apply, v::cut, v::cut, v::cut, v::cut, v::cut});
    CHECK(w.reached() == pos("0-1-25"));
    CHECK_FALSE(w.stopped());
    // The branch's file: its transactions continue from the branch point.
    w.next_file();
    CHECK(*w.next({{0, 2, 26}, 1050, 100, 200}) == v::apply);
    CHECK(w.last_applied()->gtid.server_id == 2);
}

TEST_CASE("recovery plan: a gap, a target before the backup and an archive that ends too early are refused, named") {
    const std::vector<archived_binlog> gapped = {
        file("f1", "", "0-1-10", 1000, 1009), file("f2", "0-1-10", "0-1-20", 1010, 1019),
        file("f4", "0-1-30", "0-1-40", 1030, 1039),  // f3 (0-1-20..0-1-30) was never archived
    };
    struct row {
        const char* what;
        std::vector<archived_binlog> archive;
        std::string base;
        recovery_target target;
        std::vector<const char*> message;
    };
    const std::vector<row> rows = {
        {"latest across the gap", gapped, "0-1-5", latest,
         {"no archived binlog continues from 0-1-20", "f4, starts at 0-1-30", "a gap", "--to-gtid 0-1-20"}},
        {"a GTID beyond the gap", gapped, "0-1-5", to_gtid("0-1-35"), {"the archive reaches 0-1-20, not --to-gtid 0-1-35", "a gap"}},
        {"a time beyond the gap", gapped, "0-1-5", to_time(1035), {"not past --to-time", "a gap"}},
        {"a backup inside the gap", gapped, "0-1-25", latest, {"no archived binlog continues from 0-1-25", "starts at 0-1-30"}},
        {"an archive that starts after the backup", {file("f4", "0-1-30", "0-1-40")}, "0-1-5", latest,
         {"no archived binlog continues from 0-1-5", "starts at 0-1-30"}},
        {"a target before the backup", gapped, "0-1-15", to_gtid("0-1-12"), {"is before the backup's position 0-1-15"}},
        {"a GTID not archived yet", gapped, "0-1-31", to_gtid("0-1-45"), {"the archive reaches 0-1-40", "not archived yet"}},
        {"a time after the archive's last transaction", gapped, "0-1-31", to_time(1100),
         {"its last transaction began committing at 1970-01-01T00:17:19Z", "--latest restores all that is archived"}},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        auto plan = plan_recovery(r.archive, pos(r.base), r.target);
        REQUIRE(!plan);
        for (const char* m : r.message) CHECK_THAT(plan.message(), Catch::Contains(m));
    }
    // The same gap as the archive's status shows it.
    const auto gaps = find_gaps(gapped);
    REQUIRE(gaps.size() == 1);
    CHECK(to_string(gaps[0].after) == "0-1-20");
    CHECK(to_string(gaps[0].before) == "0-1-30");
    CHECK(gaps[0].next_name == "f4");
    CHECK(find_gaps({file("f1", "", "0-1-10"), file("f2", "0-1-10", "0-1-20")}).empty());
    CHECK(find_gaps({}).empty());
}

TEST_CASE("replay window: what the backup holds is skipped, the target stops the replay, nothing is cut mid-file") {
    SECTION("to a GTID: skip through the backup's position, apply up to the target, stop after") {
        replay_window w(pos("0-1-3"), to_gtid("0-1-6"));
        std::vector<replay_window::verdict> got;
        for (std::uint64_t s = 1; s <= 8; ++s) got.push_back(*w.next(txn(0, s)));
        using v = replay_window::verdict;
        CHECK(got == std::vector<v>{v::skip, v::skip, v::skip, v::apply, v::apply, v::apply, v::stop, v::stop});
        CHECK(to_string(w.reached()) == "0-1-6");
        CHECK(w.last_applied()->gtid.seq == 6);
        CHECK(w.stopped());
    }
    SECTION("to a time: the first transaction that began committing after it stops the replay, whatever follows") {
        replay_window w(pos(""), to_time(1005));
        using v = replay_window::verdict;
        CHECK(*w.next(txn(0, 1, 1004)) == v::apply);
        CHECK(*w.next(txn(0, 2, 1005)) == v::apply);
        CHECK(*w.next(txn(0, 3, 1006)) == v::stop);
        CHECK(*w.next(txn(0, 4, 1005)) == v::stop);  // a COMMIT that waited: after the stop all the same
        CHECK(to_string(w.reached()) == "0-1-2");
    }
    SECTION("another domain's transactions go on until the target's domain passes it") {
        replay_window w(pos("0-1-2"), to_gtid("0-1-4"));
        using v = replay_window::verdict;
        CHECK(*w.next(txn(0, 3)) == v::apply);
        CHECK(*w.next(txn(1, 1)) == v::apply);
        CHECK(*w.next(txn(0, 4)) == v::apply);
        CHECK(*w.next(txn(1, 2)) == v::stop);  // 0-1-4 reached: the position is the target's
        CHECK(to_string(w.reached()) == "0-1-4,1-1-1");
    }
    SECTION("a skipped transaction after an applied one in the same file is refused; in the next file it is not") {
        replay_window w(pos("0-1-5,1-1-5"), latest);
        CHECK(*w.next(txn(0, 6)) == replay_window::verdict::apply);
        auto bad = w.next(txn(1, 4));
        REQUIRE(!bad);
        CHECK_THAT(bad.message(), Catch::Contains("1-1-4") && Catch::Contains("cannot be replayed from a byte offset"));
        replay_window w2(pos("0-1-5"), latest);
        CHECK(*w2.next(txn(0, 6)) == replay_window::verdict::apply);
        w2.next_file();
        CHECK(*w2.next(txn(0, 6)) == replay_window::verdict::skip);  // an overlapping file after a failover
        CHECK(*w2.next(txn(0, 7)) == replay_window::verdict::apply);
    }
}

TEST_CASE("archive progress: a file is archived already by its identity, not its name, and a flush only when due") {
    archived_binlog r = file("20261207T074830Z-7-aaaaaaaaaaaaaaaa", "0-7-26", "0-7-30");
    r.created = 1796629710;
    r.server_id = 7;
    r.bytes = 4096;
    const std::vector<archived_binlog> archive = {r};
    local_binlog same{"mariadb-bin.000042", 4096, 1796629710, 7, pos("0-7-26")};
    CHECK(archived_already(same, archive));
    local_binlog renamed = same;
    renamed.file = "mariadb-bin.000001";  // a name reused after a restore: the identity decides
    CHECK(archived_already(renamed, archive));
    for (auto change : {+[](local_binlog& f) { f.size = 4097; }, +[](local_binlog& f) { f.created += 1; },
                        +[](local_binlog& f) { f.server_id = 8; }, +[](local_binlog& f) { f.start = pos("0-7-27"); }}) {
        local_binlog other = same;
        change(other);
        CHECK_FALSE(archived_already(other, archive));
    }
    using std::chrono::seconds;
    // A file a crash left ending inside an event is archived up to its last whole one: its record says the file's
    // size too, and that identifies it; a longer file with the same second, server id and start is another.
    archived_binlog torn = r;
    torn.ending = binlog_ending::open;
    torn.bytes = 4000;
    torn.file_bytes = 4096;
    CHECK(archived_already(same, {torn}));
    torn.file_bytes = 4000;
    CHECK_FALSE(archived_already(same, {torn}));
    CHECK(flush_due(pos("0-7-30"), pos("0-7-31"), seconds(60), seconds(60)));
    CHECK_FALSE(flush_due(pos("0-7-30"), pos("0-7-31"), seconds(59), seconds(60)));  // not yet
    CHECK_FALSE(flush_due(pos("0-7-30"), pos("0-7-30"), seconds(600), seconds(60)));  // nothing in the file
    CHECK(purged_unarchived({"a.000001", "a.000002"}, {local_binlog{"a.000002"}, local_binlog{"a.000003"}}) ==
          std::vector<std::string>{"a.000001"});
}

TEST_CASE("archive progress: the archiver looks for closed files a quarter interval apart, never in a busy loop") {
    using std::chrono::milliseconds, std::chrono::seconds;
    CHECK(poll_interval(seconds(1)) == milliseconds(250));  // not 1 s / 4 in whole seconds: 0, a busy loop
    CHECK(poll_interval(seconds(2)) == milliseconds(500));
    CHECK(poll_interval(seconds(0)) == milliseconds(250));
    CHECK(poll_interval(seconds(60)) == milliseconds(5000));
    CHECK(poll_interval(seconds(86400)) == milliseconds(5000));
}

TEST_CASE("archive progress: the metric families say what an operator needs at 3 a.m.") {
    archive_facts f;
    f.archiving = true;
    f.archived_files = 3;
    f.gaps = {archive_gap{pos("0-1-20"), pos("0-1-30"), "f4"}};
    f.newest_transaction_time = 1796629710;
    const std::string text = render_metrics(archive_families(f));
    CHECK(find_metric_value(text, "mysql_agent_binlog_archive_archiving") == 1.0);
    CHECK(find_metric_value(text, "mysql_agent_binlog_archive_files_total") == 3.0);
    CHECK(find_metric_value(text, "mysql_agent_binlog_archive_gaps") == 1.0);
    CHECK(find_metric_value(text, "mysql_agent_binlog_archive_newest_transaction_timestamp_seconds") == 1796629710.0);
    CHECK_FALSE(find_metric_value(text, "mysql_agent_binlog_archive_last_success_timestamp_seconds"));  // never yet
    CHECK(text.find("# mysql-agent: skipped") == std::string::npos);  // every family valid
}

TEST_CASE("recovery plan: the backup a restore starts from is the newest one before the target") {
    const std::vector<base_candidate> backups = {
        {"20261207T010000Z", pos("0-1-100"), 1000, ""}, {"20261207T020000Z", pos("0-1-200"), 2000, ""},
        {"20261207T030000Z", pos("0-1-300"), 3000, ""}};
    CHECK(choose_base(backups, latest)->id == "20261207T030000Z");
    CHECK(choose_base(backups, to_gtid("0-1-250"))->id == "20261207T020000Z");
    CHECK(choose_base(backups, to_gtid("0-1-200"))->id == "20261207T020000Z");  // exactly at the backup
    CHECK(choose_base(backups, to_time(2999))->id == "20261207T020000Z");
    CHECK(choose_base(backups, to_time(3000))->id == "20261207T030000Z");
    CHECK_FALSE(choose_base(backups, to_gtid("0-1-99")));
    CHECK_FALSE(choose_base(backups, to_time(999)));
    CHECK_FALSE(choose_base({}, latest));
    // A domain the target does not name does not hold a backup back.
    CHECK(choose_base({{"20261207T010000Z", pos("0-1-100,5-1-9"), 1000, ""}}, to_gtid("0-1-150"))->id == "20261207T010000Z");
}

TEST_CASE("archive progress: what the sidecar's /metrics says of the archive, read back for status") {
    archive_facts f;
    f.archiving = true;
    f.archived_files = 4;
    f.archive_files = 9;
    f.newest_transaction_time = 1796629710;  // 2026-12-07T07:48:30Z
    f.gaps = {archive_gap{pos("0-1-20"), pos("0-1-30"), "f4"}};
    f.purged_unarchived = 1;
    const auto view = binlog_archive_from_metrics(render_metrics(archive_families(f)));
    REQUIRE(view);
    CHECK(view->archiving);
    CHECK(view->files == 4);
    CHECK(view->records == 9);
    CHECK(view->gaps == 1);
    CHECK(view->purged_unarchived == 1);
    status_facts s;
    s.archive = view;
    const std::string table = render_status_table(s);
    CHECK_THAT(table, Catch::Contains("binlog archive") && Catch::Contains("archiving; 9 files in the archive, 4 archived "
                                                                           "by this sidecar; newest archived transaction "
                                                                           "2026-12-07T07:48:30Z"));
    CHECK_THAT(table, Catch::Contains("1 gaps (a restore cannot cross them), 1 files purged before they were archived"));
    CHECK(status_json(s)["binlog_archive"]["gaps"] == 1);
    // A sidecar that does not archive: no such lines, null in JSON.
    CHECK_FALSE(binlog_archive_from_metrics("# nothing\n"));
    CHECK(render_status_table(status_facts{}).find("binlog archive") == std::string::npos);
    CHECK(status_json(status_facts{})["binlog_archive"].is_null());
}

TEST_CASE("archive progress: where the sidecar reads a binlog, whether it archives, how far the archive reaches") {
    struct row {
        const char* what;
        const char* file;
        const char* basename;
        const char* server_datadir;
        const char* sidecar_datadir;
        const char* path;  // nullptr: refused
    };
    const std::vector<row> rows = {
        {"the same mount", "mariadb-bin.000007", "/var/lib/mysql/mariadb-bin", "/var/lib/mysql/", "/var/lib/mysql",
         "/var/lib/mysql/mariadb-bin.000007"},
        {"the volume mounted elsewhere in the sidecar", "mariadb-bin.000007", "/var/lib/mysql/binlogs/mariadb-bin",
         "/var/lib/mysql", "/data", "/data/binlogs/mariadb-bin.000007"},
        {"a folder beside the datadir, not under it (by components, not characters)", "b.000001",
         "/var/lib/mysql2/b", "/var/lib/mysql", "/data", "/var/lib/mysql2/b.000001"},
        {"a binlog outside the datadir", "b.000001", "/binlogs/b", "/var/lib/mysql/", "/data", "/binlogs/b.000001"},
        {"a name with a path", "../../etc/passwd", "/var/lib/mysql/b", "/var/lib/mysql", "/data", nullptr},
        {"a name that climbs", "..", "/var/lib/mysql/b", "/var/lib/mysql", "/data", nullptr},
        {"an empty name", "", "/var/lib/mysql/b", "/var/lib/mysql", "/data", nullptr},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        const auto path = sidecar_path_of(r.file, r.basename, r.server_datadir, r.sidecar_datadir);
        if (r.path) {
            REQUIRE(path);
            CHECK(*path == r.path);
        } else {
            CHECK_FALSE(path);
        }
    }
    CHECK(archiving_of("1", "0").archiving);
    CHECK_FALSE(archiving_of("1", "1").archiving);
    CHECK(archiving_of("1", "1").state == "replica (read_only): not archiving");
    CHECK_FALSE(archiving_of("0", "0").archiving);
    CHECK_FALSE(archiving_of("", "").archiving);  // unknown: no archiving on a guess
    auto a = file("a", "", "0-1-10,1-1-4", 1000, 1010);
    auto b = file("b", "0-1-10", "0-1-20", 1011, 1030);
    CHECK(to_string(archive_reach({a, b})) == "0-1-20,1-1-4");
    CHECK(newest_transaction_time({a, b}) == 1030);
    CHECK(archive_reach({}).empty());
    CHECK(newest_transaction_time({}) == 0);
}

TEST_CASE("archive index: what a record names is checked before it reaches a log or the disk") {
    const auto r = empty_record();
    const std::string json = index_json(r);
    struct row {
        const char* what;
        std::string from, to, message;
    };
    const std::vector<row> rows = {
        {"a file name with a path", "\"file\": \"mariadb-bin.000042\"", "\"file\": \"../x\"", "not a plain file name"},
        {"a file name with a newline", "\"file\": \"mariadb-bin.000042\"", "\"file\": \"a\\nb\"", "not a plain file name"},
        {"a server version with a control character", "\"server_version\": \"10.11.19-MariaDB-log\"",
         "\"server_version\": \"10\\u001b[2J\"", "server_version"},
        {"a file larger than any binlog", "\"bytes\": 600", "\"bytes\": 600, \"file_bytes\": 70000000000",
         "more than the 64 GiB"},
        {"a cluster identity that is not a UUID", "\"bytes\": 600", "\"bytes\": 600, \"cluster_identity\": \"x'; --\"",
         "cluster_identity that is not a UUID"},
    };
    for (const auto& x : rows) {
        INFO(x.what);
        std::string bad = json;
        const auto at = bad.find(x.from);
        REQUIRE(at != std::string::npos);
        bad.replace(at, x.from.size(), x.to);
        const auto parsed = parse_index(bad);
        REQUIRE_FALSE(parsed);
        CHECK_THAT(parsed.message(), Catch::Contains(x.message));
    }
}

TEST_CASE("recovery plan: a cluster recreated at a point in time is a history of its own, never chained with the old") {
    // History X archived 0-1-1..0-1-40; the cluster was recreated at 0-1-20 with identity Y and wrote 0-1-21.. again:
    // the same GTIDs, other transactions.
    const std::string x = "2f0c6b3e-1c2d-4e5f-8a9b-0123456789ab", y = "7d1e2a40-5b6c-4d7e-9f80-112233445566";
    auto of = [](archived_binlog f, const std::string& identity) {
        f.cluster_identity = identity;
        return f;
    };
    const std::vector<archived_binlog> archive = {
        of(file("x1", "", "0-1-10", 1000, 1009), ""),  // archived before X recorded its identity
        of(file("x2", "0-1-10", "0-1-20", 1010, 1019), x), of(file("x3", "0-1-20", "0-1-40", 1020, 1039), x),
        of(file("y1", "0-1-20", "0-1-30", 2000, 2009), y),
    };
    CHECK(names(of_history(archive, x)) == std::vector<std::string>{"x1", "x2", "x3"});
    CHECK(names(of_history(archive, y)) == std::vector<std::string>{"x1", "y1"});
    CHECK(names(of_history(archive, "")) == names(archive));
    // Chained by GTIDs alone, a backup of Y at 0-1-20 would take x3 (it reaches further): the history it came from.
    CHECK(names(*plan_recovery(archive, pos("0-1-20"), latest)) == std::vector<std::string>{"x3"});
    CHECK(names(*plan_recovery(of_history(archive, y), pos("0-1-20"), latest)) == std::vector<std::string>{"y1"});
    CHECK(names(*plan_recovery(of_history(archive, x), pos("0-1-5"), to_gtid("0-1-25"))) ==
          std::vector<std::string>{"x1", "x2", "x3"});

    // The record carries the identity; a record without one reads as none.
    auto r = empty_record();
    CHECK(index_json(r).find("cluster_identity") == std::string::npos);
    CHECK(parse_index(index_json(r))->cluster_identity.empty());
    r.cluster_identity = y;
    CHECK(parse_index(index_json(r))->cluster_identity == y);
}

TEST_CASE("archive progress: a gap is logged once, with what it means for a restore") {
    const archive_gap g{pos("0-1-20"), pos("0-1-30"), "20261207T074830Z-1-aaaaaaaaaaaaaaaa"};
    CHECK(describe_gap(g) ==
          "binlog archive: a gap: no archived binlog holds the transactions after 0-1-20 up to 0-1-30 (the next "
          "archived one, 20261207T074830Z-1-aaaaaaaaaaaaaaaa, starts there): a point-in-time restore from a backup "
          "taken before it reaches 0-1-20 at most; one from a backup taken at or after 0-1-30 restores past it");
    const archive_gap later{pos("0-1-40"), pos("0-1-50"), "20261207T080000Z-1-bbbbbbbbbbbbbbbb"};
    CHECK(new_gaps({}, {g}).size() == 1);
    CHECK(new_gaps({g}, {g}).empty());
    const auto fresh = new_gaps({g}, {g, later});
    REQUIRE(fresh.size() == 1);
    CHECK(fresh.front().next_name == later.next_name);
    // The gaps the archiver finds in the archive's records.
    const auto found = find_gaps({file("a", "", "0-1-20"), file("c", "0-1-30", "0-1-40")});
    REQUIRE(found.size() == 1);
    CHECK(found.front().after == pos("0-1-20"));
    CHECK(found.front().before == pos("0-1-30"));
    CHECK(found.front().next_name == "c");
}
