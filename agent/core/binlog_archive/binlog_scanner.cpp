#include "mysql_agent/core/binlog_archive/binlog_scanner.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "mysql_agent/core/binlog_archive/crc32.hpp"

namespace mysql_agent::binlog_archive {
namespace {

constexpr std::string_view binlog_magic = "\xfe" "bin";
constexpr std::size_t header_bytes = 19;
constexpr std::size_t checksum_bytes = 4;
/// How much of an event is kept to be looked at: the Format_description, Gtid and Gtid_list events whole, a Query
/// event's post-header, status variables (at most 64 KiB), database name and the first bytes of its text.
constexpr std::size_t kept_bytes = 256u << 10;

enum event_type : std::uint8_t {
    query_event = 2,
    stop_event = 3,
    rotate_event = 4,
    format_description_event = 15,
    xid_event = 16,
    mysql_gtid_event = 33,
    mysql_anonymous_gtid_event = 34,
    mysql_previous_gtids_event = 35,
    xa_prepare_event = 38,
    mariadb_gtid_event = 162,
    mariadb_gtid_list_event = 163,
    mariadb_start_encryption_event = 164,
};

std::uint64_t le(std::string_view b, std::size_t at, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{static_cast<unsigned char>(b[at + i])} << (8 * i);
    return v;
}

/// Whether a Query event's text ends the transaction it is in: COMMIT, ROLLBACK, XA COMMIT, XA ROLLBACK.
bool ends_group(std::string_view text) {
    auto starts_word = [](std::string_view t, std::string_view word) {
        if (t.size() < word.size()) return false;
        for (std::size_t i = 0; i < word.size(); ++i)
            if (std::toupper(static_cast<unsigned char>(t[i])) != word[i]) return false;
        return t.size() == word.size() || !std::isalnum(static_cast<unsigned char>(t[word.size()]));
    };
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    if (starts_word(text, "XA")) {
        text.remove_prefix(2);
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    }
    return starts_word(text, "COMMIT") || starts_word(text, "ROLLBACK");
}

}  // namespace

binlog_scanner::binlog_scanner(std::function<void(const binlog_transaction&)> on_transaction)
    : on_transaction_(std::move(on_transaction)) {}

status binlog_scanner::fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return error{error_};
}

status binlog_scanner::feed(const char* data, std::size_t size) {
    if (!error_.empty()) return error{error_};
    while (size > 0) {
        if (!magic_done_) {
            const std::size_t n = std::min(binlog_magic.size() - head_.size(), size);
            head_.append(data, n);
            data += n;
            size -= n;
            offset_ += n;
            if (head_.size() < binlog_magic.size()) break;
            if (head_ != binlog_magic) return fail("not a binary log: it does not start with the binlog magic");
            head_.clear();
            magic_done_ = true;
            event_start_ = offset_;
            continue;
        }
        const std::uint64_t at = offset_ - event_start_;  // within the current event
        if (event_length_ == 0) {
            if (ended_)
                return fail("bytes follow its " + std::string(s_.ending == binlog_ending::stop ? "Stop" : "Rotate") +
                            " event at byte " + std::to_string(offset_) + " (the event that closes a binlog)");
            const std::size_t n = std::min(header_bytes - head_.size(), size);
            head_.append(data, n);
            data += n;
            size -= n;
            offset_ += n;
            if (head_.size() < header_bytes) break;
            event_length_ = le(head_, 9, 4);
            const std::uint64_t least = header_bytes + (s_.checksummed ? checksum_bytes : 0);
            if (event_length_ < least || event_length_ > event_length_limit)
                return fail("the event at byte " + std::to_string(event_start_) + " says it is " +
                            std::to_string(event_length_) + " bytes long (damaged: an event is " +
                            std::to_string(least) + " bytes to 1 GiB)");
            // The header's bytes go through the checksum split below, as the body's do.
            const std::string header = head_;
            head_.clear();
            offset_ -= header_bytes;
            status s = feed(header.data(), header.size());
            if (!s) return s;
            continue;
        }
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(event_length_ - at, size));
        if (head_.size() < kept_bytes) head_.append(data, std::min(n, kept_bytes - head_.size()));
        // The CRC covers every byte but the last 4, which hold it.
        const std::uint64_t covered_end = event_length_ >= checksum_bytes ? event_length_ - checksum_bytes : 0;
        const std::size_t covered = at < covered_end ? static_cast<std::size_t>(std::min<std::uint64_t>(covered_end - at, n)) : 0;
        crc_ = crc32_update(crc_, data, covered);
        crc_tail_.append(data + covered, n - covered);
        data += n;
        size -= n;
        offset_ += n;
        if (offset_ - event_start_ < event_length_) continue;
        status s = on_event();
        if (!s) return s;
        event_start_ = offset_;
        event_length_ = 0;
        head_.clear();
        crc_ = 0;
        crc_tail_.clear();
    }
    return ok();
}

