#!/usr/bin/env bash
# End-to-end scenarios: real MariaDB servers and real mariabackup in three simulated pods mysql-0..2 of the
# StatefulSet (lib/cluster.sh). Each scenario builds the cluster up to the state it needs, checking every step on
# the way, prints one line per check ("ok   ..." / "FAIL ...: why") and ends with "N passed, M failed".
#
#   tests/e2e/scenario.sh AGENT SCENARIO
#
#   primary-data           mysql-0 starts (init, entrypoint, mysqld, sidecar) and takes 100000 rows
#   clone-from-primary     + mysql-1's init clones from mysql-0 while it takes writes; mysql-1 replicates
#   clone-from-replica     + mysql-2's init clones from mysql-1 (a replica backup: slave_info coordinates) and
#                            replicates from mysql-0
#   writes-reach-replicas  + writes on mysql-0 reach both replicas within seconds; CHECKSUM TABLE agrees
#   replica-restart        mysql-0..2, then every process of mysql-1 killed with SIGKILL and the pod started
#                            again: replication resumes, no re-clone, no replication error
#   file-position          all of the above with file/position replication (sidecar env $E2E_FILEPOS_ENV)
#   all                    all of the above with GTID replication (the default) and TLS on the backup port: the
#                            pods from tests/e2e/tls-overlay (mariadb-10.11 with the tls component), the Secret
#                            mysql-tls from tests/faults/tls_certs.sh; each sidecar serves TLS only and asks for
#                            client certificates, each init clones with one (check_tls_port, check_clone_over_tls)
#   first-deployment       mysql-0 with no peer: init starts it empty at once (same steps as primary-data)
#   primary-wiped          mysql-0..2, then mysql-0's volume lost: re-seeded from the most advanced replica, the
#                            replicas follow it, new writes reach them
#   primary-wiped-peers-down  mysql-0..1, mysql-1 down, mysql-0's volume lost: init refuses an empty primary (exit
#                            10); mysql-1 back: mysql-0 re-seeded
#   empty-primary-halts    mysql-0..1, then an empty mysql-0 by hand (--bootstrap-empty): mysql-1 halts, says so,
#                            keeps its data
#   reseed-after-purge     mysql-0..2, mysql-2 down while mysql-0 purges its binlogs: 1236, `mysql-agent reseed`,
#                            re-seeded on the next start
#   aborted-backup-heals   mysql-0..1, a backup of mysql-1 aborted by its client: replication runs again
#   takeover-killed        primary-wiped, then mysql-0's volume lost again and its sidecar killed (SIGKILL) between
#                            the takeover's RESET MASTER and its record while root writes 50 rows: the restarted
#                            sidecar resets nothing, records the takeover once; the replicas get the 50 rows
#   member-recovery        the six above on one cluster of mysql-0..2 (what `ctest -L e2e` runs)
#   reseed-membership      mysql-0..2, mysql-1 behind mysql-2, mysql-0's volume lost: with mysql-1.mysql withheld
#                            from mysql-0's DNS, and then with mysql-2's sidecar silent, init refuses (exit 16) naming
#                            the member; MYSQL_AGENT_RESEED_WITHOUT=mysql-2.mysql re-seeds from mysql-1 and the
#                            marker records it (lib/membership_steps.sh)
#   cluster-from-bucket    a real Swift s3api on the host; the pods from tests/e2e/store-overlay (seed-from-backup,
#                            backup-status, init --primary-from-backup); mysql-0..2 (the bucket empty: mysql-0 starts
#                            empty, the replicas clone from peers), the backup CronJob's rendered command run (reported in
#                            /metrics), then every pod and volume lost: mysql-0 restored from the bucket as the primary
#                            at the backup's position, mysql-1..2 seeded from it, a new write reaches both
#                            (lib/store_steps.sh)
#
# Exit: 0 all passed, 1 a check failed, 77 this machine cannot run it (not root, tools missing).
# Environment: KEEP=1 leaves the cluster running; E2E_SAVE_LOGS=DIR copies the pods' logs there; E2E_POD_SOURCE=
# manifests|fallback; E2E_MAX_ARRIVAL (seconds a write may take to reach a replica, default 10); E2E_TLS=1 runs any
# scenario with the tls component (`all` sets it).

set -Eeuo pipefail
# shellcheck source=lib/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"
# shellcheck source=lib/recovery_steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/recovery_steps.sh"
# shellcheck source=lib/membership_steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/membership_steps.sh"
# shellcheck source=lib/store_steps.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/store_steps.sh"

