#pragma once
// The binlog archive's index records read from the store: every PREFIX/binlogs/NAME.json, each at most 64 KiB,
// parsed and checked against the NAME its key says (core/binlog_archive/archive_index.hpp). A record that does not
// parse is logged and left out: it names nothing a restore would follow. I/O layer (the S3 client).

#include <vector>

#include "mysql_agent/core/binlog_archive/archive_index.hpp"
#include "mysql_agent/core/objstore/s3_location.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"

namespace mysql_agent::binlog_archive {

std::vector<archived_binlog> read_archive(objstore::s3_client& client, const objstore::s3_url& at);

}  // namespace mysql_agent::binlog_archive
