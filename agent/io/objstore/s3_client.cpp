#include "mysql_agent/io/objstore/s3_client.hpp"

#include "mysql_agent/core/objstore/ca_bundle.hpp"

#include <algorithm>
#include <ctime>
#include <exception>
#include <random>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http/span_body.hpp>

#include "mysql_agent/core/backoff.hpp"
#include "mysql_agent/core/objstore/sigv4.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/core/tls_diagnosis.hpp"
#include "mysql_agent/io/deadline.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/net_stream.hpp"
#include "mysql_agent/io/tls_context.hpp"

namespace mysql_agent::objstore {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

/// One request as the methods describe it.
struct s3_client::call {
    http::verb method = http::verb::get;
    std::string bucket;
    std::string key;  ///< empty: the bucket
    std::vector<std::pair<std::string, std::string>> query;
    std::string_view body;
    std::string body_md5;  ///< the body's MD5 (16 bytes) when the caller has it already; computed when empty
    bool no_such_key_ok = false;  ///< DELETE, abort: gone already is done
    /// GET streamed: each piece of the body; none: the body is read whole, up to answer_limit.
    const std::function<void(std::string_view)>* sink = nullptr;
    std::size_t limit = 0;  ///< 0: answer_limit
    std::string what;       ///< "PUT object", ... for messages
    /// A streamed GET resumed after a cut: its bytes from here on (Range), of the object it began on (If-Match).
    std::uint64_t range_from = 0;
    std::string if_match;
    std::uint64_t* delivered = nullptr;  ///< counts the bytes given to the sink, across attempts
    std::string* etag_seen = nullptr;    ///< the ETag of the first 200 answer
};

struct s3_client::cancel_state {
    std::mutex mutex;
    std::condition_variable changed;
    bool cancelled = false;
    asio::io_context* running = nullptr;  ///< the request's own loop while it runs
};

struct s3_client::answer {
    unsigned status = 0;
    std::string body;
    std::string etag;
    std::uint64_t streamed = 0;  ///< bytes given to the sink
};

namespace {

constexpr std::uint32_t header_limit = 16 * 1024;
constexpr std::size_t error_limit = 64 * 1024;
const std::string empty_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// A body this large is sent with x-amz-content-sha256: UNSIGNED-PAYLOAD: its Content-MD5, a signed header, binds it
/// to the signature and the store checks it (S3 and Swift's s3api refuse BadDigest), so hashing it a second time with
/// SHA-256 would only cost CPU: 0.27 s per 419 MB here, a part's MD5 being computed once and reused.
/// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
constexpr std::size_t unsigned_payload_from = 1u << 20;
const std::string unsigned_payload = "UNSIGNED-PAYLOAD";

std::string amz_date_now() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

/// A failure below HTTP (resolve, connect, send, read, a deadline): transient.
struct transport_failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void fail_on(const boost::system::error_code& ec, const std::string& step) {
    if (ec) throw transport_failure(step + ": " + ec.message());
}


}  // namespace

s3_error::s3_error(s3_failure failure_kind, unsigned http_status, std::string s3_code, const std::string& message)
    : agent_error(failure_kind == s3_failure::denied      ? exit_code::store_denied
                  : failure_kind == s3_failure::no_bucket ? exit_code::store_no_bucket
                                                          : exit_code::store_failed,
                  message),
      kind(failure_kind),
      status(http_status),
      code(std::move(s3_code)) {}

s3_client::s3_client(s3_client_options options)
    : options_(std::move(options)), cancel_(std::make_unique<cancel_state>()) {}

s3_client::~s3_client() = default;

void s3_client::cancel() noexcept {
    std::lock_guard<std::mutex> lock(cancel_->mutex);
    cancel_->cancelled = true;
    if (cancel_->running != nullptr) cancel_->running->stop();  // run() returns; the request is abandoned
    cancel_->changed.notify_all();
}

namespace {

s3_client::call request(http::verb method, std::string_view bucket, std::string_view key, std::string what,
                        std::vector<std::pair<std::string, std::string>> query = {}) {
    s3_client::call c;
    c.method = method;
    c.bucket = bucket;
    c.key = key;
    c.what = std::move(what);
    c.query = std::move(query);
    return c;
}

}  // namespace

namespace {

asio::awaitable<void> connect_to(net_stream& stream, const s3_target& t, clock_type::time_point deadline) {
    tcp::resolver resolver(co_await asio::this_coro::executor);
    auto resolved = co_await before(resolver.async_resolve(t.connect_host, std::to_string(t.port), nothrow_awaitable),
                                    deadline);
    if (!resolved) throw transport_failure("resolving " + t.connect_host + ": no answer in time");
    auto [rec, endpoints] = *resolved;
    fail_on(rec, "resolving " + t.connect_host);
    boost::system::error_code last = asio::error::host_not_found;
    for (const auto& e : endpoints) {
        boost::system::error_code ignored;
        stream.socket().close(ignored);
        auto connected = co_await before(stream.socket().async_connect(e.endpoint(), nothrow_awaitable), deadline);
        if (!connected) throw transport_failure("connecting to " + t.connect_host + ": no answer in time");
        if (!std::get<0>(*connected)) co_return;
        last = std::get<0>(*connected);
    }
    fail_on(last, "connecting to " + t.connect_host);
}

}  // namespace

s3_client::answer s3_client::exchange_once(const call& c) {
    const s3_target t = target_for(options_.endpoint, options_.style, c.bucket, c.key);
    // The body as sent: its digests first, then (tests) the damage a fault injector does on the way.
    std::string damaged;
    std::string_view body = c.body;
    const bool has_body = c.method == http::verb::put || c.method == http::verb::post;
    const std::string payload_sha256 = !has_body                            ? empty_sha256
                                       : body.size() >= unsigned_payload_from ? unsigned_payload
                                                                              : text::to_hex(sha256(body));
    const std::string content_md5 = !has_body ? "" : text::to_base64(c.body_md5.empty() ? md5(body) : c.body_md5);
    if (has_body && options_.damage_body) {
        damaged = std::string(body);
        options_.damage_body(damaged);
        body = damaged;
    }
    const std::string amz_date = amz_date_now();
    sigv4_request sr;
    sr.method = std::string(http::to_string(c.method));
    sr.path = t.path;
    sr.query = c.query;
    sr.headers = {{"host", t.host_header}, {"x-amz-date", amz_date}, {"x-amz-content-sha256", payload_sha256}};
    if (has_body) sr.headers.emplace_back("content-md5", content_md5);
    sr.payload_sha256_hex = payload_sha256;
    const std::string authorization = sigv4_authorization(sr, options_.credentials, amz_date, options_.region);
    std::string target = uri_encode(t.path, true);
    if (!c.query.empty()) target += "?" + canonical_query(c.query);

    http::request<http::span_body<const char>> req{c.method, target, 11};
    req.set(http::field::host, t.host_header);
    req.set(http::field::user_agent, "mysql-agent/" MYSQL_AGENT_VERSION);
    req.set("x-amz-date", amz_date);
    req.set("x-amz-content-sha256", payload_sha256);
    req.set(http::field::authorization, authorization);
    if (has_body) req.set("Content-MD5", content_md5);
    if (c.range_from > 0) req.set(http::field::range, "bytes=" + std::to_string(c.range_from) + "-");
    if (!c.if_match.empty()) req.set(http::field::if_match, c.if_match);
    req.keep_alive(false);
    req.body() = boost::span<const char>(body.data(), body.size());
    req.prepare_payload();

    const auto send_budget = options_.timeout + std::chrono::seconds(body.size() >> 20);
    const std::size_t limit = c.limit ? c.limit : options_.answer_limit;
    asio::io_context ctx;
    std::optional<answer> got;
    std::exception_ptr failure;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            net_stream stream(co_await asio::this_coro::executor);
            co_await connect_to(stream, t, clock_type::now() + options_.timeout);
            if (options_.endpoint.https) {
                tls_client_settings settings;
                // The caller found the bundle (cmd/store_flags.cpp looks where the distributions put it); else Debian's.
                settings.ca = options_.ca_file.value_or(std::string(well_known_ca_bundles[0]));
                tls_peer_check check;
                begin_client_tls(stream, settings, t.connect_host, check);
                auto hs = co_await before(stream.tls()->async_handshake(nothrow_awaitable),
                                          clock_type::now() + options_.timeout);
                if (!hs) throw transport_failure("TLS handshake with " + t.connect_host + ": no answer in time");
                if (const auto ec = std::get<0>(*hs)) {
                    auto facts = client_handshake_failure(check, ec, t.connect_host + ":" + std::to_string(t.port));
                    facts.peer_kind = tls_peer_kind::store;
                    facts.ca_from_flag = options_.ca_file.has_value() && !options_.ca_file_found;
                    throw tls_error(tls_failure_message(facts));
                }
            }
            auto sent = co_await before(http::async_write(stream, req, nothrow_awaitable), clock_type::now() + send_budget);
            if (!sent) throw transport_failure("sending the request: not done in time");
            fail_on(std::get<0>(*sent), "sending the request");

            beast::flat_buffer buffer;
            answer a;
            if (c.sink) {
                http::response_parser<http::buffer_body> parser;
                parser.header_limit(header_limit);
                parser.body_limit(boost::none);
                auto header = co_await before(http::async_read_header(stream, buffer, parser, nothrow_awaitable),
                                              clock_type::now() + options_.timeout);
                if (!header) throw transport_failure("reading the answer: none in time");
                fail_on(std::get<0>(*header), "reading the answer");
                a.status = parser.get().result_int();
                const unsigned expected = c.range_from > 0 ? 206 : 200;
                if (a.status == 200 && c.range_from > 0)
                    throw s3_error(s3_failure::refused, a.status, "",
                                   "the store answered a resumed download (Range from byte " +
                                       std::to_string(c.range_from) + ") with the whole object");
                if (a.status == 206 && c.range_from > 0) {
                    const std::string range(parser.get()[http::field::content_range]);
                    if (range.rfind("bytes " + std::to_string(c.range_from) + "-", 0) != 0)
                        throw s3_error(s3_failure::refused, a.status, "",
                                       "the store answered a resumed download from byte " +
                                           std::to_string(c.range_from) + " with another range: '" +
                                           text::printable(range) + "'");
                }
                if (a.status == expected) {
                    if (c.etag_seen && c.range_from == 0) *c.etag_seen = std::string(parser.get()[http::field::etag]);
                    std::vector<char> piece(1 << 20);
                    auto hand_on = [&](std::size_t n) {
                        (*c.sink)(std::string_view(piece.data(), n));
                        a.streamed += n;
                        if (c.delivered) *c.delivered += n;
                    };
                    if (const auto length = parser.content_length(); length && !parser.chunked()) {
                        // A body of known length is read from the socket straight into the piece, as much as has
                        // arrived per read (up to 1 MiB), not through the parser's 64 KiB reads and a second copy:
                        // a restore's download spent a tenth of its CPU in those.
                        std::uint64_t left = *length;
                        while (left > 0) {
                            std::size_t n = 0;
                            if (buffer.size() > 0) {  // what came with the header
                                n = asio::buffer_copy(asio::buffer(piece.data(), std::min<std::uint64_t>(left, piece.size())),
                                                      buffer.data());
                                buffer.consume(n);
                            } else {
                                auto read = co_await before(
                                    stream.async_read_some(
                                        asio::buffer(piece.data(), std::min<std::uint64_t>(left, piece.size())),
                                        nothrow_awaitable),
                                    clock_type::now() + options_.timeout);
                                if (!read) throw transport_failure("reading the object: no bytes for " +
                                                                   seconds_text(options_.timeout));
                                n = std::get<1>(*read);
                                if (n > 0) {
                                    left -= n;
                                    hand_on(n);  // bytes that arrived before a cut are handed on
                                }
                                if (const auto ec = std::get<0>(*read))
                                    fail_on(ec == asio::error::eof ? http::error::partial_message : ec,
                                            "reading the object");
                                continue;
                            }
                            left -= n;
                            hand_on(n);
                        }
                        got.emplace(std::move(a));
                        co_return;
                    }
                    while (!parser.is_done()) {
                        parser.get().body().data = piece.data();
                        parser.get().body().size = piece.size();
                        auto read = co_await before(http::async_read(stream, buffer, parser, nothrow_awaitable),
                                                    clock_type::now() + options_.timeout);
                        if (!read) throw transport_failure("reading the object: no bytes for " +
                                                           seconds_text(options_.timeout));
                        const auto ec = std::get<0>(*read);
                        // The bytes that arrived before a cut are handed on: a resumed request starts after them.
                        const std::size_t n = piece.size() - parser.get().body().size;
                        if (n > 0) hand_on(n);
                        if (ec && ec != http::error::need_buffer) fail_on(ec, "reading the object");
                    }
                    got.emplace(std::move(a));
                    co_return;
                }
                // An error's body: read a bounded amount of it for its Code.
                std::string err;
                std::vector<char> piece(64 * 1024);
                while (!parser.is_done() && err.size() < error_limit) {
                    parser.get().body().data = piece.data();
                    parser.get().body().size = piece.size();
                    auto read = co_await before(http::async_read(stream, buffer, parser, nothrow_awaitable),
                                                clock_type::now() + options_.timeout);
                    if (!read) break;
                    const auto ec = std::get<0>(*read);
                    err.append(piece.data(), piece.size() - parser.get().body().size);
                    if (ec && ec != http::error::need_buffer) break;
                }
                a.body = std::move(err);
                got.emplace(std::move(a));
                co_return;
            }
            http::response_parser<http::string_body> parser;
            parser.header_limit(header_limit);
            // An error's XML may be longer than a small object's limit: it is read up to error_limit.
            parser.body_limit(std::max(limit, error_limit));
            if (c.method == http::verb::head) parser.skip(true);
            auto read = co_await before(http::async_read(stream, buffer, parser, nothrow_awaitable),
                                        clock_type::now() + options_.timeout);
            if (!read) throw transport_failure("reading the answer: none in time");
            if (std::get<0>(*read) == http::error::body_limit)
                throw s3_error(s3_failure::refused, parser.get().result_int(), "",
                               "the answer is larger than " + std::to_string(limit) + " bytes");
            fail_on(std::get<0>(*read), "reading the answer");
            a.status = parser.get().result_int();
            a.etag = std::string(parser.get()[http::field::etag]);
            a.body = std::move(parser.get().body());
            if (a.status / 100 == 2 && a.body.size() > limit)
                throw s3_error(s3_failure::refused, a.status, "",
                               "the answer is larger than " + std::to_string(limit) + " bytes");
            got.emplace(std::move(a));
        },
        [&](std::exception_ptr e) { failure = e; });
    {
        std::lock_guard<std::mutex> lock(cancel_->mutex);
        if (cancel_->cancelled) throw s3_cancelled("the request was cancelled");
        cancel_->running = &ctx;
    }
    ctx.run();
    {
        std::lock_guard<std::mutex> lock(cancel_->mutex);
        cancel_->running = nullptr;
        if (cancel_->cancelled) throw s3_cancelled("the request was cancelled");
    }
    ++requests_;
    if (failure) std::rethrow_exception(failure);
    return std::move(*got);
}

