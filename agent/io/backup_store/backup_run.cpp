#include "mysql_agent/io/backup_store/backup_run.hpp"

#include <map>
#include <optional>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/backup_store/backup_status.hpp"
#include "mysql_agent/core/backup_store/source_choice.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/objstore/part_sizes.hpp"
#include "mysql_agent/core/stream_encoding.hpp"
#include "mysql_agent/io/backup_store/backup_catalog.hpp"
#include "mysql_agent/io/backup_store/multipart_writer.hpp"
#include "mysql_agent/io/donor_connection.hpp"
#include "mysql_agent/io/peer_positions.hpp"
#include "mysql_agent/io/stream_receiver.hpp"
#include "mysql_agent/io/until_signal.hpp"

namespace mysql_agent::backup_store {
namespace {

namespace asio = boost::asio;

/// GET /position of each member, before the backup.
constexpr std::chrono::seconds position_timeout{10};

/// The metadata files a manifest carries, by both tools' names (the mariadb_backup_* one wins when both arrive).
const std::vector<std::string> metadata_files = {"xtrabackup_binlog_info", "mariadb_backup_binlog_info",
                                                 "xtrabackup_slave_info",  "mariadb_backup_slave_info",
                                                 "xtrabackup_info",        "mariadb_backup_info"};

std::string either(const std::map<std::string, std::string>& captured, const std::string& base) {
    if (const auto m = captured.find("mariadb_backup_" + base); m != captured.end()) return m->second;
    if (const auto x = captured.find("xtrabackup_" + base); x != captured.end()) return x->second;
    return {};
}

/// The body's bytes as they arrived go to the upload (sealed first when encrypting); the decoded ones were checked by
/// the receiver.
class upload_sink : public stream_sink {
public:
    upload_sink(multipart_writer& writer, stream_encryptor* sealer, std::uint64_t& uploaded)
        : writer_(writer), sealer_(sealer), uploaded_(uploaded) {}
    asio::awaitable<void> wire(std::span<const char> bytes) override {
        if (sealer_)
            sealer_->write(bytes, [&](std::span<const char> sealed) { upload(sealed); });
        else
            upload(bytes);
        co_return;
    }
    void upload(std::span<const char> bytes) {
        writer_.write(std::string_view(bytes.data(), bytes.size()));
        uploaded_ += bytes.size();
    }
    asio::awaitable<void> payload(std::span<const char>) override { co_return; }
    asio::awaitable<void> finish() override { co_return; }

private:
    multipart_writer& writer_;
    stream_encryptor* sealer_;
    std::uint64_t& uploaded_;
};

struct streamed {
    received_stream got;
    std::string donor_digest;
};

asio::awaitable<streamed> stream_one(const clone_options& o, multipart_writer_options& writer_options,
                                     std::optional<multipart_writer>& writer, const encryption_key* key,
                                     std::uint64_t& uploaded) {
    const deadlines dl(std::chrono::steady_clock::now(), o.overall_timeout);
    auto response = co_await request_backup_with_retries(o, dl);
    // The receiver refuses an encoding it cannot decode; here only the object's name follows it.
    const auto codec = protocol::parse_content_encoding(response->field("Content-Encoding"));
    const bool zstd = codec && *codec == protocol::stream_codec::zstd;
    writer_options.key += zstd ? ".zst" : "";
    if (key) writer_options.key += encrypted_suffix;
    writer.emplace(writer_options);
    std::optional<stream_encryptor> sealer;
    if (key) sealer.emplace(*key);
    upload_sink sink(*writer, sealer ? &*sealer : nullptr, uploaded);
    receive_settings settings;
    settings.activity = "backup";
    settings.destination = "uploading to s3://" + writer_options.bucket + "/" + writer_options.key;
    settings.capture = metadata_files;
    streamed out;
    out.got = co_await receive_stream(*response, sink, o, dl, settings);
    if (sealer) sealer->finish([&](std::span<const char> sealed) { sink.upload(sealed); });
    out.donor_digest = response->field("X-Backup-Digest").value_or("");
    co_return out;
}

/// The members as they are to be asked: by lag (each member's GET /position), unless in_order or only one; and
/// the cluster identity each reported (for the manifest).
std::vector<donor_address> members_in_order(const backup_run_options& o, std::map<std::string, std::string>& identities) {
    const auto answers = ask_positions(o.from, o.donor.token, o.donor.tls, position_timeout);
    for (const auto& a : answers)
        if (a.report && a.report->cluster_identity) identities[a.peer.to_string()] = *a.report->cluster_identity;
    if (o.in_order || o.from.size() < 2) return o.from;
    std::vector<source_candidate> candidates;
    for (const auto& a : answers) {
        source_candidate c;
        c.name = a.peer.to_string();
        c.answered = a.report.has_value();
        if (a.report) {
            c.primary = a.report->primary;
            c.flavor = a.report->flavor;
            c.gtid_position = a.report->gtid_position;
        }
        candidates.push_back(std::move(c));
    }
    const auto order = order_backup_sources(candidates);
    spdlog::info("backup: asking {}", order.reason);
    std::vector<donor_address> out;
    for (auto i : order.order) out.push_back(answers[i].peer);
    return out;
}

/// Leaves <prefix>last-run.json (backup_status.hpp), best effort: one attempt of each request, a failure logged.
void record_last_run(const backup_run_options& options, bool committed, const std::string& id, std::uint64_t uploaded,
                     std::string_view error) {
    auto once = options.store;
    once.attempts = 1;
    const std::string key = options.to.prefix + std::string(last_run_name);
    try {
        objstore::s3_client store(once);
        std::optional<last_run> previous;
        try {
            auto parsed = parse_last_run(store.get_small_object(options.to.bucket, key, last_run_limit));
            if (parsed) previous = *parsed;
        } catch (const objstore::s3_error& e) {
            if (e.kind != objstore::s3_failure::no_key) throw;
        }
        const auto record = next_last_run(previous, committed, id, uploaded,
                                          iso8601_utc(std::chrono::system_clock::now()), error);
        store.put_object(options.to.bucket, key, last_run_json(record));
    } catch (const std::exception& e) {
        spdlog::warn("backup: could not record the run in s3://{}/{}: {}", options.to.bucket, key, e.what());
    }
}

void run_one_backup(const backup_run_options& options, objstore::s3_client& store, backup_run_result& out,
                    std::uint64_t& uploaded) {
    const auto started_wall = std::chrono::system_clock::now();
    const auto started = std::chrono::steady_clock::now();
    backup_manifest& m = out.manifest;
    m.id = backup_id_at(started_wall);
    m.started_at = iso8601_utc(started_wall);
    m.agent_version = MYSQL_AGENT_VERSION;
    out.prefix = options.to.prefix + m.id + "/";
    if (!store.list_objects(options.to.bucket, out.prefix, 1).empty())
        throw bad_input_error("s3://" + options.to.bucket + "/" + out.prefix +
                              " already holds objects: another backup started in the same second; run again");

    if (options.from.empty()) throw config_error("backup: no member to ask (--from)");
    std::string last_failure;
    std::map<std::string, std::string> identities;
    for (const auto& member : members_in_order(options, identities)) {
        clone_options o = options.donor;
        o.donor = member;
        multipart_writer_options w;
        w.client = options.store;
        w.bucket = options.to.bucket;
        w.key = out.prefix + "stream.xbstream";
        w.parts = options.parts;
        w.parallel = options.parallel;
        std::optional<multipart_writer> writer;
        try {
            const streamed s = run_until_signal([&] { return stream_one(o, w, writer, options.key ? &*options.key : nullptr, uploaded); },
                                                "the upload was aborted");
            const multipart_result uploaded = writer->finish();
            m.source = member.to_string();
            if (const auto id = identities.find(m.source); id != identities.end()) m.cluster_identity = id->second;
            m.stream_name = w.key.substr(out.prefix.size());
            m.compression = s.got.compressed ? "zstd" : "none";
            if (options.key)
                m.encryption = encryption_info{std::string(encryption_cipher), default_segment_bytes, options.key->id()};
            m.stream_bytes = uploaded.bytes;
            m.stream_sha256 = uploaded.sha256_hex;
            m.xbstream_bytes = s.got.uncompressed_bytes;
            m.donor_digest = s.donor_digest;
            for (const auto& p : uploaded.parts) m.parts.push_back({p.number, p.bytes, p.md5_hex, p.sha256_through_hex});
            m.binlog_info = either(s.got.captured, "binlog_info");
            m.slave_info = either(s.got.captured, "slave_info");
            m.tool_info = either(s.got.captured, "info");
            out.peak_buffered = uploaded.peak_buffered;
            break;
        } catch (const no_donor_error& e) {
            last_failure = e.what();
            spdlog::warn("backup: {} did not serve a backup: {}", member.to_string(), e.what());
        }
    }
    if (m.source.empty()) throw no_donor_error("backup: no member served a backup; the last said: " + last_failure);
    const auto finished_wall = std::chrono::system_clock::now();
    m.finished_at = iso8601_utc(finished_wall);
    // The commit point: a backup exists once its manifest does.
    store.put_object(options.to.bucket, out.prefix + std::string(manifest_name), manifest_json(m));
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (options.sweep_after.count() > 0) {
        // Committed: a failure of the sweep is logged, never the backup's failure (the next run sweeps again).
        retention r;
        r.incomplete_after = options.sweep_after;
        try {
            out.uploads_swept = abort_stale_uploads(store, options.to, r, std::chrono::system_clock::now(), false,
                                                    "backup: sweep");
        } catch (const objstore::s3_error& e) {
            spdlog::warn("backup: the sweep of stale multipart uploads under s3://{}/{} failed: {}", options.to.bucket,
                         options.to.prefix, e.what());
        }
    }
}

}  // namespace

backup_run_result run_backup(const backup_run_options& options) {
    objstore::s3_client store(options.store);
    store.check_bucket(options.to.bucket);  // a store that refuses us, or no bucket: nothing to record the run in
    backup_run_result out;
    std::uint64_t uploaded = 0;
    try {
        run_one_backup(options, store, out, uploaded);
    } catch (const std::exception& e) {
        record_last_run(options, false, out.manifest.id, uploaded, e.what());
        throw;
    }
    record_last_run(options, true, out.manifest.id, uploaded, "");
    return out;
}

}  // namespace mysql_agent::backup_store
