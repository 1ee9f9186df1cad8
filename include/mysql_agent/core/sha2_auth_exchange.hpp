#pragma once
// The client side of MySQL's caching_sha2_password and sha256_password exchanges, as pure decisions on bytes: what
// the server's nonce is, what its replies mean, how the full authentication travels, and the XORs. The hashing and
// the RSA encryption need libcrypto and live in io (sha2_crypto.hpp); the plugin that drives the exchange through
// Connector/C's VIO lives in io (sha2_auth_plugin.hpp).
//
// Wire (seen on MySQL 9.7.4, tests/support/mysql/NOTES.md §2; server: sql/auth/sha2_password.cc):
//
//   caching_sha2_password                         | sha256_password
//   ----------------------------------------------+----------------------------------------------
//   S: nonce (20 bytes + NUL)                     | S: nonce (20 bytes + NUL)
//   C: empty packet if the password is empty      | C: empty packet if the password is empty
//   C: scramble (32 bytes)                        | C: TLS: password + NUL; else 01 (ask for key)
//   S: 03 -> OK follows (fast auth, cache warm)   | S: PEM public key (after 01)
//   S: 04 -> full authentication:                 | C: RSA-OAEP((password + NUL) XOR nonce)
//        TLS or unix socket: C: password + NUL    |
//        plain TCP: C: 02, S: PEM, C: RSA-OAEP(...)|
//
// Over plain TCP a pinned key replaces the request (C: RSA-OAEP(...) at once), and without a pinned key or leave
// to use the server's, the client sends nothing more (choose_full_auth below).
//
// The library strips the 0x01 (AuthMoreData) marker before the plugin sees a reply, so a reply is `03`, `04` or
// the PEM text.

#include <cstdint>
#include <string>
#include <string_view>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

enum class sha2_plugin { caching_sha2_password, sha256_password };

/// The nonce's length in MySQL's handshake (auth-plugin-data without its trailing NUL).
inline constexpr std::size_t sha2_nonce_length = 20;
/// Longest password the server takes (MAX_PLAINTEXT_LENGTH in sql/auth/sha2_password.h).
inline constexpr std::size_t sha2_max_password_length = 256;

/// The 20-byte nonce from the auth data the library hands the plugin first: 20 bytes followed by a NUL (21 bytes,
/// MySQL's handshake and AuthSwitchRequest), or the 20 bytes alone. Anything else is an error naming its length.
result<std::string> nonce_from_auth_data(std::string_view data);

/// What a server reply (0x01 marker already stripped) means.
enum class sha2_reply { fast_auth_success, perform_full_authentication, public_key, unexpected };
sha2_reply classify_sha2_reply(std::string_view reply);

/// How a full authentication sends the password (the server answered the scramble with 04: its cache holds no
/// entry for the account, e.g. after a restart or FLUSH PRIVILEGES).
///
///   | TLS | unix socket | pinned key | may request key | step                                               |
///   |-----|-------------|------------|-----------------|----------------------------------------------------|
///   | yes | any         | any        | any             | send_clear_password (inside TLS)                   |
///   | no  | yes         | any        | any             | caching_sha2: send_clear_password (the server      |
///   |     |             |            |                 | trusts its socket); sha256: as over TCP below, but |
///   |     |             |            |                 | the key may always be requested (see below)        |
///   | no  | no          | yes        | any             | encrypt_with_pinned_key (no request to the server) |
///   | no  | no          | no         | yes             | request_public_key (the key the server sends)      |
///   | no  | no          | no         | no              | refuse: nothing more is sent                       |
///
/// A key the server sends over plain TCP is not authenticated: whoever sits between client and server can send
/// their own and decrypt the password (MySQL's client refuses it too unless --get-server-public-key,
/// https://dev.mysql.com/doc/refman/8.4/en/caching-sha2-pluggable-authentication.html). Over a unix socket the
/// peer is the server that owns the socket file, so the key it sends is as good as a pinned one. sha256_password's
/// client only trusts TLS (Connector/C's sha256_pw.c does the same), so over a socket it uses RSA.
enum class full_auth_step { send_clear_password, encrypt_with_pinned_key, request_public_key, refuse };
struct full_auth_facts {
    sha2_plugin plugin = sha2_plugin::caching_sha2_password;
    bool tls_active = false;       ///< TLS is up on this connection (Connector/C negotiates it before authentication)
    bool unix_socket = false;      ///< the connection is a unix socket
    bool pinned_key = false;       ///< the server's RSA public key was configured (--replication-server-public-key)
    bool may_request_key = false;  ///< the server's own key may be trusted (--get-server-public-key)
};
full_auth_step choose_full_auth(const full_auth_facts& facts);

/// The one-line error for full_auth_step::refuse: why nothing was sent and the three ways out, as the sidecar's
/// flags name them (only the replica's connection to its primary can be refused; local connections may request
/// the key, mysql_connection.hpp).
std::string full_auth_refusal_message();

/// The byte that asks the server for its RSA public key: 0x02 (caching_sha2_password), 0x01 (sha256_password).
std::uint8_t public_key_request_byte(sha2_plugin plugin);

/// `password` + NUL, XORed with the nonce repeated: what is RSA-encrypted for a full authentication.
std::string xor_password_with_nonce(std::string_view password, std::string_view nonce);

/// `a` XOR `b`, byte by byte; both must have the same length (the caller's digests do), else an empty string.
std::string xor_bytes(std::string_view a, std::string_view b);

/// Whether `password` fits the protocol: at most 256 bytes (the server's limit), and short enough for one
/// RSA-OAEP block of a `rsa_key_bytes`-byte key (k - 42 bytes for SHA-1 OAEP, with the NUL). An error says which.
status check_sha2_password_length(std::size_t password_length, std::size_t rsa_key_bytes);

}  // namespace mysql_agent
