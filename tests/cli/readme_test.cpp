// Keeps the README true: every subcommand the binary registers has a README section, and every flag it accepts
// is named in that section.

#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <sstream>

#include "cli_support.hpp"

namespace {

std::vector<std::string> subcommands() {
    const auto help = cli::run_agent({"--help"});
    std::vector<std::string> names;
    std::istringstream in(help.out.substr(help.out.find("Subcommands:")));
    const std::regex line(R"(^  ([a-z][a-z-]*)\s)");
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        if (std::regex_search(l, m, line)) names.push_back(m[1]);
    }
    return names;
}

std::set<std::string> flags_of(const std::string& sub) {
    const auto help = cli::run_agent({sub, "--help"});
    std::set<std::string> flags;
    std::istringstream in(help.out);
    const std::regex flag(R"(^\s+(?:-[a-z],)?(--[a-z0-9][a-z0-9-]*))");
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        if (std::regex_search(l, m, flag) && m[1] != "--help") flags.insert(m[1]);
    }
    return flags;
}

/// The text from "### `mysql-agent <sub>" to the next heading of the same or a higher level.
std::string section(const std::string& readme, const std::string& sub) {
    const std::regex start("\n### `mysql-agent " + sub + "[ `]");
    std::smatch m;
    if (!std::regex_search(readme, m, start)) return {};
    const auto from = static_cast<std::size_t>(m.position(0)) + 1;
    const auto to = readme.find("\n##", from + 4);
    return readme.substr(from, to == std::string::npos ? std::string::npos : to - from);
}

}  // namespace

TEST_CASE("the README documents every subcommand and every flag", "[cli]") {
    const std::string readme = cli::slurp(std::filesystem::path(PROJECT_SOURCE_DIR) / "README.md");
    const auto subs = subcommands();
    REQUIRE(subs.size() >= 5);
    for (const auto& sub : subs) {
        SECTION(sub) {
            const std::string text = section(readme, sub);
            INFO("README section for " << sub);
            REQUIRE_FALSE(text.empty());
            for (const auto& f : flags_of(sub)) {
                INFO(f);
                CHECK(std::regex_search(text, std::regex(f + "([^a-z0-9-]|$)")));
            }
        }
    }
}
