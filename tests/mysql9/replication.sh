#!/bin/bash
# Two real MySQL 9 servers and two `mysql-agent sidecar`s, every login by caching_sha2_password through the agent's
# built-in plugin (empty plugin dir, lib.sh). Ordinal 0's sidecar creates the replication account (from a client-side
# hash); the replica's sidecar, given a clone marker whose coordinates are the source's GTID set at the "clone",
# makes it replicate from there with GTID auto-position: the rows written before the clone are not replayed (they
# would collide with the cloned copies), the rows written after arrive. Also `replication-sql` (dry run) for 9.7.
#   replication.sh AGENT_BINARY       exit 0 ok, 77 when MySQL 9 cannot be fetched (skipped), 1 on a failed check
set -euo pipefail
AGENT=${1:?usage: replication.sh AGENT_BINARY}
. "$(dirname "$0")/lib.sh"

SIDECARS=()
stop_sidecars() {
    local p
    for p in "${SIDECARS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${SIDECARS[@]}"; do wait "$p" 2>/dev/null || true; done
    SIDECARS=()
}
trap 'stop_sidecars; cleanup' EXIT

T_ALL=$(now)
fetch_mysql
start_servers S:1 R:2
PW="agent pa55'word"
RPW="r3pl pa55'word\\x"
PWF=$(password_file agent "$PW")
RPWF=$(password_file repl "$RPW")
PW_SQL=${PW//\'/\'\'}
for s in S R; do
    sql "$s" <<SQL
CREATE USER 'agent'@'%' IDENTIFIED WITH caching_sha2_password BY '$PW_SQL';
GRANT ALL ON *.* TO 'agent'@'%' WITH GRANT OPTION;
SQL
done

# --- the dry run: what the replica's setup will be for a 9.7 server ------------------------------------------------
dry_run() {
    local backup=$WORK/backup
    mkdir -p "$backup"
    printf 'binlog.000002\t1234\t3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5\n' >"$backup/xtrabackup_binlog_info"
    agent replication-sql "$backup" --server-version 9.7.4 --source-host mysql-0.mysql --repl-password-file "$RPWF"
    log "    $(tr '\n' ' ' <<<"$OUT")"
    [ "$RC" = 0 ] && grep -q "RESET BINARY LOGS AND GTIDS" <<<"$OUT" &&
        grep -q "SET GLOBAL gtid_purged='3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5'" <<<"$OUT" &&
        grep -q "CHANGE REPLICATION SOURCE TO.*SOURCE_AUTO_POSITION=1.*GET_SOURCE_PUBLIC_KEY=1" <<<"$OUT" &&
        grep -q "START REPLICA" <<<"$OUT" && ! grep -qF "$RPW" <<<"$OUT"
}
check "replication-sql for MySQL 9.7: GTID auto-position, the source's RSA key, no password shown" dry_run

# --- the "clone": the same rows on both, written on R without binlog, and a marker at S's GTID set ----------------
sql S <<<"CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO app.t VALUES (1,'cloned'),(2,'cloned'),(3,'cloned');"
sql R <<<"SET sql_log_bin=0; CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO app.t VALUES (1,'cloned'),(2,'cloned'),(3,'cloned');"
GTID=$(sql_value S "SELECT REPLACE(@@GLOBAL.gtid_executed, '\n', '')")
read -r BINLOG_FILE BINLOG_POS < <(sql_value S "SHOW BINARY LOG STATUS" | awk '{ print $1, $2 }')
log "clone point: $BINLOG_FILE:$BINLOG_POS, GTID set $GTID"
cat >"$WORK/R/data/.mysql-agent-clone.json" <<JSON
{
  "source": "mysql-0.mysql:3307",
  "coordinates": {
    "binlog": {"file": "$BINLOG_FILE", "position": $BINLOG_POS, "gtid_set": "$GTID"},
    "replication": [],
    "gtid_purged": null,
    "gtid_slave_pos": null
  },
  "digest": "xxh3-64:0000000000000000",
  "stream_bytes": 0,
  "datadir_bytes": 0,
  "tool_version": "simulated clone",
  "server_version": "9.7.4",
  "started_at": "2026-01-01T00:00:00Z",
  "finished_at": "2026-01-01T00:00:01Z",
  "duration_seconds": 1
}
JSON

# --- the sidecars -----------------------------------------------------------------------------------------------------
sidecar() {
    local log=$1; shift
    "$AGENT" sidecar --listen 127.0.0.1:0 --insecure-no-auth --log-format text --password-file "$PWF" \
        --repl-password-file "$RPWF" --reconcile-interval 1 "$@" >"$log" 2>&1 &
    SIDECARS+=($!)
}
t=$(now)
sidecar "$WORK/sidecar-0.log" --hostname mysql-0 --datadir "$WORK/S/data" --mysql-socket "$WORK/S/mysqld.sock" --user agent
repl_account() { [ "$(sql_value S "SELECT plugin FROM mysql.user WHERE user='repl'" 2>/dev/null)" = caching_sha2_password ]; }
check "ordinal 0's sidecar (over the socket) creates the replication account with caching_sha2_password" wait_until 30 repl_account
sidecar "$WORK/sidecar-1.log" --hostname mysql-1 --datadir "$WORK/R/data" --mysql-host 127.0.0.1 --mysql-port "$PORT_R" \
    --user agent --primary-host 127.0.0.1 --primary-port "$PORT_S"
replica_ready() {
    agent probe ready --hostname mysql-1 --datadir "$WORK/R/data" --mysql-host 127.0.0.1 --mysql-port "$PORT_R" \
        --user agent --password-file "$PWF"
    [ "$RC" = 0 ]
}
if wait_until 45 replica_ready; then
    log "PASS: the replica's sidecar (over TCP) configures replication from the marker; probe ready: $OUT"
    measured "sidecars started to replica ready" "$(since "$t")"
else
    log "FAIL: the replica did not become ready: $OUT"; FAILED=$((FAILED + 1))
    sed 's/^/    sidecar-1: /' "$WORK/sidecar-1.log" | tail -n 20
fi

replica_status() { "$MS" client "$WORK/R" -e 'SHOW REPLICA STATUS\G'; }   # no -N: \G would drop the names
auto_position() {
    local st; st=$(replica_status)
    grep -q "Auto_Position: 1" <<<"$st" && grep -q "Source_User: repl" <<<"$st" &&
        grep -q "Replica_IO_Running: Yes" <<<"$st" && grep -q "Replica_SQL_Running: Yes" <<<"$st" ||
        { log "    $(grep -E 'Running:|Error:|Auto_Position|Source_User' <<<"$st" | tr -s ' ' | tr '\n' ' ')"; return 1; }
}
check "the replica replicates as repl with GTID auto-position, both threads running" auto_position
check "the replica's gtid_purged is the marker's GTID set" \
    test "$(sql_value R "SELECT REPLACE(@@GLOBAL.gtid_purged, '\n', '')")" = "$GTID"

sql S <<<"INSERT INTO app.t VALUES (4,'after'),(5,'after'); UPDATE app.t SET v='updated' WHERE id=1;"
arrived() { [ "$(sql_value R "SELECT GROUP_CONCAT(CONCAT(id,v) ORDER BY id) FROM app.t")" = "1updated,2cloned,3cloned,4after,5after" ]; }
check "rows written after the clone point arrive; those before it are not replayed" wait_until 30 arrived

secrets_kept() {
    ! grep -qF "$PW" "$WORK"/sidecar-*.log && ! grep -qF "$RPW" "$WORK"/sidecar-*.log &&
        grep -q "replication" "$WORK/sidecar-1.log"
}
stop_sidecars
check "neither password appears in the sidecars' logs" secrets_kept
measured "mysql9 replication test, whole" "$(since "$T_ALL")"
finish
