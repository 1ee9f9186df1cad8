#pragma once
// How the agent reaches a MySQL/MariaDB server: the one description every part uses (the client library in
// io/mysql_client.hpp, the backup tool's option file, the health checks). Pure data.

#include <chrono>
#include <cstdint>
#include <string>

namespace mysql_agent {

struct mysql_connection {
    std::string host = "127.0.0.1";  ///< TCP host, used when `socket` is empty
    std::uint16_t port = 3306;
    std::string socket;              ///< unix socket path; when set, host and port are ignored
    std::string user = "root";
    std::string password;            ///< may be empty; never logged
    bool tls = false;                ///< require TLS (certificate not verified: the server is the pod's own)
    /// A CA file: require TLS and verify the server's certificate against it, and its name against `host` (as
    /// MASTER_SSL_VERIFY_SERVER_CERT does). For a remote server (the replica's connection to its primary).
    std::string tls_ca;
    /// caching_sha2_password/sha256_password full authentication over plain TCP (sha2_auth_exchange.hpp): the
    /// server's RSA public key (PEM) to encrypt the password with, instead of asking the server for it.
    std::string server_public_key;
    /// ...and whether the key the server sends may be used when none is pinned. A key sent over plain TCP is not
    /// authenticated, so this is off unless said: connection_of() turns it on for the pod's own mysqld (loopback
    /// or the pod's network namespace, where nobody can sit in between), the replica's connection to its primary
    /// only with --get-server-public-key.
    bool get_server_public_key = false;
    std::chrono::seconds connect_timeout{5};
    std::chrono::seconds read_timeout{30};  ///< bounds every statement: a hung server cannot block forever
    std::chrono::seconds write_timeout{30};

    /// "unix:/run/mysqld/mysqld.sock" or "127.0.0.1:3306", for messages.
    std::string endpoint() const {
        return socket.empty() ? host + ":" + std::to_string(port) : "unix:" + socket;
    }
};

}  // namespace mysql_agent
