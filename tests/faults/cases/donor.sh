#!/bin/bash
# Fault group "donor": a plain clone first (it must work before faults mean anything), then the donor's sidecar or its backup tool killed mid-stream.
#   bash tests/faults/cases/donor.sh AGENT_BINARY    (FAULT_ROWS, FAULT_MYSQLD_DELAY, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

# A plain clone first: it must work before faults mean anything, and it sizes the backup for the disk-full case.
case_baseline() {
    case_begin "baseline: a clone from the real sidecar has the donor's rows"
    local d=$WORK/c-baseline; mkdir -p "$d"
    local start=$(date +%s.%N)
    clone_run "$d" baseline; check "clone exits 0" exit_code_is $? 0
    BACKUP_BYTES=$(du -sb "$d" | cut -f1)
    log "  clone: $(echo "$(date +%s.%N) - $start" | bc) s, datadir $BACKUP_BYTES bytes"
    check "no tool left, no zombie" no_tools_left
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d"
    case_end
}

# --- the donor fails mid-stream ---------------------------------------------------------------------------------
case_donor_killed() {  # $1: sidecar | tool
    case_begin "the donor's $1 is killed with SIGKILL mid-stream"
    local d=$WORK/c-donor-$1; mkdir -p "$d"
    # The raw stream: compressed, the whole backup can sit in the socket buffers before the kill lands, and the
    # clone then rightly completes (seen with 120000 rows).
    CLONE_XBSTREAM=$WORK/bin/fault-slow-mbstream clone_bg "$d" "donor-$1" --idle-timeout 5 --compress none
    local clone=$LAST_PID
    wait_until 30 staging_over "$d" 5000000 || fail "the stream did not start"
    if [ "$1" = sidecar ]; then
        local tool
        tool=$(children_named "$SIDECAR_PID" mariabackup | head -1)
        inject "kill -9 the donor's sidecar (pid $SIDECAR_PID) at $(staging_bytes "$d") bytes"
        kill -9 "$SIDECAR_PID"; wait "$SIDECAR_PID" 2>/dev/null
        # Its tool loses its stdout: it must not run on.
        check "the donor's mariabackup ends with its sidecar" wait_until 30 test ! -d "/proc/${tool:-0}"
    else
        local tool
        tool=$(children_named "$SIDECAR_PID" mariabackup | head -1)
        [ -n "$tool" ] || fail "no mariabackup under the sidecar"
        inject "kill -9 the donor's mariabackup (pid $tool) at $(staging_bytes "$d") bytes"
        kill -9 "$tool"
    fi
    wait "$clone"; local rc=$?
    check "clone fails with clone_failed (11)" exit_code_is $rc 11
    grep -q 'X-Backup\|trailer\|cut\|ended\|failed' "$LOGS/clone-donor-$1.log" || fail "the error does not say what happened"
    log "  clone said: $(grep -i 'error\|fail' "$LOGS/clone-donor-$1.log" | tail -1 | cut -c1-220)"
    check "no visible partial datadir" no_visible_partial "$d"
    check "no orphan tool, no zombie" no_tools_left 15
    if [ "$1" = sidecar ]; then start_donor_sidecar || fail "the donor's sidecar did not restart"; fi
    check "the next run completes the clone" next_run_completes "$d" "donor-$1"
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d"
    case_end
}

# ================================================================================================================
setup
want baseline && case_baseline
want donor-sidecar && case_donor_killed sidecar
want donor-tool && case_donor_killed tool
finish
