#!/bin/bash
# How the replica's sidecar logs into its primary (the reconcile loop, every --reconcile-interval) with the
# replication password, against a real MySQL 9 primary whose caching_sha2_password cache is emptied (FLUSH
# PRIVILEGES) so that every such login needs a full authentication. strace shows what the sidecar sent:
#   - no flag: the fast path works (cache warmed by the replication channel's own login); with the cache cold the
#     login is refused with one line naming the three ways out, and neither a key request nor an RSA-encrypted
#     password leaves the sidecar;
#   - --replication-server-public-key (the primary's public_key.pem): encrypted with it, no key request; a wrong
#     key is refused by the server (1045); a file that is no key stops the sidecar at start (exit 3);
#   - --get-server-public-key: the key the primary sends, as before;
#   - --replication-tls-ca (the primary serving a certificate of tests/faults/tls_certs.sh's CA, loaded with
#     ALTER INSTANCE RELOAD TLS; the account REQUIRE SSL): logs in over verified TLS; a foreign CA, or a host name
#     the certificate does not carry, fails with error 2026 and no plaintext retry.
#   replica_login.sh AGENT_BINARY     exit 0 ok, 77 when MySQL 9 cannot be fetched (skipped), 1 on a failed check
set -euo pipefail
AGENT=${1:?usage: replica_login.sh AGENT_BINARY}
. "$(dirname "$0")/lib.sh"

REPLICA=""
stop_replica_sidecar() {
    [ -n "$REPLICA" ] || return 0
    # Under strace the sidecar is strace's child: signal the sidecar itself, strace ends with it.
    local child; child=$(pgrep -P "$REPLICA" -x mysql-agent || true)
    kill -TERM "${child:-$REPLICA}" 2>/dev/null || true
    wait "$REPLICA" 2>/dev/null || true
    REPLICA=""
}
PRIMARY=""
trap 'stop_replica_sidecar; [ -z "$PRIMARY" ] || { kill -TERM "$PRIMARY"; wait "$PRIMARY"; } 2>/dev/null || true; cleanup' EXIT

command -v strace >/dev/null && strace -qq -o /dev/null true 2>/dev/null || { log "FAIL: strace cannot run here"; exit 1; }
T_ALL=$(now)
fetch_mysql
start_servers S:1 R:2
RPW="r3pl pa55'word\\x"
RPWF=$(password_file repl "$RPW")
PW="agent pa55'word"
PWF=$(password_file agent "$PW")
sql S <<<"CREATE USER 'agent'@'%' IDENTIFIED WITH caching_sha2_password BY 'agent pa55''word'; GRANT ALL ON *.* TO 'agent'@'%' WITH GRANT OPTION;"

# The primary serves a certificate of our own CA (SAN IP:127.0.0.1, as the tls component's names its pods).
CERTS=$WORK/certs
bash "$HERE/../faults/tls_certs.sh" "$CERTS" >/dev/null
cp "$CERTS/server.crt" "$WORK/S/data/server-cert.pem"
cp "$CERTS/server.key" "$WORK/S/data/server-key.pem"
cp "$CERTS/ca.crt" "$WORK/S/data/ca.pem"
sql S <<<"ALTER INSTANCE RELOAD TLS;"
check "the primary serves the test CA's certificate" \
    grep -q "$(openssl x509 -in "$CERTS/server.crt" -noout -serial | cut -d= -f2)" \
    <<<"$(echo | openssl s_client -connect "127.0.0.1:$PORT_S" -starttls mysql 2>/dev/null | openssl x509 -noout -serial)"

# --- a replica replicating from S, set up by the sidecars as in replication.sh --------------------------------------
GTID=$(sql_value S "SELECT REPLACE(@@GLOBAL.gtid_executed, '\n', '')")
read -r BINLOG_FILE BINLOG_POS < <(sql_value S "SHOW BINARY LOG STATUS" | awk '{ print $1, $2 }')
cat >"$WORK/R/data/.mysql-agent-clone.json" <<JSON
{"source": "mysql-0.mysql:3307",
 "coordinates": {"binlog": {"file": "$BINLOG_FILE", "position": $BINLOG_POS, "gtid_set": "$GTID"},
                 "replication": [], "gtid_purged": null, "gtid_slave_pos": null},
 "digest": "xxh3-64:0000000000000000", "stream_bytes": 0, "datadir_bytes": 0, "tool_version": "simulated clone",
 "server_version": "9.7.4", "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:00:01Z",
 "duration_seconds": 1}