s3_client::answer s3_client::send(const call& c) {
    const std::string where = c.what + " " + describe(options_.endpoint, options_.style, c.bucket, c.key);
    std::mt19937_64 random(std::random_device{}());
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::string last;
    // A streamed GET cut after some bytes resumes where it stopped, on the same object (its ETag), within the
    // same attempts: a cut an hour into a restore costs one request, not the hour.
    call resumable = c;
    std::uint64_t delivered = 0;
    std::string etag;
    if (c.sink) {
        resumable.delivered = &delivered;
        resumable.etag_seen = &etag;
    }
    for (unsigned attempt = 1;; ++attempt) {
        unsigned status = 0;
        std::string code;
        resumable.range_from = delivered;
        resumable.if_match = delivered > 0 ? etag : "";
        try {
            answer a = exchange_once(resumable);
            a.streamed = delivered;
            status = a.status;
            if (status >= 200 && status < 300) return a;
            if (c.no_such_key_ok && status == 404) return a;
            if (const auto e = parse_error(a.body)) {
                code = e->code;
                last = "HTTP " + std::to_string(status) + " " + e->code + ": " + text::printable(e->message);
            } else {
                last = "HTTP " + std::to_string(status);
            }
            if (c.no_such_key_ok && code == "NoSuchUpload") return a;
            // A resumed GET refused (the object changed: 412) is not retried.
            if (delivered > 0 && status != 0 && status / 100 != 5)
                throw s3_error(classify(status, code), status, code, where + " failed: " + last);
        } catch (const transport_failure& e) {
            last = e.what();
        } catch (const s3_error& e) {
            throw s3_error(e.kind, e.status, e.code, where + " failed: " + e.what());
        }
        const s3_failure kind = classify(status, code);
        if (kind != s3_failure::transient || attempt >= options_.attempts)
            throw s3_error(kind, status, code,
                           where + " failed" + (attempt > 1 ? " after " + std::to_string(attempt) + " attempts" : "") +
                               ": " + last);
        // The backoff, cut short by cancel().
        std::unique_lock<std::mutex> lock(cancel_->mutex);
        cancel_->changed.wait_for(lock,
                                  full_jitter_backoff(attempt, options_.backoff_first, options_.backoff_cap, unit(random)),
                                  [&] { return cancel_->cancelled; });
        if (cancel_->cancelled) throw s3_cancelled("the request was cancelled");
    }
}

