#include "mysql_agent/core/clone_marker.hpp"

#include <nlohmann/json.hpp>

namespace mysql_agent {
namespace {

using json = nlohmann::json;
// ordered_json keeps the keys in the order written, so a person reading the marker sees source first.
using ordered_json = nlohmann::ordered_json;

// The coordinates are serialised here rather than with backup_metadata's to_json (the inspect-backup output):
// the marker is a file format of its own that must stay readable by later agents whatever inspect-backup prints.
ordered_json coordinates_to_json(const backup_metadata& m) {
    ordered_json j;
    if (m.binlog)
        j["binlog"] = {{"file", m.binlog->file}, {"position", m.binlog->position}, {"gtid_set", m.binlog->gtid_set}};
    else
        j["binlog"] = nullptr;
    j["replication"] = ordered_json::array();
    for (const auto& r : m.replication)
        j["replication"].push_back(
            {{"channel", r.channel}, {"file", r.file}, {"position", r.position}, {"auto_position", r.auto_position}});
    j["gtid_purged"] = m.gtid_purged ? ordered_json(*m.gtid_purged) : ordered_json(nullptr);
    j["gtid_slave_pos"] = m.gtid_slave_pos ? ordered_json(*m.gtid_slave_pos) : ordered_json(nullptr);
    return j;
}

// Reads fields of one JSON object, naming the file and the dotted field path in every error.
class object_reader {
public:
    object_reader(std::string_view file, const json& object, std::string prefix)
        : file_(file), object_(object), prefix_(std::move(prefix)) {}

    result<const json*> member(const char* key) const {
        const auto it = object_.find(key);
        if (it == object_.end()) return fail(key, "is missing");
        return &*it;
    }

    result<std::string> string(const char* key) const {
        auto v = member(key);
        if (!v) return v.err();
        if (!(*v)->is_string()) return fail(key, "must be a string, got " + shown(**v));
        return (*v)->get<std::string>();
    }

    result<std::optional<std::string>> optional_string(const char* key) const {
        auto v = member(key);
        if (!v) return v.err();
        if ((*v)->is_null()) return std::optional<std::string>{};
        if (!(*v)->is_string()) return fail(key, "must be a string or null, got " + shown(**v));
        return std::optional<std::string>((*v)->get<std::string>());
    }

    result<std::uint64_t> unsigned_integer(const char* key) const {
        auto v = member(key);
        if (!v) return v.err();
        if (!(*v)->is_number_unsigned()) return fail(key, "must be a non-negative integer, got " + shown(**v));
        return (*v)->get<std::uint64_t>();
    }

    result<double> number(const char* key) const {
        auto v = member(key);
        if (!v) return v.err();
        if (!(*v)->is_number()) return fail(key, "must be a number, got " + shown(**v));
        return (*v)->get<double>();
    }

    /// An array of strings; a missing key is an empty array (written by agents that did not have the field).
    result<std::vector<std::string>> strings_or_none(const char* key) const {
        const auto it = object_.find(key);
        if (it == object_.end() || it->is_null()) return std::vector<std::string>{};
        if (!it->is_array()) return fail(key, "must be an array of strings, got " + shown(*it));
        std::vector<std::string> out;
        for (const auto& item : *it) {
            if (!item.is_string()) return fail(key, "must be an array of strings, got " + shown(*it));
            out.push_back(item.get<std::string>());
        }
        return out;
    }

    result<bool> boolean(const char* key) const {
        auto v = member(key);
        if (!v) return v.err();
        if (!(*v)->is_boolean()) return fail(key, "must be true or false, got " + shown(**v));
        return (*v)->get<bool>();
    }

    /// A nested object; `what` is its dotted path.
    result<object_reader> object(const json& value, const std::string& what) const {
        if (!value.is_object())
            return error{std::string(file_) + ": field '" + what + "' must be an object, got " + shown(value)};
        return object_reader(file_, value, what + ".");
    }

    std::string path(const char* key) const { return prefix_ + key; }
    std::string_view file() const { return file_; }

private:
    static std::string shown(const json& v) {
        constexpr std::size_t limit = 40;
        std::string s = v.dump();
        if (s.size() > limit) s = s.substr(0, limit) + "...";
        return s;
    }

    error fail(const char* key, const std::string& problem) const {
        return error{std::string(file_) + ": field '" + path(key) + "' " + problem +
                     "; the clone marker is damaged or was not written by mysql-agent"};
    }

