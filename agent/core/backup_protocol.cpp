#include "mysql_agent/core/backup_protocol.hpp"

#include "mysql_agent/core/text.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>

namespace mysql_agent::protocol {
namespace {

constexpr std::string_view digest_prefix = "xxh3-64:";
constexpr std::string_view redacted = "<redacted>";

// Field names are case-insensitive (RFC 9110 §5.1).
using text::iequals;
using text::is_space;
using text::trim;

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// A field value must stay one line: a CR or LF would end the trailer section early or inject a field.
std::string single_line(std::string_view value) {
    std::string out(value);
    std::replace_if(out.begin(), out.end(), is_control, ' ');
    return std::string(trim(out));
}

/// The whole of `s` as a decimal T (signed types take a leading '-'), or nullopt.
template <class T>
std::optional<T> parse_decimal(std::string_view s) {
    T v{};
    if (s.empty() || s.front() == '+') return std::nullopt;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

bool is_digest(std::string_view d) {
    if (d.size() != digest_prefix.size() + 16 || d.substr(0, digest_prefix.size()) != digest_prefix) return false;
    return std::all_of(d.begin() + digest_prefix.size(), d.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// After the wire bytes matched: the bytes that came out of decompression must be the ones the donor fed in.
status check_uncompressed_bytes(const backup_trailer& trailer, const observed_stream& seen) {
    if (!seen.uncompressed_bytes) return ok();
    const std::string out = std::to_string(*seen.uncompressed_bytes);
    if (!trailer.uncompressed_bytes)
        return error{"the donor compressed its stream but its trailer has no " +
                     std::string(trailer_uncompressed_bytes) + " field (" + out +
                     " bytes came out of decompression): the donor is not a compatible mysql-agent; clone with "
                     "--compress none"};
    if (*trailer.uncompressed_bytes != *seen.uncompressed_bytes)
        return error{"the donor says its stream held " + std::to_string(*trailer.uncompressed_bytes) +
                     " bytes before compression but " + out +
                     " came out of decompression: the donor's compressor or this client's decompressor is broken; "
                     "retry the clone with --compress none"};
    return ok();
}

}  // namespace

std::vector<field> encode_trailer(const backup_trailer& t) {
    std::vector<field> fields = {
        {std::string(trailer_status), t.ok ? "ok" : "failed"},
        {std::string(trailer_bytes), std::to_string(t.bytes)},
        {std::string(trailer_digest), single_line(t.digest)},
        {std::string(trailer_exit_code), std::to_string(t.exit_code)},
    };
    const std::string line = single_line(t.error_line);
    if (!line.empty()) fields.push_back({std::string(trailer_error), line});
    if (t.uncompressed_bytes)
        fields.push_back({std::string(trailer_uncompressed_bytes), std::to_string(*t.uncompressed_bytes)});
    return fields;
}

result<backup_trailer> decode_trailer(const std::vector<field>& fields) {
    const std::string_view known[] = {trailer_status,    trailer_bytes, trailer_digest,
                                      trailer_exit_code, trailer_error, trailer_uncompressed_bytes};
    std::optional<std::string> values[std::size(known)];
    for (const auto& f : fields) {
        for (std::size_t i = 0; i < std::size(known); ++i) {
            if (!iequals(f.name, known[i])) continue;
            const std::string what = "the donor's trailer " + std::string(known[i]);
            if (values[i]) return error{what + " appears twice: the donor's response is malformed"};
            if (std::any_of(f.value.begin(), f.value.end(), [](char c) { return c == '\r' || c == '\n'; }))
                return error{what + " spans several lines: the donor's response is malformed"};
            values[i] = std::string(trim(f.value));
        }
    }
    for (std::size_t i = 0; i < 3; ++i)
        if (!values[i])
            return error{"the donor's trailer has no " + std::string(known[i]) +
                         " field: the donor is not a compatible mysql-agent, or its stream was cut"};

    backup_trailer t;
    if (*values[0] == "ok")
        t.ok = true;
    else if (*values[0] != "failed")
        return error{"the donor's trailer " + std::string(trailer_status) + " is '" + *values[0] +
                     "', expected 'ok' or 'failed'"};
    const auto bytes = parse_decimal<std::uint64_t>(*values[1]);
    if (!bytes)
        return error{"the donor's trailer " + std::string(trailer_bytes) + " is '" + *values[1] +
                     "', expected a byte count"};
    t.bytes = *bytes;
    if (!is_digest(*values[2]))
        return error{"the donor's trailer " + std::string(trailer_digest) + " is '" + *values[2] +
                     "', expected xxh3-64:<16 lowercase hex digits>"};
    t.digest = *values[2];
    if (values[3]) {
        const auto code = parse_decimal<int>(*values[3]);
        if (!code)
            return error{"the donor's trailer " + std::string(trailer_exit_code) + " is '" + *values[3] +
                         "', expected an integer"};
        t.exit_code = *code;
    }
    if (values[4]) t.error_line = *values[4];
    if (values[5]) {
        const auto raw = parse_decimal<std::uint64_t>(*values[5]);
        if (!raw)
            return error{"the donor's trailer " + std::string(trailer_uncompressed_bytes) + " is '" + *values[5] +
                         "', expected a byte count"};
        t.uncompressed_bytes = *raw;
    }
    return t;
}

status check_stream_end(const std::optional<backup_trailer>& trailer, const observed_stream& seen) {
    const std::string bytes = std::to_string(seen.bytes);
    if (!trailer)
        return error{"the donor's stream ended without its trailer: the connection was cut at byte " + bytes +
                     " (the donor's sidecar or backup tool died, or the network dropped); retry the clone"};
    if (!trailer->ok) {
        const std::string code = trailer->exit_code < 0 ? "the backup tool was killed or never started"
                                                        : "exit code " + std::to_string(trailer->exit_code);
        const std::string line = trailer->error_line.empty() ? "no error line" : trailer->error_line;
        return error{"the donor's backup failed after " + bytes + " bytes (" + code + "): " + line +
                     "; check the donor's sidecar log"};
    }
    if (trailer->bytes != seen.bytes)
        return error{"the donor says it sent " + std::to_string(trailer->bytes) + " bytes but " + bytes +
                     " arrived: the stream was damaged in transit; retry the clone"};
    if (trailer->digest != seen.digest)
        return error{"the donor's digest " + trailer->digest + " differs from the received stream's " + seen.digest +
                     " (" + bytes + " bytes): the stream was damaged in transit; retry the clone"};
    return check_uncompressed_bytes(*trailer, seen);
}

std::optional<std::string_view> bearer_token(std::string_view authorization) {
    // credentials = "Bearer" 1*SP b64token (RFC 6750 §2.1); the scheme is case-insensitive (RFC 9110 §11.1).
    constexpr std::string_view scheme = "bearer";
    if (authorization.size() <= scheme.size() || !iequals(authorization.substr(0, scheme.size()), scheme))
        return std::nullopt;
    std::string_view rest = authorization.substr(scheme.size());
    if (rest.front() != ' ') return std::nullopt;
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.empty()) return std::nullopt;
    const bool visible = std::all_of(rest.begin(), rest.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (!visible) return std::nullopt;  // a second token, a tab or a control character
    return rest;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    // Every byte position up to the longer length is visited, whatever the contents, so the time tells an
    // attacker nothing about how long a prefix of the token they guessed right.
    const std::size_t n = std::max(a.size(), b.size());
    volatile unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
        const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
        diff = static_cast<unsigned char>(diff | (x ^ y));
    }
    return diff == 0;
}

std::string_view trim_trailing_whitespace(std::string_view s) { return text::trim_trailing(s); }

namespace {

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

using text::ends_with_ci;

std::size_t skip_blanks(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i;
}

// End of a value starting at `i`: a quoted SQL/shell string (with '' or \' escapes) or a run of non-blanks.
std::size_t value_end(std::string_view s, std::size_t i) {
    if (i < s.size() && (s[i] == '\'' || s[i] == '"' || s[i] == '`')) {
        const char quote = s[i];
        for (std::size_t j = i + 1; j < s.size(); ++j) {
            if (s[j] == '\\') {
                ++j;
            } else if (s[j] == quote) {
                if (j + 1 < s.size() && s[j + 1] == quote) {
                    ++j;
                } else {
                    return j + 1;
                }
            }
        }
        return s.size();  // unterminated: everything after the quote may be the secret
    }
    while (i < s.size() && !is_space(s[i])) ++i;
    return i;
}

std::size_t word_end(std::string_view s, std::size_t i) {
    while (i < s.size() && is_word_char(s[i])) ++i;
    return i;
}

// Literal secrets first (longest first, so a secret that contains another is replaced whole), in one pass so
// that a short secret never matches inside an earlier "<redacted>".
std::string replace_literals(std::string_view line, const std::vector<std::string>& secrets) {
    std::vector<std::string_view> sorted;
    for (const auto& s : secrets)
        if (!s.empty()) sorted.push_back(s);
    std::sort(sorted.begin(), sorted.end(), [](auto x, auto y) { return x.size() > y.size(); });
    std::string out;
    std::size_t i = 0;
    while (i < line.size()) {
        const auto hit = std::find_if(sorted.begin(), sorted.end(),
                                      [&](std::string_view s) { return line.substr(i, s.size()) == s; });
        if (hit != sorted.end()) {
            out += redacted;
            i += hit->size();
        } else {
            out += line[i++];
        }
    }
    return out;
}

}  // namespace

std::string scrub_secrets(std::string_view line, const std::vector<std::string>& secrets) {
    const std::string literal = replace_literals(line, secrets);
    const std::string_view s = literal;
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        const bool token_start = i == 0 || is_space(s[i - 1]) || s[i - 1] == '\'' || s[i - 1] == '"';
        // mysql/xtrabackup `-pSECRET`: the short option glues its value on (a lone `-p` prompts instead).
        // https://dev.mysql.com/doc/refman/8.0/en/connection-options.html#option_general_password
        if (token_start && s.substr(i, 2) == "-p" && i + 2 < s.size() && !is_space(s[i + 2])) {
            out += "-p";
            out += redacted;
            i = value_end(s, i + 2);
            continue;
        }
        if (!is_word_char(s[i]) || (i > 0 && is_word_char(s[i - 1]))) {
            out += s[i++];
            continue;
        }
        const std::size_t end = word_end(s, i);
        const std::string_view word = s.substr(i, end - i);
        out += word;
        i = end;
        if (ends_with_ci(word, "password") || iequals(word, "mysql_pwd")) {
            // password=..., --password=..., MASTER_PASSWORD = '...', MYSQL_PWD=...
            std::size_t j = skip_blanks(s, i);
            if (j < s.size() && s[j] == '=') {
                j = skip_blanks(s, j + 1);
                const std::size_t v = value_end(s, j);
                if (v > j) {
                    out += s.substr(i, j - i);
                    out += redacted;
                    i = v;
                }
            } else if (iequals(word, "--password") && j > i && j < s.size() && s[j] != '-') {
                // `--password SECRET`: whether a tool reads the next argument as the value depends on the tool, and
                // redacting a word too many from a log line costs nothing.
                out += s.substr(i, j - i);
                out += redacted;
                i = value_end(s, j);
            }
        } else if (iequals(word, "identified")) {
            // IDENTIFIED BY 'x', IDENTIFIED WITH plugin BY|AS 'x', IDENTIFIED VIA plugin USING 'x'.
            // https://dev.mysql.com/doc/refman/8.0/en/create-user.html, https://mariadb.com/kb/en/create-user/
            std::size_t j = skip_blanks(s, i);
            std::size_t k = word_end(s, j);
            std::string_view next = s.substr(j, k - j);
            if (iequals(next, "with") || iequals(next, "via")) {
                j = skip_blanks(s, k);
                k = value_end(s, j);  // the plugin name, possibly quoted
                j = skip_blanks(s, k);
                k = word_end(s, j);
                next = s.substr(j, k - j);
            }
            if (iequals(next, "by") || iequals(next, "as") || iequals(next, "using")) {
                std::size_t v0 = skip_blanks(s, k);
                // IDENTIFIED BY PASSWORD 'hash' (MySQL 5.x, MariaDB): the hash follows the keyword.
                const std::size_t p = word_end(s, v0);
                if (iequals(s.substr(v0, p - v0), "password") && skip_blanks(s, p) > p) v0 = skip_blanks(s, p);
                const std::size_t v1 = value_end(s, v0);
                if (v1 > v0) {
                    out += s.substr(i, v0 - i);
                    out += redacted;
                    i = v1;
                }
            }
        }
    }
    return out;
}

std::optional<std::uint64_t> parse_estimated_size(std::string_view value) {
    constexpr std::uint64_t largest = std::uint64_t{1} << 60;
    const auto v = parse_decimal<std::uint64_t>(trim(value));
    if (!v || *v > largest) return std::nullopt;
    return v;
}

std::optional<std::uint32_t> parse_retry_after(std::string_view value) {
    // Retry-After = HTTP-date / delay-seconds, delay-seconds = 1*DIGIT (RFC 9110 §10.2.3).
    const std::string_view v = trim(value);
    if (v.empty() || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
    return parse_decimal<std::uint32_t>(v);
}

}  // namespace mysql_agent::protocol
