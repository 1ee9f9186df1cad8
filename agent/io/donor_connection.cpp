#include "mysql_agent/io/donor_connection.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>
#include <variant>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/backoff.hpp"
#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/core/stream_encoding.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/io/progress.hpp"

namespace mysql_agent {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

/// Room for one receive from the socket (Beast reads at most 64 KiB per read_some).
constexpr std::size_t socket_read_bytes = 128 * 1024;
/// The response's header section (status line and fields); ours is a few hundred bytes.
constexpr std::uint32_t response_header_limit = 64 * 1024;

/// A failure before the donor answered 200, which another attempt may not meet.
struct retryable_failure {
    explicit retryable_failure(std::string m, std::optional<std::chrono::seconds> after = std::nullopt)
        : message(std::move(m)), retry_after(after) {}
    std::string message;
    std::optional<std::chrono::seconds> retry_after;  ///< the donor asked for this delay (503)
};

/// One attempt's end: the connection at the start of the body, or why another attempt may do better.
using attempt_result = std::variant<std::unique_ptr<donor_response>, retryable_failure>;

asio::awaitable<std::optional<retryable_failure>> secure(donor_response& response, const clone_options& o,
                                                         clock::time_point by);

/// Resolves and connects within --connect-timeout, trying every address of the donor's name; with --tls-ca,
/// secures the connection too.
asio::awaitable<attempt_result> connect_to_donor(const clone_options& o, const deadlines& dl) {
    auto ex = co_await asio::this_coro::executor;
    const std::string donor = o.donor.to_string();
    const auto connect_by = dl.within(o.connect_timeout);
    const std::string timeout_hint = fmt::format("within --connect-timeout {}", seconds_text(o.connect_timeout));

    tcp::resolver resolver(ex);
    auto resolved = co_await before(
        resolver.async_resolve(o.donor.host, std::to_string(o.donor.port), nothrow_awaitable), connect_by);
    if (!resolved)
        co_return retryable_failure{fmt::format("cannot resolve donor host {} {}", o.donor.host, timeout_hint)};
    auto [resolve_ec, endpoints] = std::move(*resolved);
    if (resolve_ec)
        co_return retryable_failure{
            fmt::format("cannot resolve donor host {}: {} (in Kubernetes, the peer's DNS name "
                        "exists only once its pod is scheduled)",
                        o.donor.host, resolve_ec.message())};

    auto response = std::make_unique<donor_response>(ex);
    std::string last_error = "no address";
    for (const auto& entry : endpoints) {
        boost::system::error_code ec;
        response->stream.socket().close(ec);
        const auto connected =
            co_await before(response->stream.socket().async_connect(entry.endpoint(), nothrow_awaitable), connect_by);
        if (!connected) {
            last_error = fmt::format("{}: no answer {}", entry.endpoint().address().to_string(), timeout_hint);
            break;
        }
        if (auto [cec] = *connected; !cec) {
            response->stream.socket().set_option(tcp::no_delay(true), ec);
            if (!o.tls) co_return std::move(response);
            if (auto failed = co_await secure(*response, o, connect_by)) co_return std::move(*failed);
            co_return std::move(response);
        } else {
            last_error = fmt::format("{}: {}", entry.endpoint().address().to_string(), cec.message());
        }
    }
    co_return retryable_failure{
        fmt::format("cannot connect to donor {} ({}): is its sidecar running and serving "
                    "backups on port {}?",
                    donor, last_error, o.donor.port)};
}

/// How long a connection that failed below TLS is read from for the alert the donor may have sent before it; the
/// socket was reset or closed, so what is there comes at once.
constexpr auto alert_wait = std::chrono::seconds(2);

/// Throws tls_error for `ec`, a TLS failure with the donor (its alert, our verification).
[[noreturn]] void tls_failed(const donor_response& response, const boost::system::error_code& ec,
                             const std::string& donor) {
    throw tls_error(tls_failure_message(client_handshake_failure(response.tls_check, ec, donor)));
}

/// The TLS handshake with the donor, its certificate checked against --tls-ca and its name. nullopt: secured.
/// A handshake that TLS refuses (an alert, a certificate that does not verify) is final for this donor
/// (tls_error); one that does not finish in time, or that the donor closes without an alert (over its
/// --max-connections, restarting), is retried.
asio::awaitable<std::optional<retryable_failure>> secure(donor_response& response, const clone_options& o,
                                                         clock::time_point by) {
    const std::string donor = o.donor.to_string();
    begin_client_tls(response.stream, *o.tls, o.donor.host, response.tls_check);
    const auto shaken =
        co_await before(response.stream.tls()->async_handshake(nothrow_awaitable), by);
    if (!shaken)
        co_return retryable_failure{fmt::format("donor {} accepted the connection but did not finish the TLS "
                                                "handshake within --connect-timeout {}",
                                                donor, seconds_text(o.connect_timeout))};
    const auto [ec] = *shaken;
    if (!ec) co_return std::nullopt;
    if (is_tls_failure(ec)) tls_failed(response, ec, donor);
    if (const auto alert = co_await peer_alert(response.stream, clock::now() + alert_wait))
        tls_failed(response, *alert, donor);
    co_return retryable_failure{fmt::format("donor {} closed the connection during the TLS handshake ({}): busy "
                                            "(its --max-connections) or restarting?",
                                            donor, ec.message())};
}

/// Sends GET /backup (with the bearer token, if any, and the compression it takes). nullopt: sent.
asio::awaitable<std::optional<retryable_failure>> send_request(donor_response& response, const clone_options& o,
                                                               const deadlines& dl) {
    const std::string donor = o.donor.to_string();
    http::request<http::empty_body> request{http::verb::get, std::string(protocol::backup_path), 11};
    request.set(http::field::host, donor);
    request.set(http::field::user_agent, "mysql-agent/" MYSQL_AGENT_VERSION);
    if (o.token) request.set(http::field::authorization, "Bearer " + *o.token);
    if (o.compression.codec == protocol::stream_codec::zstd) {
        request.set(http::field::accept_encoding, protocol::zstd_token);
        request.set(protocol::header_zstd_level, std::to_string(o.compression.level));
    }
    const auto written =
        co_await before(http::async_write(response.stream, request, nothrow_awaitable), dl.within(o.idle_timeout));
    if (written && std::get<0>(*written) && o.tls) {
        // TLS 1.3 checks our certificate after our side of the handshake: a donor that refuses it sends its
        // alert and closes, and its reset can fail this write before the alert is read.
        const auto ec = std::get<0>(*written);
        if (is_tls_failure(ec)) tls_failed(response, ec, donor);
        if (const auto alert = co_await peer_alert(response.stream, clock::now() + alert_wait))
            tls_failed(response, *alert, donor);
    }
    if (!written || std::get<0>(*written))
        co_return retryable_failure{fmt::format("cannot send the backup request to donor {}: {}", donor,
                                                written ? std::get<0>(*written).message() : "timed out")};
    co_return std::nullopt;
}

/// Reads the response's status line and header fields. nullopt: read. Throws clone_failed_error for a header
/// larger than our sidecar ever sends.
asio::awaitable<std::optional<retryable_failure>> read_header(donor_response& response, const clone_options& o,
                                                              const deadlines& dl) {
    const std::string donor = o.donor.to_string();
    auto& parser = *response.parser;
    // The body is a whole datadir: no size limit (Beast's default for responses is 8 MB).
    parser.body_limit(boost::none);
    const auto header =
        co_await before(http::async_read_header(response.stream, response.buffer, parser, nothrow_awaitable),
                        dl.within(o.idle_timeout));
    if (!header)
        co_return retryable_failure{
            fmt::format("donor {} accepted the connection but sent no response within "
                        "--idle-timeout {}",
                        donor, seconds_text(o.idle_timeout))};
    if (const auto ec = std::get<0>(*header)) {
        if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
            throw clone_failed_error(fmt::format(
                "donor {} sent a response header larger than {} bytes: it is not a mysql-agent sidecar", donor,
                response_header_limit));
        // TLS 1.3 checks a client certificate after the client's side of the handshake: a refusal arrives here.
        if (o.tls && is_tls_failure(ec)) tls_failed(response, ec, donor);
        co_return retryable_failure{
            fmt::format("donor {} closed the connection without a valid response: {}", donor, ec.message())};
    }
    co_return std::nullopt;
}

/// 401: the token is wrong or missing, which no retry changes.
[[noreturn]] void token_refused(const std::string& answered, const clone_options& o) {
    if (o.token)
        throw unauthorized_error(answered +
                                 ": the token in --auth-token-file does not match the donor's; both pods "
                                 "must mount the same Secret (the donor reads it at startup: restart it "
                                 "after rotating the Secret)");
    throw unauthorized_error(answered +
                             ": the donor requires a bearer token; pass --auth-token-file with the "
                             "token from the donor's Secret");
}

/// A 400 or 403 that names the sidecar's TLS requirement (backup_server.cpp): a flag must change here.
void tls_refused(const std::string& answered, const donor_response& response, const clone_options& o) {
    const auto why = response.field(protocol::header_tls);
    if (!why) return;
    if (*why == protocol::tls_required)
        throw tls_error(answered + ": its sidecar serves TLS only (--tls-cert): pass --tls-ca with the CA that signed "
                                   "its certificate");
    if (*why == protocol::tls_client_certificate_required)
        throw tls_error(answered + (o.tls && o.tls->cert ? ": it did not accept our client certificate"
                                                         : ": it requires a client certificate signed by its "
                                                           "--tls-client-ca: pass --tls-cert and --tls-key"));
}

/// 503: busy, retried after the donor's Retry-After when it sent a usable one.
retryable_failure donor_busy(const std::string& answered, const donor_response& response) {
    std::optional<std::chrono::seconds> after;
    if (const auto text = response.field("Retry-After"))
        if (const auto s = protocol::parse_retry_after(*text)) after = std::chrono::seconds(*s);
    return retryable_failure{
        answered + fmt::format(": it is busy (serving its maximum number of backups, or shutting down){}",
                               after ? fmt::format(" and asked to retry after {} s", after->count()) : ""),
        after};
}

/// What the donor's status means: 200 hands the connection over, 503 and 5xx are retried, 401 and anything
/// else throw.
attempt_result classify_answer(std::unique_ptr<donor_response> response, const clone_options& o) {
    const auto& head = response->parser->get();
    const unsigned status = head.result_int();
    if (status == 200) return response;
    const std::string answered =
        fmt::format("donor {} answered HTTP {} {}", o.donor.to_string(), status, std::string(head.reason()));
    if (status == 401) token_refused(answered, o);
    tls_refused(answered, *response, o);
    if (status == 503) return donor_busy(answered, *response);
    if (status >= 500) return retryable_failure{answered};
    throw no_donor_error(answered + fmt::format(" to GET {}: it is not a compatible mysql-agent sidecar; check that "
                                                "--from names the donor's backup port",
                                                protocol::backup_path));
}

/// One attempt: connect, send GET /backup, read the response header. Returns the connection when the
/// donor answered 200; a retryable failure otherwise; throws for answers that retrying cannot change.
asio::awaitable<attempt_result> request_backup(const clone_options& o, const deadlines& dl) {
    auto connected = co_await connect_to_donor(o, dl);
    if (connected.index() == 1) co_return std::move(connected);
    auto response = std::get<0>(std::move(connected));
    if (auto failed = co_await send_request(*response, o, dl)) co_return std::move(*failed);
    if (auto failed = co_await read_header(*response, o, dl)) co_return std::move(*failed);
    co_return classify_answer(std::move(response), o);
}

/// How often and how long request_backup_with_retries may try: --max-attempts, and --retry-for from the first
/// attempt but never past --timeout.
class retry_budget {
public:
    retry_budget(const clone_options& o, const deadlines& dl)
        : o_(o), dl_(dl), first_try_(clock::now()),
          give_up_at_(std::min(dl.overall(), o.retry_for.count() > 0 ? first_try_ + o.retry_for
                                                                     : clock::time_point::max())) {}

