#include "mysql_agent/io/binlog_archive/binlog_archiver.hpp"

#include <algorithm>
#include <fstream>

#include <spdlog/spdlog.h>

#include "mysql_agent/core/binlog_archive/binlog_scanner.hpp"
#include "mysql_agent/core/errors.hpp"
#include "mysql_agent/core/objstore/part_sizes.hpp"
#include "mysql_agent/core/sql_literal.hpp"
#include "mysql_agent/core/text.hpp"
#include "mysql_agent/io/backup_store/multipart_writer.hpp"
#include "mysql_agent/io/binlog_archive/archive_reader.hpp"
#include "mysql_agent/io/cluster_position.hpp"
#include "mysql_agent/io/digests.hpp"
#include "mysql_agent/io/mysql_client.hpp"

namespace mysql_agent::binlog_archive {
namespace {

namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;

/// Files up to this size go up in one PUT, held in memory; larger ones as a multipart upload of parts this size.
constexpr std::size_t single_put_limit = 16u << 20;
constexpr std::size_t read_piece = 1u << 20;
/// Enough of a file's start for its Format_description and Gtid_list events (a Gtid_list of 4,000 GTIDs).
constexpr std::size_t head_bytes = 64u << 10;

std::string value_of(const sql_row& row, const char* column) {
    const auto it = row.find(column);
    return it == row.end() ? std::string() : it->second.value_or("");
}

/// Reads `path` from its start in pieces, handing each to `piece`, up to `limit` bytes. Returns the bytes read.
std::uint64_t read_pieces(const fs::path& path, std::uint64_t limit, const std::function<void(std::string_view)>& piece) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    std::vector<char> buffer(read_piece);
    std::uint64_t total = 0;
    while (total < limit) {
        in.read(buffer.data(), static_cast<std::streamsize>(std::min<std::uint64_t>(buffer.size(), limit - total)));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n == 0) break;
        piece(std::string_view(buffer.data(), n));
        total += n;
    }
    if (in.bad()) throw std::runtime_error("reading " + path.string() + " failed");
    return total;
}

}  // namespace

binlog_archiver::binlog_archiver(binlog_archiver_options options)
    : o_(std::move(options)), client_(o_.store), last_flush_(clock::now()) {
    facts_.state = "starting";
}

binlog_archiver::~binlog_archiver() = default;

void binlog_archiver::start() {
    task_.emplace([this] { pass(); }, o_.poll, /*at_once=*/true, [this] { client_.cancel(); });
}

archive_facts binlog_archiver::snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return facts_;
}

void binlog_archiver::pass() {
    try {
        pass_or_throw();
    } catch (const std::exception& e) {
        spdlog::warn("binlog archive: {}", e.what());
        std::lock_guard<std::mutex> lock(mutex_);
        ++facts_.failures;
        facts_.last_error = e.what();
    }
    refresh_facts();
}

void binlog_archiver::refresh_facts() {
    std::lock_guard<std::mutex> lock(mutex_);
    facts_.archive_files = archive_.size();
    auto gaps = find_gaps(archive_);
    for (const auto& g : new_gaps(facts_.gaps, gaps)) spdlog::warn("{}", describe_gap(g));
    facts_.gaps = std::move(gaps);
    facts_.archive_end = archive_reach(archive_);
    facts_.newest_transaction_time = newest_transaction_time(archive_);
}

void binlog_archiver::pass_or_throw() {
    mysql_client c(o_.mysql);
    const auto vars = c.query(
        "SELECT @@log_bin AS log_bin, @@read_only AS read_only, @@log_bin_basename AS basename, @@datadir AS datadir, "
        "@@gtid_binlog_pos AS position");
    const sql_row& v = vars.at(0);
    const auto verdict = archiving_of(value_of(v, "log_bin"), value_of(v, "read_only"));
    {
        std::lock_guard<std::mutex> lock(mutex_);
        if (facts_.state != verdict.state) spdlog::info("binlog archive: {}", verdict.state);
        facts_.archiving = verdict.archiving;
        facts_.state = verdict.state;
    }
    if (!verdict.archiving) return;
    if (!archive_loaded_) {
        archive_ = read_archive(client_, o_.at);
        archive_loaded_ = true;
        spdlog::info("binlog archive: s3://{}/{}{} holds {} archived binlog files", o_.at.bucket, o_.at.prefix,
                     archive_folder, archive_.size());
    }

    auto list = [&] {
        std::vector<local_binlog> files;
        for (const auto& row : c.query("SHOW BINARY LOGS")) {
            local_binlog f;
            f.file = value_of(row, "Log_name");
            f.size = std::stoull(value_of(row, "File_size").empty() ? "0" : value_of(row, "File_size"));
            files.push_back(std::move(f));
        }
        return files;
    };
    auto files = list();
    if (files.empty()) return;
    // Close the current file when it holds a transaction and the interval has passed.
    const auto position = parse_mariadb_gtid_position(value_of(v, "position"));
    const auto file_start = parse_mariadb_gtid_position(value_of(
        c.query("SELECT BINLOG_GTID_POS(" + sql_string_literal(files.back().file) + ", 4) AS p").at(0), "p"));
    if (position && file_start &&
        flush_due(*file_start, *position, std::chrono::duration_cast<std::chrono::seconds>(clock::now() - last_flush_),
                  o_.interval)) {
        c.execute("FLUSH BINARY LOGS");
        last_flush_ = clock::now();
        files = list();
    }

    for (const auto& name : purged_unarchived(waiting_, files)) {
        spdlog::error("binlog archive: the server purged {} before it was archived: its transactions are not in the "
                      "archive (a gap a restore cannot cross); raise expire_logs_days or archive faster",
                      name);
        std::lock_guard<std::mutex> lock(mutex_);
        ++facts_.purged_unarchived;
    }
    // Every closed file (all but the last, the server's current one) not archived yet, by its first events; all of
    // them wait from now on, so that one the server purges before its turn is noticed at the next pass.
    std::vector<std::pair<local_binlog, std::string>> pending;
    for (std::size_t i = 0; i + 1 < files.size(); ++i) {
        local_binlog f = files[i];
        const auto path = sidecar_path_of(f.file, value_of(v, "basename"), value_of(v, "datadir"), o_.datadir.string());
        if (!path) throw bad_input_error(path.message());
        binlog_scanner head;
        std::string first;
        read_pieces(*path, head_bytes, [&](std::string_view p) { first.append(p); });
        if (auto fed = head.feed(first.data(), first.size()); !fed)
            throw bad_input_error("binlog " + *path + ": " + fed.message());
        const auto summary = head.finish(/*allow_open_end=*/true);
        if (!summary) throw bad_input_error("binlog " + *path + ": " + summary.message());
        f.created = summary->created;
        f.server_id = summary->server_id;
        f.start = summary->start;
        if (!archived_already(f, archive_)) pending.emplace_back(std::move(f), *path);
    }
    waiting_.clear();
    for (const auto& [f, path] : pending) waiting_.insert(f.file);
    // The history the files belong to (recovery_plan.hpp of_history): it changes only with the datadir (a
    // point-in-time restore), whose binlog starts afresh.
    const std::string identity = pending.empty() ? std::string() : identity_of(c);
    for (const auto& [f, path] : pending) {
        archive_file(path, f, identity);
        waiting_.erase(f.file);
    }
}

