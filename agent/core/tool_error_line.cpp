#include "mysql_agent/core/tool_error_line.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>
#include <vector>

namespace mysql_agent {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool contains_ci(std::string_view text, std::string_view needle) {
    return std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                       [](char a, char b) { return lower(a) == lower(b); }) != text.end();
}

bool is_identifier_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

/// `word` occurs in `text` not glued to a name: the character before it is no identifier or path character
/// (a file ./shop/failed.ibd or a table failed_jobs is no error), the one after is no identifier character
/// ("copy failed." and "Error:" still count).
bool contains_word(std::string_view text, std::string_view word, bool case_insensitive) {
    const auto eq = [&](char a, char b) { return case_insensitive ? lower(a) == lower(b) : a == b; };
    for (auto it = text.begin();; ++it) {
        it = std::search(it, text.end(), word.begin(), word.end(), eq);
        if (it == text.end()) return false;
        const std::size_t at = static_cast<std::size_t>(it - text.begin());
        const std::size_t after = at + word.size();
        const bool start_ok = at == 0 || !(is_identifier_char(text[at - 1]) || text[at - 1] == '/' ||
                                           text[at - 1] == '.' || text[at - 1] == '-');
        const bool end_ok = after == text.size() || !is_identifier_char(text[after]);
        if (start_ok && end_ok) return true;
    }
}

std::string_view trim_right(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
    return s;
}

}  // namespace

bool looks_like_tool_error(std::string_view line) {
    // The severity tag of the server's log format ("2024-01-01 10:00:00 0 [Note] InnoDB: ..."), which the InnoDB
    // code inside mariabackup and xtrabackup prints with: when present it is the tool's own verdict.
    if (line.find("[Note]") != std::string_view::npos || line.find("[Warning]") != std::string_view::npos)
        return false;
    // Substrings, case-insensitive: "[ERROR] InnoDB: ...", "mariabackup: Error: failed to copy datafile.",
    // "[00] FATAL ERROR: ...", "xtrabackup: error: ...", "Access denied for user ...".
    for (const std::string_view needle : {"[error]", "error:", "fatal", "access denied"})
        if (contains_ci(line, needle)) return true;
    // "Failed to connect to MariaDB server: ...", "failed to execute query ...".
    if (contains_word(line, "failed", true)) return true;
    // "ERROR 1045 (28000)", "mariabackup: Error writing file 'UNKNOWN' (errno: 32 \"Broken pipe\")"; the
    // capitalised word only, since "error" in lower case is a common part of names (error_log, log_error).
    if (contains_word(line, "ERROR", false) || contains_word(line, "Error", false)) return true;
    // mariabackup reports the redo log overtaking its copy without a tag or any of the words above, then logs
    // three more lines, the last "[Note] InnoDB: Starting shutdown..." (seen with 10.11.19; the remedy is a larger
    // innodb_log_file_size: https://mariadb.com/kb/en/mariabackup-overview/).
    return line.find("Was only able to copy log") != std::string_view::npos;
}

std::string tool_error_line(std::string_view stderr_tail) {
    std::optional<std::string_view> last_error;
    std::optional<std::string_view> last_non_empty;
    while (!stderr_tail.empty()) {
        const auto eol = stderr_tail.find('\n');
        const std::string_view line = trim_right(stderr_tail.substr(0, eol));
        if (!line.empty() && line.find_first_not_of(" \t") != std::string_view::npos) {
            last_non_empty = line;
            if (looks_like_tool_error(line)) last_error = line;
        }
        if (eol == std::string_view::npos) break;
        stderr_tail.remove_prefix(eol + 1);
    }
    if (last_error) return std::string(*last_error);
    return std::string(last_non_empty.value_or(std::string_view()));
}

bool mentions_disk_full(std::string_view text) {
    constexpr std::string_view needles[] = {
        "No space left on device", "Errcode: 28", "errno 28", "error 28", "ENOSPC", "Disk full", "disk is full",
        "Disk is full", "Disk quota exceeded"};
    return std::any_of(std::begin(needles), std::end(needles),
                       [&](std::string_view n) { return text.find(n) != std::string_view::npos; });
}

std::string last_lines(std::string_view tail, std::size_t n) {
    std::vector<std::string_view> lines;
    while (!tail.empty()) {
        const auto eol = tail.find('\n');
        const auto line = tail.substr(0, eol);
        if (!trim_right(line).empty()) lines.push_back(line);
        if (eol == std::string_view::npos) break;
        tail.remove_prefix(eol + 1);
    }
    if (lines.empty()) return "(it wrote nothing to stderr)";
    std::string out;
    for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i)
        out += (out.empty() ? "" : " | ") + std::string(lines[i]);
    return out;
}

}  // namespace mysql_agent
