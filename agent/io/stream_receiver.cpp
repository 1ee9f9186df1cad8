#include "mysql_agent/io/stream_receiver.hpp"

#include <fcntl.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_protocol.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/stream_digest.hpp"
#include "mysql_agent/core/stream_encoding.hpp"
#include "mysql_agent/core/xbstream_verifier.hpp"
#include "mysql_agent/io/clone_tool.hpp"
#include "mysql_agent/io/periodic_flush.hpp"
#include "mysql_agent/io/process_runner.hpp"
#include "mysql_agent/io/progress.hpp"
#include "mysql_agent/io/zstd_codec.hpp"

namespace mysql_agent {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using clock = std::chrono::steady_clock;

/// Body bytes handed to the extractor per write.
constexpr std::size_t body_buffer_bytes = 256 * 1024;
progress_reporter::options progress_options(const clone_options& o, std::optional<std::uint64_t> estimate) {
    progress_reporter::options p;
    p.what = "received";
    p.estimated_total = estimate;
    p.interval = o.progress_interval;
    p.tty = o.progress_tty;
    return p;
}

/// The clone's sink: the xbstream bytes into `xbstream -x`, which must exit 0 once the stream ended.
class extractor_sink : public stream_sink {
public:
    extractor_sink(child_process& extractor, const clone_options& o, const deadlines& dl)
        : extractor_(extractor), o_(o), dl_(dl) {}

    asio::awaitable<void> wire(std::span<const char> bytes) override {
        wire_bytes_ += bytes.size();
        co_return;
    }

    /// Writes the bytes to the extractor within --idle-timeout.
    asio::awaitable<void> payload(std::span<const char> bytes) override {
        const auto written = co_await before(
            asio::async_write(*extractor_.stdin_pipe(), asio::buffer(bytes.data(), bytes.size()), nothrow_awaitable),
            dl_.within(o_.idle_timeout));
        if (written && !std::get<0>(*written)) co_return;
        const boost::system::error_code write_ec = written ? std::get<0>(*written) : boost::system::error_code{};
        co_await extractor_broke(write_ec);
    }

    /// The whole stream is in: the extractor gets EOF and must exit 0.
    asio::awaitable<void> finish() override {
        extractor_.close_stdin();
        const auto rc = co_await wait_until(
            extractor_, dl_.within(std::max<std::chrono::milliseconds>(o_.idle_timeout, extractor_exit_grace)));
        if (!rc)
            throw clone_failed_error(fmt::format("{} -x did not exit after the stream ended; check the disk of {}",
                                                 o_.tools.stream.string(), o_.datadir.string()));
        if (*rc != 0)
            tool_failed(fmt::format("{} -x", o_.tools.stream.string()), *rc, extractor_.stderr_tail(), o_.datadir);
    }

private:
    /// The extractor stopped taking bytes: let it exit and say why, then fail with its words.
    asio::awaitable<void> extractor_broke(const boost::system::error_code& write_ec) {
        extractor_.close_stdin();
        const auto rc = co_await wait_until(extractor_, clock::now() + extractor_exit_grace);
        const std::string what =
            fmt::format("{} -x stopped reading the stream at byte {} ({}) and", o_.tools.stream.string(),
                        wire_bytes_, write_ec ? write_ec.message() : "stalled");
        tool_failed(what, rc.value_or(-1), extractor_.stderr_tail(), o_.datadir);
    }

    child_process& extractor_;
    const clone_options& o_;
    const deadlines& dl_;
    std::uint64_t wire_bytes_ = 0;
};

/// One body on its way into its sink, and what has been checked of it so far.
class stream_receiver {
public:
    stream_receiver(donor_response& response, stream_sink& sink, const clone_options& o, const deadlines& dl,
                    const receive_settings& settings)
        : response_(response), sink_(sink), o_(o), dl_(dl), settings_(settings), donor_(o.donor.to_string()),
          doing_(settings.activity) {
        for (const auto& name : settings.capture) verifier_.capture(name, settings.capture_limit);
    }

