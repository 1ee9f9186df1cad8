#include "mysql_agent/core/binlog_archive/archive_index.hpp"

#include <algorithm>
#include <ctime>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "mysql_agent/core/backup_store/backup_status.hpp"
#include "mysql_agent/core/backup_store/manifest.hpp"
#include "mysql_agent/core/cluster_identity.hpp"
#include "mysql_agent/core/text.hpp"

namespace mysql_agent::binlog_archive {
namespace {

using ordered_json = nlohmann::ordered_json;

std::chrono::system_clock::time_point at_second(std::uint32_t s) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(s));
}

bool is_hex(std::string_view s, std::size_t length) {
    return s.size() == length &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

const char* ending_text(binlog_ending e) {
    switch (e) {
        case binlog_ending::rotate: return "rotate";
        case binlog_ending::stop: return "stop";
        case binlog_ending::open: break;
    }
    return "open";
}

struct bad_field : std::runtime_error {
    using std::runtime_error::runtime_error;
};

template <class T>
T unsigned_field(const nlohmann::json& j, const char* name) {
    const auto& v = j.at(name);
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > std::numeric_limits<T>::max())
        throw bad_field(std::string(name) + " is not a number of its range");
    return static_cast<T>(v.get<std::uint64_t>());
}

std::uint32_t time_field(const nlohmann::json& j, const char* name) {
    const auto t = backup_store::parse_iso8601_utc(j.at(name).get<std::string>());
    if (!t) throw bad_field(std::string(name) + " is not an ISO 8601 UTC time");
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
    if (s < 0 || s > std::numeric_limits<std::uint32_t>::max()) throw bad_field(std::string(name) + " is out of range");
    return static_cast<std::uint32_t>(s);
}

mariadb_gtid_position position_field(const nlohmann::json& j, const char* name) {
    auto p = parse_mariadb_gtid_position(j.at(name).get<std::string>());
    if (!p) throw bad_field(std::string(name) + ": " + p.message());
    return *p;
}

mariadb_gtid gtid_field(const nlohmann::json& j, const char* name) {
    const auto p = position_field(j, name);
    if (p.gtids.size() != 1) throw bad_field(std::string(name) + " is not one GTID");
    return p.gtids.front();
}

}  // namespace

std::string time_text(std::uint32_t unix_seconds) { return backup_store::iso8601_utc(at_second(unix_seconds)); }

std::string gtid_text(const mariadb_gtid& g) {
    return std::to_string(g.domain) + "-" + std::to_string(g.server_id) + "-" + std::to_string(g.seq);
}

std::string archive_name(std::uint32_t created, std::uint32_t server_id, std::string_view sha256_hex) {
    return backup_store::backup_id_at(at_second(created)) + "-" + std::to_string(server_id) + "-" +
           std::string(sha256_hex.substr(0, 16));
}

archived_binlog record_of(const binlog_summary& s, std::string file, std::uint64_t bytes, std::string sha256_hex,
                          std::chrono::system_clock::time_point archived_at) {
    archived_binlog r;
    r.name = archive_name(s.created, s.server_id, sha256_hex);
    r.file = std::move(file);
    r.server_version = s.server_version;
    r.server_id = s.server_id;
    r.created = s.created;
    r.checksummed = s.checksummed;
    for (const auto& g : s.start_state) r.start_state += (r.start_state.empty() ? "" : ",") + gtid_text(g);
    r.start = s.start;
    r.end = s.end;
    if (s.first) {
        r.first_gtid = s.first->gtid;
        r.first_time = s.first->time;
        r.last_gtid = s.last->gtid;
        r.last_time = s.last->time;
    }
    r.transactions = s.transactions;
    r.bytes = bytes;
    r.file_bytes = std::max(bytes, s.bytes);
    r.sha256_hex = std::move(sha256_hex);
    r.ending = s.ending;
    r.archived_at = backup_store::iso8601_utc(archived_at);
    return r;
}

std::string index_json(const archived_binlog& r) {
    ordered_json j = {{"format", 1},
                      {"name", r.name},
                      {"file", r.file},
                      {"server_version", r.server_version},
                      {"server_id", r.server_id},
                      {"created", time_text(r.created)},
                      {"checksummed", r.checksummed},
                      {"start_state", r.start_state},
                      {"start", to_string(r.start)},
                      {"end", to_string(r.end)}};
    if (r.first_gtid) {
        j["first_gtid"] = gtid_text(*r.first_gtid);
        j["first_time"] = time_text(r.first_time);
        j["last_gtid"] = gtid_text(*r.last_gtid);
        j["last_time"] = time_text(r.last_time);
    }
    j["transactions"] = r.transactions;
    j["bytes"] = r.bytes;
    if (r.file_bytes > r.bytes) j["file_bytes"] = r.file_bytes;
    j["sha256"] = r.sha256_hex;
    j["ending"] = ending_text(r.ending);
    j["archived_at"] = r.archived_at;
    if (!r.cluster_identity.empty()) j["cluster_identity"] = r.cluster_identity;
    return j.dump(2) + "\n";
}

