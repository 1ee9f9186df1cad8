#include "mysql_agent/core/backup_metadata.hpp"

#include "mysql_agent/core/text.hpp"

#include <charconv>
#include <cstddef>
#include <span>
#include <utility>

// Formats, quirks and the fixtures behind every rule here: tests/fixtures/backup-metadata/README.md.

namespace mysql_agent {
namespace {

using text::is_digit;
using text::is_space;
using text::iequals;
using text::trim;

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' || c == '$';
}
char to_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = to_upper(c);
    return out;
}

// GTID sets are compared and replayed as text, so `a:1-5, b:1-3` (PXB 2.3/2.4 gtid_purged) and
// `a:1-5,\nb:1-3` (PXB 2.4 Executed_Gtid_Set) must both become `a:1-5,b:1-3`.
std::string remove_whitespace(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s)
        if (!is_space(c)) out += c;
    return out;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string at_line(std::string_view file_name, std::size_t line) {
    return std::string(file_name) + " line " + std::to_string(line) + ": ";
}

struct numbered_line {
    std::size_t number;
    std::string_view text;
};

// One entry per line, numbered from 1, each without its `\n` and a trailing `\r`: a backup copied
// through a Windows tool has CRLF line ends, which no writer produces but which change no value.
std::vector<numbered_line> split_lines(std::string_view content) {
    std::vector<numbered_line> lines;
    std::size_t number = 1;
    for (const auto line : text::lines(content)) lines.push_back({number++, line});
    return lines;
}

result<std::uint64_t> parse_position(std::string_view file_name, std::size_t line, std::string_view text) {
    bool digits_only = !text.empty();
    for (char c : text) digits_only = digits_only && is_digit(c);
    if (!digits_only) return error{at_line(file_name, line) + "position " + quoted(text) + " is not a number"};
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size())
        return error{at_line(file_name, line) + "position " + quoted(text) + " does not fit in 64 bits"};
    return value;
}

// --- binlog info -------------------------------------------------------------------------------

// One `file<TAB>pos[<TAB>gtid]` line.
result<binlog_coordinates> parse_binlog_record(std::string_view file_name, numbered_line line) {
    std::vector<std::string_view> fields;
    std::string_view rest = line.text;
    for (auto tab = rest.find('\t'); tab != std::string_view::npos; tab = rest.find('\t')) {
        fields.push_back(rest.substr(0, tab));
        rest.remove_prefix(tab + 1);
    }
    fields.push_back(rest);
    if (fields.size() > 3)
        return error{at_line(file_name, line.number) + "has " + std::to_string(fields.size()) +
                     " TAB-separated fields; expected '<binlog file><TAB><position>[<TAB><GTID set>]'"};

    binlog_coordinates coordinates;
    coordinates.file = std::string(trim(fields[0]));
    auto position = parse_position(file_name, line.number, trim(fields[1]));
    if (!position) return position.err();
    coordinates.position = *position;
    if (fields.size() == 3) coordinates.gtid_set = remove_whitespace(fields[2]);
    // MDEV-27524 multi-binlog lines write `[]` for "no GTID".
    if (coordinates.gtid_set == "[]") coordinates.gtid_set.clear();
    // PXB 8.0+ writes `\t0\t<gtid>` when the binlog is off but GTIDs are on; with neither, the tool
    // writes no file at all, so such a line means the file is damaged.
    if (coordinates.file.empty() && coordinates.gtid_set.empty())
        return error{at_line(file_name, line.number) + "has neither a binlog file name nor a GTID set"};
    return coordinates;
}

// --- slave info: lexer ---------------------------------------------------------------------------

enum class token_kind { word, string, number, equals, comma, end_of_statement, end_of_file };

struct token {
    token_kind kind;
    std::string text;  ///< a word as written, a string unescaped, a number's digits
    std::size_t line;
};

std::string describe(const token& t) {
    switch (t.kind) {
        case token_kind::word: return quoted(t.text);
        case token_kind::string: return "string " + quoted(t.text);
        case token_kind::number: return "number " + t.text;
        case token_kind::equals: return "'='";
        case token_kind::comma: return "','";
        case token_kind::end_of_statement: return "the end of the statement";
        case token_kind::end_of_file: return "the end of the file";
    }
    return "?";
}

// MySQL string escapes: https://dev.mysql.com/doc/refman/8.0/en/string-literals.html#character-escape-sequences
// `\%` and `\_` keep their backslash there; every other unknown escape is the character itself.
void append_escape(std::string& out, char c) {
    switch (c) {
        case '0': out += '\0'; break;
        case 'b': out += '\b'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'Z': out += '\x1a'; break;
        case '%':
        case '_': out += '\\'; out += c; break;
        default: out += c; break;
    }
}

