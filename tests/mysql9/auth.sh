#!/bin/bash
# mysql-agent logs into a real MySQL 9 with caching_sha2_password (and sha256_password) accounts through its own
# built-in client plugins, with Connector/C's plugin dir EMPTY (lib.sh): `probe` and `status` over plain TCP (first
# login: full authentication with the server's RSA key; then the fast path from the server's cache), over the unix
# socket (full authentication in clear, which the server trusts there), and over TLS (--mysql-tls). strace shows
# which path each login took on the wire. Controls: a dynamically linked libmariadb client with the same empty dir
# cannot log in (so the dir is honoured and the account really needs the plugin); a decoy .so is never loaded; a
# wrong password fails without the password in any message.
#   auth.sh AGENT_BINARY       exit 0 ok, 77 when MySQL 9 cannot be fetched (skipped), 1 on a failed check
set -euo pipefail
AGENT=${1:?usage: auth.sh AGENT_BINARY}
. "$(dirname "$0")/lib.sh"

T_ALL=$(now)
fetch_mysql
start_servers A:1
DIR=$WORK/A
PW="p@ss w0rd;'x\\y"                 # a space, a quote and a backslash travel through every layer
PW_SQL=${PW//\\/\\\\}; PW_SQL=${PW_SQL//\'/\'\'}
PWF=$(password_file agent "$PW")
WRONG=$(password_file wrong "not-the-password-42")
sql A <<SQL
CREATE USER 'agent'@'%' IDENTIFIED WITH caching_sha2_password BY '$PW_SQL';
GRANT ALL ON *.* TO 'agent'@'%';
CREATE USER 'tlsonly'@'%' IDENTIFIED WITH caching_sha2_password BY '$PW_SQL' REQUIRE SSL;
GRANT PROCESS, REPLICATION CLIENT ON *.* TO 'tlsonly'@'%';
CREATE USER 'oldsha'@'%' IDENTIFIED WITH sha256_password BY '$PW_SQL';
GRANT PROCESS, REPLICATION CLIENT ON *.* TO 'oldsha'@'%';
SQL
check "the accounts use the plugins under test" \
    test "$(sql_value A "SELECT GROUP_CONCAT(CONCAT(user,':',plugin) ORDER BY user) FROM mysql.user WHERE user IN ('agent','tlsonly','oldsha')")" \
    = "agent:caching_sha2_password,oldsha:sha256_password,tlsonly:caching_sha2_password"

TCP=(--hostname mysql-0 --mysql-host 127.0.0.1 --mysql-port "$PORT_A" --timeout 5)
SOCK=(--hostname mysql-0 --mysql-socket "$DIR/mysqld.sock" --timeout 5)
flush() { sql_value A "FLUSH PRIVILEGES" >/dev/null; }   # empties the server's caching_sha2 cache

# --- control: the empty plugin dir is honoured, and the account cannot log in without a caching_sha2 plugin -----
control_fails_without_plugin() {
    command -v mariadb >/dev/null || { log "    no mariadb client on this machine"; return 1; }
    local out
    out=$(MYSQL_PWD=$PW mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P"$PORT_A" -uagent -e 'SELECT 1' 2>&1) && return 1
    log "    libmariadb with the empty dir: $out"
    grep -q "caching_sha2_password" <<<"$out" && grep -qF "$NO_PLUGINS" <<<"$out"
}
check "control: Debian's libmariadb client with the same empty MARIADB_PLUGIN_DIR cannot log in" control_fails_without_plugin

# --- what each login sent, seen with strace ----------------------------------------------------------------------
# Packet header: 3-byte length, 1-byte sequence. The handshake response is seq 1; the scramble goes in it.
# Full authentication over TCP asks for the key with a 1-byte packet 02 (seq 3) and then sends 256 bytes (seq 5);
# over the socket it sends the password + NUL as seq 3. After the fast path the next packet is a query (seq 0).
traced() { strace -f -qq -ttt -e trace=sendto,write,sendmsg -xx -s 16 -o "$WORK/strace.txt" "$AGENT" "$@" >"$WORK/traced.out" 2>&1; }
# auth_ms: milliseconds from the handshake response (the first packet with seq 1) to the first query (seq 0) after
# it, i.e. the whole authentication exchange of the traced login (strace slows both paths alike).
auth_ms() {
    awk '/sendto\([0-9]+, "\\x..\\x..\\x..\\x01/ && !t1 { t1 = $2; next }
         t1 && /sendto\([0-9]+, "\\x..\\x..\\x..\\x00/ { printf "%.1f", ($2 - t1) * 1000; exit }' "$WORK/strace.txt"
}
sent() { grep -c -F "\"$1" "$WORK/strace.txt" || true; }
KEY_REQUEST='\x01\x00\x00\x03\x02'
RSA_PASSWORD='\x00\x01\x00\x05'
pw_len_hex=$(printf '\\x%02x' $(( $(printf '%s' "$PW" | wc -c) + 1 )))
CLEAR_PASSWORD="$pw_len_hex\\x00\\x00\\x03"

tcp_full_rsa() {
    flush
    traced probe live "${TCP[@]}" --user agent --password-file "$PWF" || { cat "$WORK/traced.out"; return 1; }
    measured "authentication exchange over TCP, full path with RSA (under strace)" "$(auth_ms)" ms
    [ "$(sent "$KEY_REQUEST")" = 1 ] && [ "$(sent "$RSA_PASSWORD")" = 1 ]
}
tcp_fast() {
    traced probe live "${TCP[@]}" --user agent --password-file "$PWF" || { cat "$WORK/traced.out"; return 1; }
    measured "authentication exchange over TCP, fast path (under strace)" "$(auth_ms)" ms
    [ "$(sent "$KEY_REQUEST")" = 0 ] && [ "$(sent "$RSA_PASSWORD")" = 0 ] && [ "$(sent "$CLEAR_PASSWORD")" = 0 ]
}
socket_full_clear() {
    flush
    traced probe live "${SOCK[@]}" --user agent --password-file "$PWF" || { cat "$WORK/traced.out"; return 1; }
    measured "authentication exchange over the socket, full path in clear (under strace)" "$(auth_ms)" ms
    [ "$(sent "$KEY_REQUEST")" = 0 ] && [ "$(sent "$CLEAR_PASSWORD")" = 1 ]
}
if command -v strace >/dev/null && strace -qq -o /dev/null true 2>/dev/null; then
    check "TCP, cache empty: probe live logs in by full authentication with the server's RSA key" tcp_full_rsa
    check "TCP, cache warm: the next login takes the fast path (no key request, no password sent)" tcp_fast
    check "unix socket, cache empty: full authentication sends the password in clear, no RSA" socket_full_clear
else
    log "FAIL: strace cannot run here: which path each login took is not checked"; FAILED=$((FAILED + 1))
fi

# --- the subcommands over each transport ---------------------------------------------------------------------------
probe_ok() { agent probe "$@"; [ "$RC" = 0 ] || { log "    exit $RC: $OUT"; return 1; }; log "    $OUT"; }
status_ok() {
    agent status "$@" --datadir "$DIR/data" --sidecar 127.0.0.1:9 --json
    [ "$RC" = 0 ] && grep -q '"9\.7' <<<"$OUT" || { log "    exit $RC: $OUT"; return 1; }
}
flush
check "TCP: status --json reads a MySQL 9.7 server (full authentication)" status_ok "${TCP[@]}" --user agent --password-file "$PWF"
check "TCP: probe ready on ordinal 0 (writable primary)" probe_ok ready "${TCP[@]}" --user agent --password-file "$PWF"
check "unix socket: status --json" status_ok "${SOCK[@]}" --user agent --password-file "$PWF"
check "unix socket: root with the empty password (an empty response, no scramble)" probe_ok live "${SOCK[@]}" --user root

# --- TLS (--mysql-tls): an account that requires SSL ---------------------------------------------------------------
tls_refused_without() {
    agent probe live "${TCP[@]}" --user tlsonly --password-file "$PWF"
    [ "$RC" != 0 ] && grep -q "1045" <<<"$OUT"
}
flush
check "TLS: a REQUIRE SSL account is refused without --mysql-tls (the server sees no TLS)" tls_refused_without
check "TLS: with --mysql-tls, full authentication (password in clear inside TLS)" \
    probe_ok live "${TCP[@]}" --mysql-tls --user tlsonly --password-file "$PWF"
check "TLS: again, fast path" probe_ok live "${TCP[@]}" --mysql-tls --user tlsonly --password-file "$PWF"
check "TLS: status --json over TLS" status_ok "${TCP[@]}" --mysql-tls --user tlsonly --password-file "$PWF"

# --- sha256_password: no cache; RSA with request byte 01 over TCP and the socket, clear over TLS -----------------
check "sha256_password over TCP (RSA)" probe_ok live "${TCP[@]}" --user oldsha --password-file "$PWF"
check "sha256_password over the unix socket (RSA: its client trusts only TLS)" probe_ok live "${SOCK[@]}" --user oldsha --password-file "$PWF"
check "sha256_password over TLS (clear inside TLS)" probe_ok live "${TCP[@]}" --mysql-tls --user oldsha --password-file "$PWF"

# --- a decoy caching_sha2_password.so in the plugin dir is never loaded ---------------------------------------------
decoy_ignored() {
    local decoy=$WORK/decoy-plugins
    mkdir -p "$decoy"
    echo "not an ELF file" >"$decoy/caching_sha2_password.so"
    cp "$decoy/caching_sha2_password.so" "$decoy/sha256_password.so"
    flush
    OUT=$(MARIADB_PLUGIN_DIR=$decoy "$AGENT" probe live "${TCP[@]}" --user agent --password-file "$PWF" 2>&1) ||
        { log "    $OUT"; return 1; }
}
check "a broken caching_sha2_password.so in the plugin dir is not touched (the built-in plugin is used)" decoy_ignored

# --- a wrong password: refused after the full path, and the messages hold no password ------------------------------
wrong_password() {
    flush
    agent probe live "${TCP[@]}" --user agent --password-file "$WRONG"
    local probe_out=$OUT probe_rc=$RC
    agent status "${TCP[@]}" --user agent --password-file "$WRONG" --datadir "$DIR/data" --sidecar 127.0.0.1:9
    log "    probe: $probe_out"
    [ "$probe_rc" = 1 ] && grep -q "1045" <<<"$probe_out$OUT" &&
        ! grep -qF "not-the-password-42" <<<"$probe_out$OUT" && ! grep -qF "$PW" <<<"$probe_out$OUT"
}
check "a wrong password: 1045 access denied, no password in any message" wrong_password

measured "mysql9 auth test, whole" "$(since "$T_ALL")"
finish