result<archived_binlog> parse_index(std::string_view text, std::string_view expected_name) {
    auto fail = [](const std::string& why) { return error{"a binlog index record " + why}; };
    if (text.size() > index_record_limit)
        return fail("is " + std::to_string(text.size()) + " bytes, more than its limit of 64 KiB");
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail("is not a JSON object");
    archived_binlog r;
    try {
        if (unsigned_field<unsigned>(j, "format") != 1) return fail("has a format other than 1");
        r.name = j.at("name").get<std::string>();
        r.file = j.at("file").get<std::string>();
        r.server_version = j.at("server_version").get<std::string>();
        r.server_id = unsigned_field<std::uint32_t>(j, "server_id");
        r.created = time_field(j, "created");
        r.checksummed = j.at("checksummed").get<bool>();
        r.start_state = j.at("start_state").get<std::string>();
        if (auto state = parse_mariadb_gtid_position(r.start_state); !state)
            return fail("start_state: " + state.message());
        r.start = position_field(j, "start");
        r.end = position_field(j, "end");
        if (j.contains("first_gtid")) {
            r.first_gtid = gtid_field(j, "first_gtid");
            r.first_time = time_field(j, "first_time");
            r.last_gtid = gtid_field(j, "last_gtid");
            r.last_time = time_field(j, "last_time");
        }
        r.transactions = unsigned_field<std::uint64_t>(j, "transactions");
        r.bytes = unsigned_field<std::uint64_t>(j, "bytes");
        r.file_bytes = j.contains("file_bytes") ? unsigned_field<std::uint64_t>(j, "file_bytes") : r.bytes;
        if (r.file_bytes < r.bytes) return fail("has file_bytes below its bytes");
        r.sha256_hex = j.at("sha256").get<std::string>();
        const std::string ending = j.at("ending").get<std::string>();
        if (ending == "rotate")
            r.ending = binlog_ending::rotate;
        else if (ending == "stop")
            r.ending = binlog_ending::stop;
        else if (ending == "open")
            r.ending = binlog_ending::open;
        else
            return fail("has an ending '" + ending.substr(0, 20) + "' (rotate, stop or open)");
        r.archived_at = j.at("archived_at").get<std::string>();
        if (!backup_store::parse_iso8601_utc(r.archived_at)) return fail("archived_at is not an ISO 8601 UTC time");
        if (j.contains("cluster_identity")) {
            r.cluster_identity = j.at("cluster_identity").get<std::string>();
            if (!is_identity(r.cluster_identity)) return fail("has a cluster_identity that is not a UUID");
        }
    } catch (const bad_field& e) {
        return fail(std::string("field ") + e.what());
    } catch (const nlohmann::json::exception&) {
        return fail("lacks a field or holds one of another type");
    }
    if (!is_hex(r.sha256_hex, 64)) return fail("has a sha256 that is not 64 lower-case hex digits");
    const auto plain = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               c == '_';
    };
    if (r.file.empty() || r.file.size() > 255 || !std::all_of(r.file.begin(), r.file.end(), plain))
        return fail("names the server's file '" + text::printable(r.file.substr(0, 80)) +
                    "', not a plain file name (letters, digits, '.', '-', '_')");
    if (r.server_version.size() > 128 || text::printable(r.server_version) != r.server_version)
        return fail("has a server_version that is not up to 128 printable characters");
    if (r.file_bytes > archived_file_limit)
        return fail("says its file is " + std::to_string(r.file_bytes) + " bytes, more than the 64 GiB a record may name");
    if (r.name != archive_name(r.created, r.server_id, r.sha256_hex))
        return fail("is named '" + r.name.substr(0, 80) + "', not " + archive_name(r.created, r.server_id, r.sha256_hex) +
                    " as its time, server id and digest say");
    if (!expected_name.empty() && r.name != expected_name)
        return fail("is stored as " + std::string(expected_name.substr(0, 80)) + " but names itself " + r.name);
    if (!at_least(r.end, r.start)) return fail("ends (" + to_string(r.end) + ") before it starts (" + to_string(r.start) + ")");
    if ((r.transactions == 0) != !r.first_gtid)
        return fail("counts " + std::to_string(r.transactions) + " transactions but " +
                    (r.first_gtid ? "names" : "does not name") + " a first one");
    return r;
}

}  // namespace mysql_agent::binlog_archive
