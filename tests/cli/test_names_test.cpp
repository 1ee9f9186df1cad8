// ctest registers every Catch test by name (catch_discover_tests) and runs it as `tests "<name>"`: a ';' splits the
// name into two registrations that each match nothing and pass without running anything, and a leading '-' is
// taken for a flag. This keeps every name runnable.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

TEST_CASE("every test name can be run alone by ctest", "[cli]") {
    const std::regex test_case(R"(TEST_CASE\(\s*"([^"]*)\")");
    int seen = 0;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(PROJECT_SOURCE_DIR) / "tests")) {
        if (e.path().extension() != ".cpp") continue;
        std::ifstream in(e.path());
        std::stringstream text;
        text << in.rdbuf();
        const std::string s = text.str();
        for (std::sregex_iterator it(s.begin(), s.end(), test_case), end; it != end; ++it) {
            const std::string name = (*it)[1];
            if (name.rfind("ctest registers", 0) == 0) continue;
            ++seen;
            INFO(e.path().filename().string() << ": \"" << name << "\"");
            CHECK(name.find(';') == std::string::npos);
            CHECK_FALSE(name.empty());
            CHECK(name.front() != '-');
        }
    }
    CHECK(seen > 100);
}