// Statements end at `;` or at a newline outside quotes, because PXB 2.3 writes no `;`.
result<std::vector<token>> tokenize(std::string_view file_name, std::string_view content) {
    std::vector<token> tokens;
    std::size_t line = 1;
    std::size_t i = 0;
    while (i < content.size()) {
        const char c = content[i];
        if (c == '\n') {
            tokens.push_back({token_kind::end_of_statement, "", line++});
            ++i;
        } else if (c == ';') {
            tokens.push_back({token_kind::end_of_statement, "", line});
            ++i;
        } else if (is_space(c)) {
            ++i;
        } else if (c == '=') {
            tokens.push_back({token_kind::equals, "=", line});
            ++i;
        } else if (c == ',') {
            tokens.push_back({token_kind::comma, ",", line});
            ++i;
        } else if (c == '\'') {
            const std::size_t start_line = line;
            std::string value;
            bool closed = false;
            for (++i; i < content.size() && !closed; ++i) {
                const char s = content[i];
                if (s == '\'' && i + 1 < content.size() && content[i + 1] == '\'') {
                    value += '\'';
                    ++i;
                } else if (s == '\'') {
                    closed = true;
                } else if (s == '\\' && i + 1 < content.size()) {
                    append_escape(value, content[++i]);
                    if (content[i] == '\n') ++line;
                } else {
                    if (s == '\n') ++line;
                    value += s;
                }
            }
            if (!closed) return error{at_line(file_name, start_line) + "a quoted string has no closing quote"};
            tokens.push_back({token_kind::string, std::move(value), start_line});
        } else if (is_word_char(c)) {
            std::size_t end = i;
            bool digits_only = true;
            for (; end < content.size() && is_word_char(content[end]); ++end)
                digits_only = digits_only && is_digit(content[end]);
            const token_kind kind = digits_only ? token_kind::number : token_kind::word;
            tokens.push_back({kind, std::string(content.substr(i, end - i)), line});
            i = end;
        } else {
            const bool printable = c > ' ' && c < 127;
            const std::string shown = printable ? quoted(std::string(1, c))
                                                : "byte " + std::to_string(static_cast<unsigned char>(c));
            return error{at_line(file_name, line) + "unexpected character " + shown};
        }
    }
    tokens.push_back({token_kind::end_of_file, "", line});
    return tokens;
}

// --- slave info: statements ----------------------------------------------------------------------

// Walks one statement's tokens; the last token is always its `;`, newline or end of file.
class statement_parser {
public:
    statement_parser(std::string_view file_name, std::span<const token> tokens)
        : file_name_(file_name), tokens_(tokens) {}

    const token& peek() const { return tokens_[pos_]; }
    const token& take() {
        const token& t = tokens_[pos_];
        if (pos_ + 1 < tokens_.size()) ++pos_;  // stay on the terminator so peek() is always valid
        return t;
    }
    std::size_t line() const { return tokens_.front().line; }
    std::string_view file_name() const { return file_name_; }

    error fail_at(const token& at, const std::string& what) const { return error{at_line(file_name_, at.line) + what}; }
    error fail(const std::string& what) const { return error{at_line(file_name_, line()) + what}; }

    bool accept_word(std::string_view word) {
        if (peek().kind != token_kind::word || !iequals(peek().text, word)) return false;
        take();
        return true;
    }

    status expect_word(std::string_view word, std::string_view where) {
        if (accept_word(word)) return ok();
        return fail_at(peek(), "expected " + std::string(word) + " " + std::string(where) + ", found " +
                                   describe(peek()));
    }

    result<token> expect(token_kind kind, std::string_view what) {
        if (peek().kind == kind) return take();
        return fail_at(peek(), "expected " + std::string(what) + ", found " + describe(peek()));
    }

    status expect_end(std::string_view expected = "the end of the statement") {
        const token& t = peek();
        if (t.kind == token_kind::end_of_statement || t.kind == token_kind::end_of_file) return ok();
        return fail_at(t, "expected " + std::string(expected) + ", found " + describe(t));
    }

private:
    std::string_view file_name_;
    std::span<const token> tokens_;
    std::size_t pos_ = 0;
};

