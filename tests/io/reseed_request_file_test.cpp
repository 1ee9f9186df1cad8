// The re-seed request on disk: HMAC-SHA256 from libcrypto, written by `mysql-agent reseed`, read back by init.

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "mariadb_server.hpp"
#include "temp_dir.hpp"

#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/io/mysql_client.hpp"
#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/reseed_request_file.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mysql_agent;

std::string hex(const std::string& bytes) { return text::to_hex(bytes); }

}  // namespace

TEST_CASE("hmac_sha256 matches RFC 4231", "[io][reseed]") {
    // RFC 4231 section 4.3 (test case 2) and 4.2 (test case 1).
    CHECK(hex(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_CASE("a request written with the token is read back, and any other file of that name is kept, not acted on",
          "[io][reseed]") {
    test_support::temp_dir tmp;
    const auto path = tmp.path() / std::string(reseed_request_file);
    CHECK(read_reseed_request(tmp.path(), std::string("token"), "mysql-2") == std::nullopt);  // no file

    const reseed_request request{rfc3339_seconds(std::chrono::system_clock::now()), "mysql-2", "1236"};
    write_reseed_request(tmp.path(), request, "token");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0640);
    CHECK(read_reseed_request(tmp.path(), std::string("token"), "mysql-2") == request);
    CHECK(read_reseed_request(tmp.path(), std::string("other"), "mysql-2") == std::nullopt);
    CHECK(read_reseed_request(tmp.path(), std::nullopt, "mysql-2") == std::nullopt);

    write_file_atomically(path, "requested_at: " + request.requested_at + "\npod: mysql-2\nreason: from SQL\n");
    CHECK(read_reseed_request(tmp.path(), std::string("token"), "mysql-2") == std::nullopt);
    CHECK(fs::exists(path));
}

TEST_CASE("with the MariaDB manifests' secure-file-priv, SQL cannot write a re-seed request into the datadir",
          "[io][reseed]") {
    // The value the MariaDB overlay sets in master.cnf and slave.cnf.
    const auto overlay = read_file(fs::path(FIXTURES_DIR) / "../../manifests/overlays/mariadb-10.11/configmap-read-only.yaml");
    const std::string key = "secure-file-priv=";
    const auto at = overlay.find("    " + key);
    REQUIRE(at != std::string::npos);
    const auto from = at + 4 + key.size();
    const std::string value = overlay.substr(from, overlay.find('\n', from) - from);
    CHECK(value == "/dev/null");

    struct row {
        const char* name;
        std::vector<std::string> args;
        bool written;
    };
    const row rows[] = {
        {"MariaDB's default (no secure-file-priv): the FILE privilege writes into the datadir", {}, true},
        {"the manifests' secure-file-priv: refused with error 1290", {"--secure-file-priv=" + value}, false},
    };
    for (const auto& r : rows) {
        SECTION(r.name) {
            auto server = test_support::mariadb_server::start_fresh({.server_id = 1, .log_bin = false,
                                                                     .extra_args = r.args});
            const auto request = server->datadir() / std::string(reseed_request_file);
            mysql_client sql(server->root_socket());
            const std::string statement = "SELECT 'requested_at: 2026-12-07T00:00:00Z' INTO OUTFILE '" +
                                          request.string() + "'";
            if (r.written) {
                sql.execute(statement);
                CHECK(fs::exists(request));
            } else {
                try {
                    sql.execute(statement);
                    FAIL("SELECT ... INTO OUTFILE into the datadir succeeded");
                } catch (const mysql_error& e) {
                    CHECK(e.code == 1290);  // ER_OPTION_PREVENTS_STATEMENT
                }
                CHECK_FALSE(fs::exists(request));
                CHECK(sql.query("SELECT LOAD_FILE('/etc/hostname') IS NULL AS blocked").at(0).at("blocked") == "1");
            }
        }
    }
}
