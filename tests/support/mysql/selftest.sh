#!/bin/bash
# End-to-end check of mysql_server.sh and sha2_auth_string.py against real MySQL 9.x from Debian sid:
# fetch, two servers (source 23306, replica 23307), a caching_sha2_password account made from a precomputed hash,
# logins over TCP with RSA and with TLS, GTID replication over TLS, then stop. Prints timings.
#   selftest.sh            exit 0 ok, 77 when sid cannot be fetched (skip), anything else a failure
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
MS=$HERE/mysql_server.sh
HASH="/usr/bin/python3 $HERE/sha2_auth_string.py"
WORK=$(mktemp -d /tmp/mysql9-selftest-XXXXXX)
SRC=$WORK/source
REP=$WORK/replica

cleanup() { "$MS" stop "$SRC" || true; "$MS" stop "$REP" || true; rm -rf "$WORK"; }
trap cleanup EXIT

step() { echo "--- $*"; }
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
fail() { echo "FAIL: $*" >&2; exit 1; }

t=$(now)
rc=0
"$MS" fetch >/dev/null || rc=$?
[ "$rc" = 0 ] || exit "$rc"
step "fetch: $(since "$t") s"

t=$(now); "$MS" start "$SRC" 23306 1 >/dev/null; step "source initialise+start: $(since "$t") s"
t=$(now); "$MS" start "$REP" 23307 2 >/dev/null; step "replica initialise+start: $(since "$t") s"

step "version and TLS"
"$MS" client "$SRC" -N -e "SELECT VERSION(); SELECT VARIABLE_VALUE FROM performance_schema.global_status WHERE VARIABLE_NAME='Current_tls_version'"

step "account u from a hash computed here (the server never sees the password)"
AS=$(echo 'pw' | $HASH)
"$MS" client "$SRC" -e "CREATE USER 'u'@'%' IDENTIFIED WITH caching_sha2_password AS $AS; GRANT REPLICATION SLAVE ON *.* TO 'u'@'%'"
stored=$("$MS" client "$SRC" -N -e "SELECT HEX(authentication_string) FROM mysql.user WHERE user='u'")
[ "0x$stored" = "$AS" ] || fail "stored auth string differs from the one sent"
echo pw | $HASH --check "$stored" >/dev/null || fail "--check does not recognise the stored string"
login() { "$MS" tool mysql -h127.0.0.1 -P23306 -uu -ppw -N "$@" -e 'SELECT CURRENT_USER()' 2>/dev/null; }
[ "$(login --ssl-mode=DISABLED --get-server-public-key)" = "u@%" ] || fail "login over plain TCP (RSA) failed"
"$MS" client "$SRC" -e "FLUSH PRIVILEGES"
[ "$(login --ssl-mode=REQUIRED)" = "u@%" ] || fail "login over TLS failed"

step "replication over TLS with GTID auto-position"
"$MS" client "$REP" -e "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=23306, SOURCE_USER='u',
    SOURCE_PASSWORD='pw', SOURCE_AUTO_POSITION=1, SOURCE_SSL=1; START REPLICA"
"$MS" client "$SRC" -e "CREATE DATABASE t; CREATE TABLE t.r (id INT PRIMARY KEY); INSERT INTO t.r VALUES (1),(2),(3)"
for _ in $(seq 1 50); do
    n=$("$MS" client "$REP" -N -e "SELECT COUNT(*) FROM t.r" 2>/dev/null || true)
    [ "$n" = 3 ] && break
    sleep 0.2
done
[ "${n:-}" = 3 ] || fail "rows did not arrive on the replica: $("$MS" client "$REP" -e 'SHOW REPLICA STATUS\G' | grep -E 'Running:|Error:')"
"$MS" client "$REP" -e 'SHOW REPLICA STATUS\G' | grep -E 'Replica_(IO|SQL)_Running:|Source_SSL_Allowed|Executed_Gtid_Set'

t=$(now); "$MS" stop "$REP"; "$MS" stop "$SRC"; step "stop both: $(since "$t") s"
echo "selftest OK"
