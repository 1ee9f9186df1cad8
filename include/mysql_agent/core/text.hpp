#pragma once
// Small text helpers shared by the parsers of core: whitespace, ASCII case, lines, whole-string numbers, and
// making bytes from the network safe to print. Pure, std only.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mysql_agent::text {

/// ' ', \t, \r, \n, \v, \f.
bool is_space(char c) noexcept;
bool is_digit(char c) noexcept;
/// ASCII lower case of `c`.
char to_lower(char c) noexcept;
std::string to_lower(std::string_view s);

/// Equal ignoring ASCII case (HTTP field names, SQL keywords, option names).
bool iequals(std::string_view a, std::string_view b) noexcept;
bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept;
bool ends_with_ci(std::string_view s, std::string_view suffix) noexcept;

std::string_view trim(std::string_view s) noexcept;
std::string_view trim_trailing(std::string_view s) noexcept;

/// The lines of `content` without their "\n" (and a "\r" before it); no empty last line for a final "\n".
std::vector<std::string_view> lines(std::string_view content);

/// The pieces of `s` between `separator`s ("a,,b" -> "a", "", "b"; "" -> one empty piece).
std::vector<std::string_view> split(std::string_view s, char separator);

/// The whole of `s` as a decimal number without sign, or nullopt (empty, other characters, overflow).
std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept;

/// `bytes` as lower-case hex, two digits a byte (digests, signatures).
std::string to_hex(std::string_view bytes);

/// `bytes` in standard base64 with padding (RFC 4648 section 4): Content-MD5's form.
std::string to_base64(std::string_view bytes);

/// `bytes` with control characters, non-ASCII bytes and '\' written as \xHH: a path or a header value that
/// came from the network, safe to put in a log line or an error message.
std::string printable(std::string_view bytes);

}  // namespace mysql_agent::text
