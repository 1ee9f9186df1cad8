# shellcheck shell=bash
# Re-seeding only from a member that holds everything, sourced by scenario.sh (after recovery_steps.sh, whose
# lose_primary_volume and init_last_line it uses). mysql-0..2 run; mysql-1 is made to fall behind mysql-2; then
# mysql-0's volume is lost and its init must find every member and wait for each: a member whose DNS name is
# withheld (the cluster's own record, mysql_agent.members, names it) and the most advanced replica with its sidecar
# silent. Neither may turn into an empty primary or a re-seed from the member that is behind; the per-member
# override (--reseed-without) goes on without the silent one and the clone marker records it.

# Kills only the sidecar container of pod N (its mysqld keeps running); waits until it is gone.
kill_sidecar() {
    local n=$1 sidecar pid
    sidecar=$(pod_container "$n" agent-sidecar)
    pid=$(cat "$(pod_dir "$n")/pids/$sidecar.pid")
    kill -KILL "$pid" 2>/dev/null || true
    gone() { ! container_alive "$n" "$sidecar"; }
    await 10 "the sidecar of $(pod_name "$n") to be gone" gone
}

# Starts the sidecar container of pod N again; waits until it listens.
start_sidecar() {
    local n=$1 sidecar argv=()
    sidecar=$(pod_container "$n" agent-sidecar)
    mapfile -d '' -t argv <"$(pod_dir "$n")/spec/$sidecar.argv"
    spawn_container "$n" "$sidecar" "${E2E_SIDECAR_ENV[@]}" -- "${argv[@]}"
    await 30 "the sidecar of $(pod_name "$n") to listen" pod_port_open "$n" 3307
}

# Removes pod K's names from pod N's hosts file: in pod N, mysql-K.mysql does not resolve (a Pending pod, a DNS
# record not yet or no longer published). pod_publish K puts them back.
withhold_name() {
    local n=$1 k=$2 hosts
    hosts="/etc/netns/$(pod_ns "$n")/hosts"
    sed -i "/ $(pod_name "$k").mysql /d" "$hosts"
    if grep -q " $(pod_name "$k").mysql " "$hosts"; then
        fail "$(pod_name "$k").mysql is withheld from $(pod_name "$n")'s DNS" "still in $hosts"
        return 1
    fi
}

# Starts mysql-0 (its volume emptied first) expecting its init to refuse (exit 16) naming MEMBER, with nothing
# initialised.
expect_reseed_refused() {
    local member=$1 what=$2 t0 rc=0 line
    lose_primary_volume
    pod_create 0 --recreate
    t0=$(now_us)
    pod_start 0 || rc=1
    line=$(init_last_line 0)
    if ((rc)) && [[ "$line" == *"$member"* && "$line" == *"--reseed-without"* ]]; then
        pass "init of mysql-0 refused to re-seed while $what, after $(secs_since "$t0")s: ${line:0:400}"
    else
        fail "init of mysql-0 refuses to re-seed while $what" "pod_start returned $rc; init said: ${line:0:400}"
    fi
    expect "init of mysql-0 exited 16 (a known member stayed silent)" "exited 16" \
        "$(grep -o 'exited [0-9]*' <<<"$E2E_LAST_ERROR" | head -n 1)"
    if [[ ! -e "$(pod_datadir 0)/mysql" ]] && ! container_alive 0 "$(pod_container 0 server)"; then
        pass "no primary was started (no mysql/ in mysql-0's datadir, no mysqld)"
    else
        fail "no primary was started while $what" "the datadir holds $(ls -A "$(pod_datadir 0)" | paste -sd' ' -)"
        pod_kill 0 KILL
    fi
}