JSON
"$AGENT" sidecar --listen 127.0.0.1:0 --insecure-no-auth --log-format text --hostname mysql-0 \
    --datadir "$WORK/S/data" --mysql-socket "$WORK/S/mysqld.sock" --user agent --password-file "$PWF" \
    --repl-password-file "$RPWF" >"$WORK/sidecar-0.log" 2>&1 &
PRIMARY=$!
repl_account() { [ "$(sql_value S "SELECT plugin FROM mysql.user WHERE user='repl'" 2>/dev/null)" = caching_sha2_password ]; }
wait_until 30 repl_account || { log "FAIL: no replication account"; cat "$WORK/sidecar-0.log"; exit 1; }

# replica_sidecar NAME FLAGS...: the replica's sidecar under strace (every byte it writes, in hex), logging to
# $WORK/NAME.log. Its local mysqld is reached as root over the socket with the empty password, so the replication
# password is the only one it ever sends anywhere.
replica_sidecar() {
    local name=$1; shift
    stop_replica_sidecar
    STRACE=$WORK/$name.strace LOG=$WORK/$name.log
    strace -f -qq -e trace=sendto,write,sendmsg -xx -s 16 -o "$STRACE" \
        "$AGENT" sidecar --listen 127.0.0.1:0 --insecure-no-auth --log-format text --hostname mysql-1 \
        --datadir "$WORK/R/data" --mysql-socket "$WORK/R/mysqld.sock" --user root --repl-password-file "$RPWF" \
        --primary-host "${PRIMARY_HOST:-127.0.0.1}" --primary-port "$PORT_S" --reconcile-interval 0.2 "$@" \
        >"$LOG" 2>&1 &
    REPLICA=$!
}
logged() { grep -q -- "$1" "$LOG"; }
reconciled() { grep -q "replication reconcile: nothing: replicating from 127.0.0.1:$PORT_S" "$LOG"; }
refused_line() { grep "replication reconcile:.*does not answer" "$LOG" | tail -n 1; }
flush() { sql_value S "FLUSH PRIVILEGES" >/dev/null; }   # empties S's caching_sha2 cache
# cold_start NAME FLAGS...: a replica sidecar that meets a cold cache. The previous one is stopped first: its
# passes could otherwise fill the cache again between the flush and its end.
cold_start() { stop_replica_sidecar; flush; replica_sidecar "$@"; }
# Packets (3-byte length, sequence): the key request 02 is seq 3; an RSA-encrypted password (2048-bit key: 256
# bytes) is seq 5 after a key request, seq 3 with a pinned key.
sent() { grep -c -F "\"$1" "$STRACE" || true; }
KEY_REQUEST='\x01\x00\x00\x03\x02'
RSA_AFTER_REQUEST='\x00\x01\x00\x05'
RSA_PINNED='\x00\x01\x00\x03'
sent_nothing_secret() {
    [ "$(sent "$KEY_REQUEST")" = 0 ] && [ "$(sent "$RSA_AFTER_REQUEST")" = 0 ] && [ "$(sent "$RSA_PINNED")" = 0 ] ||
        { log "    key requests $(sent "$KEY_REQUEST"), RSA packets $(sent "$RSA_AFTER_REQUEST")+$(sent "$RSA_PINNED")"; return 1; }
}

# --- no flag: the default manifests' replica ------------------------------------------------------------------------
t=$(now)
replica_sidecar default
replica_ready() {
    agent probe ready --hostname mysql-1 --datadir "$WORK/R/data" --mysql-socket "$WORK/R/mysqld.sock" --user root
    [ "$RC" = 0 ]
}
check "the replica's sidecar sets up replication (the channel logs in with GET_SOURCE_PUBLIC_KEY=1)" wait_until 60 replica_ready
measured "replica ready" "$(since "$t")"
check "no flag, cache warmed by the channel: the reconcile loop logs in by the fast path" wait_until 30 reconciled
flush
refused() { grep -q "replication reconcile:.*does not answer.*not sent under an RSA key" "$LOG"; }
check "no flag, cache cold: the login is refused" wait_until 30 refused
log "    $(refused_line)"
one_line_names_all() {
    local l; l=$(refused_line)
    grep -q -- "--replication-tls-ca" <<<"$l" && grep -q -- "--replication-server-public-key" <<<"$l" &&
        grep -q -- "--get-server-public-key" <<<"$l"
}
check "the refusal names --replication-tls-ca, --replication-server-public-key and --get-server-public-key" one_line_names_all
check "no flag: the sidecar sent no key request and no RSA-encrypted password" sent_nothing_secret
no_password_logged() { ! grep -qF "$RPW" "$LOG"; }
check "no flag: the password is in no log line" no_password_logged

