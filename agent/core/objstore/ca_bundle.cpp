#include "mysql_agent/core/objstore/ca_bundle.hpp"

namespace mysql_agent::objstore {

std::optional<std::string> first_ca_bundle(std::span<const std::string_view> candidates,
                                           const std::function<bool(std::string_view)>& readable) {
    for (const auto c : candidates)
        if (readable(c)) return std::string(c);
    return std::nullopt;
}

std::string no_ca_bundle_message(std::string_view endpoint, std::span<const std::string_view> candidates) {
    std::string looked;
    for (const auto c : candidates) looked += (looked.empty() ? "" : ", ") + std::string(c);
    return "no CA bundle to verify the store " + std::string(endpoint) + " against: none of " + looked +
           " is readable in this container; give --ca-file (a mounted ConfigMap or Secret holding the CA's PEM) "
           "or run the agent in an image with ca-certificates";
}

}  // namespace mysql_agent::objstore
