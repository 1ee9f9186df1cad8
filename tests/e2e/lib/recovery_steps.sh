# shellcheck shell=bash
# Member recovery scenarios, sourced by scenario.sh (which provides the cluster and the replica steps): ordinal 0
# losing its volume (with its peers up, and with them down), an empty primary started by hand, a replica whose
# primary purged what it needs, and a replica donor whose backup was aborted. Each step runs the pods' own
# container commands and checks what an operator would check.

# Rows of e2e.items and e2e.stream on pod N, one line.
data_of() { checksums "$1" e2e.items,e2e.stream; }

# Ordinal 0's data volume is lost: every process of the pod killed, the claim emptied.
lose_primary_volume() {
    local datadir
    datadir=$(pod_datadir 0)
    pod_kill 0 KILL
    find "$datadir" -mindepth 1 -delete
    if [[ -z "$(ls -A "$datadir")" ]]; then
        pass "mysql-0's volume is lost (its datadir is empty)"
    else
        fail "mysql-0's volume is lost" "$datadir still holds $(ls -A "$datadir" | head -n 3 | paste -sd' ' -)"
    fi
}

# The init container's log of pod N, last line that is not empty.
init_last_line() {
    local n=$1
    grep -v '^\s*$' "$(pod_dir "$n")/logs/$(pod_container "$n" agent-init).log" 2>/dev/null | tail -n 1
}

# Checks that mysql-0 came back as a re-seeded primary holding WANT (data_of), writable, with no replica
# configuration, and that the replicas in "$@" follow it with every new write.
check_reseeded_primary() {
    local want=$1 t0=$2 marker source
    shift 2
    marker="$(pod_datadir 0)/.mysql-agent-clone.json"
    expect "mysql-0's init re-seeded it as the primary (marker reseed.as_primary)" true \
        "$(json_field "$marker" .reseed.as_primary)"
    source=$(json_field "$marker" .source)
    case "$source" in
        mysql-[1-9].mysql:3307) pass "mysql-0 was cloned from a peer ($source, position $(json_field "$marker" .reseed.position))" ;;
        *) fail "mysql-0 was cloned from a peer" "marker source '$source'" ;;
    esac
    writable() { [[ "$(sql_quiet 0 'SELECT @@read_only')" == 0 ]]; }
    if await 60 "the sidecar of mysql-0 to take over and make it writable" writable; then
        pass "mysql-0 is writable $(secs_since "$t0")s after its pod was started again"
    else
        fail "mysql-0 becomes writable after the takeover" "@@read_only is still $(sql_quiet 0 'SELECT @@read_only')"
        return 1
    fi
    expect "mysql-0 holds every row the replicas hold (CHECKSUM TABLE)" "$want" "$(data_of 0)"
    expect "mysql-0 kept no replica configuration from its donor (SHOW SLAVE STATUS)" "" \
        "$(sql 0 'SHOW SLAVE STATUS')"
    # The takeover names the clone's position in mysql_agent.takeovers and jumps each domain 2^32 past it.
    local taken base
    taken=$(sql 0 'SELECT position FROM mysql_agent.takeovers ORDER BY id DESC LIMIT 1')
    expect "mysql-0's binlog continues the donor's GTID position (mysql_agent.takeovers)" \
        "$(json_field "$marker" .reseed.position)" "$taken"
    base=${taken##*-}
    if [[ "$base" =~ ^[0-9]+$ ]] && (( $(sql 0 'SELECT @@gtid_binlog_pos' | sed 's/.*-//') >= base + 4294967296 )); then
        pass "mysql-0's first GTID after the takeover jumped 2^32 past the donor's ($(sql 0 'SELECT @@gtid_binlog_pos'))"
    else
        fail "mysql-0's first GTID after the takeover jumps 2^32" "takeover $taken, binlog pos $(sql 0 'SELECT @@gtid_binlog_pos')"
    fi
    expect "the cluster identity survived the re-seed" "$(sql 1 'SELECT identity FROM mysql_agent.cluster')" \
        "$(sql 0 'SELECT identity FROM mysql_agent.cluster')"
    local n
    for n in "$@"; do
        if await 60 "$(pod_name "$n") to replicate from the re-seeded mysql-0" replicating "$n"; then
            pass "$(pod_name "$n") follows the re-seeded mysql-0 without a re-clone ($(secs_since "$t0")s after mysql-0 was started again)"
        else
            slave_status "$n"
            fail "$(pod_name "$n") follows the re-seeded mysql-0" "IO ${SLAVE[Slave_IO_Running]:-?} (${SLAVE[Last_IO_Errno]:-?}: ${SLAVE[Last_IO_Error]:-}), SQL ${SLAVE[Slave_SQL_Running]:-?}"
            return 1
        fi
    done
    measure_arrival "after-reseed-$RANDOM$RANDOM" "$@"
    check_arrival "a write on the re-seeded mysql-0" "$@"
    # Before its takeover the re-seeded primary is read-only with an empty binlog position: a replica that compared
    # positions then halted for one pass (error in its log, not ready) and resumed on the next.
    local since halts
    since=$(date -u -d "@$((t0 / 1000000))" +%Y-%m-%dT%H:%M:%S)
    for n in "$@"; do
        halts=$(grep -h '"msg":"replication reconcile: halt:' "$(pod_dir "$n")/logs/$(pod_container "$n" agent-sidecar).log" 2>/dev/null |
            awk -v since="$since" 'match($0, /"ts":"[^"]*"/) && substr($0, RSTART + 6, 19) >= since' | cut -c1-300)
        expect "$(pod_name "$n") did not halt while mysql-0 was re-seeded and taken over" "" "$halts"
    done
    for n in "$@"; do
        expect "$(pod_name "$n") equals mysql-0 after the re-seed (CHECKSUM TABLE)" \
            "$(checksums 0 e2e.items,e2e.stream,e2e.heartbeat)" "$(checksums "$n" e2e.items,e2e.stream,e2e.heartbeat)"
    done
    check_probes 0
}

