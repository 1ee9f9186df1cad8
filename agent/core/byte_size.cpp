#include "mysql_agent/core/byte_size.hpp"

#include <limits>
#include <string>

#include "mysql_agent/core/text.hpp"

namespace mysql_agent {
namespace {

/// The power of 1024 a suffix letter stands for, or -1.
int suffix_power(char c) {
    switch (c) {
        case 'k': case 'K': return 1;
        case 'm': case 'M': return 2;
        case 'g': case 'G': return 3;
        case 't': case 'T': return 4;
        default: return -1;
    }
}

}  // namespace

result<std::uint64_t> parse_byte_size(std::string_view value, std::string_view flag) {
    const auto bad = [&](std::string_view why) {
        return error{std::string(flag) + " " + std::string(value) + ": " + std::string(why) +
                     "; expected a whole number of bytes, optionally followed by K, M, G or T (powers of 1024), "
                     "e.g. 100M"};
    };
    std::string_view digits = value;
    int power = 0;
    if (!digits.empty() && suffix_power(digits.back()) > 0) {
        power = suffix_power(digits.back());
        digits.remove_suffix(1);
    }
    const auto n = text::parse_uint(digits);
    if (!n) return bad("not a number");
    std::uint64_t v = *n;
    for (int i = 0; i < power; ++i) {
        if (v > std::numeric_limits<std::uint64_t>::max() / 1024) return bad("too large");
        v *= 1024;
    }
    return v;
}

}  // namespace mysql_agent
