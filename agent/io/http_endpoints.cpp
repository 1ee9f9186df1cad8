#include "mysql_agent/io/http_endpoints.hpp"

#include <optional>

#include <boost/beast/http/field.hpp>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/agent_metrics.hpp"
#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/core/metrics_text.hpp"

namespace mysql_agent {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view healthz_path = "/healthz";
constexpr std::string_view readyz_path = "/readyz";
constexpr std::string_view metrics_path = "/metrics";

// Not a coroutine: [gcc12-braced-args] in clone_tool.hpp.
http_answer metrics_answer(std::string body) {
    if (!body.empty() && body.back() == '\n') body.pop_back();  // the server ends the body with one
    return with_header(plain_answer(http::status::ok, std::move(body)), "Content-Type",
                       std::string(metrics_content_type));
}

/// 200 or 503 with the probe's verdict (`live`: /healthz, else /readyz); nullopt: not checked.
http_answer verdict_answer(const std::string& peer, std::string_view path, bool live,
                           const std::optional<probe_verdict>& verdict) {
    http::status code = http::status::service_unavailable;
    std::string body = "not checked: too many health checks pending (is mysqld hanging?)";
    if (!verdict) {
        spdlog::warn("503 for {} on {}: {}", peer, path, body);
    } else {
        std::string kind = live ? "live" : "ready";
        if (verdict->ok) {
            code = http::status::ok;
        } else {
            kind = "not " + kind;
            spdlog::debug("503 for {} on {}: {}", peer, path, verdict->reason);
        }
        body = kind + ": " + verdict->reason;
    }
    return plain_answer(code, std::move(body));
}

}  // namespace

http_answer plain_answer(http::status code, std::string body) { return http_answer{code, std::move(body), {}}; }

http_answer with_header(http_answer answer, std::string name, std::string value) {
    answer.headers.emplace_back(std::move(name), std::move(value));
    return answer;
}

http_answer method_not_allowed() {
    return with_header(plain_answer(http::status::method_not_allowed, "method not allowed: use GET"), "Allow", "GET");
}

bool is_operational_path(std::string_view path) {
    return path == healthz_path || path == readyz_path || path == metrics_path;
}

boost::asio::awaitable<http_answer> answer_operational(health_checker& health, const backup_counters& counters,
                                                       const std::string& peer, http::verb method,
                                                       std::string_view path,
                                                       const std::function<std::vector<metric_family>()>& more_metrics) {
    if (method != http::verb::get) {
        spdlog::info("405 for {}: method {} on {}", peer, std::string(http::to_string(method)), path);
        co_return method_not_allowed();
    }
    if (path == metrics_path) {
        agent_metrics_facts facts;
        facts.version = MYSQL_AGENT_VERSION;
        facts.backups = counters.snapshot();
        auto gathered = co_await health.for_metrics();
        facts.health = std::move(gathered.health);
        facts.marker = gathered.marker.state;
        facts.clone = std::move(gathered.marker.marker);
        auto families = agent_metric_families(facts);
        if (more_metrics) {
            auto more = more_metrics();
            families.insert(families.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
        }
        co_return metrics_answer(render_metrics(families));
    }
    // [gcc12-await-temporaries] in health_checker.cpp: the verdict is a named local, not the conditional's result.
    const bool live = path == healthz_path;
    std::optional<probe_verdict> verdict;
    if (live)
        verdict = co_await health.live();
    else
        verdict = co_await health.ready();
    co_return verdict_answer(peer, path, live, verdict);
}

boost::asio::awaitable<http_answer> answer_position(health_checker& health, const std::string& peer) {
    auto answer = co_await health.position();
    if (!answer)
        co_return plain_answer(http::status::service_unavailable,
                               "not checked: too many checks pending (is mysqld hanging?)");
    if (!answer->ok) {
        spdlog::info("503 for {} on {}: {}", peer, protocol::position_path, answer->body);
        co_return plain_answer(http::status::service_unavailable, std::move(answer->body));
    }
    co_return with_header(plain_answer(http::status::ok, std::move(answer->body)), "Content-Type",
                          "application/json");
}

}  // namespace mysql_agent
