// The binlog archiver against a real mariadbd and a real Swift s3api: what it uploads is the server's closed files
// byte for byte, read back with awscli, indexed by the GTIDs the server itself reports; a pass with nothing new, a
// restarted archiver and a restarted mysqld neither duplicate nor skip a file; a file purged before it was archived
// shows as a gap.

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mysql_agent/core/binlog_archive/archive_index.hpp"
#include "mysql_agent/io/binlog_archive/binlog_archiver.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"
#include "mariadb_server.hpp"
#include "swift_store.hpp"

using namespace mysql_agent;
using namespace mysql_agent::binlog_archive;
using test_support::mariadb_server;
using test_support::swift_store;

namespace {

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// The archive's index records, read back with the agent's client (the .json objects).
std::vector<archived_binlog> records_in(const swift_store& store, const std::string& bucket, const std::string& prefix) {
    objstore::s3_client client(store.client_options());
    std::vector<archived_binlog> out;
    for (const auto& o : client.list_objects(bucket, prefix + "binlogs/")) {
        if (o.key.size() < 5 || o.key.substr(o.key.size() - 5) != ".json") continue;
        auto r = parse_index(client.get_small_object(bucket, o.key, index_record_limit));
        REQUIRE(r);
        out.push_back(*r);
    }
    return out;
}

std::vector<std::string> server_files(mysql_client& c) {
    std::vector<std::string> files;
    for (const auto& row : c.query("SHOW BINARY LOGS")) files.push_back(row.at("Log_name").value_or(""));
    return files;
}

std::string one_value(mysql_client& c, const std::string& sql) { return c.query(sql).at(0).begin()->second.value_or(""); }

}  // namespace

TEST_CASE("binlog archiver on a real primary and Swift: closed files byte for byte, indexed by GTID, never twice") {
    swift_store& store = swift_store::instance();
    store.ensure_bucket("archive");
    mariadb_server::options so;
    so.server_id = 9;
    auto server = mariadb_server::start_fresh(so);
    auto c = server->root();
    c.execute("CREATE DATABASE pitr");
    c.execute("CREATE TABLE pitr.t (id INT PRIMARY KEY, v VARCHAR(100)) ENGINE=InnoDB");
    for (int i = 0; i < 50; ++i) c.execute("INSERT INTO pitr.t VALUES (" + std::to_string(i) + ", 'first')");

    binlog_archiver_options o;
    o.store = store.client_options();
    o.at = {"archive", "c1/"};
    o.mysql = server->root_socket();
    o.datadir = server->datadir();
    o.interval = std::chrono::seconds(0);  // close the current file at every pass that finds a transaction in it
    {
        binlog_archiver archiver(o);
        archiver.pass();
        auto facts = archiver.snapshot();
        INFO(facts.last_error);
        CHECK(facts.failures == 0);
        CHECK(facts.archiving);
        // The pass closed the file holding the 52 transactions and archived it (and the server's first, if it held
        // nothing else, is archived too: every closed file is).
        const auto files = server_files(c);
        REQUIRE(files.size() == 2);
        auto records = records_in(store, "archive", "c1/");
        REQUIRE(records.size() == 1);
        const auto& r = records.front();
        CHECK(r.file == files[0]);
        CHECK(r.server_id == 9);
        CHECK(r.transactions == 52);
        CHECK(r.ending == binlog_ending::rotate);
        CHECK(to_string(r.end) == one_value(c, "SELECT BINLOG_GTID_POS('" + files[1] + "', 4)"));
        CHECK(to_string(r.end) == one_value(c, "SELECT @@gtid_binlog_pos"));
        // Byte for byte the server's file, as awscli reads it.
        CHECK(store.aws_get("archive", "c1/binlogs/" + r.name + ".binlog") == read_file(server->datadir() / files[0]));
        CHECK(facts.archived_files == 1);
        CHECK(facts.gaps.empty());

        // Nothing new: no flush, nothing uploaded.
        archiver.pass();
        CHECK(server_files(c).size() == 2);
        CHECK(records_in(store, "archive", "c1/").size() == 1);
        CHECK(archiver.snapshot().archived_files == 1);
    }

    // More transactions, then a new archiver (a restarted sidecar): it resumes from the archive's records.
    for (int i = 50; i < 60; ++i) c.execute("INSERT INTO pitr.t VALUES (" + std::to_string(i) + ", 'second')");
    {
        binlog_archiver archiver(o);
        archiver.pass();
        CHECK(archiver.snapshot().failures == 0);
        CHECK(archiver.snapshot().archived_files == 1);  // the new file only
        CHECK(records_in(store, "archive", "c1/").size() == 2);
    }

    // mysqld restarted: its open file is closed by a Stop event; the next pass archives it, once.
    for (int i = 60; i < 65; ++i) c.execute("INSERT INTO pitr.t VALUES (" + std::to_string(i) + ", 'third')");
    server->stop();
    server->start();
    c = server->root();
    {
        binlog_archiver archiver(o);
        archiver.pass();
        archiver.pass();
        const auto facts = archiver.snapshot();
        INFO(facts.last_error);
        CHECK(facts.failures == 0);
        const auto records = records_in(store, "archive", "c1/");
        CHECK(records.size() == 3);
        std::set<std::string> names;
        for (const auto& r : records) names.insert(r.name);
        CHECK(names.size() == 3);
        const auto stopped = std::find_if(records.begin(), records.end(),
                                          [](const archived_binlog& r) { return r.ending == binlog_ending::stop; });
        REQUIRE(stopped != records.end());
        CHECK(stopped->transactions == 5);
        CHECK(facts.gaps.empty());
        CHECK(to_string(facts.archive_end) == one_value(c, "SELECT @@gtid_binlog_pos"));
    }

    // A file the server purged before it was archived: the archive has a gap, named by its positions.
    const std::string before_gap = one_value(c, "SELECT @@gtid_binlog_pos");
    c.execute("INSERT INTO pitr.t VALUES (100, 'lost')");
    c.execute("FLUSH BINARY LOGS");
    const auto now = server_files(c);
    // The server keeps a file until its binlog checkpoint (InnoDB durable) has moved past it: purge until it went.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    do {
        c.execute("PURGE BINARY LOGS TO '" + now.back() + "'");
        if (server_files(c).size() == 1) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < until);
    REQUIRE(server_files(c) == std::vector<std::string>{now.back()});
    const std::string after_gap = one_value(c, "SELECT @@gtid_binlog_pos");
    c.execute("INSERT INTO pitr.t VALUES (101, 'after')");
    {
        binlog_archiver archiver(o);
        archiver.pass();
        const auto facts = archiver.snapshot();
        INFO(facts.last_error);
        CHECK(facts.failures == 0);
        REQUIRE(facts.gaps.size() == 1);
        CHECK(to_string(facts.gaps[0].after) == before_gap);
        CHECK(to_string(facts.gaps[0].before) == after_gap);
        CHECK(facts.archive_files == 4);
    }
}