// `SET GLOBAL gtid_purged='X'` (PXB) or `SET GLOBAL gtid_slave_pos = 'X'` (mariabackup, PXB 2.3 on MariaDB).
status parse_set(statement_parser& p, slave_info& info) {
    if (auto s = p.expect_word("GLOBAL", "after SET"); !s) return s;
    auto name = p.expect(token_kind::word, "a variable name after SET GLOBAL");
    if (!name) return name.err();
    std::optional<std::string>* target = nullptr;
    if (iequals(name->text, "gtid_purged")) target = &info.gtid_purged;
    else if (iequals(name->text, "gtid_slave_pos")) target = &info.gtid_slave_pos;
    else
        return p.fail_at(*name, "unknown variable " + quoted(name->text) + "; expected gtid_purged or gtid_slave_pos");
    if (auto e = p.expect(token_kind::equals, "'=' after " + name->text); !e) return e.err();
    auto value = p.expect(token_kind::string, "a quoted GTID set after " + name->text + " =");
    if (!value) return value.err();
    if (auto s = p.expect_end(); !s) return s;
    if (target->has_value()) return p.fail(name->text + " is set a second time");
    *target = remove_whitespace(value->text);
    return ok();
}

// The options a CHANGE MASTER / CHANGE REPLICATION SOURCE statement of a backup tool can carry.
struct change_options {
    std::optional<std::string> file;
    std::optional<std::uint64_t> position;
    std::optional<bool> auto_position;
    std::string auto_position_option;  ///< as written, for messages
};


status set_auto_position(statement_parser& p, change_options& options, const token& name, bool value) {
    if (options.auto_position) {
        if (iequals(options.auto_position_option, name.text)) return p.fail_at(name, name.text + " is given twice");
        return p.fail_at(name, "both " + options.auto_position_option + " and " + name.text + " are given");
    }
    options.auto_position = value;
    options.auto_position_option = name.text;
    return ok();
}

status parse_option(statement_parser& p, change_options& options) {
    auto name = p.expect(token_kind::word, "an option name");
    if (!name) return name.err();
    // MySQL 8.0.23 renamed MASTER_* to SOURCE_*; 8.4 accepts only the new names, older servers only
    // the old ones, and the file may come from either, so both prefixes mean the same option.
    // https://dev.mysql.com/doc/refman/8.4/en/change-replication-source-to.html
    const std::string option = upper(name->text);
    std::string_view base = option;
    if (base.starts_with("MASTER_") || base.starts_with("SOURCE_")) base.remove_prefix(7);
    else base = {};
    const bool known = base == "LOG_FILE" || base == "LOG_POS" || base == "AUTO_POSITION" || base == "USE_GTID";
    if (!known)
        return p.fail_at(*name, "unknown option " + quoted(name->text) +
                                    "; expected MASTER_LOG_FILE, MASTER_LOG_POS, MASTER_AUTO_POSITION, "
                                    "MASTER_USE_GTID or their SOURCE_ forms");
    if (auto e = p.expect(token_kind::equals, "'=' after " + name->text); !e) return e.err();

    if (base == "LOG_FILE") {
        auto value = p.expect(token_kind::string, "a quoted file name after " + name->text + "=");
        if (!value) return value.err();
        if (options.file) return p.fail_at(*name, name->text + " is given twice");
        options.file = value->text;
        return ok();
    }
    if (base == "LOG_POS") {
        auto value = p.expect(token_kind::number, "a number after " + name->text + "=");
        if (!value) return value.err();
        if (options.position) return p.fail_at(*name, name->text + " is given twice");
        auto position = parse_position(p.file_name(), value->line, value->text);
        if (!position) return position.err();
        options.position = *position;
        return ok();
    }
    if (base == "AUTO_POSITION") {
        auto value = p.expect(token_kind::number, "0 or 1 after " + name->text + "=");
        if (!value) return value.err();
        if (value->text != "0" && value->text != "1")
            return p.fail_at(*value, name->text + "=" + value->text + " is neither 0 nor 1");
        return set_auto_position(p, options, *name, value->text == "1");
    }
    // MASTER_USE_GTID: https://mariadb.com/kb/en/change-master-to/#master_use_gtid
    auto value = p.expect(token_kind::word, "slave_pos, current_pos or no after " + name->text + " =");
    if (!value) return value.err();
    const bool gtid = iequals(value->text, "slave_pos") || iequals(value->text, "current_pos");
    if (!gtid && !iequals(value->text, "no"))
        return p.fail_at(*value, name->text + " = " + value->text + " is not slave_pos, current_pos or no");
    return set_auto_position(p, options, *name, gtid);
}

