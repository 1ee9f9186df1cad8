#pragma once
// Test helpers for files a test reads while something else writes them: a whole file, a file written in one go,
// and waiting until a log says something.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

namespace test_support {

/// The whole file ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Writes `content` to `p`, replacing it.
inline void write(const std::filesystem::path& p, const std::string& content) {
    std::ofstream(p, std::ios::binary) << content;
}

/// Waits until `file` contains `needle`; returns the text after it. Fails the test with the file after `limit`.
inline std::string wait_for_text(const std::filesystem::path& file, const std::string& needle,
                                 std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
        const std::string text = slurp(file);
        if (const auto at = text.find(needle); at != std::string::npos) return text.substr(at + needle.size());
        if (std::chrono::steady_clock::now() >= until) FAIL("no '" << needle << "' in " << file << ":\n" << text);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

}  // namespace test_support