# mysql-0's volume is lost while both replicas run: its init clones the most advanced replica, its sidecar takes
# over, the replicas follow it and new writes reach them.
step_primary_wiped() {
    say "== step: mysql-0's volume is lost while mysql-1 and mysql-2 run; it comes back re-seeded"
    local want t0
    want=$(data_of 1)
    lose_primary_volume
    pod_create 0 --recreate
    t0=$(now_us)
    if ! pod_start 0; then
        fail "mysql-0 starts again (init re-seeds, mysqld answers, sidecar listens)" "$E2E_LAST_ERROR"
        return 1
    fi
    local init_var
    init_var="E2E_TIME_$(pod_container 0 agent-init | tr - _)"
    pass "mysql-0 starts again: init re-seeded it in ${!init_var}s"
    E2E_CLONE_SECONDS+=("mysql-0 re-seed=$(json_field "$(pod_datadir 0)/.mysql-agent-clone.json" .duration_seconds)s/init ${!init_var}s")
    check_reseeded_primary "$want" "$t0" 1 2
}

# mysql-0's volume is lost while its peers are down: init refuses to start an empty primary (exit 16: known members
# stayed silent), says which and how to override; once the peers are back, mysql-0 is re-seeded from them.
step_primary_wiped_peers_down() {
    local replicas=("$@") n
    ((${#replicas[@]})) || replicas=(1)
    say "== step: mysql-0's volume is lost while its peers (${replicas[*]}) are down; init refuses an empty primary until they are back"
    local want t0 rc=0 line
    want=$(data_of "${replicas[0]}")
    for n in "${replicas[@]}"; do pod_kill "$n" KILL; done
    lose_primary_volume
    pod_create 0 --recreate
    E2E_EXEC_ENV=(MYSQL_AGENT_CLONE_WAIT=5)
    t0=$(now_us)
    pod_start 0 || rc=1
    E2E_EXEC_ENV=()
    line=$(init_last_line 0)
    if ((rc)) && [[ "$line" == *"mysql-${replicas[0]}.mysql"* && "$line" == *"--reseed-without"* &&
        "$line" == *"--bootstrap-empty"* ]]; then
        pass "init of mysql-0 refused to start an empty primary after $(secs_since "$t0")s: ${line:0:300}"
    else
        fail "init of mysql-0 refuses to start an empty primary while its peers are down" "pod_start returned $rc; init said: $line"
    fi
    expect "init of mysql-0 exited 16 (known members stayed silent)" "exited 16" \
        "$(grep -o 'exited [0-9]*' <<<"$E2E_LAST_ERROR" | head -n 1)"
    if [[ ! -e "$(pod_datadir 0)/mysql" ]] && ! container_alive 0 "$(pod_container 0 server)"; then
        pass "no empty primary was initialised (no mysql/ in the datadir, no mysqld)"
    else
        fail "no empty primary was initialised" "the datadir holds $(ls -A "$(pod_datadir 0)" | paste -sd' ' -)"
    fi
    say "the peers come back (their mysqld, their sidecars), then mysql-0 is started again"
    for n in "${replicas[@]}"; do
        pod_create "$n" --recreate
        if ! pod_start "$n"; then
            fail "$(pod_name "$n") starts again" "$E2E_LAST_ERROR"
            return 1
        fi
    done
    pod_create 0 --recreate
    t0=$(now_us)
    if ! pod_start 0; then
        fail "mysql-0 starts again once its peers are back" "$E2E_LAST_ERROR"
        return 1
    fi
    pass "mysql-0 starts again once its peers are back: re-seeded"
    check_reseeded_primary "$want" "$t0" "${replicas[@]}"
}

# An empty primary started by hand (--bootstrap-empty) carries another cluster identity: the replica halts its
# replication, says why in its readiness, status and metrics, and keeps its data untouched.
step_empty_primary_halts() {
    say "== step: an empty mysql-0 is started by hand (--bootstrap-empty); mysql-1 must not follow it"
    local before halted
    before=$(data_of 1)
    lose_primary_volume
    pod_create 0 --recreate
    E2E_EXEC_ENV=(MYSQL_AGENT_BOOTSTRAP_EMPTY=1)
    pod_start 0 || fail "mysql-0 starts empty with --bootstrap-empty" "$E2E_LAST_ERROR"
    E2E_EXEC_ENV=()
    sql 0 "CREATE DATABASE e2e; CREATE TABLE e2e.items (id INT UNSIGNED PRIMARY KEY, payload CHAR(32) NOT NULL,
           note VARCHAR(64) NULL); INSERT INTO e2e.items (id, payload) VALUES (1, 'another history')" ||
        fail "writes on the empty mysql-0" "the statements failed (above)"
    halted="$(pod_datadir 1)/.mysql-agent-replication-halted"
    has_halted() { [[ -s "$halted" ]]; }
    if await 60 "the sidecar of mysql-1 to halt replication from the empty mysql-0" has_halted; then
        pass "mysql-1 halted replication ${WAITED}s after mysql-0 was started empty: $(cat "$halted")"
    else
        fail "mysql-1 halts replication from a primary of another history" "no $halted after 60s"
        return 1
    fi
    slave_status 1
    expect "mysql-1's replication threads are stopped" "No/No" \
        "${SLAVE[Slave_IO_Running]:-}/${SLAVE[Slave_SQL_Running]:-}"
    sleep "${E2E_RECONCILE_PAUSE:-6}"  # one more reconcile pass: the halt stays, nothing is started again
    slave_status 1
    expect "mysql-1 stays halted on the next pass" "No/No" "${SLAVE[Slave_IO_Running]:-}/${SLAVE[Slave_SQL_Running]:-}"
    expect "mysql-1's data is untouched (CHECKSUM TABLE)" "$before" "$(data_of 1)"
    local server
    server=$(pod_container 1 server)
    if run_probe 1 "$server" readinessProbe; then
        fail "mysql-1 is not ready while halted" "its readiness probe passed"
    else
        pass "mysql-1 is not ready while halted: $(grep -v '^---' "$(pod_dir 1)/logs/probes.log" | tail -n 1)"
    fi
    local metric
    metric=$(curl -s --max-time 5 "http://$(pod_ip 1):3307/metrics" | grep '^mysql_agent_replication_halted' || true)
    expect "mysql-1's /metrics says it is halted" "mysql_agent_replication_halted 1" "$metric"
}

# mysql-2 is down while mysql-0 purges the binlogs it still needs: it comes back with IO error 1236, reported as
# unrecoverable; `mysql-agent reseed` in its sidecar container and a pod restart re-seed it from a peer.
step_reseed_after_purge() {
    say "== step: mysql-0 purges binlogs mysql-2 still needs; mysql-2 reports 1236 and is re-seeded on request"
    local dir sidecar file
    pod_kill 2 KILL
    sql 0 "INSERT INTO e2e.heartbeat (token) VALUES ('while-mysql-2-was-down'); FLUSH BINARY LOGS"
    file=$(sql 0 'SHOW MASTER STATUS' | cut -f1)
    # A binlog a connected replica (mysql-1) still reads is kept by PURGE: repeat until it is gone.
    purged() {
        sql_quiet 0 "PURGE BINARY LOGS TO '$file'" || true
        [[ "$(sql_quiet 0 'SHOW BINARY LOGS' | head -n 1 | cut -f1)" == "$file" ]]
    }
    if await 30 "mysql-0 to purge every binlog before $file" purged; then
        pass "mysql-0 purged every binlog before $file while mysql-2 was down"
    else
        fail "mysql-0 purges its binlogs" "SHOW BINARY LOGS still starts with $(sql_quiet 0 'SHOW BINARY LOGS' | head -n 1 | cut -f1)"
        return 1
    fi
    pod_create 2 --recreate
    pod_start 2 || { fail "mysql-2 starts again" "$E2E_LAST_ERROR"; return 1; }
    io_1236() { slave_status 2; [[ "${SLAVE[Last_IO_Errno]:-}" == 1236 ]]; }
    if await 60 "mysql-2's IO thread to fail with 1236" io_1236; then
        pass "mysql-2 cannot catch up: IO error 1236 (${SLAVE[Last_IO_Error]:0:100}...)"
    else
        fail "mysql-2 fails with 1236 after the purge" "Last_IO_Errno ${SLAVE[Last_IO_Errno]:-?}"
        return 1
    fi
    dir=$(pod_dir 2)
    sidecar=$(pod_container 2 agent-sidecar)
    reported() { grep -q 'reseed' "$dir/logs/$sidecar.log"; }
    if await 30 "the sidecar of mysql-2 to report it unrecoverable" reported; then
        pass "the sidecar of mysql-2 says what to do: $(grep 'reseed' "$dir/logs/$sidecar.log" | tail -n 1 | cut -c1-200)"
    else
        fail "the sidecar of mysql-2 reports 1236 as unrecoverable" "no line naming reseed in its log"
    fi
    local out rc=0
    out=$(pod_exec 2 "$dir/spec/$sidecar.env" -- "$E2E_AGENT" reseed --reason "1236 after a purge" 2>&1) || rc=$?
    expect "mysql-agent reseed in mysql-2's sidecar container exits 0" 0 "$rc" "$out"
    pod_kill 2 KILL
    pod_create 2 --recreate
    local t0
    t0=$(now_us)
    pod_start 2 || { fail "mysql-2 starts again after the reseed request" "$E2E_LAST_ERROR"; return 1; }
    local marker="$(pod_datadir 2)/.mysql-agent-clone.json"
    expect "mysql-2 was re-seeded (marker reseed.reason)" "1236 after a purge" "$(json_field "$marker" .reseed.reason)"
    if [[ ! -e "$(pod_datadir 2)/.mysql-agent-reseed" && ! -e "$(pod_datadir 2)/.mysql-agent-displaced" ]]; then
        pass "the reseed request and the old data are gone after the commit"
    else
        fail "the reseed request and the old data are gone after the commit" "$(ls -A "$(pod_datadir 2)" | paste -sd' ' -)"
    fi
    check_replication 2 || return 1
    measure_arrival "after-purge-reseed-$RANDOM$RANDOM" 2
    check_arrival "a write after mysql-2's re-seed" 2
    expect "mysql-2 equals mysql-0 after its re-seed" "$(checksums 0 e2e.items,e2e.stream,e2e.heartbeat)" \
        "$(checksums 2 e2e.items,e2e.stream,e2e.heartbeat)"
    say "mysql-2 re-seeded and replicating $(secs_since "$t0")s after its pod was started again"
}

# A backup served by replica mysql-1 is aborted by its client: mariabackup had stopped the SQL thread
# (--safe-slave-backup) and was killed, so the SQL thread would stay stopped; the reconcile loop starts it again.
step_aborted_backup_heals() {
    say "== step: a client aborts a backup served by replica mysql-1; its SQL thread comes back by itself"
    local token
    token=$(cat "$E2E_ROOT/secrets/backup-token")
    start_writer
    curl -s --max-time 3 --limit-rate 200k -H "Authorization: Bearer $token" -o /dev/null \
        "http://$(pod_ip 1):3307/backup" || true
    local stopped=0 i
    for ((i = 0; i < 20; i++)); do
        slave_status 1
        [[ "${SLAVE[Slave_SQL_Running]:-}" == No ]] && { stopped=1; break; }
        sleep 0.1
    done
    ((stopped)) && say "mysql-1's SQL thread was seen stopped after the aborted backup"
    if await 30 "mysql-1's replication threads to run again" replicating 1; then
        pass "mysql-1 replicates again ${WAITED}s after its backup was aborted"
    else
        fail "mysql-1's SQL thread is started again after an aborted backup" "IO ${SLAVE[Slave_IO_Running]:-?}, SQL ${SLAVE[Slave_SQL_Running]:-?}"
    fi
    stop_writer
    caught_up_on 1 e2e.stream && pass "mysql-1 caught up with the writes made meanwhile"
}

# A root session on mysql-0 that holds every row lock of mysql_agent.takeovers (and the gap after the last row) in
# an open transaction, so that the takeover's INSERT of its record waits: after RESET MASTER, the GTID state and the
# 2^32 jump, before the record. Its input is a fifo; takeover_lock_release ends it.
takeover_lock_take() {
    local n=$1
    await 60 "mysqld of $(pod_name "$n") to answer" server_answers "$n" || return 1
    rm -f "$E2E_ROOT/takeover-lock.fifo" "$E2E_ROOT/takeover-lock.out"
    mkfifo "$E2E_ROOT/takeover-lock.fifo"
    mariadb --defaults-file="$(pod_dir "$n")/client.cnf" -N -B --unbuffered <"$E2E_ROOT/takeover-lock.fifo" \
        >"$E2E_ROOT/takeover-lock.out" 2>&1 &
    E2E_TAKEOVER_LOCK_PID=$!
    E2E_HELPERS+=("$E2E_TAKEOVER_LOCK_PID")
    exec {E2E_TAKEOVER_LOCK_FD}>"$E2E_ROOT/takeover-lock.fifo"
    echo "BEGIN; SELECT COUNT(id) FROM (SELECT id FROM mysql_agent.takeovers FOR UPDATE) AS t; SELECT 'locked';" \
        >&"$E2E_TAKEOVER_LOCK_FD"
    locked() { grep -q '^locked$' "$E2E_ROOT/takeover-lock.out"; }
    if ! await 30 "a root session to lock mysql_agent.takeovers on $(pod_name "$n")" locked; then
        fail "a root session locks mysql_agent.takeovers" "$(cat "$E2E_ROOT/takeover-lock.out")"
        return 1
    fi
}

takeover_lock_release() {
    [[ -n "${E2E_TAKEOVER_LOCK_FD:-}" ]] || return 0
    echo "ROLLBACK;" >&"$E2E_TAKEOVER_LOCK_FD"
    exec {E2E_TAKEOVER_LOCK_FD}>&-
    wait "$E2E_TAKEOVER_LOCK_PID" 2>/dev/null || true
    E2E_TAKEOVER_LOCK_FD=""
}

# mysql-0's volume is lost again; its sidecar is killed (SIGKILL) in the middle of its takeover, after RESET MASTER
# and the GTID state from the clone but before the takeover's record, while root writes 50 rows (root passes
# MariaDB's read_only). The sidecar started again must not reset the binlog over those writes (a second RESET
# MASTER would erase them from the binlog: the replicas would never get them), must record the takeover once and
# make mysql-0 writable; the replicas follow and get the 50 rows.
step_takeover_killed() {
    say "== step: mysql-0's volume is lost; its sidecar is killed between the takeover's statements and its record while root writes"
    local t0 marker position thread log lines_before
    log="$(pod_dir 0)/logs/$(pod_container 0 agent-sidecar).log"
    lines_before=$( (cat "$log" 2>/dev/null || true) | wc -l)
    # RESET MASTER statements the sidecar of mysql-0 ran since this step began.
    resets() { tail -n +$((lines_before + 1)) "$log" | grep -c '"replication: takeover: RESET MASTER' || true; }
    lose_primary_volume
    pod_create 0 --recreate
    t0=$(now_us)
    E2E_BEFORE_SIDECAR=takeover_lock_take
    pod_start 0 || { E2E_BEFORE_SIDECAR=""; takeover_lock_release; fail "mysql-0 starts again (init re-seeds, sidecar listens)" "$E2E_LAST_ERROR"; return 1; }
    E2E_BEFORE_SIDECAR=""
    marker="$(pod_datadir 0)/.mysql-agent-clone.json"
    position=$(json_field "$marker" .reseed.position)
    waiting_insert() {
        thread=$(sql_quiet 0 "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO mysql_agent.takeovers%'")
        [[ -n "$thread" ]]
    }
    if ! await 60 "the takeover of mysql-0's sidecar to reach its record (INSERT INTO mysql_agent.takeovers, waiting)" waiting_insert; then
        takeover_lock_release
        fail "the takeover reaches its record" "no INSERT INTO mysql_agent.takeovers in mysql-0's processlist; sidecar log: $(tail -n 2 "$(pod_dir 0)/logs/$(pod_container 0 agent-sidecar).log" | cut -c1-300)"
        return 1
    fi
    expect "the sidecar ran RESET MASTER once before it was killed" 1 "$(resets)"
    sql 0 "INSERT INTO e2e.stream (note) SELECT CONCAT('during takeover ', seq) FROM e2e.seq_1_to_50"
    kill_sidecar 0
    # The server notices a dead client only when it next touches its socket: the waiting INSERT is ended as the
    # server ends it once its lock wait is over (KILL), before the lock is released, so no record is written.
    sql 0 "KILL $thread" || true
    takeover_lock_release
    expect "no takeover record was written by the killed sidecar" 0 \
        "$(sql 0 "SELECT COUNT(*) FROM mysql_agent.takeovers WHERE position = '$position'")"
    start_sidecar 0
    writable() { [[ "$(sql_quiet 0 'SELECT @@read_only')" == 0 ]]; }
    if await 60 "the restarted sidecar of mysql-0 to finish the takeover and make it writable" writable; then
        pass "mysql-0 is writable $(secs_since "$t0")s after its pod was started again (the takeover finished by the second sidecar)"
    else
        fail "the restarted sidecar finishes the takeover" "@@read_only is still $(sql_quiet 0 'SELECT @@read_only'); log: $(tail -n 2 "$log" | cut -c1-300)"
        return 1
    fi
    expect "the restarted sidecar ran no second RESET MASTER (the binlog kept root's writes)" 1 "$(resets)"
    expect "mysql-0 holds root's 50 writes" 50 "$(sql 0 "SELECT COUNT(*) FROM e2e.stream WHERE note LIKE 'during takeover %'")"
    expect "the takeover is recorded once" 1 "$(sql 0 "SELECT COUNT(*) FROM mysql_agent.takeovers WHERE position = '$position'")"
    local n
    for n in 1 2; do
        if ! await 60 "$(pod_name "$n") to replicate from mysql-0" replicating "$n"; then
            slave_status "$n"
            fail "$(pod_name "$n") follows mysql-0 after the interrupted takeover" "IO ${SLAVE[Slave_IO_Running]:-?} (${SLAVE[Last_IO_Errno]:-?}: ${SLAVE[Last_IO_Error]:-}), SQL ${SLAVE[Slave_SQL_Running]:-?} (${SLAVE[Last_SQL_Errno]:-?})"
            return 1
        fi
        got_rows() { [[ "$(sql_quiet "$1" "SELECT COUNT(*) FROM e2e.stream WHERE note LIKE 'during takeover %'")" == 50 ]]; }
        if await 60 "$(pod_name "$n") to hold root's 50 writes" got_rows "$n"; then
            pass "$(pod_name "$n") got the 50 rows written during the interrupted takeover (nothing erased from mysql-0's binlog)"
        else
            fail "$(pod_name "$n") gets the rows written during the takeover" "it holds $(sql_quiet "$n" "SELECT COUNT(*) FROM e2e.stream WHERE note LIKE 'during takeover %'") of 50"
        fi
    done
    measure_arrival "after-killed-takeover-$RANDOM$RANDOM" 1 2
    check_arrival "a write on mysql-0 after the interrupted takeover" 1 2
    for n in 1 2; do
        expect "$(pod_name "$n") equals mysql-0 after the interrupted takeover (CHECKSUM TABLE)" \
            "$(checksums 0 e2e.items,e2e.stream,e2e.heartbeat)" "$(checksums "$n" e2e.items,e2e.stream,e2e.heartbeat)"
    done
}