E2E_MAX_ARRIVAL=${E2E_MAX_ARRIVAL:-10}
E2E_FILEPOS_ENV=${E2E_FILEPOS_ENV:-MYSQL_AGENT_GTID=off}
E2E_REPL_TIMEOUT=${E2E_REPL_TIMEOUT:-60}
MODE=gtid  # or file-position

# ------------------------------------------------------------------------------------------------ helpers

# The donor init of replica N clones from: its previous peer's sidecar.
donor_of() { echo "mysql-$(($1 - 1)).mysql:3307"; }

# Turns the last failure of pod_start into what the agent is missing, when that is what it is.
explain_start_failure() {
    local n=$1 e=$E2E_LAST_ERROR
    case "$e" in
        *"cannot clone during init"*)
            echo "agent behaviour missing: \`mysql-agent init\` on a replica with an empty datadir does not clone from $(donor_of "$n") yet (init said: ${e#*: })" ;;
        *"datadir"*"is empty after init"*)
            echo "agent behaviour missing: \`mysql-agent init\` exited 0 on replica $(pod_name "$n") without cloning into its empty datadir ($e)" ;;
        *) echo "$e" ;;
    esac
}

# Waits until pod N holds what pod 0 holds in table T (same row count and max id); prints the seconds.
caught_up_on() {
    local n=$1 table=$2 want
    want=$(sql 0 "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM $table")
    same() { [[ "$(sql_quiet "$n" "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM $table")" == "$want" ]]; }
    await 60 "$(pod_name "$n") to hold what mysql-0 holds in $table ($want)" same
}

