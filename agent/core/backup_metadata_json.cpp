#include "mysql_agent/core/backup_metadata.hpp"

#include <nlohmann/json.hpp>

namespace mysql_agent {
namespace {

// ordered_json keeps keys in insertion order, which is the documented output order.
using json = nlohmann::ordered_json;

json optional_string(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

}  // namespace

std::string to_json(const backup_metadata& metadata) {
    json out;
    if (metadata.binlog) {
        out["binlog"] = {{"file", metadata.binlog->file},
                         {"position", metadata.binlog->position},
                         {"gtid_set", metadata.binlog->gtid_set}};
    } else {
        out["binlog"] = nullptr;
    }
    json replication = json::array();
    for (const replication_entry& entry : metadata.replication)
        replication.push_back({{"channel", entry.channel},
                               {"file", entry.file},
                               {"position", entry.position},
                               {"auto_position", entry.auto_position}});
    out["replication"] = std::move(replication);
    out["gtid_purged"] = optional_string(metadata.gtid_purged);
    out["gtid_slave_pos"] = optional_string(metadata.gtid_slave_pos);
    // File and channel names are bytes from the backup, not necessarily UTF-8; the default strict
    // handler would throw (type_error 316) on them instead of printing the rest of the metadata.
    return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace mysql_agent
