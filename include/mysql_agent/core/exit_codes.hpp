#pragma once
// Every exit code the binary uses, in one place, so scripts and the README can rely on them.

namespace mysql_agent::exit_code {

inline constexpr int ok = 0;
/// `probe`: the verdict is "not live" / "not ready".
inline constexpr int probe_failed = 1;
/// The command line could not be parsed (unknown flag, missing value).
inline constexpr int usage = 2;
/// The configuration is unusable: bad hostname, missing ConfigMap file, missing secret file.
inline constexpr int config = 3;
/// Input data is malformed or unusable: backup metadata, replication coordinates.
inline constexpr int bad_input = 4;
/// A local filesystem operation failed (write, rename, fsync, disk full).
inline constexpr int io = 5;
/// The local MySQL/MariaDB server could not be reached or refused a statement.
inline constexpr int mysql = 6;
/// No donor could be reached (all unreachable or busy).
inline constexpr int no_donor = 10;
/// A clone started but failed (stream cut, donor backup failed, prepare failed).
inline constexpr int clone_failed = 11;
/// The donor refused our token (401): retrying will not help.
inline constexpr int unauthorized = 12;
/// The datadir holds data the agent did not create; refused without --force.
inline constexpr int datadir_not_ours = 13;
/// Another mysql-agent clone or init holds the datadir (its lock): wait for it, or stop it.
inline constexpr int datadir_busy = 14;
/// TLS with the donor failed: its certificate is not trusted (wrong CA, wrong name, expired), it does not speak
/// TLS, or it refused our client certificate. Retrying will not help until a certificate or a flag changes.
inline constexpr int tls = 15;
/// A re-seed found known members that stayed silent within --clone-wait: any of them may hold what the others
/// lack. The message names them and the override (`init --reseed-without NAME`, per member).
inline constexpr int member_silent = 16;
/// The object store refused the credentials (AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, 403).
inline constexpr int store_denied = 17;
/// The object store has no such bucket (NoSuchBucket).
inline constexpr int store_no_bucket = 18;
/// The object store failed a request otherwise: no answer after the retries, or a refusal (BadDigest, ...).
inline constexpr int store_failed = 19;
/// A point-in-time restore whose target the archive cannot reach: a gap between the backup and the target, a target
/// before every backup, transactions not archived yet.
inline constexpr int pitr_unreachable = 20;
/// An unexpected internal error (a bug): the message says where.
inline constexpr int internal = 70;

}  // namespace mysql_agent::exit_code
