#include "mysql_agent/core/backup_store/manifest.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <ctime>

#include <nlohmann/json.hpp>

namespace mysql_agent::backup_store {
namespace {

using ordered_json = nlohmann::ordered_json;

std::string utc(std::chrono::system_clock::time_point t, const char* format) {
    const std::time_t s = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

bool is_hex(std::string_view s, std::size_t length) {
    return s.size() == length &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool plain_name(std::string_view s) {
    return !s.empty() && s.size() <= 128 && s != "." && s != ".." &&
           std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '-' || c == '_';
           });
}

/// A size or a number read from the manifest: an unsigned JSON number within T (a negative one would wrap).
struct not_unsigned : std::runtime_error {
    using std::runtime_error::runtime_error;
};

template <class T>
T unsigned_field(const nlohmann::json& j, const char* name) {
    const auto& v = j.at(name);
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > std::numeric_limits<T>::max()) throw not_unsigned(name);
    return static_cast<T>(v.get<std::uint64_t>());
}

}  // namespace

std::string backup_id_at(std::chrono::system_clock::time_point t) { return utc(t, "%Y%m%dT%H%M%SZ"); }

std::string iso8601_utc(std::chrono::system_clock::time_point t) { return utc(t, "%Y-%m-%dT%H:%M:%SZ"); }

bool is_backup_id(std::string_view id) {
    if (id.size() != 16 || id[8] != 'T' || id[15] != 'Z') return false;
    for (std::size_t i = 0; i < 15; ++i)
        if (i != 8 && (id[i] < '0' || id[i] > '9')) return false;
    return true;
}

std::string manifest_json(const backup_manifest& m) {
    ordered_json parts = ordered_json::array();
    for (const auto& p : m.parts) {
        ordered_json part = {{"number", p.number}, {"bytes", p.bytes}, {"md5", p.md5_hex}};
        if (!p.sha256_through_hex.empty()) part["sha256_through"] = p.sha256_through_hex;
        parts.push_back(std::move(part));
    }
    ordered_json stream = {{"name", m.stream_name},
                           {"compression", m.compression},
                           {"bytes", m.stream_bytes},
                           {"sha256", m.stream_sha256},
                           {"xbstream_bytes", m.xbstream_bytes},
                           {"donor_digest", m.donor_digest},
                           {"parts", parts}};
    if (m.encryption)
        stream["encryption"] = {{"cipher", m.encryption->cipher},
                                {"segment_bytes", m.encryption->segment_bytes},
                                {"key_id", m.encryption->key_id}};
    const ordered_json j = {
        {"format", m.format},
        {"id", m.id},
        {"source", m.source},
        {"cluster_identity", m.cluster_identity},
        {"agent_version", m.agent_version},
        {"started_at", m.started_at},
        {"finished_at", m.finished_at},
        {"stream", stream},
        {"backup_files", {{"binlog_info", m.binlog_info}, {"slave_info", m.slave_info}, {"tool_info", m.tool_info}}},
    };
    return j.dump(2, ' ', true) + "\n";
}

result<backup_manifest> parse_manifest(std::string_view text) {
    if (text.size() > manifest_limit)
        return error{"the manifest is larger than " + std::to_string(manifest_limit) + " bytes"};
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return error{"the manifest is not a JSON object"};
    backup_manifest m;
    try {
        m.format = j.at("format").get<int>();
        if (m.format != manifest_format)
            return error{"the manifest has format " + std::to_string(m.format) + "; this agent reads format " +
                         std::to_string(manifest_format)};
        m.id = j.at("id").get<std::string>();
        m.source = j.at("source").get<std::string>();
        m.cluster_identity = j.value("cluster_identity", std::string());
        m.agent_version = j.at("agent_version").get<std::string>();
        m.started_at = j.at("started_at").get<std::string>();
        m.finished_at = j.at("finished_at").get<std::string>();
        const auto& s = j.at("stream");
        m.stream_name = s.at("name").get<std::string>();
        m.compression = s.at("compression").get<std::string>();
        m.stream_bytes = unsigned_field<std::uint64_t>(s, "bytes");
        m.stream_sha256 = s.at("sha256").get<std::string>();
        m.xbstream_bytes = unsigned_field<std::uint64_t>(s, "xbstream_bytes");
        m.donor_digest = s.at("donor_digest").get<std::string>();
        for (const auto& p : s.at("parts"))
            m.parts.push_back({unsigned_field<std::uint32_t>(p, "number"), unsigned_field<std::uint64_t>(p, "bytes"),
                               p.at("md5").get<std::string>(),
                               p.contains("sha256_through") ? p.at("sha256_through").get<std::string>() : std::string()});
        if (s.contains("encryption")) {
            const auto& e = s.at("encryption");
            m.encryption = encryption_info{e.at("cipher").get<std::string>(),
                                           unsigned_field<std::uint32_t>(e, "segment_bytes"),
                                           e.at("key_id").get<std::string>()};
        }
        const auto& f = j.at("backup_files");
        m.binlog_info = f.at("binlog_info").get<std::string>();
        m.slave_info = f.at("slave_info").get<std::string>();
        m.tool_info = f.at("tool_info").get<std::string>();
    } catch (const nlohmann::json::exception& e) {
        return error{std::string("the manifest lacks a field or has one of the wrong type: ") + e.what()};
    } catch (const not_unsigned& e) {
        return error{std::string("the manifest's ") + e.what() + " is not an unsigned number within its range"};
    }
    if (!is_backup_id(m.id)) return error{"the manifest's id is not of the form YYYYMMDDTHHMMSSZ"};
    if (!m.cluster_identity.empty() && (m.cluster_identity.size() != 36 || !std::all_of(m.cluster_identity.begin(),
                                                                                        m.cluster_identity.end(), [](char c) {
                                                                                            return std::isxdigit(static_cast<unsigned char>(c)) || c == '-';
                                                                                        })))
        return error{"the manifest's cluster_identity is not a UUID"};
    if (!plain_name(m.stream_name)) return error{"the manifest's stream name is not a plain file name"};
    if (m.compression != "zstd" && m.compression != "none")
        return error{"the manifest's compression is neither zstd nor none"};
    if (m.encryption)
        if (auto e = check_encryption_info(*m.encryption); !e) return error{e.message()};
    if (!is_hex(m.stream_sha256, 64)) return error{"the manifest's stream sha256 is not 64 lower-case hex digits"};
    if (m.parts.empty()) return error{"the manifest lists no part"};
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < m.parts.size(); ++i) {
        if (m.parts[i].number != i + 1) return error{"the manifest's parts are not numbered 1, 2, ... in order"};
        if (!is_hex(m.parts[i].md5_hex, 32)) return error{"the manifest's part md5 is not 32 lower-case hex digits"};
        if (m.parts[i].sha256_through_hex.empty() != m.parts[0].sha256_through_hex.empty())
            return error{"the manifest gives some parts a sha256_through and not others"};
        if (!m.parts[i].sha256_through_hex.empty() && !is_hex(m.parts[i].sha256_through_hex, 64))
            return error{"the manifest's part sha256_through is not 64 lower-case hex digits"};
        if (total + m.parts[i].bytes < total) return error{"the manifest's part sizes overflow"};
        total += m.parts[i].bytes;
    }
    if (total != m.stream_bytes) return error{"the manifest's parts do not add up to its stream's bytes"};
    if (!m.parts.back().sha256_through_hex.empty() && m.parts.back().sha256_through_hex != m.stream_sha256)
        return error{"the manifest's SHA-256 of its stream is not the SHA-256 through its last part (altered)"};
    return m;
}

}  // namespace mysql_agent::backup_store