    /// Throws no_donor_error when attempt number `attempt`, which ended in `failure`, is the last: the attempts
    /// are used up, or waiting `delay` more would pass --retry-for or --timeout.
    void give_up_if_spent(const retryable_failure& failure, unsigned attempt, std::chrono::milliseconds delay) const {
        const auto spent = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - first_try_);
        if (o_.max_attempts > 0 && attempt >= o_.max_attempts)
            throw no_donor_error(fmt::format("{}; gave up after {} attempt{} in {} (--max-attempts {})",
                                             failure.message, attempt, attempt == 1 ? "" : "s",
                                             format_duration(spent), o_.max_attempts));
        if (clock::now() + delay > give_up_at_)
            throw no_donor_error(fmt::format(
                "{}; gave up after {} attempt{} in {}: waiting {} more would pass {}", failure.message, attempt,
                attempt == 1 ? "" : "s", format_duration(spent), seconds_text(delay),
                give_up_at_ == dl_.overall() ? "--timeout" : fmt::format("--retry-for {}", seconds_text(o_.retry_for))));
    }

private:
    const clone_options& o_;
    const deadlines& dl_;
    clock::time_point first_try_;
    clock::time_point give_up_at_;
};

}  // namespace

donor_response::donor_response(asio::any_io_executor ex)
    : stream(ex), buffer(response_buffer_limit), parser(std::make_unique<parser_type>()) {
    // Beast reads at most the buffer's free capacity (minimum 512 bytes) per receive: without room, a
    // multi-gigabyte body would arrive in 512-byte reads.
    buffer.reserve(socket_read_bytes);
    parser->header_limit(response_header_limit);
}