void s3_client::check_bucket(std::string_view bucket) {
    const call c = request(http::verb::head, bucket, "", "HEAD bucket");
    try {
        send(c);
    } catch (const s3_error& e) {
        // HEAD answers carry no body: a 404 on a bucket is NoSuchBucket.
        if (e.status == 404)
            throw s3_error(s3_failure::no_bucket, 404, "NoSuchBucket",
                           std::string(e.what()) + " (no such bucket: create it, or fix the s3:// address)");
        if (e.kind == s3_failure::denied)
            throw s3_error(e.kind, e.status, e.code,
                           std::string(e.what()) + " (the store refused these credentials for this bucket)");
        throw;
    }
}

void s3_client::put_object(std::string_view bucket, std::string_view key, std::string_view body) {
    call c = request(http::verb::put, bucket, key, "PUT object");
    c.body = body;
    send(c);
}

std::string s3_client::create_upload(std::string_view bucket, std::string_view key) {
    const call c = request(http::verb::post, bucket, key, "CreateMultipartUpload", {{"uploads", ""}});
    const answer a = send(c);
    auto id = parse_upload_id(a.body);
    if (!id) throw s3_error(s3_failure::refused, a.status, "", c.what + ": " + id.message());
    return *id;
}

std::string s3_client::upload_part(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                   std::uint32_t number, std::string_view body, std::string_view body_md5) {
    call c = request(http::verb::put, bucket, key, "UploadPart " + std::to_string(number) + " of",
                     {{"partNumber", std::to_string(number)}, {"uploadId", std::string(upload_id)}});
    c.body = body;
    c.body_md5 = std::string(body_md5);
    const answer a = send(c);
    if (a.etag.empty()) throw s3_error(s3_failure::refused, a.status, "", c.what + ": the answer has no ETag");
    return a.etag;
}

