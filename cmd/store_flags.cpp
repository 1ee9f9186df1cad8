#include "store_flags.hpp"

#include <unistd.h>

#include <cstdlib>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/objstore/ca_bundle.hpp"
#include "mysql_agent/io/secret_file.hpp"

namespace mysql_agent::cmd {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

objstore::s3_credentials credentials_of(const store_flags& f) {
    objstore::s3_credentials c;
    if (!f.access_key_file.empty() || !f.secret_key_file.empty()) {
        if (f.access_key_file.empty() || f.secret_key_file.empty())
            throw config_error("--access-key-file and --secret-key-file go together");
        c.access_key = read_secret_file(f.access_key_file, "--access-key-file");
        c.secret_key = read_secret_file(f.secret_key_file, "--secret-key-file");
        return c;
    }
    c.access_key = env_or("AWS_ACCESS_KEY_ID", "");
    c.secret_key = env_or("AWS_SECRET_ACCESS_KEY", "");
    if (c.access_key.empty() || c.secret_key.empty())
        throw config_error("no object store credentials: give --access-key-file and --secret-key-file (a mounted "
                           "Secret), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    return c;
}

}  // namespace

void add_store_flags(CLI::App& sub, store_flags& f, const std::string& url_flag, const std::string& help,
                     bool required, bool encryption) {
    f.url_flag = url_flag;
    auto* url = sub.add_option(url_flag, f.url, help);
    if (required) url->required();
    sub.add_option("--endpoint", f.endpoint,
                   "http(s)://HOST[:PORT] of an S3-compatible store (default: AWS S3 in --region)");
    sub.add_option("--region", f.region, "Region for signing (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1)");
    sub.add_option("--addressing", f.addressing, "path or virtual (default: path with --endpoint, virtual-hosted for AWS)");
    sub.add_option("--ca-file", f.ca_file, "CA bundle the store's certificate is verified against (https)");
    sub.add_option("--access-key-file", f.access_key_file,
                   "File holding the access key id (with --secret-key-file; default: AWS_ACCESS_KEY_ID)");
    sub.add_option("--secret-key-file", f.secret_key_file,
                   "File holding the secret access key (default: AWS_SECRET_ACCESS_KEY)");
    if (!encryption) return;
    sub.add_option("--encryption-key-file", f.encryption_key_file,
                   "File (a mounted Secret) holding the 32-byte key of client-side encryption (AES-256-GCM): 64 hex "
                   "digits, base64 (openssl rand -base64 32) or raw. `backup` encrypts with it; restore, verify and "
                   "--seed-from need it for an encrypted backup and refuse another key by its id");
}

std::optional<backup_store::encryption_key> encryption_key_of(const store_flags& f) {
    if (f.encryption_key_file.empty()) return std::nullopt;
    return backup_store::encryption_key::from_file(f.encryption_key_file, "--encryption-key-file");
}

objstore::s3_url store_url_of(const store_flags& f) {
    auto to = objstore::parse_s3_url(f.url);
    if (!to) throw config_error(f.url_flag + ": " + to.message());
    return *to;
}

objstore::s3_client_options store_options_of(const store_flags& f) {
    objstore::s3_client_options o;
    o.region = !f.region.empty() ? f.region : env_or("AWS_REGION", env_or("AWS_DEFAULT_REGION", "us-east-1"));
    if (!f.endpoint.empty()) {
        auto e = objstore::parse_endpoint(f.endpoint);
        if (!e) throw config_error(e.message());
        o.endpoint = *e;
        o.style = objstore::addressing::path;
    } else {
        o.endpoint = objstore::aws_endpoint(o.region);
        o.style = objstore::addressing::virtual_hosted;
    }
    if (f.addressing == "path")
        o.style = objstore::addressing::path;
    else if (f.addressing == "virtual")
        o.style = objstore::addressing::virtual_hosted;
    else if (!f.addressing.empty())
        throw config_error("--addressing " + f.addressing + ": expected path or virtual");
    if (!f.ca_file.empty()) {
        o.ca_file = f.ca_file;
    } else if (o.endpoint.https) {
        // Before any work starts: a scheduled backup in an image without a bundle fails here, not after its stream.
        auto found = objstore::first_ca_bundle(objstore::well_known_ca_bundles, [](std::string_view p) {
            return ::access(std::string(p).c_str(), R_OK) == 0;
        });
        if (!found) {
            const std::string endpoint =
                f.endpoint.empty() ? "https://" + o.endpoint.host : f.endpoint;
            throw tls_error(objstore::no_ca_bundle_message(endpoint, objstore::well_known_ca_bundles));
        }
        o.ca_file = std::move(*found);
        o.ca_file_found = true;
    }
    o.credentials = credentials_of(f);
    return o;
}

}  // namespace mysql_agent::cmd
