#include "mysql_agent/core/objstore/sigv4.hpp"

#include <algorithm>
#include <map>

#include "mysql_agent/core/text.hpp"

namespace mysql_agent::objstore {
namespace {

// ASCII only, whatever the locale: a byte of a UTF-8 name is always percent-encoded.
bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

// Leading and trailing blanks removed, each inner run of spaces as one space (SigV4's "Trimall").
std::string trim_all(std::string_view v) {
    std::string out;
    bool space = false;
    for (const char c : v) {
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

// Lower-case name -> values in the order given.
std::map<std::string, std::vector<std::string>> header_map(const sigv4_request& r) {
    std::map<std::string, std::vector<std::string>> m;
    for (const auto& [name, value] : r.headers) m[text::to_lower(name)].push_back(trim_all(value));
    return m;
}

}  // namespace

std::string uri_encode(std::string_view s, bool keep_slash) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size());
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0f];
        }
    }
    return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(query.size());
    for (const auto& [n, v] : query) encoded.emplace_back(uri_encode(n, false), uri_encode(v, false));
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [n, v] : encoded) {
        if (!out.empty()) out += '&';
        out += n + '=' + v;
    }
    return out;
}

std::string signed_headers(const sigv4_request& r) {
    std::string out;
    for (const auto& [name, values] : header_map(r)) {
        if (!out.empty()) out += ';';
        out += name;
    }
    return out;
}

std::string canonical_request(const sigv4_request& r) {
    std::string out = r.method + '\n' + uri_encode(r.path.empty() ? "/" : r.path, true) + '\n' +
                      canonical_query(r.query) + '\n';
    for (const auto& [name, values] : header_map(r)) {
        out += name + ':';
        for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
        out += '\n';
    }
    return out + '\n' + signed_headers(r) + '\n' + r.payload_sha256_hex;
}

std::string credential_scope(std::string_view amz_date, std::string_view region, std::string_view service) {
    return std::string(amz_date.substr(0, 8)) + '/' + std::string(region) + '/' + std::string(service) + "/aws4_request";
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request_sha256_hex) {
    return "AWS4-HMAC-SHA256\n" + std::string(amz_date) + '\n' + std::string(scope) + '\n' +
           std::string(canonical_request_sha256_hex);
}

std::string authorization_value(std::string_view access_key, std::string_view scope,
                                std::string_view signed_header_names, std::string_view signature_hex) {
    return "AWS4-HMAC-SHA256 Credential=" + std::string(access_key) + '/' + std::string(scope) +
           ",SignedHeaders=" + std::string(signed_header_names) + ",Signature=" + std::string(signature_hex);
}

bool is_amz_date(std::string_view d) {
    if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') return false;
    for (std::size_t i = 0; i < 15; ++i)
        if (i != 8 && !text::is_digit(d[i])) return false;
    return true;
}

}  // namespace mysql_agent::objstore
