#include "mysql_agent/io/binlog_archive/archive_reader.hpp"

#include <spdlog/spdlog.h>

namespace mysql_agent::binlog_archive {

std::vector<archived_binlog> read_archive(objstore::s3_client& client, const objstore::s3_url& at) {
    const std::string folder = at.prefix + std::string(archive_folder);
    std::vector<archived_binlog> records;
    for (const auto& object : client.list_objects(at.bucket, folder)) {
        const std::string rest = object.key.substr(folder.size());
        if (rest.size() < 6 || rest.compare(rest.size() - 5, 5, ".json") != 0) continue;
        const std::string name = rest.substr(0, rest.size() - 5);
        auto record = parse_index(client.get_small_object(at.bucket, object.key, index_record_limit), name);
        if (!record) {
            spdlog::warn("binlog archive: s3://{}/{} is not used: {}", at.bucket, object.key, record.message());
            continue;
        }
        records.push_back(std::move(*record));
    }
    return records;
}

}  // namespace mysql_agent::binlog_archive
