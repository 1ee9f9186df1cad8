#!/bin/bash
# Fault group "disk": the receiver's disk fills up mid-clone (a tmpfs half the clone's size).
#   bash tests/faults/cases/disk.sh AGENT_BINARY    (FAULT_ROWS, FAULT_MYSQLD_DELAY, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

# --- the receiver's disk fills up -------------------------------------------------------------------------------
case_disk_full() {
    case_begin "the receiver's disk fills up mid-clone (tmpfs smaller than the backup)"
    local d=$WORK/c-tmpfs; mkdir -p "$d"
    local small=$((BACKUP_BYTES / 2 / 1048576))
    mount -t tmpfs -o size=${small}m fault-tmpfs "$d" || { fail "mount tmpfs failed"; case_end; return; }
    MOUNTS+=("$d")
    inject "clone into a ${small} MiB tmpfs (the clone needs $((BACKUP_BYTES / 1048576)) MiB)"
    clone_run "$d" diskfull; local rc=$?
    check "clone fails with filesystem (5) or clone_failed (11)" exit_code_in $rc 5 11
    log "  clone said: $(grep -i 'error\|fail\|space' "$LOGS/clone-diskfull.log" | tail -1 | cut -c1-220)"
    grep -qi 'space\|ENOSPC\|disk\|full' "$LOGS/clone-diskfull.log" || fail "the error does not say the disk is full"
    check "no visible partial datadir" no_visible_partial "$d"
    check "no orphan tool, no zombie" no_tools_left
    mount -o remount,size=$((BACKUP_BYTES * 3 / 1048576 + 256))m "$d"
    check "the next run (disk grown) completes the clone" next_run_completes "$d" diskfull
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    umount "$d" && MOUNTS=("${MOUNTS[@]/$d/}")
    rm -rf "$d"
    case_end
}

# ================================================================================================================
setup
want disk && { measure_backup_bytes || exit 1; case_disk_full; }
finish
