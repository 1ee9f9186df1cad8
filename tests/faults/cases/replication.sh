#!/bin/bash
# Fault group "replication": the primary unreachable while replication is configured, a replica's mysqld late, its sidecar killed around the marker.
#   bash tests/faults/cases/replication.sh AGENT_BINARY    (FAULT_ROWS, FAULT_MYSQLD_DELAY, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

# --- replication ------------------------------------------------------------------------------------------------
# A replica: cloned from the primary's sidecar, into $WORK/r-NAME (mysqld "NAME", server id $2).
make_replica_datadir() {
    local d=$WORK/r-$1; rm -rf "$d"; mkdir -p "$d"
    clone_run "$d" "replica-$1" && [ -f "$d/.mysql-agent-clone.json" ] && return 0
    log "    the clone said: $(tail -2 "$LOGS/clone-replica-$1.log" | cut -c1-300 | tr '\n' ' ')"
    return 1
}
replica_sidecar() {  # replica_sidecar NAME: its sidecar (kill -9 target); sets LAST_PID
    local port_var="RSIDECAR_PORT_$1"
    printf -v "$port_var" '%s' "${!port_var:-$(free_port)}"
    start_sidecar "replica-$1" "127.0.0.1:${!port_var}" --hostname mysql-1 --datadir "$WORK/r-$1" \
        --mysql-socket "$WORK/$1.sock" --primary-host 127.0.0.1 --primary-port "$MYSQLD_PORT_primary" --send-timeout 5
}
replicating() {  # IO and SQL threads running, no error
    local s
    s=$(mariadb --no-defaults -S "$WORK/$1.sock" -uroot -e 'SHOW SLAVE STATUS\G' 2>/dev/null) || return 1
    grep -q 'Slave_IO_Running: Yes' <<<"$s" && grep -q 'Slave_SQL_Running: Yes' <<<"$s" &&
        grep -q 'Last_SQL_Errno: 0' <<<"$s" && grep -q 'Last_IO_Errno: 0' <<<"$s"
}
replication_errors() {  # duplicate-key or GTID errors in the replica's error log or status
    ! grep -Ei 'Duplicate entry|1062|GTID.*(error|fail)|error.*gtid|1236' "$LOGS/mysqld-$1.log" >/dev/null &&
        ! mariadb --no-defaults -S "$WORK/$1.sock" -uroot -e 'SHOW SLAVE STATUS\G' | grep -Eq 'Last_(SQL|IO)_Errno: [1-9]'
}
write_on_primary() {
    sql primary "INSERT INTO shop.events (note, amount) SELECT CONCAT('$1 ', seq), seq FROM shop.seq_1_to_${2:-500};
                 UPDATE shop.orders SET amount = amount + 1 WHERE id % 97 = 0;"
}
STATEMENT='replication: (SET|CHANGE|START|STOP|RESET)'
nth_statement_or_applied() {  # LOG N APPLIED_FILE
    [ -e "$3" ] || [ "$(grep -cE "$STATEMENT" "$1" 2>/dev/null)" -ge "$2" ]
}
replica_converged() {  # replica_converged NAME: replication runs, no error, the rows equal the primary's
    write_on_primary "after-$1" 200
    check "replication runs (IO and SQL threads)" wait_until 90 replicating "$1"
    check "no duplicate-key or GTID error" replication_errors "$1"
    check "the replica's tables equal the primary's (CHECKSUM TABLE, counts)" rows_equal_eventually primary "$1" 90
}
drop_replica() {
    local v="RSIDECAR_PID_$1"
    [ -n "${2:-}" ] && { kill -TERM "$2" 2>/dev/null; wait "$2" 2>/dev/null; }
    stop_mysqld "$1"
    rm -rf "$WORK/r-$1"
}

