#include "mysql_agent/io/reseed_request_file.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/clone_marker.hpp"
#include "mysql_agent/io/atomic_file.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/logging.hpp"

namespace mysql_agent {

/// A request is three short lines and a signature.
constexpr std::uint64_t request_limit = 64 * 1024;

void write_reseed_request(const std::filesystem::path& datadir, const reseed_request& request,
                          std::string_view token) {
    const std::string body = reseed_request_body(request);
    write_file_atomically(datadir / reseed_request_file, signed_reseed_request(body, hmac_sha256(token, body)),
                          atomic_write_options{.mode = 0640, .temp_dir = std::nullopt});
}

std::optional<reseed_request> read_reseed_request(const std::filesystem::path& datadir,
                                                  const std::optional<std::string>& token,
                                                  std::string_view self_hostname) {
    const auto path = datadir / reseed_request_file;
    const auto text = read_file_if_exists(path, request_limit);
    if (!text) return std::nullopt;
    std::optional<request_mac> mac;
    if (token) mac = [&key = *token](std::string_view bytes) { return hmac_sha256(key, bytes); };
    auto check = check_reseed_request(*text, mac, self_hostname, std::chrono::system_clock::now());
    if (check.accepted) return std::move(check.request);
    log_event(spdlog::level::err,
              "ignoring the re-seed request " + path.string() + ": " + check.why +
                  "; the data is kept. Remove the file (rm " + path.string() +
                  "), and run `mysql-agent reseed` in the sidecar container if a re-seed is wanted",
              {{"event", "reseed_request_ignored"}, {"file", path.string()}});
    return std::nullopt;
}

}  // namespace mysql_agent
