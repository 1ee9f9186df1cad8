#!/usr/bin/env bash
# `make demo`: three simulated pods mysql-0..2 of the StatefulSet on this machine (lib/cluster.sh), each started
# with the command lines of the manifests: mysql-0 takes 100000 rows, mysql-1 clones from mysql-0, mysql-2 from
# mysql-1, both replicate from mysql-0. Prints a table per member, writes on the primary and shows the write
# arrive, then tears everything down.
#
#   tests/e2e/demo.sh AGENT        run the demo (KEEP=1: leave the cluster running and say how to use it)
#   tests/e2e/demo.sh --stop       stop a cluster left running by KEEP=1 (or by a run that was killed)
#   DEMO_RESEED=1 tests/e2e/demo.sh AGENT   also lose mysql-0's volume and watch it come back re-seeded
#
# Needs root (network namespaces), MariaDB 10.11 with mariabackup, node. Exit 0 when every member replicates.

set -Eeuo pipefail
# shellcheck source=lib/cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/cluster.sh"

usage() {
    sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

stop() {
    ((EUID == 0)) || die "--stop needs root"
    local found
    found=$(leftovers)
    if [[ -z "$found" ]]; then
        echo "demo: nothing to stop"
        return 0
    fi
    echo "demo: stopping: $(echo "$found" | paste -sd, -)"
    teardown
    echo "demo: stopped"
}

# One line per member: role, server-id, replication source and threads, lag, rows, and its clone.
print_members() {
    local n fmt="%-8s %-8s %-9s %-24s %-8s %-5s %-7s %-18s %-9s %s\n"
    printf "$fmt" member role server-id source IO/SQL lag rows "cloned from" "clone (s)" "stream MiB"
    for ((n = 0; n < E2E_PODS; n++)); do
        [[ -s "$(pod_dir "$n")/spec/containers.tsv" ]] || continue  # not created (an earlier pod failed)
        local role="" id="" source="-" threads="-" lag="-" rows="" clone_from="-" clone_s="-" mib="-" marker
        id=$(sql_quiet "$n" 'SELECT @@server_id' || echo "?")
        rows=$(sql_quiet "$n" 'SELECT COUNT(*) FROM e2e.items' || echo "?")
        slave_status "$n"
        if [[ ${#SLAVE[@]} -gt 0 ]]; then
            role=replica
            source="${SLAVE[Master_Host]}:${SLAVE[Master_Port]}"
            threads="${SLAVE[Slave_IO_Running]}/${SLAVE[Slave_SQL_Running]}"
            lag="${SLAVE[Seconds_Behind_Master]}"
            [[ "${SLAVE[Using_Gtid]}" != No ]] && source+=" gtid"
        elif [[ "$(sql_quiet "$n" 'SELECT @@read_only')" == 0 ]]; then
            role=primary
        else
            role="replica?"
        fi
        marker="$(pod_datadir "$n")/.mysql-agent-clone.json"
        if [[ -s "$marker" ]]; then
            clone_from=$(json_field "$marker" .source)
            clone_s=$(printf '%.2f' "$(json_field "$marker" .duration_seconds)")
            mib=$(awk -v b="$(json_field "$marker" .stream_bytes)" 'BEGIN { printf "%.1f", b / 1048576 }')
        fi
        printf "$fmt" "$(pod_name "$n")" "$role" "$id" "$source" "$threads" "$lag" "$rows" "$clone_from" "$clone_s" "$mib"
    done
}

# What `kubectl exec mysql-N -c sidecar -- mysql-agent status` would print, when the agent has `status`.
show_agent_status() {
    local n=$1 sidecar secrets dir argv=()
    agent_has status || return 0
    dir=$(pod_dir "$n")
    sidecar=$(pod_container "$n" agent-sidecar)
    secrets=$(pod_mount "$n" "$sidecar" /etc/mysql-secrets) || return 0
    mapfile -d '' -t argv <"$dir/spec/$sidecar.argv"
    say "in $(pod_name "$n")'s sidecar container: mysql-agent status --password-file .../root-password"
    E2E_INIT_TIMEOUT=15 pod_exec "$n" "$dir/spec/$sidecar.env" -- "${argv[0]}" status \
        --password-file "$secrets/root-password" 2>&1 | sed 's/^/    /' || true
    echo
}

# Starts replica N; on failure says what the agent is missing and returns 1.
start_replica() {
    local n=$1
    pod_create "$n"
    if ! pod_start "$n"; then
        case "$E2E_LAST_ERROR" in
            *"cannot clone during init"*)
                echo "demo: $(pod_name "$n") did not start: \`mysql-agent init\` cannot clone a replica's empty datadir yet ($E2E_LAST_ERROR)" ;;
            *) echo "demo: $(pod_name "$n") did not start: $E2E_LAST_ERROR" ;;
        esac
        return 1
    fi
    if ! await 60 "$(pod_name "$n") to replicate from mysql-0" replicating "$n"; then
        slave_status "$n"
        if [[ ${#SLAVE[@]} -eq 0 ]]; then
            echo "demo: the sidecar of $(pod_name "$n") did not configure replication (SHOW SLAVE STATUS is empty)"
        else
            echo "demo: $(pod_name "$n") does not replicate: IO ${SLAVE[Slave_IO_Running]} ${SLAVE[Last_IO_Error]}, SQL ${SLAVE[Slave_SQL_Running]} ${SLAVE[Last_SQL_Error]}"
        fi
        return 1
    fi
}

# Ordinal 0 loses its volume: its init re-seeds it from the most advanced replica, its sidecar takes over, the
# replicas follow it.
demo_reseed() {
    local datadir t0 n
    datadir=$(pod_datadir 0)
    echo
    say "DEMO_RESEED=1: every process of mysql-0 killed and its data volume emptied (a lost PVC)"
    pod_kill 0 KILL
    find "$datadir" -mindepth 1 -delete
    pod_create 0 --recreate
    t0=$(now_us)
    pod_start 0 || { say "mysql-0 did not start again: $E2E_LAST_ERROR"; return 1; }
    say "mysql-0 re-seeded by its init: $(json_field "$datadir/.mysql-agent-clone.json" .reseed.reason), from $(json_field "$datadir/.mysql-agent-clone.json" .source)"
    writable() { [[ "$(sql_quiet 0 'SELECT @@read_only')" == 0 ]]; }
    await 60 "mysql-0's sidecar to take over (binlog continues, writable)" writable || return 1
    for n in 1 2; do await 60 "$(pod_name "$n") to follow the re-seeded mysql-0" replicating "$n" || return 1; done
    say "mysql-0 re-seeded and both replicas following $(secs_since "$t0")s after its pod was started again"
    measure_arrival "demo-reseed-$RANDOM" 1 2
    say "a write on the re-seeded primary: on mysql-1 after ${ARRIVAL[1]}s, on mysql-2 after ${ARRIVAL[2]}s"
    for n in 0 1 2; do say "  $(pod_name "$n"): $(checksums "$n" e2e.items)"; done
    echo
    print_members
}

demo() {
    local agent=$1 ok=1 n
    say "demo: a simulated StatefulSet of 3 MariaDB pods, agent $agent"
    cluster_begin "$agent"
    network_up
    pod_create 0
    pod_start 0 || die "mysql-0 did not start: $E2E_LAST_ERROR"
    load_test_data || die "loading the sample data into mysql-0 failed"
    say "mysql-0: loaded 100000 rows into e2e.items"
    for n in 1 2; do
        if ! start_replica "$n"; then
            ok=0
            break
        fi
    done
    echo
    print_members
    echo
    if ((ok)); then
        local token="demo-$RANDOM$RANDOM"
        say "writing on the primary: INSERT INTO e2e.heartbeat (token) VALUES ('$token')"
        measure_arrival "$token" 1 2
        for n in 1 2; do say "  arrived on $(pod_name "$n") after ${ARRIVAL[$n]}s"; done
        [[ "${ARRIVAL[1]}" == timeout || "${ARRIVAL[2]}" == timeout ]] && ok=0
        sql 0 "INSERT INTO e2e.items (id, payload) SELECT seq, MD5(seq) FROM e2e.seq_100001_to_110000"
        measure_arrival "$token-bulk" 1 2
        say "10000 more rows on the primary: on mysql-1 after ${ARRIVAL[1]}s, on mysql-2 after ${ARRIVAL[2]}s"
        for n in 0 1 2; do say "  $(pod_name "$n"): $(checksums "$n" e2e.items)"; done
        echo
        print_members
        echo
        show_agent_status 2
        [[ "${DEMO_RESEED:-0}" == 1 ]] && { demo_reseed || ok=0; }
    fi
    say "demo took $(secs_since "$E2E_T0")s"
    if [[ "${KEEP:-0}" == 1 ]]; then
        cat <<EOF

The cluster keeps running (KEEP=1). Connect:
  mariadb --defaults-file=$(pod_dir 0)/client.cnf e2e                        # mysql-0 through its socket
  ip netns exec mysql-1 mariadb -h 127.0.0.1 -u root -p"\$(cat $E2E_ROOT/secrets/root-password)"   # by TCP inside the pod
  cat $(pod_dir 1)/logs/sidecar.log                                            # a container's log
Stop it:
  $E2E_DIR/demo.sh --stop
EOF
    fi
    ((ok)) || die "the demo did not complete (see above)"
}

# Sourcing this file runs nothing.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    case "${1:-}" in
        --stop) stop ;;
        "" | -h | --help) usage ;;
        *) demo "$1" ;;
    esac
fi