void s3_client::complete_upload(std::string_view bucket, std::string_view key, std::string_view upload_id,
                                const std::vector<completed_part>& parts) {
    const std::string body = complete_upload_body(parts);
    call c = request(http::verb::post, bucket, key, "CompleteMultipartUpload", {{"uploadId", std::string(upload_id)}});
    c.body = body;
    const answer a = send(c);
    if (const auto checked = check_complete_answer(a.body); !checked)
        throw s3_error(s3_failure::refused, a.status, "", c.what + " of " + std::string(key) + ": " + checked.message());
}

void s3_client::abort_upload(std::string_view bucket, std::string_view key, std::string_view upload_id) {
    call c = request(http::verb::delete_, bucket, key, "AbortMultipartUpload", {{"uploadId", std::string(upload_id)}});
    c.no_such_key_ok = true;
    send(c);
}

std::vector<listed_object> s3_client::list_objects(std::string_view bucket, std::string_view prefix,
                                                   std::uint32_t page_size) {
    std::vector<listed_object> out;
    std::string token;
    for (;;) {
        call c = request(http::verb::get, bucket, "", "ListObjectsV2",
                         {{"list-type", "2"}, {"max-keys", std::to_string(page_size)}, {"prefix", std::string(prefix)}});
        if (!token.empty()) c.query.emplace_back("continuation-token", token);
        const answer a = send(c);
        auto page = parse_list_objects(a.body);
        if (!page) throw s3_error(s3_failure::refused, a.status, "", c.what + ": " + page.message());
        for (auto& o : page->objects) out.push_back(std::move(o));
        if (!page->truncated) return out;
        if (page->next_token == token)
            throw s3_error(s3_failure::refused, a.status, "", c.what + ": the store repeated its continuation token");
        token = page->next_token;
    }
}

