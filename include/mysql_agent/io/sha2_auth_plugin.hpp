#pragma once
// caching_sha2_password and sha256_password client authentication plugins for the static Connector/C.
//
// Why: Debian's libmariadb.a has only mysql_native_password (and old_password) built in; every other client plugin
// is a .so it dlopen()s from its plugin dir (MARIADB_PLUGIN_DIR, else /usr/lib/x86_64-linux-gnu/libmariadb3/plugin),
// which the agent's scratch image does not have and a static glibc could not load anyway. MySQL 8.0 creates accounts
// with caching_sha2_password by default, 8.4 disables mysql_native_password and 9.0 removed it, so without these
// plugins the agent could not log into a default MySQL 8.x/9.x at all. tests/support/mysql/NOTES.md §1 has the
// Connector/C plugin API facts, §2 the wire exchange; the decisions are core's sha2_auth_exchange.hpp, the crypto
// io's sha2_crypto.hpp.
//
// Registered once per process, before the first connection (mysql_client does it): Connector/C then uses them for
// any account whose server names these plugins, and never looks for the .so files.
//
// Which RSA key a full authentication over plain TCP may use is a property of the connection (a pinned key, or
// whether the key the server sends may be trusted), which Connector/C cannot carry to a client plugin (it has
// MYSQL_SERVER_PUBLIC_KEY, a path, but no --get-server-public-key). The plugin runs synchronously inside
// mysql_real_connect on the connecting thread, so mysql_client sets the connection's key policy for that thread
// around the call (sha2_key_policy_scope). A plugin run outside any scope has no pinned key and may not trust
// the server's key: it refuses rather than guess.

#include <string>

namespace mysql_agent {

/// What a full authentication over plain TCP may encrypt the password with (core's choose_full_auth decides).
struct sha2_key_policy {
    std::string pinned_key_pem;    ///< the server's RSA public key (PEM), used instead of asking for it; empty: none
    bool may_request_key = false;  ///< the key the server sends may be used (--get-server-public-key)
};

/// Sets `policy` for the logins this thread makes until the scope ends (mysql_client's constructor, around
/// mysql_real_connect). `policy` must outlive the scope. Not nestable: the previous policy is restored at the end.
class sha2_key_policy_scope {
public:
    explicit sha2_key_policy_scope(const sha2_key_policy& policy) noexcept;
    ~sha2_key_policy_scope();
    sha2_key_policy_scope(const sha2_key_policy_scope&) = delete;
    sha2_key_policy_scope& operator=(const sha2_key_policy_scope&) = delete;

private:
    const sha2_key_policy* previous_;
};

/// Registers both plugins into Connector/C's process-wide plugin list. Idempotent and thread-safe; call after
/// mysql_library_init. Throws mysql_error when Connector/C refuses, or when a plugin of the same name was loaded
/// before ours (Connector/C 3.3 then keeps that one silently; e.g. LIBMYSQL_PLUGINS in the environment).
void register_sha2_auth_plugins();

}  // namespace mysql_agent
