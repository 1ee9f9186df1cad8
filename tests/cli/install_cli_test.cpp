#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "cli_support.hpp"

TEST_CASE("install --to copies a runnable binary", "[cli]") {
    cli::temp_dir dir;
    const auto res = cli::run_agent({"install", "--to", dir.path.string()});
    INFO(res.err);
    REQUIRE(res.code == 0);
    const auto copy = dir.path / "mysql-agent";
    struct stat st {};
    REQUIRE(::stat(copy.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0755);
    CHECK(cli::slurp(copy) == cli::slurp(AGENT_BINARY));
    const int status = std::system((cli::shell_quote(copy.string()) + " --version >/dev/null").c_str());
    CHECK(status == 0);

    const auto missing = cli::run_agent({"install", "--to", (dir.path / "nope").string()});
    CHECK(missing.code == 3);
    CHECK_THAT(missing.err, Catch::Contains("--to"));
}
