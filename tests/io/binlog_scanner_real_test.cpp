// The binlog scanner on files a real mariadbd wrote, checked against what the server itself says of them: its
// SHOW BINLOG EVENTS (every Gtid event's position, every group's end) and BINLOG_GTID_POS (the GTID position at a
// file's start). With binlog_checksum CRC32 (the default) and NONE.

#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "mysql_agent/core/binlog_archive/binlog_scanner.hpp"
#include "mariadb_server.hpp"

using namespace mysql_agent;
using namespace mysql_agent::binlog_archive;
using test_support::mariadb_server;

namespace {

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

result<binlog_summary> scan(const std::string& bytes, bool open_end, std::vector<binlog_transaction>& seen) {
    binlog_scanner s([&](const binlog_transaction& t) { seen.push_back(t); });
    for (std::size_t at = 0; at < bytes.size(); at += 4096)
        if (auto fed = s.feed(bytes.data() + at, std::min<std::size_t>(4096, bytes.size() - at)); !fed)
            return error{fed.message()};
    return s.finish(open_end);
}

// The server's own account of a file: each group's Gtid event position and the end of the event that closed it.
struct server_group {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    std::string gtid;
};

std::vector<server_group> server_groups(mysql_client& c, const std::string& file) {
    std::vector<server_group> groups;
    bool standalone = false;
    for (const auto& row : c.query("SHOW BINLOG EVENTS IN '" + file + "'")) {
        const std::string type = row.at("Event_type").value_or("");
        const std::uint64_t pos = std::stoull(row.at("Pos").value_or("0"));
        const std::uint64_t end = std::stoull(row.at("End_log_pos").value_or("0"));
        const std::string info = row.at("Info").value_or("");
        if (type == "Gtid") {
            // Info: "BEGIN GTID 0-1-5" for a transaction, "XA START X'..',X'',1 GTID 0-1-5" for an XA one, "GTID
            // 0-1-5" for a standalone statement (a DDL, an XA COMMIT).
            groups.push_back({pos, 0, info.substr(info.rfind(' ') + 1)});
            standalone = info.rfind("GTID ", 0) == 0;
            continue;
        }
        if (groups.empty() || groups.back().end != 0) continue;
        const bool ends = standalone || type == "Xid" || type == "XA_prepare" || info == "COMMIT" || info == "ROLLBACK" ||
                          info.rfind("XA COMMIT", 0) == 0 || info.rfind("XA ROLLBACK", 0) == 0;
        if (ends) groups.back().end = end;
    }
    return groups;
}

}  // namespace

TEST_CASE("binlog scanner on a real mariadbd's files: the server's own GTIDs, positions and file boundaries") {
    for (const std::string checksum : {"CRC32", "NONE"}) {
        INFO("binlog_checksum " << checksum);
        mariadb_server::options o;
        o.server_id = 7;
        o.extra_args = {"--binlog-checksum=" + checksum};
        auto server = mariadb_server::start_fresh(o);
        auto c = server->root();
        c.execute("CREATE DATABASE pitr");
        c.execute("CREATE TABLE pitr.t (id INT PRIMARY KEY, v VARCHAR(200)) ENGINE=InnoDB");
        c.execute("CREATE TABLE pitr.m (id INT PRIMARY KEY) ENGINE=MyISAM");  // COMMIT by query, not Xid
        for (int i = 0; i < 20; ++i) c.execute("INSERT INTO pitr.t VALUES (" + std::to_string(i) + ", REPEAT('x', 150))");
        c.execute("FLUSH BINARY LOGS");
        c.execute("BEGIN");
        c.execute("UPDATE pitr.t SET v = 'y' WHERE id < 10");
        c.execute("DELETE FROM pitr.t WHERE id = 19");
        c.execute("COMMIT");
        c.execute("INSERT INTO pitr.m VALUES (1), (2)");
        c.execute("SET SESSION gtid_domain_id = 3");
        c.execute("INSERT INTO pitr.t VALUES (100, 'other domain')");
        c.execute("SET SESSION gtid_domain_id = 0");
        c.execute("XA START 'x1'");
        c.execute("INSERT INTO pitr.t VALUES (200, 'xa')");
        c.execute("XA END 'x1'");
        c.execute("XA PREPARE 'x1'");
        c.execute("XA COMMIT 'x1'");
        c.execute("FLUSH BINARY LOGS");
        c.execute("INSERT INTO pitr.t VALUES (300, 'open file')");

        std::vector<std::string> files;
        for (const auto& row : c.query("SHOW BINARY LOGS")) files.push_back(row.at("Log_name").value_or(""));
        REQUIRE(files.size() == 3);
        for (std::size_t i = 0; i < files.size(); ++i) {
            INFO(files[i]);
            const bool last = i + 1 == files.size();
            std::vector<binlog_transaction> seen;
            auto s = scan(read_file(server->datadir() / files[i]), last, seen);
            if (!s) FAIL(s.message());
            CHECK(s->server_id == 7);
            CHECK(s->checksummed == (checksum == "CRC32"));
            CHECK(s->server_version.find("MariaDB") != std::string::npos);
            CHECK(s->ending == (last ? binlog_ending::open : binlog_ending::rotate));
            CHECK(s->in_use == last);  // the Format_description's in-use flag, outside its CRC
            // Where the file starts and ends in GTIDs, as the server says: BINLOG_GTID_POS at its first event and
            // at the next file's (the current position for the open one).
            const std::string start = *c.query("SELECT BINLOG_GTID_POS('" + files[i] + "', 4) AS p").at(0).at("p");
            CHECK(to_string(s->start) == to_string(*parse_mariadb_gtid_position(start)));
            const std::string end = last ? *c.query("SELECT @@gtid_binlog_pos AS p").at(0).at("p")
                                         : *c.query("SELECT BINLOG_GTID_POS('" + files[i + 1] + "', 4) AS p").at(0).at("p");
            CHECK(to_string(s->end) == to_string(*parse_mariadb_gtid_position(end)));  // the server's domain order
            // Every group, at the server's positions.
            const auto groups = server_groups(c, files[i]);
            REQUIRE(seen.size() == groups.size());
            CHECK(s->transactions == groups.size());
            for (std::size_t g = 0; g < groups.size(); ++g) {
                INFO("group " << g << " " << groups[g].gtid);
                CHECK(seen[g].begin == groups[g].begin);
                CHECK(seen[g].end == groups[g].end);
                CHECK(std::to_string(seen[g].gtid.domain) + "-" + std::to_string(seen[g].gtid.server_id) + "-" +
                          std::to_string(seen[g].gtid.seq) ==
                      groups[g].gtid);
            }
        }
        // The second file holds the multi-statement transaction, the MyISAM one, the other domain's and the XA
        // transaction's two groups: its end moved in two domains.
        std::vector<binlog_transaction> seen;
        auto second = scan(read_file(server->datadir() / files[1]), false, seen);
        REQUIRE(second);
        CHECK(second->transactions == 5);
        CHECK(second->end.seq_in(3).value_or(0) == 1);

        // A shutdown closes the open file with a Stop event.
        server->stop();
        seen.clear();
        auto stopped = scan(read_file(server->datadir() / files[2]), false, seen);
        REQUIRE(stopped);
        CHECK(stopped->ending == binlog_ending::stop);
        CHECK(!stopped->in_use);
        CHECK(stopped->transactions == 1);
    }
}
