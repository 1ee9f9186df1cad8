#include "mysql_agent/io/peer_positions.hpp"

#include <future>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/http_get.hpp"

namespace mysql_agent {
namespace {

bool resolves(const std::string& host) {
    boost::asio::io_context ctx;
    boost::asio::ip::tcp::resolver resolver(ctx);
    boost::system::error_code ec;
    const auto results = resolver.resolve(host, "", ec);
    return !ec && !results.empty();
}

}  // namespace

std::vector<donor_address> discover_peers(const pod_identity& self, std::string_view service, std::uint16_t port,
                                          unsigned ordinals) {
    // Looked up together: with CoreDNS down every name waits for the resolver's timeout, once, not once per name.
    std::vector<std::pair<std::string, std::future<bool>>> lookups;
    for (std::uint32_t k = 0; k < ordinals; ++k) {
        if (k == self.ordinal) continue;
        std::string host = peer_host(self, k, service);
        auto done = std::async(std::launch::async, [host] { return resolves(host); });
        lookups.emplace_back(std::move(host), std::move(done));
    }
    std::vector<donor_address> peers;
    for (auto& [host, done] : lookups)
        if (done.get()) peers.push_back({host, port});
    return peers;
}

std::vector<peer_answer> ask_positions(const std::vector<donor_address>& peers, const std::optional<std::string>& token,
                                       const std::optional<tls_client_settings>& tls, std::chrono::milliseconds timeout) {
    std::vector<peer_answer> answers;
    for (const auto& peer : peers) {
        peer_answer a{peer, std::nullopt, ""};
        try {
            const auto res = http_get({.host = peer.host,
                                       .port = peer.port,
                                       .target = std::string(protocol::position_path),
                                       .bearer = token,
                                       .timeout = timeout,
                                       .body_limit = 64 * 1024,
                                       .tls = tls});
            if (res.status != 200) {
                a.problem = "HTTP " + std::to_string(res.status) + ": " + text::printable(text::trim(res.body));
            } else if (auto report = position_report_from_json(res.body)) {
                a.report = std::move(report).value();
            } else {
                a.problem = report.message();
            }
        } catch (const std::exception& e) {
            a.problem = e.what();
        }
        answers.push_back(std::move(a));
    }
    return answers;
}

}  // namespace mysql_agent
