#include "mysql_agent/io/backup_store/backup_catalog.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/backup_store/stored_stream.hpp"

namespace mysql_agent::backup_store {
std::string backup_url(const objstore::s3_url& at, const std::string& id) {
    return "s3://" + at.bucket + "/" + at.prefix + id + "/";
}

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
    if (!m) throw bad_input_error("the manifest of " + backup_url(at, id) + " is not valid: " + m.message());
    if (m->id != id) throw bad_input_error("the manifest of " + backup_url(at, id) + " names another backup, " + m->id);
    return *m;
}

verify_report verify_backup(objstore::s3_client& client, const objstore::s3_url& at, const std::string& id,
                            const encryption_key* key) {
    verify_report r;
    r.manifest = read_manifest(client, at, id);
    stored_stream_check check(r.manifest, backup_url(at, id) + r.manifest.stream_name, key);
    client.get_object(at.bucket, at.prefix + id + "/" + r.manifest.stream_name,
                      [&](std::string_view piece) { check.feed(piece, nullptr); });
    check.finish(nullptr);
    r.bytes = check.bytes();
    r.xbstream_bytes = check.xbstream_bytes();
    r.files = check.files().size();
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
                     backup_url(at, d.id), d.why);
        if (!d.remove || dry_run) continue;
        for (const auto& key : backups[i].keys) {  // the manifest first
            client.delete_object(at.bucket, key);
            ++r.objects_removed;
        }
    }
    r.uploads_aborted = abort_stale_uploads(client, at, ret, now, dry_run, "backups prune");
    return r;
}

std::uint64_t abort_stale_uploads(objstore::s3_client& client, const objstore::s3_url& at, const retention& ret,
                                  std::chrono::system_clock::time_point now, bool dry_run, const std::string& who) {
    std::uint64_t aborted = 0;
    for (const auto& u : client.list_uploads(at.bucket, at.prefix)) {
        if (!upload_is_stale(u.initiated, ret, now)) continue;
        spdlog::info("{}: {} the multipart upload of s3://{}/{} started {}", who, dry_run ? "would abort" : "aborting",
                     at.bucket, u.key, u.initiated);
        if (dry_run) continue;
        client.abort_upload(at.bucket, u.key, u.upload_id);
        ++aborted;
    }
    return aborted;
}

}  // namespace mysql_agent::backup_store
