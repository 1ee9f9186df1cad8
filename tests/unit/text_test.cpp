#include "mysql_agent/core/text.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace mysql_agent;
using namespace std::string_literals;

TEST_CASE("text helpers", "[text]") {
    CHECK(text::trim(" \t a b \r\n") == "a b");
    CHECK(text::trim("") == "");
    CHECK(text::iequals("Content-Length", "content-length"));
    CHECK_FALSE(text::iequals("abc", "abd"));
    CHECK(text::starts_with_ci("Bearer x", "bearer"));
    CHECK(text::ends_with_ci("T.MYD", ".myd"));
    CHECK(text::lines("a\r\nb\n\nc") == std::vector<std::string_view>{"a", "b", "", "c"});
    CHECK(text::lines("a\n") == std::vector<std::string_view>{"a"});
    CHECK(text::lines("").empty());
    CHECK(text::parse_uint("18446744073709551615") == 18446744073709551615ULL);
    for (const char* bad : {"", "18446744073709551616", "-1", "+1", "1 ", "0x10", "1e3"}) {
        INFO(bad);
        CHECK_FALSE(text::parse_uint(bad).has_value());
    }
    CHECK(text::printable("a\nb\\c\x7f\xff\0"s) == "a\\x0ab\\x5cc\\x7f\\xff\\x00");
}
