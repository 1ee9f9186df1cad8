#pragma once
// The libcrypto half of the caching_sha2_password / sha256_password client (the byte logic is core's
// sha2_auth_exchange.hpp): the fast-auth scramble and the RSA-OAEP encryption of the password for a full
// authentication over plain TCP. OpenSSL 3 EVP, linked statically like the rest of the agent.
//
// Neither function puts the password into an error message.

#include <string>
#include <string_view>

#include "mysql_agent/core/result.hpp"

namespace mysql_agent {

/// caching_sha2_password's fast-auth response, 32 bytes:
/// XOR( SHA256(password), SHA256( SHA256(SHA256(password)) || nonce ) ) -- stage 2 first, then the nonce
/// (with the nonce first the server never answers "fast auth success"; seen on 9.7.4, NOTES.md §2).
/// https://dev.mysql.com/doc/dev/mysql-server/latest/page_caching_sha2_authentication_exchanges.html
/// An error only when libcrypto fails.
result<std::string> caching_sha2_scramble(std::string_view password, std::string_view nonce);

/// RSA-OAEP (SHA-1, MGF1-SHA-1, empty label: RSA_PKCS1_OAEP_PADDING, what the server decrypts with since 8.0.5)
/// of (password + NUL) XOR nonce, with the server's public key `pem` (SubjectPublicKeyInfo, as the server sends
/// it). Exactly key-size bytes. An error says what is wrong with the key or the password's length.
result<std::string> encrypt_password_for_server(std::string_view pem, std::string_view password,
                                                std::string_view nonce);

/// Whether `pem` is an RSA public key in PEM (SubjectPublicKeyInfo, as the server sends it and writes it to
/// public_key.pem): checked once when a key is pinned (--replication-server-public-key), so a wrong file fails at
/// start instead of at the first full authentication. The error says what the file holds instead.
status check_rsa_public_key(std::string_view pem);

}  // namespace mysql_agent
