#include "mysql_agent/io/backup_store/backup_catalog.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/core/xbstream_verifier.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/zstd_codec.hpp"

namespace mysql_agent::backup_store {
namespace {

std::string where(const objstore::s3_url& at, const std::string& id) {
    return "s3://" + at.bucket + "/" + at.prefix + id + "/";
}

}  // namespace

std::vector<stored_backup> list_backups(objstore::s3_client& client, const objstore::s3_url& at) {
    std::vector<stored_key> keys;
    for (const auto& o : client.list_objects(at.bucket, at.prefix)) keys.push_back({o.key, o.size});
    return group_backups(at.prefix, keys);
}

backup_manifest read_manifest(objstore::s3_client& client, const objstore::s3_url& at, const std::string& id) {
    if (!is_backup_id(id)) throw bad_input_error("'" + text::printable(id) + "' is not a backup id (YYYYMMDDTHHMMSSZ)");
    const std::string text = client.get_small_object(at.bucket, at.prefix + id + "/" + std::string(manifest_name),
                                                     manifest_limit);
    auto m = parse_manifest(text);
    if (!m) throw bad_input_error("the manifest of " + where(at, id) + " is not valid: " + m.message());
    if (m->id != id) throw bad_input_error("the manifest of " + where(at, id) + " names another backup, " + m->id);
    return *m;
}

verify_report verify_backup(objstore::s3_client& client, const objstore::s3_url& at, const std::string& id) {
    verify_report r;
    r.manifest = read_manifest(client, at, id);
    const backup_manifest& m = r.manifest;
    const std::string name = where(at, id) + m.stream_name;
    sha256_stream whole;
    std::string part;  // the bytes of the current part, for its MD5
    std::size_t part_index = 0;
    std::optional<zstd_decompressor> decoder;
    if (m.compression == "zstd") decoder.emplace();
    xbstream_verifier framing;
    auto fail = [&](const std::string& why) { throw bad_input_error("backup " + name + " does not verify: " + why); };
    auto check_part = [&] {
        if (part_index >= m.parts.size()) fail("it holds more bytes than its manifest's parts");
        if (text::to_hex(md5(part)) != m.parts[part_index].md5_hex)
            fail("part " + std::to_string(part_index + 1) + " has another MD5 than its manifest says");
        part.clear();
        ++part_index;
    };
    auto feed_xbstream = [&](std::span<const char> bytes) {
        r.xbstream_bytes += bytes.size();
        if (auto fed = framing.feed(bytes.data(), bytes.size()); !fed) fail("its xbstream: " + fed.message());
    };
    client.get_object(at.bucket, at.prefix + id + "/" + m.stream_name, [&](std::string_view piece) {
        r.bytes += piece.size();
        if (r.bytes > m.stream_bytes) fail("it is larger than its manifest's " + std::to_string(m.stream_bytes) + " bytes");
        whole.update(piece);
        while (!piece.empty()) {
            const std::uint64_t want = part_index < m.parts.size() ? m.parts[part_index].bytes : 0;
            const std::size_t take = std::min<std::uint64_t>(piece.size(), want - part.size());
            part.append(piece.data(), take);
            if (part.size() == want) check_part();
            if (take == 0) fail("it holds more bytes than its manifest's parts");
            std::span<const char> in(piece.data(), take);
            if (!decoder) {
                feed_xbstream(in);
            } else {
                while (!in.empty() || decoder->output_pending()) {
                    auto out = decoder->decompress(in);
                    if (!out) fail("its zstd stream: " + out.message());
                    if (!out->empty()) feed_xbstream(*out);
                }
            }
            piece.remove_prefix(take);
        }
    });
    if (r.bytes != m.stream_bytes)
        fail("it holds " + std::to_string(r.bytes) + " bytes, its manifest " + std::to_string(m.stream_bytes));
    // An empty last part (an empty stream) is checked here.
    while (part_index < m.parts.size() && m.parts[part_index].bytes == 0) check_part();
    if (text::to_hex(whole.finish()) != m.stream_sha256) fail("its SHA-256 is not the one its manifest says");
    if (decoder && !decoder->at_frame_end()) fail("its zstd stream ends inside a frame");
    if (auto end = framing.finish(); !end) fail("its xbstream is incomplete: " + end.message());
    if (r.xbstream_bytes != m.xbstream_bytes)
        fail("it decompresses to " + std::to_string(r.xbstream_bytes) + " bytes of xbstream, its manifest says " +
             std::to_string(m.xbstream_bytes));
    r.files = framing.files_completed();
    return r;
}

prune_report prune_backups(objstore::s3_client& client, const objstore::s3_url& at, const retention& ret,
                           std::chrono::system_clock::time_point now, bool dry_run) {
    prune_report r;
    const auto backups = list_backups(client, at);
    r.decisions = plan_prune(backups, ret, now);
    for (std::size_t i = 0; i < backups.size(); ++i) {
        const auto& d = r.decisions[i];
        spdlog::info("backups prune: {} {}: {}", dry_run ? (d.remove ? "would remove" : "would keep")
                                                          : (d.remove ? "removing" : "keeping"),
                     where(at, d.id), d.why);
        if (!d.remove || dry_run) continue;
        for (const auto& key : backups[i].keys) {  // the manifest first
            client.delete_object(at.bucket, key);
            ++r.objects_removed;
        }
    }
    for (const auto& u : client.list_uploads(at.bucket, at.prefix)) {
        if (!upload_is_stale(u.initiated, ret, now)) continue;
        spdlog::info("backups prune: {} the multipart upload of s3://{}/{} started {}", dry_run ? "would abort" : "aborting",
                     at.bucket, u.key, u.initiated);
        if (dry_run) continue;
        client.abort_upload(at.bucket, u.key, u.upload_id);
        ++r.uploads_aborted;
    }
    return r;
}

}  // namespace mysql_agent::backup_store