// `CHANGE MASTER ['conn'] TO ...` (MySQL <= 8.0, MariaDB) or `CHANGE REPLICATION SOURCE TO ...`
// (PXB 8.4), options, then an optional `FOR CHANNEL 'c'` (MySQL 5.7+, MariaDB 10.7+).
result<replication_entry> parse_change(statement_parser& p) {
    std::optional<std::string> connection;
    if (p.accept_word("MASTER")) {
        // MariaDB multi-source names the connection here and never writes FOR CHANNEL.
        // https://mariadb.com/kb/en/multi-source-replication/
        if (p.peek().kind == token_kind::string) connection = p.take().text;
    } else if (p.accept_word("REPLICATION")) {
        if (auto s = p.expect_word("SOURCE", "after CHANGE REPLICATION"); !s) return s.err();
    } else {
        return p.fail_at(p.peek(), "expected MASTER or REPLICATION SOURCE after CHANGE, found " + describe(p.peek()));
    }
    if (auto s = p.expect_word("TO", "before the options"); !s) return s.err();

    change_options options;
    for (;;) {
        if (auto s = parse_option(p, options); !s) return s.err();
        if (p.peek().kind != token_kind::comma) break;
        p.take();
    }

    std::optional<std::string> channel;
    if (p.accept_word("FOR")) {
        if (auto s = p.expect_word("CHANNEL", "after FOR"); !s) return s.err();
        auto name = p.expect(token_kind::string, "a quoted channel name after FOR CHANNEL");
        if (!name) return name.err();
        channel = name->text;
        if (auto s = p.expect_end(); !s) return s.err();
    } else if (auto s = p.expect_end("',' between options, FOR CHANNEL or the end of the statement"); !s) {
        return s.err();
    }

    if (connection && channel)
        return p.fail("names the channel twice: " + quoted(*connection) + " after CHANGE MASTER and " +
                      quoted(*channel) + " after FOR CHANNEL");
    replication_entry entry;
    entry.channel = connection ? *connection : channel.value_or("");
    entry.auto_position = options.auto_position.value_or(false);
    // Both servers reject GTID positioning together with a file and position, so a file that has both
    // is not one a backup tool wrote.
    if (entry.auto_position) {
        if (options.file || options.position)
            return p.fail(options.auto_position_option + " selects GTID positioning, but the statement also gives a "
                          "log file or position");
        return entry;
    }
    if (!options.file && !options.position)
        return p.fail("gives neither a log file and position nor GTID auto-positioning");
    if (!options.file) return p.fail("gives a log position but no log file");
    if (!options.position) return p.fail("gives a log file but no log position");
    // A channel that never connected has file '' and position 0 or 4 (MDEV-21037 test result);
    // it is kept as is so that the caller can decide what it means.
    entry.file = *options.file;
    entry.position = *options.position;
    return entry;
}

std::string channel_label(const std::string& channel) {
    return channel.empty() ? std::string("the default channel") : "channel " + quoted(channel);
}

}  // namespace

result<std::optional<binlog_coordinates>> parse_binlog_info(std::string_view file_name, std::string_view content) {
    if (trim(content).empty()) return std::optional<binlog_coordinates>{};
    std::optional<binlog_coordinates> current;
    std::size_t last_line = 0;
    for (const numbered_line& line : split_lines(content)) {
        if (trim(line.text).empty()) continue;
        if (line.text.find('\t') != std::string_view::npos) {
            // A second line with TABs is a MariaDB MDEV-27524 multi-binlog line: the last one counts.
            auto record = parse_binlog_record(file_name, line);
            if (!record) return record.err();
            current = std::move(*record);
        } else if (!current) {
            return error{at_line(file_name, line.number) +
                         "expected '<binlog file><TAB><position>[<TAB><GTID set>]', found " + quoted(line.text)};
        } else if (current->gtid_set.empty() || current->gtid_set.back() != ',') {
            return error{at_line(file_name, line.number) + quoted(line.text) +
                         " has no TAB and does not continue a GTID set (the line before does not end in ',')"};
        } else {
            // PXB 2.3/2.4 copies Executed_Gtid_Set verbatim, which puts `,\n` between server UUIDs.
            current->gtid_set += remove_whitespace(line.text);
        }
        last_line = line.number;
    }
    if (current && current->gtid_set.ends_with(','))
        return error{at_line(file_name, last_line) + "the GTID set ends in ','; the file is cut short"};
    return current;
}

