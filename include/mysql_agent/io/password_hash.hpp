#pragma once
// Client-side password hashes: the stored forms of a password that the server accepts in
// `IDENTIFIED BY PASSWORD '*...'` (MariaDB) and `IDENTIFIED WITH plugin AS ...` (MySQL), so that no statement the
// agent sends carries a clear-text password into the binlog (account_statements.hpp says why). I/O layer: OpenSSL's
// libcrypto (EVP), which core must not include; core receives the results as facts (account_facts).

#include <string>
#include <string_view>

namespace mysql_agent {

/// mysql_native_password's stored string: "*" + 40 upper-case hex digits of SHA1(SHA1(password)), what
/// PASSWORD('...') returns on MariaDB and MySQL 5.7 ("password" -> "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19").
/// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_native_password_authentication.html
/// Throws agent_error (exit_code::internal) only when libcrypto fails; so do the functions below.
std::string native_password_hash(std::string_view password);

/// caching_sha2_password's stored string in its CRYPT5 format (the default caching_sha2_password_storage_format):
/// "$A$" + rounds/1000 as 3 upper-case hex digits + "$" + `salt` + 43 characters of SHA-256-crypt (Drepper's
/// "$5$", https://www.akkadia.org/drepper/SHA-crypt.txt) of `password` with the whole 20-byte salt and `rounds`
/// rounds; 70 bytes. What the server itself stores for IDENTIFIED BY 'password' with that salt (sql/auth/
/// sha2_password.cc, mysys/crypt_genhash_impl.cc); checked against a MySQL 9.7.4 server's own hash and the
/// reference tests/support/mysql/sha2_auth_string.py (mysql9 branch), whose notes prove it on the server.
/// Throws std::invalid_argument when the salt is not 20 bytes of 0x01..0x7f without '$' (the server ends the salt at
/// '$' and truncates bytes >= 0x80 in its utf8mb3 column) or `rounds` is not a multiple of 1000 in 1000..4095000.
std::string caching_sha2_auth_string(std::string_view password, std::string_view salt, unsigned rounds = 5000);

/// 20 random salt bytes for caching_sha2_auth_string, from crypt's alphabet [./0-9A-Za-z] (RAND_bytes): printable,
/// so the stored string also travels as a quoted literal to servers older than MySQL 8.0.17's `AS 0x...`.
std::string random_caching_sha2_salt();

}  // namespace mysql_agent
