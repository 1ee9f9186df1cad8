#pragma once
// Runs the built mysql-agent binary and captures what it prints, for CLI tests.

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace cli {

struct run_result {
    int code = -1;
    std::string out;
    std::string err;
};

inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// A directory under /tmp removed at scope exit.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "mysql-agent-cli-XXXXXX").string();
        path = mkdtemp(tmpl.data());
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

/// Runs AGENT_BINARY with `args`; `env` is a prefix like "MYSQL_AGENT_X=1 " (already quoted).
inline run_result run_agent(const std::vector<std::string>& args, const std::string& env = "") {
    temp_dir io;
    std::string cmd = env + shell_quote(AGENT_BINARY);
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " >" + shell_quote((io.path / "out").string()) + " 2>" + shell_quote((io.path / "err").string()) +
           " </dev/null";
    const int status = std::system(cmd.c_str());
    run_result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(io.path / "out");
    r.err = slurp(io.path / "err");
    return r;
}

inline void write_text(const std::filesystem::path& p, const std::string& content) {
    std::ofstream out(p, std::ios::binary);
    out << content;
}

}  // namespace cli
