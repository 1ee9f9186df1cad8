#!/bin/bash
# Fault group "signals": SIGTERM and SIGKILL to `clone` and `init` during extraction and during --prepare.
#   bash tests/faults/cases/signals.sh AGENT_BINARY    (FAULT_ROWS, FAULT_MYSQLD_DELAY, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

# --- signals to clone/init --------------------------------------------------------------------------------------
# case_signal COMMAND SIGNAL PHASE: COMMAND clone|init, PHASE extraction|prepare.
case_signal() {
    local cmd=$1 sig=$2 phase=$3
    case_begin "SIG$sig to \`$cmd\` during $phase"
    local d=$WORK/c-$cmd-$sig-$phase; mkdir -p "$d"
    rm -f "$WORK/flags/prepare-started"
    local xb=/usr/bin/mariabackup xs=/usr/bin/mbstream
    [ "$phase" = extraction ] && xs=$WORK/bin/fault-slow-mbstream
    [ "$phase" = prepare ] && xb=$WORK/bin/fault-slow-prepare
    if [ "$cmd" = clone ]; then
        CLONE_XBSTREAM=$xs CLONE_XTRABACKUP=$xb clone_bg "$d" "$cmd-$sig-$phase"
    else
        mkdir -p "$WORK/config-src" "$d.conf"
        echo -e "[mysqld]\nlog-bin" >"$WORK/config-src/master.cnf"; echo -e "[mysqld]\nsuper-read-only" >"$WORK/config-src/slave.cnf"
        "$AGENT" init --hostname mysql-1 --config-src "$WORK/config-src" --config-dir "$d.conf" --datadir "$d" \
            --clone-from "127.0.0.1:$SIDECAR_PORT" --auth-token-file "$WORK/secrets/token" "${FAULT_TLS_CLIENT[@]}" --xtrabackup "$xb" \
            --xbstream "$xs" --clone-wait 60 >>"$LOGS/init-$sig-$phase.log" 2>&1 &
        LAST_PID=$!
    fi
    local pid=$LAST_PID
    if [ "$phase" = extraction ]; then
        wait_until 40 staging_over "$d" 10000000 || fail "extraction did not start"
        inject "kill -$sig $cmd at $(staging_bytes "$d") extracted bytes"
    else
        wait_until 60 test -e "$WORK/flags/prepare-started" || fail "prepare did not start"
        sleep 0.5
        inject "kill -$sig $cmd during --prepare ($(staging_bytes "$d") bytes staged)"
    fi
    kill -"$sig" "$pid"
    wait "$pid"; local rc=$?
    if [ "$sig" = TERM ]; then
        check "exits clone_failed (11) on SIGTERM" exit_code_is $rc 11
        check "SIGTERM: no agent file left at all" test -z "$(ls -A "$d")"
    else
        log "  left after SIGKILL: $(ls -A "$d" | tr '\n' ' ')"
        # SIGKILL cannot be handled, but the children die with the agent: they are started with PR_SET_PDEATHSIG
        # (agent/io/process_runner.cpp). Before that, a --prepare in flight outlived the agent and ran on.
        local t_kill=$(date +%s.%N) survivors
        survivors=$(ours_tools | tr '\n' ' ')
        check "SIGKILL: the agent's children die with it (within 2 s)" no_tools_left 2
        log "  children alive right after the kill: ${survivors:-none}; all gone after $(echo "$(date +%s.%N) - $t_kill" | bc | cut -c1-4) s"
    fi
    check "no visible partial datadir" no_visible_partial "$d"
    check "no orphan tool, no zombie" no_tools_left 15
    # The next run: the same command (init decides by itself that the datadir is an unfinished clone).
    if [ "$cmd" = clone ]; then
        check "the next run completes the clone" next_run_completes "$d" "$cmd-$sig-$phase"
    else
        "$AGENT" init --hostname mysql-1 --config-src "$WORK/config-src" --config-dir "$d.conf" --datadir "$d" \
            --clone-from "127.0.0.1:$SIDECAR_PORT" --auth-token-file "$WORK/secrets/token" "${FAULT_TLS_CLIENT[@]}" \
            --xtrabackup /usr/bin/mariabackup --xbstream /usr/bin/mbstream --clone-wait 60 >>"$LOGS/init-$sig-$phase-next.log" 2>&1
        check "the next init completes the clone" exit_code_is $? 0
        check "the marker is there, staging and journal gone" test -f "$d/.mysql-agent-clone.json" -a ! -e "$d/.mysql-agent-staging" -a ! -e "$d/.mysql-agent-commit"
    fi
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d" "$d.conf"
    case_end
}

# ================================================================================================================
setup
for c in "clone TERM extraction" "clone KILL extraction" "clone TERM prepare" "clone KILL prepare" \
         "init TERM extraction" "init KILL prepare"; do
    # shellcheck disable=SC2086
    want "signal $c" && case_signal $c
done
finish
