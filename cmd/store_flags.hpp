#pragma once
// The object store flags, declared once: `backup`, `backups`, `restore` and `init --seed-from`.

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "mysql_agent/core/objstore/s3_location.hpp"
#include "mysql_agent/io/backup_store/stream_cipher.hpp"
#include "mysql_agent/io/objstore/s3_client.hpp"

namespace mysql_agent::cmd {

struct store_flags {
    std::string url_flag = "--to";  ///< the flag that holds the s3:// address
    std::string url;
    std::string endpoint;
    std::string region;
    std::string addressing;
    std::string ca_file;
    std::string access_key_file;
    std::string secret_key_file;
    std::string encryption_key_file;
};

/// Adds `url_flag` (`required` or not; `help` says what is there), --endpoint, --region, --addressing, --ca-file,
/// --access-key-file, --secret-key-file and --encryption-key-file.
/// `encryption`: whether --encryption-key-file is one of them (not for a reader of listings and manifests only).
void add_store_flags(CLI::App& sub, store_flags& flags, const std::string& url_flag = "--to",
                     const std::string& help = "s3://BUCKET/PREFIX where backups are", bool required = true,
                     bool encryption = true);

/// The client options the flags (and AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_DEFAULT_REGION)
/// say. Throws config_error.
objstore::s3_client_options store_options_of(const store_flags& flags);

/// The key --encryption-key-file holds, or nullopt without the flag. Throws config_error naming the flag, never the
/// key.
std::optional<backup_store::encryption_key> encryption_key_of(const store_flags& flags);

/// The s3:// address, parsed. Throws config_error naming its flag.
objstore::s3_url store_url_of(const store_flags& flags);

}  // namespace mysql_agent::cmd
