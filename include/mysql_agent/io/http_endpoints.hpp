#pragma once
// What the sidecar answers on GET /healthz, /readyz and /metrics (no token) and GET /position (behind the token):
// the status, the body and its type, from the health checker's verdicts and the backup counters. The server
// routes, authorizes and writes them. I/O layer (Asio coroutines; the checks run off the event loop).

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include "mysql_agent/core/backup_counters.hpp"
#include "mysql_agent/core/metrics_text.hpp"
#include "mysql_agent/io/health_checker.hpp"

namespace mysql_agent {

/// A short response: the server writes it as text/plain unless `headers` says otherwise, and ends the body with
/// a newline.
struct http_answer {
    boost::beast::http::status status = boost::beast::http::status::ok;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

/// `code` with `body` and no extra header.
http_answer plain_answer(boost::beast::http::status code, std::string body);

/// `answer` with one more header field.
http_answer with_header(http_answer answer, std::string name, std::string value);

/// 405 that names the one method every path takes (Allow: GET).
http_answer method_not_allowed();

/// /healthz, /readyz or /metrics: served without a token, probed and scraped every few seconds.
bool is_operational_path(std::string_view path);

/// GET /healthz, /readyz (200 or 503 with the one-line verdict of `mysql-agent probe live|ready`) and /metrics
/// (Prometheus text format 0.0.4, agent_metrics.hpp); 405 for another method; 503 when too many checks are
/// pending. `peer` names the client in the log lines. `more_metrics` (when set) adds families after the agent's own
/// (the backup store's, sidecar --backup-status-from).
boost::asio::awaitable<http_answer> answer_operational(health_checker& health, const backup_counters& counters,
                                                       const std::string& peer, boost::beast::http::verb method,
                                                       std::string_view path,
                                                       const std::function<std::vector<metric_family>()>& more_metrics);

/// GET /position: where the local server stands (position_report.hpp) as JSON, for a peer choosing whom to
/// re-seed from; 503 with why when the server could not say or too many checks are pending.
boost::asio::awaitable<http_answer> answer_position(health_checker& health, const std::string& peer);

}  // namespace mysql_agent