    std::string_view file_;
    const json& object_;
    std::string prefix_;
};

#define MYSQL_AGENT_TRY(target, expr) \
    do {                              \
        auto r_ = (expr);             \
        if (!r_) return r_.err();     \
        target = std::move(*r_);      \
    } while (false)

result<binlog_coordinates> binlog_from_json(const object_reader& r) {
    binlog_coordinates b;
    MYSQL_AGENT_TRY(b.file, r.string("file"));
    MYSQL_AGENT_TRY(b.position, r.unsigned_integer("position"));
    MYSQL_AGENT_TRY(b.gtid_set, r.string("gtid_set"));
    return b;
}

result<replication_entry> replication_from_json(const object_reader& r) {
    replication_entry e;
    MYSQL_AGENT_TRY(e.channel, r.string("channel"));
    MYSQL_AGENT_TRY(e.file, r.string("file"));
    MYSQL_AGENT_TRY(e.position, r.unsigned_integer("position"));
    MYSQL_AGENT_TRY(e.auto_position, r.boolean("auto_position"));
    return e;
}

result<backup_metadata> coordinates_from_json(const object_reader& r) {
    backup_metadata m;
    const json* binlog = nullptr;
    MYSQL_AGENT_TRY(binlog, r.member("binlog"));
    if (!binlog->is_null()) {
        auto sub = r.object(*binlog, r.path("binlog"));
        if (!sub) return sub.err();
        auto b = binlog_from_json(*sub);
        if (!b) return b.err();
        m.binlog = std::move(*b);
    }
    const json* replication = nullptr;
    MYSQL_AGENT_TRY(replication, r.member("replication"));
    if (!replication->is_array())
        return error{std::string(r.file()) + ": field '" + r.path("replication") + "' must be an array"};
    for (std::size_t i = 0; i < replication->size(); ++i) {
        auto sub = r.object((*replication)[i], r.path("replication") + "[" + std::to_string(i) + "]");
        if (!sub) return sub.err();
        auto e = replication_from_json(*sub);
        if (!e) return e.err();
        m.replication.push_back(std::move(*e));
    }
    MYSQL_AGENT_TRY(m.gtid_purged, r.optional_string("gtid_purged"));
    MYSQL_AGENT_TRY(m.gtid_slave_pos, r.optional_string("gtid_slave_pos"));
    return m;
}

}  // namespace

std::string marker_to_json(const clone_marker& m) {
    ordered_json j;
    j["source"] = m.source;
    j["coordinates"] = coordinates_to_json(m.coordinates);
    j["digest"] = m.digest;
    j["stream_bytes"] = m.stream_bytes;
    j["datadir_bytes"] = m.datadir_bytes;
    j["tool_version"] = m.tool_version;
    j["server_version"] = m.server_version;
    j["started_at"] = m.started_at;
    j["finished_at"] = m.finished_at;
    j["duration_seconds"] = m.duration_seconds;
    if (m.reseed) {
        j["reseed"] = {{"as_primary", m.reseed->as_primary},
                       {"reason", m.reseed->reason},
                       {"position", m.reseed->position}};
        // Written only when the operator gave members up: what they alone held may be lost.
        if (!m.reseed->given_up.empty()) j["reseed"]["given_up"] = m.reseed->given_up;
    }
    // Invalid UTF-8 (a version string is free text) is replaced rather than thrown on: the marker must be written.
    return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

result<clone_marker> marker_from_json(std::string_view file_name, std::string_view text) {
    const std::string file(file_name);
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
        return error{file + ": the clone marker is empty; it was not written completely (delete it to clone again)"};
    json j;
    try {
        j = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        return error{file + ": the clone marker is not valid JSON (error near byte " + std::to_string(e.byte) +
                     "); it is damaged"};
    }
    if (!j.is_object()) return error{file + ": the clone marker is not a JSON object"};
    const object_reader r(file, j, "");

    clone_marker m;
    MYSQL_AGENT_TRY(m.source, r.string("source"));
    const json* coordinates = nullptr;
    MYSQL_AGENT_TRY(coordinates, r.member("coordinates"));
    auto sub = r.object(*coordinates, "coordinates");
    if (!sub) return sub.err();
    MYSQL_AGENT_TRY(m.coordinates, coordinates_from_json(*sub));
    MYSQL_AGENT_TRY(m.digest, r.string("digest"));
    MYSQL_AGENT_TRY(m.stream_bytes, r.unsigned_integer("stream_bytes"));
    MYSQL_AGENT_TRY(m.datadir_bytes, r.unsigned_integer("datadir_bytes"));
    MYSQL_AGENT_TRY(m.tool_version, r.string("tool_version"));
    MYSQL_AGENT_TRY(m.server_version, r.string("server_version"));
    MYSQL_AGENT_TRY(m.started_at, r.string("started_at"));
    MYSQL_AGENT_TRY(m.finished_at, r.string("finished_at"));
    MYSQL_AGENT_TRY(m.duration_seconds, r.number("duration_seconds"));
    // Optional: markers written before re-seeding existed have none.
    if (const auto it = j.find("reseed"); it != j.end() && !it->is_null()) {
        auto rs = r.object(*it, "reseed");
        if (!rs) return rs.err();
        reseed_record rec;
        MYSQL_AGENT_TRY(rec.as_primary, rs->boolean("as_primary"));
        MYSQL_AGENT_TRY(rec.reason, rs->string("reason"));
        MYSQL_AGENT_TRY(rec.position, rs->string("position"));
        MYSQL_AGENT_TRY(rec.given_up, rs->strings_or_none("given_up"));
        m.reseed = std::move(rec);
    }
    return m;
}

#undef MYSQL_AGENT_TRY

}  // namespace mysql_agent
