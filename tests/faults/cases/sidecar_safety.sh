#!/bin/bash
# Fault group "sidecar_safety": secrets the sidecar handles must not outlive their use. The replication password
# never reaches the primary's binlog (from where every replica and every binlog backup would carry it), and a
# sidecar that was PID 1 of its PID namespace (as in a container) and was SIGKILLed leaves no private option-file
# directory (it holds the backup user's password) past the next sidecar's start.
#   bash tests/faults/cases/sidecar_safety.sh AGENT_BINARY    (FAULT_ROWS, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

# --- 5: the replication password and the binlog -----------------------------------------------------------------
binlog_files() { sql primary "SHOW BINARY LOGS" | cut -f1; }
password_in_binlogs() {  # prints where the replication password appears
    local f
    for f in $(binlog_files); do
        # grep reads to the end (no -q): under pipefail an early exit would fail the pipeline with SIGPIPE.
        mariadb-binlog "$WORK/primary/$f" 2>>"$LOGS/mariadb-binlog.log" | grep -F -- "$REPL_PW" >/dev/null &&
            echo "mariadb-binlog $f"
        sql primary "SHOW BINLOG EVENTS IN '$f'" | grep -F -- "$REPL_PW" >/dev/null && echo "SHOW BINLOG EVENTS IN '$f'"
    done
}
master_position() { sql primary "SHOW MASTER STATUS" | cut -f1,2 | tr '\t' :; }
repl_logs_in() {  # the repl account, over TCP, with the password from a 0600 option file
    local cnf=$WORK/flags/repl-client.cnf
    (umask 077; printf '[client]\nuser=repl\npassword=%s\n' "$REPL_PW" >"$cnf")
    [ "$(mariadb --defaults-extra-file="$cnf" --no-auto-rehash -h 127.0.0.1 -P "$MYSQLD_PORT_primary" --protocol=tcp \
        -N -B -e 'SELECT CURRENT_USER()' 2>>"$LOGS/repl-login.log")" = "repl@%" ]
}
case_repl_password_binlog() {
    case_begin "the replication password never reaches a binlog (the primary's sidecar started twice)"
    # The first start was setup's: its sidecar (ordinal 0, --repl-password-file) created the account.
    local before after sc port
    before=$(master_position)
    port=$(free_port)
    inject "start the primary's sidecar a second time (ordinal 0, --repl-password-file)"
    start_sidecar primary-2 "127.0.0.1:$port" --hostname mysql-0 --datadir "$WORK/primary" \
        --mysql-socket "$WORK/primary.sock"
    sc=$LAST_PID
    # The decision line ("replication: ensure_users on ..."); any statement it runs follows within the second.
    wait_until 30 grep -Eq 'replication: [a-z_]+ on ' "$LOGS/sidecar-primary-2.log" || fail "no replication decision logged"
    sleep 2
    after=$(master_position)
    log "  decision: $(grep -Eo 'replication: [a-z_]+ on [^"]*' "$LOGS/sidecar-primary-2.log" | head -1 | cut -c1-160)"
    log "  binlog position before the second start: $before, after: $after"
    check "the second start adds no statement to the binlog" test "$before" = "$after"
    local hits; hits=$(password_in_binlogs)
    [ -n "$hits" ] && log "    the password is in: $(echo "$hits" | tr '\n' ' ')"
    check "the clear-text password is in no binlog (mariadb-binlog of every file, SHOW BINLOG EVENTS)" test -z "$hits"
    check "the repl user logs in with the password over TCP" repl_logs_in
    kill -TERM "$sc"; wait "$sc" 2>/dev/null
    case_end
}

# --- 7: a stale private dir in a PID namespace ------------------------------------------------------------------
NS_TMP=$WORK/tmp-ns
# start_ns_sidecar LOGNAME PORT: the sidecar as PID 1 of a new PID namespace (as in a container), TMPDIR=$NS_TMP;
# sets NS_UNSHARE_PID (unshare, in our namespace) and NS_SIDECAR_PID (the sidecar, seen from ours).
start_ns_sidecar() {
    TMPDIR=$NS_TMP unshare -p -f --mount-proc "$AGENT" sidecar --listen "127.0.0.1:$2" \
        --auth-token-file "$WORK/secrets/token" --user agent --password-file "$WORK/secrets/agent-password" \
        --hostname mysql-0 --datadir "$WORK/primary" --mysql-socket "$WORK/primary.sock" \
        --xtrabackup /usr/bin/mariabackup --xbstream /usr/bin/mbstream --send-timeout 60 >>"$LOGS/sidecar-$1.log" 2>&1 &
    NS_UNSHARE_PID=$!
    PIDS+=("$NS_UNSHARE_PID")
    wait_port 20 127.0.0.1 "$2" || return 1
    NS_SIDECAR_PID=$(children_named "$NS_UNSHARE_PID" mysql-agent | head -1)
    [ -n "$NS_SIDECAR_PID" ] && PIDS+=("$NS_SIDECAR_PID")
}
is_ns_init() { [ "$(awk '/^NSpid:/ {print $NF}' "/proc/$1/status" 2>/dev/null)" = 1 ]; }
private_dirs() { compgen -G "$NS_TMP/mysql-agent-backup-*"; }
no_private_dir() { ! private_dirs >/dev/null; }
case_stale_private_dir_pidns() {
    case_begin "a sidecar that was PID 1 of its PID namespace, SIGKILLed mid-backup: the next one removes its private dir"
    rm -rf "$NS_TMP"; mkdir -p "$NS_TMP"
    local port client stale t0
    port=$(free_port)
    start_ns_sidecar ns-first "$port" || { fail "the namespaced sidecar did not start"; case_end; return; }
    check "the sidecar is PID 1 of its namespace" is_ns_init "${NS_SIDECAR_PID:-0}"
    $HOSTILE slow 127.0.0.1 "$port" "$TOKEN" 60 >>"$LOGS/slow-ns.out" 2>&1 &
    client=$!
    wait_until 20 private_dirs >/dev/null || fail "no private dir appeared (did the backup start?)"
    inject "kill -9 the sidecar (PID 1 of its namespace) while a backup is in flight"
    kill -9 "$NS_SIDECAR_PID"; wait "$NS_UNSHARE_PID" 2>/dev/null
    kill "$client" 2>/dev/null; wait "$client" 2>/dev/null
    stale=$(private_dirs | tr '\n' ' ')
    log "  left behind: ${stale:-nothing}"
    check "the private dir was left behind (the fault took)" test -n "$stale"
    t0=$(date +%s)
    start_ns_sidecar ns-second "$port" || fail "the second namespaced sidecar did not start"
    check "the second sidecar is PID 1 of its namespace too" is_ns_init "${NS_SIDECAR_PID:-0}"
    wait_until $((t0 + 5 - $(date +%s))) no_private_dir
    check "within 5 s of the second sidecar's start the stale dir is gone (left: $(private_dirs | tr '\n' ' '))" no_private_dir
    kill -TERM "$NS_SIDECAR_PID" 2>/dev/null; wait "$NS_UNSHARE_PID" 2>/dev/null
    check "no orphan tool, no zombie" no_tools_left
    rm -rf "$NS_TMP"
    case_end
}

# ================================================================================================================
setup
want repl-password-binlog && case_repl_password_binlog
want stale-private-dir && case_stale_private_dir_pidns
finish