std::vector<listed_upload> s3_client::list_uploads(std::string_view bucket, std::string_view prefix,
                                                   std::uint32_t page_size) {
    std::vector<listed_upload> out;
    std::string key_marker, id_marker;
    for (;;) {
        call c = request(http::verb::get, bucket, "", "ListMultipartUploads",
                         {{"uploads", ""}, {"max-uploads", std::to_string(page_size)}, {"prefix", std::string(prefix)}});
        if (!key_marker.empty()) c.query.emplace_back("key-marker", key_marker);
        if (!id_marker.empty()) c.query.emplace_back("upload-id-marker", id_marker);
        const answer a = send(c);
        auto page = parse_list_uploads(a.body);
        if (!page) throw s3_error(s3_failure::refused, a.status, "", c.what + ": " + page.message());
        for (auto& u : page->uploads) out.push_back(std::move(u));
        if (!page->truncated) return out;
        if (page->next_key_marker == key_marker && page->next_upload_id_marker == id_marker)
            throw s3_error(s3_failure::refused, a.status, "", c.what + ": the store repeated its markers");
        key_marker = page->next_key_marker;
        id_marker = page->next_upload_id_marker;
    }
}

std::uint64_t s3_client::get_object(std::string_view bucket, std::string_view key,
                                    const std::function<void(std::string_view)>& sink) {
    call c = request(http::verb::get, bucket, key, "GET object");
    c.sink = &sink;
    return send(c).streamed;
}

std::string s3_client::get_small_object(std::string_view bucket, std::string_view key, std::size_t limit) {
    call c = request(http::verb::get, bucket, key, "GET object");
    c.limit = limit;
    return send(c).body;
}

void s3_client::delete_object(std::string_view bucket, std::string_view key) {
    call c = request(http::verb::delete_, bucket, key, "DELETE object");
    c.no_such_key_ok = true;
    send(c);
}

}  // namespace mysql_agent::objstore
