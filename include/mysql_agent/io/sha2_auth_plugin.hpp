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

namespace mysql_agent {

/// Registers both plugins into Connector/C's process-wide plugin list. Idempotent and thread-safe; call after
/// mysql_library_init. Throws mysql_error when Connector/C refuses, or when a plugin of the same name was loaded
/// before ours (Connector/C 3.3 then keeps that one silently; e.g. LIBMYSQL_PLUGINS in the environment).
void register_sha2_auth_plugins();

}  // namespace mysql_agent