step_reseed_needs_every_member() {
    say "== step: mysql-0's volume is lost while mysql-2 (the most advanced) is withheld from DNS, then silent"
    members() { sql_quiet "$1" 'SELECT GROUP_CONCAT(name ORDER BY name) FROM mysql_agent.members'; }
    all_recorded() { [[ "$(members 2)" == mysql-0.mysql,mysql-1.mysql,mysql-2.mysql ]]; }
    if await 30 "every member to be recorded in mysql_agent.members and replicated to mysql-2" all_recorded; then
        pass "the primary recorded every member, and mysql-2 holds the record ($(members 2))"
    else
        fail "the primary records every member in mysql_agent.members" "mysql-2 holds '$(members 2)'"
    fi
    # mysql-1 falls behind: its sidecar (whose reconcile loop would start replication again) and its SQL thread
    # are stopped while mysql-0 takes a write that reaches mysql-2 only.
    kill_sidecar 1 || return 1
    sql 1 'STOP SLAVE' || { fail "STOP SLAVE on mysql-1" "the statement failed"; return 1; }
    sql 0 "INSERT INTO e2e.heartbeat (token) VALUES ('only-on-mysql-2')"
    on_2() { [[ "$(sql_quiet 2 "SELECT COUNT(*) FROM e2e.heartbeat WHERE token = 'only-on-mysql-2'")" == 1 ]]; }
    await 30 "the write to reach mysql-2" on_2 || { fail "a write reaches mysql-2" "it did not"; return 1; }
    expect "mysql-1 lacks it (it is behind)" 0 \
        "$(sql_quiet 1 "SELECT COUNT(*) FROM e2e.heartbeat WHERE token = 'only-on-mysql-2'")"
    lose_primary_volume
    start_sidecar 1 || { fail "the sidecar of mysql-1 starts again" "it does not listen"; return 1; }

    say "mysql-1.mysql does not resolve in mysql-0 (withheld), mysql-2.mysql does: the cluster's record names mysql-1"
    withhold_name 0 1 || return 1
    E2E_EXEC_ENV=(MYSQL_AGENT_CLONE_WAIT=5)
    expect_reseed_refused mysql-1.mysql "mysql-1.mysql does not resolve"
    E2E_EXEC_ENV=()
    pod_publish 1

    say "the most advanced replica's sidecar (mysql-2) is silent; its mysqld runs. --clone-wait 61 s: longer than the 60 s after which the agent used to choose among the members that answered"
    kill_sidecar 2 || return 1
    E2E_EXEC_ENV=(MYSQL_AGENT_CLONE_WAIT=61)
    expect_reseed_refused mysql-2.mysql "mysql-2's sidecar is silent"
    E2E_EXEC_ENV=()

    say "the operator accepts to lose what mysql-2 alone holds: MYSQL_AGENT_RESEED_WITHOUT=mysql-2.mysql"
    local want marker t0
    want=$(checksums 1 e2e.items,e2e.stream,e2e.heartbeat)
    lose_primary_volume
    pod_create 0 --recreate
    E2E_EXEC_ENV=(MYSQL_AGENT_CLONE_WAIT=10 MYSQL_AGENT_RESEED_WITHOUT=mysql-2.mysql)
    t0=$(now_us)
    if ! pod_start 0; then
        E2E_EXEC_ENV=()
        fail "mysql-0 is re-seeded with --reseed-without mysql-2.mysql" "$E2E_LAST_ERROR"
        return 1
    fi
    E2E_EXEC_ENV=()
    pass "mysql-0 re-seeded without mysql-2 in $(secs_since "$t0")s"
    marker="$(pod_datadir 0)/.mysql-agent-clone.json"
    expect "the marker records the member given up (reseed.given_up)" '["mysql-2.mysql"]' \
        "$(json_field "$marker" .reseed.given_up)"
    expect "mysql-0 was cloned from mysql-1, the member that answered" mysql-1.mysql:3307 "$(json_field "$marker" .source)"
    local warned
    warned=$(grep -E '"level":"warn(ing)?"' "$(pod_dir 0)/logs/$(pod_container 0 agent-init).log" |
        grep -- '--reseed-without' | grep 'mysql-2.mysql' | tail -n 1)
    if [[ -n "$warned" ]]; then
        pass "init logged the override at warn: ${warned:0:300}"
    else
        fail "init logs the override at warn" "no warn line naming --reseed-without in its log"
    fi
    expect "mysql-0 holds what mysql-1 held (CHECKSUM TABLE)" "$want" "$(checksums 0 e2e.items,e2e.stream,e2e.heartbeat)"
}