# --- a pinned key ----------------------------------------------------------------------------------------------------
cold_start pinned --replication-server-public-key "$WORK/S/data/public_key.pem"
pinned_used() {
    [ "$(sent "$KEY_REQUEST")" = 0 ] && [ "$(sent "$RSA_PINNED")" -ge 1 ] ||
        { log "    key requests $(sent "$KEY_REQUEST"), pinned RSA packets $(sent "$RSA_PINNED")"; return 1; }
}
check "pinned key, cache cold: the reconcile loop logs in" wait_until 30 reconciled
check "pinned key: the password went encrypted with it, no key asked for" pinned_used

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/other.key" 2>/dev/null
openssl pkey -in "$WORK/other.key" -pubout -out "$WORK/other.pub"
cold_start wrongkey --replication-server-public-key "$WORK/other.pub"
wrong_key_refused() { grep -q "replication reconcile:.*does not answer.*error 1045" "$LOG"; }
check "a pinned key that is not the primary's: the primary refuses the login (1045)" wait_until 30 wrong_key_refused
log "    $(refused_line)"

stop_replica_sidecar
not_a_key() {
    agent sidecar --listen 127.0.0.1:0 --insecure-no-auth --hostname mysql-1 --datadir "$WORK/R/data" \
        --mysql-socket "$WORK/R/mysqld.sock" --user root --repl-password-file "$RPWF" \
        --replication-server-public-key "$CERTS/ca.crt"
    log "    $OUT"
    [ "$RC" = 3 ] && grep -q -- "--replication-server-public-key" <<<"$OUT"
}
check "a --replication-server-public-key that holds no RSA key: exit 3 at start, naming the flag" not_a_key

# --- --get-server-public-key: the key the primary sends ---------------------------------------------------------------
cold_start fetched --get-server-public-key
fetched_used() { [ "$(sent "$KEY_REQUEST")" -ge 1 ] && [ "$(sent "$RSA_AFTER_REQUEST")" -ge 1 ]; }
check "--get-server-public-key, cache cold: logs in" wait_until 30 reconciled
check "--get-server-public-key: asked for the key and sent the password encrypted with it" fetched_used

# --- TLS against the cluster CA ---------------------------------------------------------------------------------------
stop_replica_sidecar
sql S <<<"ALTER USER 'repl'@'%' REQUIRE SSL;"
cold_start tls --replication-tls-ca "$CERTS/ca.crt"
check "--replication-tls-ca, cache cold, account REQUIRE SSL: the reconcile loop logs in over verified TLS" \
    wait_until 30 reconciled
check "--replication-tls-ca: no key request and no RSA (the password went inside TLS)" sent_nothing_secret

tls_fails() {   # tls_fails WHAT: the login failed with 2026 and the hint
    grep -q "replication reconcile:.*does not answer.*error 2026.*no plaintext fallback" "$LOG" ||
        return 1
}
replica_sidecar foreignca --replication-tls-ca "$CERTS/other-ca.crt"
check "--replication-tls-ca of another CA: error 2026 (certificate not verified), no plaintext retry" wait_until 30 tls_fails
log "    $(refused_line)"
check "a foreign CA: nothing of the password sent (no RSA, no key request)" sent_nothing_secret
PRIMARY_HOST=localhost replica_sidecar wrongname --replication-tls-ca "$CERTS/ca.crt"
check "--primary-host localhost, a certificate naming only 127.0.0.1: error 2026 (name checked)" wait_until 30 tls_fails
log "    $(refused_line)"

stop_replica_sidecar
measured "mysql9 replica login test, whole" "$(since "$T_ALL")"
finish
