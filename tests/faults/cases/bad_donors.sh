#!/bin/bash
# Fault group "bad_donors": donors that send garbage, or more than they announce, or a zstd body that is damaged or
# asks for a window the client does not allocate.
#   bash tests/faults/cases/bad_donors.sh AGENT_BINARY    (FAULT_ROWS, FAULT_MYSQLD_DELAY, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

case_bad_donor() {  # $1: garbage-http | garbage-body | longer | longer-xbstream | zstd-damaged | zstd-window
    case_begin "a donor that sends $1"
    local d=$WORK/c-bad-$1; mkdir -p "$d"
    if [ "$1" = longer ] || [ "$1" = longer-xbstream ] || [ "${1#zstd-}" != "$1" ]; then
        [ -s "$WORK/raw-backup" ] || curl -sS -i --raw -H "Authorization: Bearer $(cat "$WORK/secrets/token")" \
            "http://127.0.0.1:$SIDECAR_PORT/backup" -o "$WORK/raw-backup" 2>>"$LOGS/curl.log" ||
            fail "fetching a raw backup failed"
    fi
    rm -f "$WORK/flags/donor-port"
    $HOSTILE donor "$WORK/flags/donor-port" "$1" "$WORK/raw-backup" >>"$LOGS/fake-donor.log" 2>&1 &
    local donor=$!
    PIDS+=("$donor")
    wait_until 60 test -s "$WORK/flags/donor-port"
    inject "clone from a fake donor sending $1"
    CLONE_FROM="127.0.0.1:$(cat "$WORK/flags/donor-port")" clone_run "$d" "bad-$1" --idle-timeout 10
    local rc=$?
    log "  clone said: $(tail -1 "$LOGS/clone-bad-$1.log" | cut -c1-240)"
    check "clone fails (exit 10 or 11, not 0)" exit_code_in $rc 10 11
    local why
    case $1 in
    garbage-http) why='valid response' ;;
    garbage-body) why='not a valid xbstream' ;;
    longer) why='not a valid xbstream: bad xbstream chunk magic at byte' ;;  # the framing catches the excess
    longer-xbstream) why='says it sent [0-9]+ bytes but [0-9]+ arrived' ;;   # only the trailer's count does
    # zstd's block decoder, zstd's checksum, our framing check or mbstream's payload CRC ("invalid checksum"),
    # whichever the damage reaches first
    zstd-damaged) why='is corrupt near byte|not a valid xbstream|invalid checksum' ;;
    zstd-window) why='Frame requires too much memory' ;;
    esac
    check "for the right reason (/$why/)" grep -Eq "$why" <(tail -1 "$LOGS/clone-bad-$1.log")
    check "no visible partial datadir" no_visible_partial "$d"
    check "no orphan tool, no zombie" no_tools_left
    kill "$donor" 2>/dev/null; wait "$donor" 2>/dev/null
    check "the next run from the real donor completes the clone" next_run_completes "$d" "bad-$1"
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d"
    case_end
}

# ================================================================================================================
setup
for m in garbage-http garbage-body longer longer-xbstream zstd-damaged zstd-window; do want "bad-donor $m" && case_bad_donor $m; done
finish