# Checks that replica N replicates from mysql-0 with the expected coordinates kind and no error.
check_replication() {
    local n=$1 name
    name=$(pod_name "$n")
    if ! await "$E2E_REPL_TIMEOUT" "both replication threads of $name to run" replicating "$n"; then
        slave_status "$n"
        if [[ ${#SLAVE[@]} -eq 0 ]]; then
            fail "$name replicates" "agent behaviour missing: the sidecar of $name did not configure replication (SHOW SLAVE STATUS is empty ${E2E_REPL_TIMEOUT}s after the pod started; expected CHANGE MASTER TO mysql-0.mysql from the clone's coordinates and START SLAVE)"
        else
            fail "$name replicates" "IO thread ${SLAVE[Slave_IO_Running]:-?} (${SLAVE[Last_IO_Errno]:-?}: ${SLAVE[Last_IO_Error]:-}), SQL thread ${SLAVE[Slave_SQL_Running]:-?} (${SLAVE[Last_SQL_Errno]:-?}: ${SLAVE[Last_SQL_Error]:-})"
        fi
        return 1
    fi
    pass "$name replicates: IO and SQL threads run, $(secs_since "${E2E_POD_UP_US[$n]}")s after its containers were up"
    expect "$name replicates from the primary" "mysql-0.mysql:3306" "${SLAVE[Master_Host]:-}:${SLAVE[Master_Port]:-}"
    expect "$name replicates as the replication user" "repl" "${SLAVE[Master_User]:-}"
    if [[ "$MODE" == gtid ]]; then
        expect "$name uses GTID coordinates" "Slave_Pos" "${SLAVE[Using_Gtid]:-}"
    else
        expect "$name uses file/position coordinates" "No" "${SLAVE[Using_Gtid]:-}" \
            "the sidecar was started with $E2E_FILEPOS_ENV"
    fi
    expect "$name has no replication error" "0/0" "${SLAVE[Last_IO_Errno]:-?}/${SLAVE[Last_SQL_Errno]:-?}" \
        "${SLAVE[Last_IO_Error]:-}${SLAVE[Last_SQL_Error]:-}"
    # The sidecar records it once it has seen both threads run (0.1 s after START): the threads can be seen running
    # first.
    recorded() { [[ -e "$(pod_datadir "$n")/.mysql-agent-replication-applied" ]]; }
    if await 30 "$name's sidecar to record the applied replication" recorded; then
        pass "$name's sidecar recorded the applied replication (.mysql-agent-replication-applied)"
    else
        fail "$name's sidecar recorded the applied replication" "no .mysql-agent-replication-applied in the datadir"
    fi
}

# The liveness and readiness probes of pod N's server container pass (readiness within 60 s): what the StatefulSet
# (OrderedReady) waits for before it creates the next pod. Returns 1 when not Ready.
check_probes() {
    local n=$1 name server dir kind
    name=$(pod_name "$n")
    server=$(pod_container "$n" server)
    dir=$(pod_dir "$n")
    if ! agent_has probe; then
        say "note: probes of $name not run: this agent has no \`probe\` subcommand yet (the manifests' probes call it)"
        return 0
    fi
    for kind in livenessProbe readinessProbe; do
        [[ -s "$dir/spec/$server.$kind.argv" ]] || continue
        local argv=()
        mapfile -d '' -t argv <"$dir/spec/$server.$kind.argv"
        if await 60 "the $kind of $name to pass" run_probe "$n" "$server" "$kind"; then
            pass "$name passes its $kind (after ${WAITED}s)"
        else
            fail "$name passes its $kind" "${argv[*]} kept failing for 60s: $(grep -v '^---' "$dir/logs/probes.log" | tail -n 1)"
            return 1
        fi
    done
}

# The backup port of pod N serves TLS only, as the tls component's sidecar flags say: its log says so and names
# the client CA, a plaintext request from the root namespace gets 400 (X-Mysql-Agent-TLS: required), /metrics over
# TLS verified against ca.crt gets 200, /backup over TLS without a client certificate gets 403, and `status` in the
# sidecar container reads its sidecar over TLS.
check_tls_port() {
    local n=$1 name ip sidecar log code host
    name=$(pod_name "$n")
    ip=$(pod_ip "$n")
    sidecar=$(pod_container "$n" agent-sidecar)
    log="$(pod_dir "$n")/logs/$sidecar.log"
    if grep -q "serving TLS only with .*require a client certificate signed by" "$log"; then
        pass "the sidecar of $name serves TLS only and asks for client certificates (its log: $(grep -o 'serving TLS only with [^ ]*' "$log" | head -n 1))"
    else
        fail "the sidecar of $name serves TLS only with --tls-client-ca" "its log has no \"serving TLS only with ... require a client certificate\": $(grep -m1 -o '"msg":"[^"]*' "$log")"
    fi
    code=$(curl -s -m 5 -o /dev/null -D "$E2E_ROOT/tls-headers" -w '%{http_code}' "http://$ip:3307/metrics" || true)
    expect "plaintext http://$ip:3307/metrics from outside $name is refused" "400 X-Mysql-Agent-TLS: required" \
        "$code $(grep -io '^X-Mysql-Agent-TLS: [a-z-]*' "$E2E_ROOT/tls-headers")"
    # curl checks the name with OpenSSL, which does not let *.mysql cover mysql-N.mysql (the agent's own check
    # does): it asks for mysql-N.mysql.db.svc, which *.mysql.db.svc covers.
    host="$name.mysql.db.svc"
    code=$(curl -s -m 5 -o "$E2E_ROOT/tls-metrics" -w '%{http_code}' --cacert "$E2E_TLS_DIR/ca.crt" \
        --resolve "$host:3307:$ip" "https://$host:3307/metrics" || true)
    if [[ "$code" == 200 ]] && grep -q '^mysql_agent_' "$E2E_ROOT/tls-metrics"; then
        pass "https://$host:3307/metrics, verified against ca.crt, serves the metrics (200, $(grep -c '^mysql_agent_' "$E2E_ROOT/tls-metrics") samples)"
    else
        fail "https://$host:3307/metrics verified against ca.crt serves the metrics" "HTTP '$code': $(head -c 200 "$E2E_ROOT/tls-metrics" 2>/dev/null)"
    fi
    code=$(curl -s -m 5 -o /dev/null -D "$E2E_ROOT/tls-headers" -w '%{http_code}' --cacert "$E2E_TLS_DIR/ca.crt" \
        --resolve "$host:3307:$ip" "https://$host:3307/backup" || true)
    expect "/backup of $name over TLS without a client certificate is refused" \
        "403 X-Mysql-Agent-TLS: client-certificate-required" \
        "$code $(grep -io '^X-Mysql-Agent-TLS: [a-z-]*' "$E2E_ROOT/tls-headers")"
    local agent secrets tls status="$E2E_ROOT/status.json"
    agent=$(head -z -n 1 "$(pod_dir "$n")/spec/$sidecar.argv" | tr -d '\0')
    secrets=$(pod_mount "$n" "$sidecar" /etc/mysql-secrets)
    tls=$(pod_mount "$n" "$sidecar" /etc/mysql-agent/tls)
    E2E_INIT_TIMEOUT=15 pod_exec "$n" "$(pod_dir "$n")/spec/$sidecar.env" -- "$agent" status --json \
        --password-file "$secrets/root-password" --tls-ca "$tls/ca.crt" >"$status" 2>"$E2E_ROOT/status.err" || true
    local sidecar_json  # one node for the whole object: each start of node costs up to a second on a busy machine
    sidecar_json=$(json_field "$status" .sidecar)
    if [[ "$sidecar_json" == *'"reachable":true'* ]]; then
        pass "\`mysql-agent status --tls-ca\` in the sidecar of $name reads its sidecar over TLS (backups it served: $(grep -o '"succeeded":[0-9]*' <<<"$sidecar_json" | cut -d: -f2))"
    else
        fail "\`mysql-agent status --tls-ca\` in the sidecar of $name reads its sidecar over TLS" \
            "its sidecar: '$sidecar_json' $(tail -n 1 "$E2E_ROOT/status.err")"
    fi
}

# Replica N's init cloned over TLS with a client certificate: its command line carries the tls component's
# flags, and its donor (whose sidecar serves TLS only and refuses /backup without a client certificate from
# ca.crt, check_tls_port) started a backup for N's address.
check_clone_over_tls() {
    local n=$1 name init argv donor_log flags=()
    name=$(pod_name "$n")
    init=$(pod_container "$n" agent-init)
    mapfile -d '' -t argv <"$(pod_dir "$n")/spec/$init.argv"
    local f
    for f in --tls-ca --tls-cert --tls-key; do
        [[ " ${argv[*]} " == *" $f "* ]] && flags+=("$f")
    done
    expect "$name's init runs with the tls component's flags" "--tls-ca --tls-cert --tls-key" "${flags[*]}"
    donor_log="$(pod_dir "$((n - 1))")/logs/$(pod_container "$((n - 1))" agent-sidecar).log"
    if grep -q "backup for $(pod_ip "$n"):[0-9]* started" "$donor_log"; then
        pass "$name's init cloned over TLS with its client certificate: $(pod_name "$((n - 1))")'s sidecar (TLS only, client certificate required) started the backup for $(pod_ip "$n")"
    else
        fail "$name's init cloned over TLS with its client certificate" "$(pod_name "$((n - 1))")'s sidecar log has no \"backup for $(pod_ip "$n"):... started\": $(grep -o '"msg":"[^"]*' "$donor_log" | tail -n 1)"
    fi
}

# Replica N cloned from replica N-1, whose backup tool (mariabackup --safe-slave-backup) stopped the donor's SQL
# thread so that the data and the binlog coordinates it recorded describe the same moment: the donor's sidecar did
# not start replication between that backup's start and its end (its reconcile loop waits: backup_gate.hpp).
check_donor_left_sql_thread() {
    local n=$1 donor_log ip starts deferred
    donor_log="$(pod_dir "$((n - 1))")/logs/$(pod_container "$((n - 1))" agent-sidecar).log"
    ip=$(pod_ip "$n")
    # The lines from "backup for IP:PORT started" to "backup for IP:PORT finished" of N's clone.
    local during
    during=$(awk -v ip="backup for $ip:" 'index($0, ip) && /started: pid/ { on = 1 } on { print } index($0, ip) && /finished:/ { on = 0 }' "$donor_log")
    if [[ -z "$during" ]]; then
        fail "$(pod_name "$((n - 1))") served $(pod_name "$n")'s backup" "its sidecar log has no \"backup for $ip:... started\""
        return
    fi
    starts=$(grep -c '"replication reconcile: start:\|"replication: START' <<<"$during" || true)
    deferred=$(grep -c 'a backup is being taken from this replica' <<<"$during" || true)
    expect "$(pod_name "$((n - 1))")'s sidecar started no replication while it served $(pod_name "$n")'s backup (reconcile every 0.1 s; $deferred pass(es) logged waiting for it)" \
        0 "$starts" "$(grep -m1 -o '"msg":"replication reconcile: start:[^"]*' <<<"$during" | cut -c1-200)"
}

# ------------------------------------------------------------------------------------------------ steps

step_primary() {
    say "== step: mysql-0 starts and gets data"
    pod_create 0
    if ! pod_start 0; then
        fail "mysql-0 starts (init exits 0, mysqld answers, sidecar listens)" "$E2E_LAST_ERROR"
        return 1
    fi
    pass "mysql-0 starts: init exited 0, mysqld answers, sidecar listens on $(pod_ip 0):3307"
    local init_log init_var
    init_log="$(pod_dir 0)/logs/$(pod_container 0 agent-init).log"
    init_var="E2E_TIME_$(pod_container 0 agent-init | tr - _)"
    if grep -q "the first deployment" "$init_log"; then
        pass "init of mysql-0 found no peer and let it start empty at once (init took ${!init_var}s)"
    else
        fail "init of mysql-0 takes an empty datadir with no peer for the first deployment" "its log: $(tail -n 2 "$init_log" | paste -sd' ' -)"
    fi
    local conf cm init
    conf=$(pod_mount 0 "$(pod_container 0 server)" /etc/mysql/conf.d)
    init=$(pod_container 0 agent-init)
    cm=$(pod_mount 0 "$init" /mnt/config-map || true)
    if [[ -n "$cm" ]] && cmp -s "$cm/master.cnf" "$conf/master.cnf"; then
        pass "init put the ConfigMap's master.cnf into mysqld's conf dir"
    else
        fail "init put the ConfigMap's master.cnf into mysqld's conf dir" "$conf holds: $(find "$conf" -mindepth 1 -printf '%f ')"
    fi
    expect "mysql-0 server-id (base 100 + ordinal 0)" 100 "$(sql 0 'SELECT @@server_id')"
    expect "mysql-0 has the binary log on" 1 "$(sql 0 'SELECT @@log_bin')"
    expect "mysql-0 is writable" 0 "$(sql 0 'SELECT @@read_only')"
    local t0
    t0=$(now_us)
    if ! load_test_data; then
        fail "loading the test data into mysql-0" "the statements failed (above)"
        return 1
    fi
    say "loaded 100000 rows into e2e.items in $(secs_since "$t0")s"
    expect "mysql-0 holds the test data (e2e.items rows)" 100000 "$(sql 0 'SELECT COUNT(*) FROM e2e.items')"
    has_repl() { [[ "$(sql_quiet 0 "SELECT COUNT(*) FROM mysql.user WHERE User = 'repl'")" -ge 1 ]]; }
    if await 30 "the sidecar of mysql-0 to create the replication user repl" has_repl; then
        pass "the sidecar of mysql-0 created the replication user ($(sql 0 "SELECT CONCAT(User, '@', Host) FROM mysql.user WHERE User = 'repl'" | paste -sd' ' -))"
    else
        fail "the sidecar of mysql-0 created the replication user" "agent behaviour missing: the sidecar on ordinal 0 does not create the repl user (no mysql.user row for 'repl' 30s after start)"
    fi
    if container_alive 0 "$(pod_container 0 agent-sidecar)"; then
        pass "the sidecar of mysql-0 keeps running"
    else
        fail "the sidecar of mysql-0 keeps running" "it exited: $(tail -n 1 "$(pod_dir 0)/logs/$(pod_container 0 agent-sidecar).log")"
    fi
    local ready=0
    check_probes 0 || ready=1
    ((E2E_TLS_ON)) && check_tls_port 0
    return "$ready"
}

# step_replica N: replica N's init clones from mysql-(N-1) while mysql-0 takes writes, then it replicates.
step_replica() {
    local n=$1 name donor datadir marker
    name=$(pod_name "$n")
    donor=$(donor_of "$n")
    say "== step: $name clones from $donor (mysql-0 takes writes meanwhile) and replicates from mysql-0"
    pod_create "$n"
    start_writer
    local started
    started=0
    pod_start "$n" && started=1
    stop_writer
    if ((!started)); then
        fail "$name starts (init clones, mysqld answers, sidecar listens)" "$(explain_start_failure "$n")"
        return 1
    fi
    local init_var
    init_var="E2E_TIME_$(pod_container "$n" agent-init | tr - _)"
    pass "$name starts: init exited 0 after ${!init_var}s, mysqld answers, sidecar listens"
    datadir=$(pod_datadir "$n")
    marker="$datadir/.mysql-agent-clone.json"
    if [[ ! -s "$marker" ]]; then
        fail "$name's init cloned" "agent behaviour missing: init exited 0 but left no clone marker $marker"
        return 1
    fi
    expect "$name's init cloned from its previous peer (marker source)" "$donor" "$(json_field "$marker" .source)"
    say "clone of $name: $(json_field "$marker" .duration_seconds)s in the agent, $(json_field "$marker" .stream_bytes) stream bytes, from $(json_field "$marker" .source)"
    E2E_CLONE_SECONDS+=("$name=$(json_field "$marker" .duration_seconds)s/init ${!init_var}s")
    if [[ ! -e "$datadir/.mysql-agent-staging" ]]; then
        pass "$name's clone left no staging directory"
    else
        fail "$name's clone left no staging directory" "$datadir/.mysql-agent-staging exists"
    fi
    if ((n >= 2)); then
        local repl gsp
        repl=$(json_field "$marker" .coordinates.replication)
        gsp=$(json_field "$marker" .coordinates.gtid_slave_pos)
        if [[ -n "$repl" && "$repl" != "[]" ]]; then
            pass "$name's clone is a replica backup: the marker carries slave_info coordinates ($repl${gsp:+, gtid_slave_pos $gsp})"
        else
            fail "$name's clone is a replica backup" "the marker's coordinates.replication is '${repl}' (expected the donor's slave_info entry)"
        fi
        if [[ "$MODE" == file-position ]]; then check_donor_left_sql_thread "$n"; fi
    fi
    expect "$name server-id (base 100 + ordinal $n)" "$((100 + n))" "$(sql "$n" 'SELECT @@server_id')"
    expect "$name is read-only (slave.cnf from the ConfigMap)" 1 "$(sql "$n" 'SELECT @@read_only')"
    check_replication "$n" || return 1
    local ok=1 t
    for t in e2e.items e2e.stream; do caught_up_on "$n" "$t" || ok=0; done
    if ((ok)); then
        pass "$name caught up with mysql-0 (e2e.stream: $(sql "$n" 'SELECT COUNT(*) FROM e2e.stream') rows written while replicas cloned)"
    else
        fail "$name caught up with mysql-0" "row counts differ after 60s: mysql-0 $(sql 0 'SELECT COUNT(*) FROM e2e.stream'), $name $(sql "$n" 'SELECT COUNT(*) FROM e2e.stream') in e2e.stream"
    fi
    expect "$name's data equals mysql-0's (CHECKSUM TABLE)" "$(checksums 0 e2e.items,e2e.stream)" \
        "$(checksums "$n" e2e.items,e2e.stream)"
    slave_status "$n"
    expect "$name has no replication error after catching up" "Yes/Yes 0/0" \
        "${SLAVE[Slave_IO_Running]:-}/${SLAVE[Slave_SQL_Running]:-} ${SLAVE[Last_IO_Errno]:-}/${SLAVE[Last_SQL_Errno]:-}" \
        "${SLAVE[Last_IO_Error]:-}${SLAVE[Last_SQL_Error]:-}"
    local ready=0
    check_probes "$n" || ready=1
    if ((E2E_TLS_ON)); then
        check_clone_over_tls "$n"
        check_tls_port "$n"
    fi
    return "$ready"
}

# Fails unless every replica saw the heartbeat within E2E_MAX_ARRIVAL seconds.
check_arrival() {
    local what=$1 n
    shift
    for n in "$@"; do
        local s=${ARRIVAL[$n]}
        if [[ "$s" != timeout ]] && awk -v s="$s" -v m="$E2E_MAX_ARRIVAL" 'BEGIN { exit !(s <= m) }'; then
            pass "$what reached $(pod_name "$n") in ${s}s"
            E2E_ARRIVALS+=("$(pod_name "$n")=${s}s")
        else
            fail "$what reached $(pod_name "$n") within ${E2E_MAX_ARRIVAL}s" "took $s"
        fi
    done
}

step_writes() {
    say "== step: writes on mysql-0 reach mysql-1 and mysql-2"
    measure_arrival "single-$RANDOM$RANDOM" 1 2
    check_arrival "a single-row insert on mysql-0" 1 2
    local t0
    t0=$(now_us)
    sql 0 "USE e2e;
           INSERT INTO items (id, payload) SELECT seq, MD5(seq) FROM seq_100001_to_120000;
           UPDATE items SET note = 'updated' WHERE id % 10 = 0;
           DELETE FROM items WHERE id % 97 = 0;" || fail "bulk writes on mysql-0" "the statements failed (above)"
    say "mysql-0: inserted 20000, updated $(sql 0 "SELECT COUNT(*) FROM e2e.items WHERE note = 'updated'"), deleted rows in $(secs_since "$t0")s"
    measure_arrival "after-bulk-$RANDOM$RANDOM" 1 2
    check_arrival "a heartbeat written after 20000 inserts, 12000 updates and 1200 deletes" 1 2
    local want n
    want=$(checksums 0 e2e.items,e2e.stream,e2e.heartbeat)
    say "mysql-0: $want"
    for n in 1 2; do
        expect "CHECKSUM TABLE on $(pod_name "$n") equals mysql-0's" "$want" "$(checksums "$n" e2e.items,e2e.stream,e2e.heartbeat)"
    done
}

# Every process of mysql-1 killed with SIGKILL, then its containers started again (the pod recreated: emptyDirs
# fresh, the data claim kept): no second clone, replication resumes from where it was, without an error.
step_restart() {
    local n=1 name datadir marker applied
    name=$(pod_name "$n")
    datadir=$(pod_datadir "$n")
    marker="$datadir/.mysql-agent-clone.json"
    applied="$datadir/.mysql-agent-replication-applied"
    say "== step: kill -9 every process of $name while mysql-0 takes writes, start it again"
    local marker_before applied_before
    marker_before=$(file_fingerprint "$marker")
    applied_before=$(file_fingerprint "$applied")
    local procs
    procs=$(ip netns pids "$(pod_ns "$n")" | xargs -r ps -o comm= -p | paste -sd' ' -)
    # Writes keep coming while $name is killed (its SQL thread busy applying them) and while it is down.
    start_writer
    sleep 1
    pod_kill "$n" KILL
    if [[ -z "$(ip netns pids "$(pod_ns "$n")")" ]]; then
        pass "kill -9 of every process of $name ($procs): none left"
    else
        fail "kill -9 of every process of $name" "still alive: $(ip netns pids "$(pod_ns "$n")" | paste -sd' ' -)"
        return 1
    fi
    sql 0 "USE e2e;
           INSERT INTO items (id, payload) SELECT seq, MD5(seq) FROM seq_200001_to_202000;
           INSERT INTO heartbeat (token) VALUES ('while-$name-was-down')" ||
        fail "writes on mysql-0 while $name is down" "the statements failed (above)"
    say "mysql-0 took 2000 rows and a heartbeat while $name was down"
    pod_create "$n" --recreate
    # Watch for a staging directory (a second clone) while the pod starts.
    local seen="$E2E_ROOT/staging-seen"
    rm -f "$seen"
    (
        trap 'exit 0' TERM
        while :; do
            [[ -e "$datadir/.mysql-agent-staging" ]] && : >"$seen"
            sleep 0.05
        done
    ) &
    local watcher=$!
    E2E_HELPERS+=("$watcher")
    local started=0 t0
    t0=$(now_us)
    pod_start "$n" && started=1
    stop_writer
    kill "$watcher" 2>/dev/null || true
    wait "$watcher" 2>/dev/null || true
    if ((!started)); then
        fail "$name starts again" "$(explain_start_failure "$n")"
        return 1
    fi
    pass "$name starts again: init exited 0, mysqld answers (crash recovery), sidecar listens"
    if [[ ! -e "$seen" ]]; then
        pass "$name did not clone again: no staging directory appeared while it started"
    else
        fail "$name did not clone again" "$datadir/.mysql-agent-staging appeared while the pod started"
    fi
    expect "$name's clone marker is untouched (mtime, sha256)" "$marker_before" "$(file_fingerprint "$marker")"
    expect "$name's replication was not reconfigured (.mysql-agent-replication-applied mtime, sha256)" \
        "$applied_before" "$(file_fingerprint "$applied")"
    check_replication "$n" || return 1
    arrived() { [[ "$(sql_quiet "$n" "SELECT COUNT(*) FROM e2e.heartbeat WHERE token = 'while-$name-was-down'")" == 1 ]]; }
    if await 60 "the writes made while $name was down to arrive" arrived; then
        pass "the writes made while $name was down arrived $(secs_since "$t0")s after it was started again"
    else
        fail "the writes made while $name was down arrived" "not within 60s"
    fi
    measure_arrival "after-restart-$RANDOM$RANDOM" 1 2
    check_arrival "a write after the restart" 1 2
    sleep 1
    slave_status "$n"
    expect "$name has no replication error after the restart" "Yes/Yes 0/0" \
        "${SLAVE[Slave_IO_Running]:-}/${SLAVE[Slave_SQL_Running]:-} ${SLAVE[Last_IO_Errno]:-}/${SLAVE[Last_SQL_Errno]:-}" \
        "${SLAVE[Last_IO_Error]:-}${SLAVE[Last_SQL_Error]:-}"
    check_probes "$n"
    local want
    want=$(checksums 0 e2e.items,e2e.stream,e2e.heartbeat)
    for n in 1 2; do
        expect "CHECKSUM TABLE on $(pod_name "$n") equals mysql-0's after the restart" "$want" \
            "$(checksums "$n" e2e.items,e2e.stream,e2e.heartbeat)"
    done
}

# ------------------------------------------------------------------------------------------------ main

# Every log of every pod (each container's stderr/stdout and mariadbd's) must be free of the Secrets' values:
# the root and replication passwords, the backup token and, with TLS, the private key tls.key (every line of it).
check_no_secrets_in_logs() {
    local secret_file value leaked=() logs=0 f
    for f in "$E2E_ROOT"/pods/mysql-*/logs/*; do [[ -f $f ]] && logs=$((logs + 1)); done
    for secret_file in "$E2E_ROOT"/pods/mysql-*/vol/secrets/*; do
        [[ -f $secret_file && $secret_file != *.crt ]] || continue  # certificates (ca.crt, tls.crt) are public
        value=$(<"$secret_file")
        [[ -n $value ]] || continue
        for f in "$E2E_ROOT"/pods/mysql-*/logs/*; do
            [[ -f $f ]] && grep -qF -- "$value" "$f" && leaked+=("${f#"$E2E_ROOT"/pods/} holds ${secret_file##*/}")
        done
    done
    if ((logs == 0)); then
        fail "no secret in any log" "no log was found under $E2E_ROOT/pods/*/logs to check"
    elif ((${#leaked[@]} == 0)); then
        pass "no password or token in any of the $logs logs of the pods"
    else
        fail "no secret in any log" "${leaked[*]}"
    fi
}

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

main() {
    [[ $# -eq 2 ]] || usage
    AGENT=$1
    SCENARIO=$2
    case "$SCENARIO" in
        primary-data) STEPS=(step_primary) ;;
        clone-from-primary) STEPS=(step_primary "step_replica 1") ;;
        clone-from-replica) STEPS=(step_primary "step_replica 1" "step_replica 2") ;;
        writes-reach-replicas) STEPS=(step_primary "step_replica 1" "step_replica 2" step_writes) ;;
        replica-restart) STEPS=(step_primary "step_replica 1" "step_replica 2" step_restart) ;;
        all) STEPS=(step_primary "step_replica 1" "step_replica 2" step_writes step_restart); E2E_TLS=1 ;;
        file-position) STEPS=(step_primary "step_replica 1" "step_replica 2" step_writes step_restart) ;;
        first-deployment) STEPS=(step_primary) ;;
        primary-wiped) STEPS=(step_primary "step_replica 1" "step_replica 2" step_primary_wiped) ;;
        takeover-killed) STEPS=(step_primary "step_replica 1" "step_replica 2" step_primary_wiped step_takeover_killed) ;;
        primary-wiped-peers-down) STEPS=(step_primary "step_replica 1" step_primary_wiped_peers_down) ;;
        empty-primary-halts) STEPS=(step_primary "step_replica 1" step_empty_primary_halts) ;;
        reseed-after-purge) STEPS=(step_primary "step_replica 1" "step_replica 2" step_reseed_after_purge) ;;
        aborted-backup-heals) STEPS=(step_primary "step_replica 1" step_aborted_backup_heals) ;;
        reseed-membership) STEPS=(step_primary "step_replica 1" "step_replica 2" step_reseed_needs_every_member) ;;
        cluster-from-bucket)
            STEPS=(step_store_up step_primary "step_replica 1" "step_replica 2" step_backup_to_store
                   step_cluster_from_bucket)
            E2E_OVERLAY=${E2E_OVERLAY:-$E2E_DIR/store-overlay} ;;
        member-recovery)
            STEPS=(step_primary "step_replica 1" "step_replica 2" step_aborted_backup_heals step_reseed_after_purge
                   step_primary_wiped step_takeover_killed "step_primary_wiped_peers_down 1 2"
                   step_empty_primary_halts) ;;
        *) usage ;;
    esac
    [[ "$SCENARIO" == file-position ]] && MODE=file-position
    E2E_CLONE_SECONDS=()
    E2E_ARRIVALS=()

    say "scenario $SCENARIO ($MODE replication), agent $AGENT"
    cluster_begin "$AGENT"
    if [[ "$E2E_TLS" == 1 ]] && ((!E2E_TLS_ON)); then
        fail "the pods run with the tls component" "E2E_TLS=1 (scenario $SCENARIO), but the StatefulSet from ${E2E_OVERLAY#"$REPO_DIR"/} mounts no Secret mysql-tls"
        summary_line
        exit 1
    fi
    if [[ "$MODE" == file-position ]]; then
        # The agent's flags can come from MYSQL_AGENT_<FLAG> variables; the sidecar's help names each one.
        env_name=${E2E_FILEPOS_ENV%%=*}
        local help
        help=$("$E2E_AGENT" sidecar --help 2>&1 || true)
        if grep -q "Env:$env_name\b" <<<"$help"; then
            pass "the sidecar takes $env_name (file/position replication forced with $E2E_FILEPOS_ENV)"
            # A reconcile pass every 0.1 s: a replica serving a backup must not start the SQL thread its backup
            # tool stopped (check_donor_left_sql_thread), however often the loop looks.
            E2E_SIDECAR_ENV=("$E2E_FILEPOS_ENV" "MYSQL_AGENT_RECONCILE_INTERVAL=0.1")
        else
            fail "the sidecar can be told to replicate by file/position" "agent behaviour missing: \`mysql-agent sidecar --help\` lists no $env_name (a --gtid auto|on|off flag like replication-sql's); cannot force file/position replication"
            summary_line
            exit 1
        fi
    fi
    network_up
    for step in "${STEPS[@]}"; do
        # shellcheck disable=SC2086
        if ! $step; then
            say "stopping: the steps after this one need it"
            break
        fi
    done
    check_no_secrets_in_logs
    ((${#E2E_CLONE_SECONDS[@]})) && say "clone times (agent / whole init): ${E2E_CLONE_SECONDS[*]}"
    ((${#E2E_ARRIVALS[@]})) && say "arrival times: ${E2E_ARRIVALS[*]}"
    summary_line
    ((E2E_FAILED == 0 && E2E_PASSED > 0)) && exit 0
    exit 1
}

# Sourcing this file (to reuse the steps) runs nothing.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
