#include "mysql_agent/core/listen_address.hpp"

#include <charconv>

namespace mysql_agent {

std::string listen_address_error(std::string_view listen, std::string_view why) {
    return "--listen " + std::string(listen) + ": " + std::string(why) +
           " (expected HOST:PORT with a numeric IP, e.g. 0.0.0.0:3307 or [::]:3307)";
}

result<listen_address> parse_listen_address(std::string_view listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string_view::npos) return error{listen_address_error(listen, "no port")};
    std::string_view host = listen.substr(0, colon);
    const std::string_view port_text = listen.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535)
        return error{listen_address_error(listen, "bad port")};
    return listen_address{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace mysql_agent
