#include "mysql_agent/core/objstore/s3_location.hpp"

#include <algorithm>

#include "mysql_agent/core/text.hpp"

namespace mysql_agent::objstore {
namespace {

constexpr std::size_t max_prefix_bytes = 512;

bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool looks_like_ipv4(std::string_view s) {
    const auto parts = text::split(s, '.');
    if (parts.size() != 4) return false;
    return std::all_of(parts.begin(), parts.end(), [](std::string_view p) {
        return !p.empty() && p.size() <= 3 && text::parse_uint(p).has_value();
    });
}

std::string bucket_problem(std::string_view b) {
    if (b.size() < 3 || b.size() > 63) return "is not 3 to 63 characters long";
    if (!lower_or_digit(b.front()) || !lower_or_digit(b.back())) return "does not start and end with a-z or 0-9";
    for (char c : b)
        if (!lower_or_digit(c) && c != '.' && c != '-') return "holds a character other than a-z, 0-9, '.' and '-'";
    if (b.find("..") != std::string_view::npos) return "holds \"..\"";
    if (looks_like_ipv4(b)) return "is an IP address";
    return {};
}

bool has_control(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool default_port(const s3_endpoint& e) { return e.port == (e.https ? 443 : 80); }

std::string host_with_port(const s3_endpoint& e, std::string_view host) {
    const bool v6 = host.find(':') != std::string_view::npos;
    std::string out = v6 ? "[" + std::string(host) + "]" : std::string(host);
    if (!default_port(e)) out += ":" + std::to_string(e.port);
    return out;
}

}  // namespace

result<s3_url> parse_s3_url(std::string_view url) {
    constexpr std::string_view scheme = "s3://";
    const std::string shown = text::printable(url);
    if (url.substr(0, scheme.size()) != scheme)
        return error{"'" + shown + "' is not an s3://BUCKET/PREFIX address"};
    std::string_view rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    s3_url out;
    out.bucket = std::string(rest.substr(0, slash));
    if (const auto why = bucket_problem(out.bucket); !why.empty())
        return error{"'" + shown + "': the bucket name '" + text::printable(out.bucket) + "' " + why +
                     " (S3's bucket naming rules)"};
    std::string_view prefix = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (has_control(prefix)) return error{"'" + shown + "': the prefix holds a control character"};
    if (prefix.size() > max_prefix_bytes)
        return error{"'" + shown + "': the prefix is longer than " + std::to_string(max_prefix_bytes) + " bytes"};
    if (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    if (!prefix.empty()) {
        for (const auto segment : text::split(prefix, '/'))
            if (segment.empty() || segment == "." || segment == "..")
                return error{"'" + shown + "': the prefix has an empty, '.' or '..' segment"};
        out.prefix = std::string(prefix) + "/";
    }
    return out;
}

result<s3_endpoint> parse_endpoint(std::string_view url) {
    const std::string shown = text::printable(url);
    s3_endpoint e;
    std::string_view rest;
    if (url.substr(0, 8) == "https://") {
        rest = url.substr(8);
    } else if (url.substr(0, 7) == "http://") {
        e.https = false;
        rest = url.substr(7);
    } else {
        return error{"--endpoint '" + shown + "' is not an http:// or https:// URL"};
    }
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    if (rest.find_first_of("/?#") != std::string_view::npos)
        return error{"--endpoint '" + shown + "' has a path, query or fragment: give only http(s)://HOST[:PORT]"};
    if (rest.find('@') != std::string_view::npos)
        return error{"--endpoint has user information (user:password@): credentials come from files or AWS_* "
                     "variables, never from the command line"};
    std::string_view host = rest, port;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return error{"--endpoint '" + shown + "': unclosed '[' in the host"};
        host = rest.substr(1, close - 1);
        const auto after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return error{"--endpoint '" + shown + "': unexpected text after ']'"};
            port = after.substr(1);
        }
    } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    if (host.empty() || has_control(host) || host.find_first_of(" \\") != std::string_view::npos)
        return error{"--endpoint '" + shown + "' has no usable host"};
    e.host = std::string(host);
    e.port = e.https ? 443 : 80;
    if (!port.empty()) {
        const auto p = text::parse_uint(port);
        if (!p || *p == 0 || *p > 65535) return error{"--endpoint '" + shown + "': the port is not 1 to 65535"};
        e.port = static_cast<std::uint16_t>(*p);
    }
    return e;
}

s3_endpoint aws_endpoint(std::string_view region) {
    return {true, "s3." + std::string(region) + ".amazonaws.com", 443};
}

s3_target target_for(const s3_endpoint& e, addressing style, std::string_view bucket, std::string_view key) {
    s3_target t;
    t.port = e.port;
    if (style == addressing::virtual_hosted) {
        t.connect_host = std::string(bucket) + "." + e.host;
        t.host_header = host_with_port(e, t.connect_host);
        t.path = "/" + std::string(key);
    } else {
        t.connect_host = e.host;
        t.host_header = host_with_port(e, e.host);
        t.path = "/" + std::string(bucket);
        if (!key.empty()) t.path += "/" + std::string(key);
    }
    return t;
}

std::string describe(const s3_endpoint& e, addressing style, std::string_view bucket, std::string_view key) {
    const s3_target t = target_for(e, style, bucket, key);
    return std::string(e.https ? "https://" : "http://") + t.host_header + text::printable(t.path);
}

}  // namespace mysql_agent::objstore
