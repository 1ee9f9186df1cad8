#pragma once
// Byte counts as people write them on a command line ("100M").

#include <cstdint>
#include <string_view>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// Parses a whole number of bytes with an optional suffix K, M, G or T (either case; binary: K = 1024, as in
/// `pv -L` and `curl --limit-rate`). An error names `flag` and the accepted forms; overflow is an error.
result<std::uint64_t> parse_byte_size(std::string_view value, std::string_view flag);

}  // namespace mysql_agent
