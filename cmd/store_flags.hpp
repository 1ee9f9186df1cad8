#pragma once
// The object store flags, declared once: `backup` and `backups`.

#include <string>

#include <CLI/CLI.hpp>

#include "mysql_agent/core/objstore/s3_location.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"

namespace mysql_agent::cmd {

struct store_flags {
    std::string to;
    std::string endpoint;
    std::string region;
    std::string addressing;
    std::string ca_file;
    std::string access_key_file;
    std::string secret_key_file;
};

/// Adds --to (required), --endpoint, --region, --addressing, --ca-file, --access-key-file and --secret-key-file.
void add_store_flags(CLI::App& sub, store_flags& flags);

/// The client options the flags (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_DEFAULT_REGION)
/// say. Throws config_error.
objstore::s3_client_options store_options_of(const store_flags& flags);

/// --to, parsed. Throws config_error.
objstore::s3_url store_url_of(const store_flags& flags);

}  // namespace mysql_agent::cmd
