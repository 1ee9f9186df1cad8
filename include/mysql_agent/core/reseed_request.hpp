#pragma once
// The re-seed request `<datadir>/.mysql-agent-reseed` (clone_marker.hpp reseed_request_file), written by
// `mysql-agent reseed` and read by the next `init`, which then replaces this member's data.
//
//   requested_at: 2026-12-07T00:22:00Z
//   pod: mysql-2
//   reason: 1236 after a purge
//   signature: hmac-sha256:5f2c...(64 hex)       HMAC-SHA256 keyed by the backup token (--auth-token-file)
//                                                 of every byte above this line
//
// Why signed: the datadir is mysqld's, and an SQL account with the FILE privilege can write any file in it
// (`SELECT ... INTO OUTFILE '/var/lib/mysql/.mysql-agent-reseed'`; MariaDB sets no secure_file_priv by default).
// A request that any file of that name made would let such an account have ordinal 0's data replaced at the
// next restart. The backup token is a Secret mysqld never sees, so only someone holding it signs a request.
// The manifests also set secure_file_priv (README "Manifests"), which keeps SQL out of the datadir altogether.
//
// Decision table (check_reseed_request; the first matching row wins). A request not acted on is left in
// place and logged as an error naming the file and the row: init goes on with its normal decision (the data
// is kept), and only a person removes the file.
//
//   init has a key | last line                   | MAC     | pod    | requested_at               | verdict
//   ---------------+-----------------------------+---------+--------+----------------------------+-----------
//   no             | any                         | -       | -      | -                          | ignored
//   yes            | no `signature: hmac-sha256` | -       | -      | -                          | ignored
//   yes            | signature                   | differs | -      | -                          | ignored
//   yes            | signature                   | matches | other  | -                          | ignored
//   yes            | signature                   | matches | self   | unreadable, > 24 h old, or | ignored
//                  |                             |         |        | > 5 min in the future      |
//   yes            | signature                   | matches | self   | otherwise                  | accepted
//
// The age limit bounds the replay of a request read back from the datadir (LOAD_FILE, which secure_file_priv
// also blocks): a day covers "reseed now, restart the pod later" and a clock 5 minutes off.
// Pure: the HMAC itself is computed by the caller (io/request_signature.hpp), handed in as a function.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mysql_agent {

/// How long a signed request stays good, and how far ahead of init's clock it may be dated.
inline constexpr std::chrono::hours reseed_request_max_age{24};
inline constexpr std::chrono::minutes reseed_request_max_skew{5};

struct reseed_request {
    std::string requested_at;  ///< RFC 3339 UTC, seconds: "2026-12-07T00:22:00Z"
    std::string pod;           ///< the hostname of the pod it is for
    std::string reason;        ///< the operator's words, control characters dropped
    bool operator==(const reseed_request&) const = default;
};

/// The signed part of a request: the requested_at, pod and reason lines (control characters dropped from the
/// reason, which is shown in logs and the clone marker).
std::string reseed_request_body(const reseed_request& request);

/// `body` followed by its signature line; `mac` is the raw HMAC-SHA256 of `body` (32 bytes).
std::string signed_reseed_request(std::string_view body, std::string_view mac);

/// The raw HMAC-SHA256 of some bytes with the backup token.
using request_mac = std::function<std::string(std::string_view bytes)>;

struct reseed_request_check {
    bool accepted = false;
    reseed_request request;  ///< accepted: what it asks
    std::string why;         ///< not accepted: one line, e.g. "it carries no signature: ..."
};

/// Applies the decision table above to the bytes of a request file. `mac` is nullopt when init has no key.
/// Compares the MAC in time that does not depend on where it differs.
reseed_request_check check_reseed_request(std::string_view text, const std::optional<request_mac>& mac,
                                          std::string_view self_hostname,
                                          std::chrono::system_clock::time_point now);

/// "2026-12-07T00:22:00Z" of a time (seconds, UTC).
std::string rfc3339_seconds(std::chrono::system_clock::time_point t);

}  // namespace mysql_agent
