#include "mysql_agent/core/donor_address.hpp"

#include "mysql_agent/core/text.hpp"

namespace mysql_agent {

std::string donor_address::to_string() const {
    const std::string p = std::to_string(port);
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + p;
    return host + ":" + p;
}

result<donor_address> parse_donor_address(std::string_view text) {
    const auto bad = [&](std::string_view why) {
        return error{"--from '" + std::string(text) + "' is not HOST[:PORT] or [IPv6][:PORT]: " + std::string(why)};
    };
    donor_address out;
    std::string_view port_text;
    if (text.empty()) return bad("it is empty");
    if (text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return bad("'[' without ']'");
        out.host = std::string(text.substr(1, close - 1));
        const auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return bad("expected ':' after ']'");
            port_text = rest.substr(1);
            if (port_text.empty()) return bad("the port after ':' is empty");
        }
    } else {
        const auto colon = text.rfind(':');
        if (colon != std::string_view::npos && text.find(':') != colon)
            return bad("an IPv6 address needs brackets: [addr]:port");
        out.host = std::string(text.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = text.substr(colon + 1);
            if (port_text.empty()) return bad("the port after ':' is empty");
        }
    }
    if (out.host.empty()) return bad("the host is empty");
    if (out.host.find_first_of(" \t/?#@") != std::string::npos) return bad("the host contains a space or one of /?#@");
    if (!port_text.empty()) {
        const auto port = text::parse_uint(port_text);
        if (!port || *port == 0 || *port > 65535)
            return bad("port '" + std::string(port_text) + "' is not a number in 1..65535");
        out.port = static_cast<std::uint16_t>(*port);
    }
    return out;
}

}  // namespace mysql_agent