    asio::awaitable<received_stream> run() {
        std::optional<std::uint64_t> estimate;
        if (const auto v = response_.field(protocol::header_estimated_size))
            estimate = protocol::parse_estimated_size(*v);
        start_decoder();
        spdlog::info("donor {} is streaming its backup{}{}; {}", donor_, decoder_ ? " compressed with zstd" : "",
                     estimate ? fmt::format(" (its datadir holds about {})", format_bytes(*estimate)) : "",
                     settings_.destination);
        const auto start = clock::now();
        progress_reporter progress(progress_options(o_, estimate), start);
        co_await pump(progress);
        const auto last_byte = clock::now();
        received_stream got{digest_.bytes(), digest_.hex(), std::chrono::duration<double>(last_byte - start).count(),
                            verifier_.completed_sizes()};
        got.first_byte_seconds = std::chrono::duration<double>(first_byte_.value_or(last_byte) - start).count();
        progress.finish(payload_bytes(), last_byte, got.digest);
        check_end(got);
        if (decoder_)
            spdlog::info("the stream from donor {} was {} on the wire for {} of xbstream ({:.2f}x)", donor_,
                         format_bytes(got.bytes), format_bytes(decoder_->bytes_out()),
                         got.bytes > 0 ? static_cast<double>(decoder_->bytes_out()) / static_cast<double>(got.bytes) : 0.0);
        got.uncompressed_bytes = payload_bytes();
        got.compressed = decoder_.has_value();
        for (const auto& name : settings_.capture)
            if (auto kept = verifier_.captured(name)) got.captured[name] = std::move(*kept);
        co_await sink_.finish();
        got.drain_seconds = std::chrono::duration<double>(clock::now() - last_byte).count();
        co_return got;
    }

private:
    /// A body the donor says is compressed (Content-Encoding) gets a decoder; one this client cannot decode fails.
    void start_decoder() {
        const auto codec = protocol::parse_content_encoding(response_.field("Content-Encoding"));
        if (!codec) throw clone_failed_error(fmt::format("{} from {} failed: {}", doing_, donor_, codec.message()));
        if (*codec == protocol::stream_codec::zstd) decoder_.emplace(body_buffer_bytes);
    }

    /// The xbstream bytes so far: decompressed, or as they arrived.
    std::uint64_t payload_bytes() const { return decoder_ ? decoder_->bytes_out() : digest_.bytes(); }

    /// Hands the body to the extractor as it arrives, checking its framing and counting its digest.
    asio::awaitable<void> pump(progress_reporter& progress) {
        auto& parser = *response_.parser;
        std::vector<char> buf(body_buffer_bytes);
        while (!parser.is_done()) {
            auto& body = parser.get().body();
            body.data = buf.data();
            body.size = buf.size();
            // read_some, not read: a slow donor must count as alive as long as any byte arrives.
            const auto read =
                co_await before(http::async_read_some(response_.stream, response_.buffer, parser, nothrow_awaitable),
                                dl_.within(o_.idle_timeout));
            if (!read) stalled();
            const auto ec = std::get<0>(*read);
            const std::size_t n = buf.size() - body.size;
            if (n > 0) {
                if (!first_byte_) first_byte_ = clock::now();
                digest_.update(buf.data(), n);
                co_await take(std::span<const char>(buf.data(), n));
                progress.update(payload_bytes(), clock::now());
            }
            if (ec == http::error::need_buffer) continue;  // the body buffer is full: hand it over, read on
            if (ec) read_failed(ec);
        }
    }

    /// Checks and extracts `body` bytes as they arrived: decompressed first when the body is compressed.
    asio::awaitable<void> take(std::span<const char> body) {
        co_await sink_.wire(body);
        if (!decoder_) {
            verify(body.data(), body.size());
            co_await sink_.payload(body);
            co_return;
        }
        // The decoder's output is bounded (body_buffer_bytes), so a small hostile input that expands hugely is
        // handed over piece by piece, never held whole.
        while (!body.empty() || decoder_->output_pending()) {
            const std::uint64_t at = digest_.bytes() - body.size();
            auto out = decoder_->decompress(body);
            if (!out) corrupt(at, out.message());
            if (out->empty()) continue;
            verify(out->data(), out->size());
            co_await sink_.payload(std::span<const char>(out->data(), out->size()));
        }
    }

    /// The zstd body does not decode (`why`: libzstd's words) around wire byte `at`.
    [[noreturn]] void corrupt(std::uint64_t at, const std::string& why) const {
        throw clone_failed_error(fmt::format(
            "the compressed stream from donor {} is corrupt near byte {} of the body: zstd says: {}; the stream was "
            "damaged in transit or the donor is not a compatible mysql-agent: retry the {} (with --compress none "
            "to rule out compression)",
            donor_, at, why, doing_));
    }

    /// Feeds `n` bytes to the framing check. Throws clone_failed_error when they break it.
    void verify(const char* data, std::size_t n) {
        if (auto fed = verifier_.feed(data, n); !fed) {
            if (verifier_.refused())
                throw clone_failed_error(fmt::format("{} from {} failed: {}", doing_, donor_, fed.message()));
            throw clone_failed_error(
                fmt::format("the stream from donor {} is not a valid xbstream: {}", donor_, fed.message()));
        }
    }

    /// No byte from the donor before the deadline: --timeout passed, or the donor was idle for --idle-timeout.
    [[noreturn]] void stalled() const {
        if (dl_.overall_passed())
            throw clone_failed_error(
                fmt::format("the {} from {} did not finish within --timeout {} (at byte {} of "
                            "the stream); raise --timeout for a datadir this large",
                            doing_, donor_, dl_.overall_text(), digest_.bytes()));
        throw clone_failed_error(fmt::format(
            "no data from donor {} for --idle-timeout {} at byte {} of the stream: its backup tool or the network "
            "is "
            "stalled; check the donor's sidecar log, and retry the {} (raise --idle-timeout if the donor is "
            "only slow)",
            donor_, seconds_text(o_.idle_timeout), digest_.bytes(), doing_));
    }