status binlog_scanner::on_event() {
    const auto type = static_cast<std::uint8_t>(head_[4]);
    const std::string where = "the event at byte " + std::to_string(event_start_);
    const std::uint64_t next = le(head_, 13, 4);
    if (next != event_start_ + event_length_)
        return fail(where + " says the next starts at byte " + std::to_string(next) + ", not " +
                    std::to_string(event_start_ + event_length_) + " (damaged, or not a binlog file)");
    if (!seen_format_) {
        if (type != format_description_event)
            return fail("its first event is of type " + std::to_string(type) +
                        ", not a Format_description event (not a binlog file)");
        if (status s = on_format_description(); !s) return s;
    }
    if (s_.checksummed) {
        if (type == format_description_event) {
            // The server sets LOG_EVENT_BINLOG_IN_USE_F (1) in this event's flags while the file is open and clears
            // it when it closes the file, so its CRC is computed as if the flag were clear (MariaDB's
            // Format_description_log_event::write).
            std::string as_closed = head_.substr(0, event_length_ - checksum_bytes);
            s_.in_use = (static_cast<std::uint8_t>(as_closed[17]) & 0x01) != 0;
            as_closed[17] = static_cast<char>(static_cast<std::uint8_t>(as_closed[17]) & ~0x01);
            crc_ = crc32_update(0, as_closed.data(), as_closed.size());
        }
        const auto stored = static_cast<std::uint32_t>(le(crc_tail_, 0, checksum_bytes));
        if (stored != crc_) return fail(where + " fails its CRC-32 (damaged)");
    } else if (type == format_description_event) {
        s_.in_use = (static_cast<std::uint8_t>(head_[17]) & 0x01) != 0;
    }
    s_.whole_bytes = event_start_ + event_length_;
    if (group_) ++group_events_;
    switch (type) {
        case format_description_event:
            if (event_start_ != binlog_magic.size())
                return fail(where + " is a second Format_description event (a relay log, or damaged)");
            return ok();
        case mariadb_gtid_list_event: return on_gtid_list();
        case mariadb_gtid_event: return on_gtid();
        case query_event: return on_query();
        case xid_event:
        case xa_prepare_event:
            if (group_) end_group();
            return ok();
        case rotate_event:
        case stop_event:
            if (group_) return fail(where + " closes the file inside the transaction at byte " + std::to_string(group_->begin));
            ended_ = true;
            s_.ending = type == rotate_event ? binlog_ending::rotate : binlog_ending::stop;
            return ok();
        case mariadb_start_encryption_event:
            return fail("it is encrypted (a Start_encryption event at byte " + std::to_string(event_start_) +
                        "): the archive reads unencrypted binlogs only; turn encrypt_binlog off");
        case mysql_gtid_event:
        case mysql_anonymous_gtid_event:
        case mysql_previous_gtids_event:
            return fail("it is a MySQL binlog (" + where + " is MySQL's GTID event type " + std::to_string(type) +
                        "): point-in-time recovery reads MariaDB's binlogs only");
        default:
            if (group_ && group_standalone_) end_group();  // the one event of a standalone group
            return ok();
    }
}

status binlog_scanner::on_format_description() {
    seen_format_ = true;
    // binlog version u16, server version char[50], create time u32, header length u8, post-header lengths...,
    // checksum algorithm u8, checksum u32.
    if (head_.size() < header_bytes + 2 + 50 + 4 + 1 + 1 + checksum_bytes || head_.size() != event_length_)
        return fail("its Format_description event is " + std::to_string(event_length_) + " bytes: too short");
    if (le(head_, header_bytes, 2) != 4)
        return fail("its Format_description event says binlog version " + std::to_string(le(head_, header_bytes, 2)) +
                    " (only version 4, MariaDB 5.0 and later, is read)");
    const std::string_view version(head_.data() + header_bytes + 2, 50);
    s_.server_version = std::string(version.substr(0, version.find('\0')));
    s_.created = static_cast<std::uint32_t>(le(head_, 0, 4));
    s_.server_id = static_cast<std::uint32_t>(le(head_, 5, 4));
    if (const auto h = static_cast<std::uint8_t>(head_[header_bytes + 2 + 50 + 4]); h != header_bytes)
        return fail("its Format_description event says events have " + std::to_string(h) + "-byte headers, not 19");
    if (s_.server_version.find("MariaDB") == std::string::npos)
        return fail("it was written by server version '" + s_.server_version +
                    "', not MariaDB: point-in-time recovery reads MariaDB's binlogs only");
    const auto alg = static_cast<std::uint8_t>(head_[event_length_ - checksum_bytes - 1]);
    if (alg > 1)
        return fail("its Format_description event names checksum algorithm " + std::to_string(alg) +
                    " (0 none and 1 CRC32 are known)");
    s_.checksummed = alg == 1;
    return ok();
}