std::string binlog_archiver::identity_of(mysql_client& c) {
    try {
        const std::string identity = read_cluster_identity(c).value_or("");
        identity_problem_.clear();
        return identity;
    } catch (const mysql_error& e) {
        // Archiving goes on: a file without an identity is chained with any history's (of_history), which is what
        // every file was before identities; the account needs SELECT on mysql_agent.* (GET /position reads it too).
        if (identity_problem_ != e.what())
            spdlog::warn("binlog archive: cannot read the cluster identity ({}): files are archived without one; "
                         "grant the sidecar's account SELECT ON mysql_agent.*",
                         e.what());
        identity_problem_ = e.what();
        return {};
    }
}

void binlog_archiver::archive_file(const fs::path& path, const local_binlog& f, const std::string& identity) {
    const auto started = clock::now();
    // Every event checked, the GTIDs, and the digest of what was read.
    binlog_scanner scanner;
    sha256_stream digest;
    const bool small = f.size <= single_put_limit;
    std::string held;  // a small file's bytes, uploaded from memory
    const std::uint64_t read = read_pieces(path, f.size, [&](std::string_view p) {
        if (auto fed = scanner.feed(p.data(), p.size()); !fed) throw bad_input_error(fed.message());
        digest.update(p);
        if (small) held.append(p);
    });
    if (read != f.size)
        throw std::runtime_error("binlog " + path.string() + " is " + std::to_string(read) + " bytes, the server said " +
                                 std::to_string(f.size));
    // A file ended by a crash may end inside an event: what is archived ends at its last whole one.
    auto summary = scanner.finish(/*allow_open_end=*/true);
    if (!summary) throw bad_input_error("binlog " + path.string() + " is not archived: " + summary.message());
    const std::uint64_t bytes = summary->whole_bytes;
    std::string sha = text::to_hex(digest.finish());
    if (bytes < read) {  // the torn last event is not archived: the digest is of the whole events
        if (small) {
            held.resize(bytes);
            sha = text::to_hex(sha256(held));
        } else {
            read_pieces(path, bytes, [&](std::string_view p) { digest.update(p); });
            sha = text::to_hex(digest.finish());
        }
    }
    archived_binlog record = record_of(*summary, f.file, bytes, sha, std::chrono::system_clock::now());
    record.cluster_identity = identity;
    const std::string folder = o_.at.prefix + std::string(archive_folder);
    const std::string key = folder + record.name + ".binlog";
    if (small) {
        client_.put_object(o_.at.bucket, key, held);
    } else {
        // Second pass: uploaded as read, its SHA-256 compared with the first pass's (a closed binlog never changes).
        backup_store::multipart_writer_options w;
        w.client = o_.store;
        w.bucket = o_.at.bucket;
        w.key = key;
        w.parts = *objstore::plan_part_sizes(single_put_limit);
        backup_store::multipart_writer writer(w);
        read_pieces(path, bytes, [&](std::string_view p) { writer.write(p); });
        const auto uploaded = writer.finish();
        if (uploaded.sha256_hex != sha)
            throw bad_input_error("binlog " + path.string() + " changed while it was archived (SHA-256 " +
                                  uploaded.sha256_hex + ", first read " + sha + "); it is archived again next pass");
    }
    client_.put_object(o_.at.bucket, folder + record.name + ".json", index_json(record));  // the commit point
    const double seconds = std::chrono::duration<double>(clock::now() - started).count();
    spdlog::info("binlog archive: {} archived as {} ({} bytes, {} transactions, {} to {}) in {:.2f} s", f.file,
                 record.name, bytes, record.transactions, to_string(record.start), to_string(record.end), seconds);
    archive_.push_back(record);
    std::lock_guard<std::mutex> lock(mutex_);
    ++facts_.archived_files;
    facts_.archived_bytes += bytes;
    facts_.last_archived_at = std::chrono::system_clock::now();
}

}  // namespace mysql_agent::binlog_archive
