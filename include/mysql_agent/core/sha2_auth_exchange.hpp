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

/// How a full authentication sends the password. MySQL trusts TLS and a unix socket (it then takes the password
/// in clear); over plain TCP it must be RSA-encrypted with the server's key, asked for first. sha256_password's
/// client only trusts TLS (Connector/C's sha256_pw.c does the same), so over a unix socket it uses RSA.
enum class full_auth_step { send_clear_password, request_public_key };
full_auth_step choose_full_auth(sha2_plugin plugin, bool tls_active, bool unix_socket);

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