    /// Reading the body failed with `ec`: the stream was cut, or the donor is not our sidecar.
    [[noreturn]] void read_failed(const boost::system::error_code& ec) const {
        if (ec == http::error::partial_message || ec == http::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::connection_reset) {
            const auto cut = protocol::check_stream_end(std::nullopt, {digest_.bytes(), digest_.hex(), std::nullopt});
            throw clone_failed_error(fmt::format("{} from {} failed: {}", doing_, donor_, cut.message()));
        }
        if (ec == http::error::buffer_overflow || ec == http::error::header_limit)
            throw clone_failed_error(fmt::format(
                "{} from {} failed at byte {} of the stream: the donor sent a chunk header or trailer section "
                "larger than {} bytes, which no mysql-agent sidecar does",
                doing_, donor_, digest_.bytes(), response_buffer_limit));
        throw clone_failed_error(fmt::format("{} from {} failed at byte {} of the stream: {}; retry the {}", doing_,
                                             donor_, digest_.bytes(), ec.message(), doing_));
    }

    /// Checks the end of the stream in the order that gives the most useful message. Throws clone_failed_error.
    void check_end(const received_stream& got) {
        // Trailers arrive after the last chunk; Beast merges them into the response's fields.
        std::vector<protocol::field> fields;
        for (const auto name : {protocol::trailer_status, protocol::trailer_bytes, protocol::trailer_digest,
                                protocol::trailer_exit_code, protocol::trailer_error,
                                protocol::trailer_uncompressed_bytes})
            if (auto v = response_.field(name)) fields.push_back({std::string(name), std::move(*v)});
        std::optional<protocol::backup_trailer> trailer;
        if (!fields.empty()) {
            auto decoded = protocol::decode_trailer(fields);
            if (!decoded) throw clone_failed_error(fmt::format("{} from {} failed: {}", doing_, donor_, decoded.message()));
            trailer = std::move(decoded).value();
        }
        protocol::observed_stream seen{got.bytes, got.digest, std::nullopt};
        if (decoder_) seen.uncompressed_bytes = decoder_->bytes_out();
        // A donor that reports its own failure has the best explanation (its tool's error line), better than
        // what the incomplete stream looks like from here; so that goes first.
        if (trailer && !trailer->ok)
            throw clone_failed_error(
                fmt::format("{} from {} failed: {}", doing_, donor_, protocol::check_stream_end(trailer, seen).message()));
        if (decoder_ && !decoder_->at_frame_end())
            throw clone_failed_error(fmt::format(
                "the compressed stream from donor {} ends inside a zstd frame after {} bytes ({} decompressed): the "
                "donor's stream was cut or damaged; retry the {}",
                donor_, got.bytes, decoder_->bytes_out(), doing_));
        // mbstream/xbstream exit 0 on a stream cut at a chunk boundary: only the framing check catches that.
        if (auto framing = verifier_.finish(); !framing)
            throw clone_failed_error(
                fmt::format("the backup from donor {} is incomplete: {}; retry the {}", donor_, framing.message(),
                            doing_));
        if (auto end = protocol::check_stream_end(trailer, seen); !end)
            throw clone_failed_error(fmt::format("{} from {} failed: {}", doing_, donor_, end.message()));
    }

    donor_response& response_;
    stream_sink& sink_;
    const clone_options& o_;
    const deadlines& dl_;
    const receive_settings& settings_;
    const std::string donor_;
    const std::string doing_;  ///< "clone" or "backup", for messages
    xbstream_verifier verifier_;
    stream_digest digest_;  ///< of the body as it arrived (compressed, when it is)
    std::optional<zstd_decompressor> decoder_;
    std::optional<clock::time_point> first_byte_;
};

}  // namespace

asio::awaitable<received_stream> receive_backup(donor_response& response, const std::filesystem::path& staging,
                                                const clone_options& o, const deadlines& dl) {
    auto extractor = start_extractor(co_await asio::this_coro::executor, o.tools.stream, staging);
    // What the extractor writes goes to the disk while the stream arrives, not all at the commit.
    periodic_flush writeback(staging, extraction_flush_interval);
    extractor_sink sink(*extractor, o, dl);
    receive_settings settings;
    settings.destination = "extracting into " + staging.string();
    stream_receiver receiver(response, sink, o, dl, settings);
    received_stream got = co_await receiver.run();
    co_return got;
}

asio::awaitable<received_stream> receive_stream(donor_response& response, stream_sink& sink, const clone_options& o,
                                                const deadlines& dl, const receive_settings& settings) {
    stream_receiver receiver(response, sink, o, dl, settings);
    received_stream got = co_await receiver.run();
    co_return got;
}

}  // namespace mysql_agent