status binlog_scanner::on_gtid_list() {
    const std::string where = "its Gtid_list event at byte " + std::to_string(event_start_);
    if (seen_gtid_list_) return fail(where + " is its second");
    if (s_.transactions > 0 || group_) return fail(where + " follows a transaction");
    seen_gtid_list_ = true;
    const std::size_t body_end = event_length_ - (s_.checksummed ? checksum_bytes : 0);
    if (head_.size() < event_length_ || body_end < header_bytes + 4) return fail(where + " is too short");
    const std::uint64_t count = le(head_, header_bytes, 4) & 0x0fffffffu;
    // The server reads no more than the count says (an empty list is written with 2 bytes of padding).
    if (header_bytes + 4 + count * 16 > body_end)
        return fail(where + " lists " + std::to_string(count) + " GTIDs in " + std::to_string(body_end - header_bytes - 4) +
                    " bytes (each takes 16)");
    for (std::uint64_t i = 0; i < count; ++i) {
        const std::size_t at = header_bytes + 4 + static_cast<std::size_t>(i) * 16;
        mariadb_gtid g{static_cast<std::uint32_t>(le(head_, at, 4)), static_cast<std::uint32_t>(le(head_, at + 4, 4)),
                       le(head_, at + 8, 8)};
        s_.start_state.push_back(g);
        s_.start.advance(g);
    }
    s_.end = s_.start;
    return ok();
}

status binlog_scanner::on_gtid() {
    const std::string where = "the Gtid event at byte " + std::to_string(event_start_);
    if (!seen_gtid_list_) return fail(where + " comes before the file's Gtid_list event");
    if (group_)
        return fail(where + " begins a transaction before the one at byte " + std::to_string(group_->begin) + " ended");
    const std::size_t body_end = event_length_ - (s_.checksummed ? checksum_bytes : 0);
    if (body_end < header_bytes + 13) return fail(where + " is too short");
    binlog_transaction t;
    t.gtid = {static_cast<std::uint32_t>(le(head_, header_bytes + 8, 4)), static_cast<std::uint32_t>(le(head_, 5, 4)),
              le(head_, header_bytes, 8)};
    t.time = static_cast<std::uint32_t>(le(head_, 0, 4));
    t.begin = event_start_;
    group_ = t;
    group_standalone_ = (static_cast<std::uint8_t>(head_[header_bytes + 12]) & 0x01) != 0;
    group_events_ = 0;
    return ok();
}

status binlog_scanner::on_query() {
    if (!group_) return ok();
    if (group_standalone_) {
        end_group();
        return ok();
    }
    // Post-header: thread id u32, exec time u32, database length u8, error code u16, status variables length u16;
    // then the status variables, the database name and a NUL, then the text.
    const std::size_t post = header_bytes + 13;
    if (head_.size() < post) return fail("the Query event at byte " + std::to_string(event_start_) + " is too short");
    const std::size_t db_len = static_cast<std::uint8_t>(head_[header_bytes + 8]);
    const std::size_t vars_len = le(head_, header_bytes + 11, 2);
    const std::size_t text_at = post + vars_len + db_len + 1;
    const std::size_t body_end = event_length_ - (s_.checksummed ? checksum_bytes : 0);
    if (text_at > body_end) return fail("the Query event at byte " + std::to_string(event_start_) + " is too short");
    const std::size_t kept_end = std::min<std::size_t>(head_.size(), body_end);
    const std::string_view text(head_.data() + std::min(text_at, kept_end), kept_end - std::min(text_at, kept_end));
    if (ends_group(text.substr(0, 32))) end_group();
    return ok();
}

void binlog_scanner::end_group() {
    binlog_transaction t = *group_;
    group_.reset();
    t.end = event_start_ + event_length_;
    ++s_.transactions;
    if (!s_.first) s_.first = t;
    s_.last = t;
    s_.end.advance(t.gtid);
    if (on_transaction_) on_transaction_(t);
}

result<binlog_summary> binlog_scanner::finish(bool allow_open_end) {
    if (!error_.empty()) return error{error_};
    if (!magic_done_) return error{"not a binary log: " + std::to_string(offset_) + " bytes, shorter than its magic"};
    const bool inside_event = event_length_ != 0 || !head_.empty();
    if (inside_event && (!allow_open_end || ended_))
        return error{"it ends inside the event at byte " + std::to_string(event_start_) + " (cut at byte " +
                     std::to_string(offset_) + ")"};
    if (!seen_format_) return error{"it holds no Format_description event (" + std::to_string(offset_) + " bytes)"};
    if (!seen_gtid_list_) return error{"it holds no Gtid_list event: not a MariaDB 10 binlog"};
    // A transaction not ended where an open file stops never committed: it is not counted.
    group_.reset();
    s_.bytes = offset_;
    s_.ending = ended_ ? s_.ending : binlog_ending::open;
    return s_;
}

}  // namespace mysql_agent::binlog_archive