result<binlog_coordinates> parse_binlog_pos_innodb(std::string_view file_name, std::string_view content) {
    std::optional<numbered_line> record;
    for (const numbered_line& line : split_lines(content)) {
        if (trim(line.text).empty()) continue;
        if (record) return error{at_line(file_name, line.number) + "unexpected second line " + quoted(line.text)};
        record = line;
    }
    const std::string expected = "expected './<binlog file><TAB><position>'";
    if (!record) return error{at_line(file_name, 1) + "the file is empty; " + expected};
    const auto tab = record->text.find('\t');
    if (tab == std::string_view::npos || record->text.find('\t', tab + 1) != std::string_view::npos)
        return error{at_line(file_name, record->number) + expected + ", found " + quoted(record->text)};
    std::string_view file = trim(record->text.substr(0, tab));
    // The InnoDB system header stores the path relative to the datadir: `./name` (`.\name` on Windows).
    if (file.starts_with("./") || file.starts_with(".\\")) file.remove_prefix(2);
    if (file.empty()) return error{at_line(file_name, record->number) + "the binlog file name is empty"};
    auto position = parse_position(file_name, record->number, trim(record->text.substr(tab + 1)));
    if (!position) return position.err();
    return binlog_coordinates{std::string(file), *position, ""};
}

result<slave_info> parse_slave_info(std::string_view file_name, std::string_view content) {
    auto tokens = tokenize(file_name, content);
    if (!tokens) return tokens.err();
    slave_info info;
    std::vector<std::size_t> entry_lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < tokens->size(); ++i) {
        const token_kind kind = (*tokens)[i].kind;
        if (kind != token_kind::end_of_statement && kind != token_kind::end_of_file) continue;
        const std::span<const token> statement(tokens->data() + start, i + 1 - start);
        start = i + 1;
        if (statement.size() == 1) continue;  // a blank line or a `;` right after a newline

        statement_parser p(file_name, statement);
        if (p.accept_word("SET")) {
            if (auto s = parse_set(p, info); !s) return s.err();
        } else if (p.accept_word("CHANGE")) {
            auto entry = parse_change(p);
            if (!entry) return entry.err();
            for (std::size_t k = 0; k < info.entries.size(); ++k)
                if (info.entries[k].channel == entry->channel)
                    return p.fail(channel_label(entry->channel) + " already appeared on line " +
                                  std::to_string(entry_lines[k]));
            info.entries.push_back(std::move(*entry));
            entry_lines.push_back(p.line());
        } else {
            return p.fail_at(p.peek(), "unknown statement starting with " + describe(p.peek()) +
                                           "; expected SET GLOBAL gtid_purged/gtid_slave_pos, CHANGE MASTER TO or "
                                           "CHANGE REPLICATION SOURCE TO");
        }
    }
    return info;
}

result<backup_metadata> parse_backup_metadata(const backup_files& files) {
    backup_metadata metadata;
    if (files.binlog_info) {
        auto binlog = parse_binlog_info(files.binlog_info->name, files.binlog_info->content);
        if (!binlog) return binlog.err();
        metadata.binlog = std::move(*binlog);
    }
    if (files.slave_info) {
        auto info = parse_slave_info(files.slave_info->name, files.slave_info->content);
        if (!info) return info.err();
        metadata.replication = std::move(info->entries);
        metadata.gtid_purged = std::move(info->gtid_purged);
        metadata.gtid_slave_pos = std::move(info->gtid_slave_pos);
    }
    return metadata;
}

result<std::vector<key_value>> parse_key_value_file(std::string_view file_name, std::string_view content) {
    std::vector<key_value> pairs;
    for (const numbered_line& line : split_lines(content)) {
        if (trim(line.text).empty()) continue;
        // Split at the first '=': values such as tool_command contain '=' themselves.
        const auto eq = line.text.find('=');
        if (eq == std::string_view::npos)
            return error{at_line(file_name, line.number) + "expected 'key = value', found " + quoted(line.text)};
        const std::string_view key = trim(line.text.substr(0, eq));
        bool key_ok = !key.empty();
        for (char c : key) key_ok = key_ok && !is_space(c);
        if (!key_ok)
            return error{at_line(file_name, line.number) + "expected a single word before '=', found " +
                         quoted(line.text)};
        pairs.push_back({std::string(key), std::string(trim(line.text.substr(eq + 1)))});
    }
    return pairs;
}

std::optional<std::string> find_value(const std::vector<key_value>& kv, std::string_view key) {
    for (const key_value& pair : kv)
        if (pair.key == key) return pair.value;
    return std::nullopt;
}

std::optional<std::string> choose_metadata_file(std::string_view base, bool mariadb_exists, bool xtrabackup_exists) {
    // mariabackup 11.1+ renamed its files (MDEV-18931); an older xtrabackup_* file next to a
    // mariadb_backup_* one can only be a leftover.
    if (mariadb_exists) return "mariadb_backup_" + std::string(base);
    if (xtrabackup_exists) return "xtrabackup_" + std::string(base);
    return std::nullopt;
}

}  // namespace mysql_agent
