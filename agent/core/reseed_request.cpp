#include "mysql_agent/core/reseed_request.hpp"

#include <cstdio>
#include <ctime>

#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/core/text.hpp"

namespace mysql_agent {
namespace {

constexpr std::string_view signature_prefix = "signature: hmac-sha256:";


std::string printable_line(std::string_view s) {
    std::string out;
    for (const char c : text::trim(s))
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
    return out;
}

/// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ"; nullopt when it is not exactly that.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339_seconds(std::string_view s) {
    if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return std::nullopt;
    const auto num = [&](std::size_t at, std::size_t n) { return text::parse_uint(s.substr(at, n)); };
    const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), sec = num(17, 2);
    if (!y || !mo || !d || !h || !mi || !sec || *h > 23 || *mi > 59 || *sec > 59) return std::nullopt;
    const std::chrono::year_month_day day{std::chrono::year(static_cast<int>(*y)),
                                          std::chrono::month(static_cast<unsigned>(*mo)),
                                          std::chrono::day(static_cast<unsigned>(*d))};
    if (!day.ok()) return std::nullopt;
    return std::chrono::sys_days(day) + std::chrono::hours(*h) + std::chrono::minutes(*mi) +
           std::chrono::seconds(*sec);
}

reseed_request_check ignored(std::string why) {
    reseed_request_check c;
    c.why = std::move(why);
    return c;
}

}  // namespace

std::string rfc3339_seconds(std::chrono::system_clock::time_point t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{std::chrono::floor<std::chrono::seconds>(t - day)};
    char out[32];
    std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return out;
}

std::string reseed_request_body(const reseed_request& request) {
    return "requested_at: " + printable_line(request.requested_at) + "\npod: " + printable_line(request.pod) +
           "\nreason: " + printable_line(request.reason) + "\n";
}

std::string signed_reseed_request(std::string_view body, std::string_view mac) {
    return std::string(body) + std::string(signature_prefix) + text::to_hex(mac) + "\n";
}

reseed_request_check check_reseed_request(std::string_view text, const std::optional<request_mac>& mac,
                                          std::string_view self_hostname,
                                          std::chrono::system_clock::time_point now) {
    if (!mac)
        return ignored("init has no --auth-token-file, so it cannot check that `mysql-agent reseed` wrote it "
                       "(its signature is keyed by the backup token)");
    // The signature is the last line; what comes before it, byte for byte, is what it signs.
    std::string_view rest = text;
    if (rest.ends_with('\n')) rest.remove_suffix(1);
    const auto last_start = rest.rfind('\n') == std::string_view::npos ? 0 : rest.rfind('\n') + 1;
    const std::string_view last = rest.substr(last_start);
    if (!last.starts_with(signature_prefix))
        return ignored("it carries no signature: it was written by something other than `mysql-agent reseed` "
                       "(an SQL account with the FILE privilege can write files in the datadir)");
    const std::string_view body = text.substr(0, last_start);
    const std::string expected = text::to_hex((*mac)(body));
    if (!protocol::constant_time_equal(last.substr(signature_prefix.size()), expected))
        return ignored("its signature does not match its content with this pod's backup token: it was altered, "
                       "or signed with another token, or not by `mysql-agent reseed`");
    reseed_request r;
    bool have_time = false, have_pod = false;
    for (const auto line : text::lines(body)) {
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const auto key = line.substr(0, colon);
        const std::string value = printable_line(line.substr(colon + 1));
        if (key == "requested_at") {
            r.requested_at = value;
            have_time = true;
        } else if (key == "pod") {
            r.pod = value;
            have_pod = true;
        } else if (key == "reason") {
            r.reason = value;
        }
    }
    if (!have_pod || r.pod != self_hostname)
        return ignored("it was signed for pod '" + r.pod + "', not for " + std::string(self_hostname));
    const auto at = have_time ? parse_rfc3339_seconds(r.requested_at) : std::nullopt;
    if (!at) return ignored("its requested_at ('" + r.requested_at + "') is not a time like 2026-12-07T00:22:00Z");
    if (*at + reseed_request_max_age < now)
        return ignored("it was requested at " + r.requested_at + ", more than " +
                       std::to_string(reseed_request_max_age.count()) + " hours ago (now " + rfc3339_seconds(now) +
                       "): run `mysql-agent reseed` again if it still holds");
    if (*at > now + reseed_request_max_skew)
        return ignored("it is dated " + r.requested_at + ", more than " +
                       std::to_string(reseed_request_max_skew.count()) + " minutes ahead of this clock (" +
                       rfc3339_seconds(now) + ")");
    reseed_request_check c;
    c.accepted = true;
    c.request = std::move(r);
    return c;
}

}  // namespace mysql_agent