std::optional<std::string> donor_response::field(std::string_view name) const {
    const auto& fields = parser->get().base();
    const auto it = fields.find(beast::string_view(name.data(), name.size()));
    if (it == fields.end()) return std::nullopt;
    return std::string(it->value());
}

asio::awaitable<std::unique_ptr<donor_response>> request_backup_with_retries(const clone_options& o,
                                                                             const deadlines& dl) {
    auto ex = co_await asio::this_coro::executor;
    const retry_budget budget(o, dl);
    std::mt19937_64 rng(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (unsigned attempt = 1;; ++attempt) {
        auto outcome = co_await request_backup(o, dl);
        if (outcome.index() == 0) co_return std::get<0>(std::move(outcome));
        const auto& failure = std::get<1>(outcome);

        const auto delay = failure.retry_after
                               ? std::chrono::duration_cast<std::chrono::milliseconds>(*failure.retry_after)
                               : full_jitter_backoff(attempt, o.first_backoff, o.max_backoff, unit(rng));
        budget.give_up_if_spent(failure, attempt, delay);
        spdlog::warn("{} (attempt {}{}); retrying in {}", failure.message, attempt,
                     o.max_attempts > 0 ? fmt::format(" of {}", o.max_attempts) : "", seconds_text(delay));
        asio::steady_timer pause(ex, delay);
        co_await pause.async_wait(asio::use_awaitable);
    }
}

}  // namespace mysql_agent