case_primary_unreachable() {
    case_begin "the primary is unreachable while the sidecar configures replication, then back"
    make_replica_datadir pu || { fail "cloning the replica failed"; case_end; return; }
    write_on_primary before-pu
    start_mysqld pu 21 "$WORK/r-pu" --skip-slave-start || { fail "replica mysqld"; case_end; return; }
    inject "stop the primary's mysqld"
    stop_mysqld primary
    replica_sidecar pu; local sc=$LAST_PID
    sleep 8
    log "  sidecar meanwhile: $(grep -i replication "$LOGS/sidecar-replica-pu.log" | tail -1 | cut -c1-200)"
    check "the sidecar is still running while the primary is away" test -d "/proc/$sc"
    start_mysqld primary 1 "$WORK/primary" || fail "the primary did not restart"
    replica_converged pu
    drop_replica pu "$sc"
    case_end
}

case_mysqld_late() {
    case_begin "a replica's mysqld comes up ${MYSQLD_DELAY} s after its sidecar"
    make_replica_datadir late || { fail "cloning the replica failed"; case_end; return; }
    write_on_primary before-late
    replica_sidecar late; local sc=$LAST_PID
    inject "mysqld down for ${MYSQLD_DELAY} s"
    sleep "$MYSQLD_DELAY"
    check "the sidecar waits (still running)" test -d "/proc/$sc"
    start_mysqld late 22 "$WORK/r-late" --skip-slave-start || fail "replica mysqld"
    replica_converged late
    drop_replica late "$sc"
    case_end
}

case_replica_restarts() {
    case_begin "a replica's sidecar is killed (-9) before, during and after the marker is applied"
    make_replica_datadir rr || { fail "cloning the replica failed"; case_end; return; }
    write_on_primary before-rr 1000
    local applied=$WORK/r-rr/.mysql-agent-replication-applied sc phases=""
    # Before: the sidecar waits for mysqld that is not up yet.
    replica_sidecar rr; sc=$LAST_PID
    sleep 1
    inject "kill -9 the sidecar before it could apply the marker (mysqld down)"
    kill -9 "$sc"; wait "$sc" 2>/dev/null
    start_mysqld rr 23 "$WORK/r-rr" --skip-slave-start || fail "replica mysqld"
    # During: the sidecar is killed right after it logs its Nth replication statement (each is logged just before it
    # runs). The writes keep coming, so that a restart that re-applied the clone's coordinates over a replica that
    # already replicates would hit duplicate keys.
    local n
    for n in 1 2 3 4; do
        write_on_primary "during-$n" 300
        replica_sidecar rr; sc=$LAST_PID
        wait_until 30 nth_statement_or_applied "$LOGS/sidecar-replica-rr.log" "$n" "$applied"
        kill -9 "$sc"; wait "$sc" 2>/dev/null
        local phase=during
        [ -e "$applied" ] && phase=after
        inject "kill -9 the sidecar at its replication statement $n: $(grep -E "$STATEMENT" "$LOGS/sidecar-replica-rr.log" | sed -n "${n}p" | grep -o 'replication: [A-Z_ ]*' | cut -c14-40) ($phase the marker is applied)"
        phases+="$phase "
        mv "$LOGS/sidecar-replica-rr.log" "$LOGS/sidecar-replica-rr-$n.log"
    done
    # After: wait for the applied record, then kill once more, and restart mysqld too.
    replica_sidecar rr; sc=$LAST_PID
    wait_until 60 test -e "$applied" || fail "the marker was never applied"
    write_on_primary after-applied 300
    inject "kill -9 the sidecar after the marker is applied, and restart mysqld"
    phases+="after"
    kill -9 "$sc"; wait "$sc" 2>/dev/null
    stop_mysqld rr
    start_mysqld rr 23 "$WORK/r-rr" --skip-slave-start || fail "replica mysqld restart"
    replica_sidecar rr; sc=$LAST_PID
    log "  phases hit: $phases"
    replica_converged rr
    drop_replica rr "$sc"
    case_end
}

# ================================================================================================================
setup
want primary-unreachable && case_primary_unreachable
want mysqld-late && case_mysqld_late
want replica-restart && case_replica_restarts
finish
