// The pure half of --listen: splitting HOST:PORT and checking the port. Whether HOST is a numeric IP is checked
// where it becomes a socket address (tests/io/backup_server_test.cpp, "refuses a --listen it cannot use").

#include "mysql_agent/core/listen_address.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace mysql_agent;

namespace {

struct good_row {
    std::string name;
    std::string listen;
    listen_address expected;
};

struct bad_row {
    std::string name;
    std::string listen;
    std::string why;
};

}  // namespace

TEST_CASE("parse_listen_address splits HOST:PORT and [v6]:PORT", "[sidecar]") {
    const std::vector<good_row> rows = {
        {"every IPv4 interface", "0.0.0.0:3307", {"0.0.0.0", 3307}},
        {"every IPv6 interface, brackets removed", "[::]:3307", {"::", 3307}},
        {"port 0 asks for any free port", "127.0.0.1:0", {"127.0.0.1", 0}},
        {"the highest port", "[::1]:65535", {"::1", 65535}},
        {"an unbracketed v6 address splits at its last ':'", "::1:3307", {"::1", 3307}},
        {"a name passes here (the socket address refuses it)", "localhost:3307", {"localhost", 3307}},
        {"an empty host passes here (the socket address refuses it)", ":3307", {"", 3307}},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    const auto parsed = parse_listen_address(row.listen);
    INFO((parsed ? std::string() : parsed.message()));
    REQUIRE(parsed.has_value());
    CHECK(*parsed == row.expected);
}

TEST_CASE("parse_listen_address refuses a missing or malformed port, naming --listen", "[sidecar]") {
    const std::vector<bad_row> rows = {
        {"no ':' at all", "127.0.0.1", "no port"},
        {"an empty port", "127.0.0.1:", "bad port"},
        {"a port above 65535", "127.0.0.1:99999", "bad port"},
        {"a port with letters", "127.0.0.1:33x", "bad port"},
        {"a signed port", "127.0.0.1:+1", "bad port"},
        {"a negative port", "127.0.0.1:-1", "bad port"},
        {"a port far beyond unsigned", "127.0.0.1:99999999999999999999", "bad port"},
    };
    const auto row = GENERATE_COPY(from_range(rows));
    INFO(row.name);
    const auto parsed = parse_listen_address(row.listen);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.message() == listen_address_error(row.listen, row.why));
}

TEST_CASE("listen_address_error says what --listen expects", "[sidecar]") {
    CHECK(listen_address_error("127.0.0.1", "no port") ==
          "--listen 127.0.0.1: no port (expected HOST:PORT with a numeric IP, e.g. 0.0.0.0:3307 or [::]:3307)");
}
