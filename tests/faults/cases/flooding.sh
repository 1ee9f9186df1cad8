#!/bin/bash
# Fault group "flooding": peers that never end what they started, to make the other side buffer without bound.
# A client without a token against the real sidecar (a 300 MiB chunk extension, an endless trailer section, a
# 1 GB Content-Length), and a fake donor answering the real clone (a 300 MiB chunk extension, endless trailers).
# Memory is the sidecar's VmHWM, and the clone's own peak RSS at its exit (peak_rss.py), both under 64 MiB.
#   bash tests/faults/cases/flooding.sh AGENT_BINARY    (FAULT_ROWS, FAULT_ONLY: see ../lib.sh; FLOOD_MIB, TRAILER_FLOOD_MIB: hostile.py)
. "$(dirname "$0")/../lib.sh" "$@"

RSS_LIMIT_KB=65536

# --- 2: a flooding client against the real sidecar -------------------------------------------------------------
# answered_within SECONDS ANSWER: hostile.py's "after N s" is at most SECONDS.
answered_within() {
    local t
    t=$(grep -o 'after [0-9.]* s' <<<"$2" | cut -d' ' -f2)
    [ -n "$t" ] && awk -v t="$t" -v lim="$1" 'BEGIN { exit !(t <= lim) }'
}
case_client_flood() {  # $1: chunk-ext-flood | trailer-flood | content-length-flood
    local mode=$1 what
    case $mode in
    chunk-ext-flood) what="Transfer-Encoding: chunked, a chunk '1;' + ${FLOOD_MIB:-300} MiB of chunk extension" ;;
    trailer-flood) what="Transfer-Encoding: chunked, last chunk, then an endless trailer section (X-a: b, ${TRAILER_FLOOD_MIB:-128} MiB)" ;;
    content-length-flood) what="Content-Length: 1000000000 and a body" ;;
    esac
    case_begin "flooding client without a token: $what"
    start_counting_sidecar || { fail "the sidecar did not start"; case_end; return; }
    local base answer peak
    base=$(vmhwm_kb "$HPID")
    inject "GET /backup with $what"
    answer=$($HOSTILE request 127.0.0.1 "$HPORT" "$mode" 2>&1)
    peak=$(vmhwm_kb "$HPID")
    log "    $mode -> $answer"
    log "  sidecar VmHWM: $base kB before, $peak kB after"
    check "refused: HTTP/1.1 400 (401, 413, 431 also do) or the connection closed" \
        grep -Eq '^(HTTP/1.1 4(00|01|13|31)|<closed without an answer>)' <<<"$answer"
    check "quickly (within 5 s of the first byte)" answered_within 5 "$answer"
    check "the sidecar's peak RSS (VmHWM) stays under 64 MiB" rss_below $RSS_LIMIT_KB sidecar "$peak"
    check "no backup tool was started" test "$(tool_starts)" = 0
    check "the sidecar still runs" test -d "/proc/$HPID"
    check "the sidecar still serves a good clone" sidecar_alive_and_serving
    kill -TERM "$HPID"; wait "$HPID" 2>/dev/null
    case_end
}

# --- 3: a flooding donor against the real clone ----------------------------------------------------------------
case_donor_flood() {  # $1: chunk-ext-flood | trailer-flood
    local mode=$1 what idle=5
    case $mode in
    chunk-ext-flood) what="a 200 whose first chunk is '1;' + ${FLOOD_MIB:-300} MiB of chunk extension" ;;
    trailer-flood) what="a 200 whose last chunk '0' is followed by endless trailers (X-a: b, ${TRAILER_FLOOD_MIB:-128} MiB)" ;;
    esac
    case_begin "flooding donor: $what"
    local d=$WORK/c-donor-$mode; rm -rf "$d"; mkdir -p "$d"
    fake_donor "$mode" || { fail "the fake donor did not start"; case_end; return; }
    inject "clone from a donor sending $what (--idle-timeout $idle)"
    local t0 secs rc peak
    t0=$(date +%s)
    PEAK_RSS_FILE=$WORK/flags/rss-$mode CLONE_FROM=127.0.0.1:$DONOR_PORT CLONE_ATTEMPTS=1 \
        clone_run "$d" "donor-$mode" --idle-timeout $idle
    rc=$?
    secs=$(($(date +%s) - t0))
    peak=$(peak_rss_kb "$WORK/flags/rss-$mode")
    log "  clone said: $(tail -1 "$LOGS/clone-donor-$mode.log" | cut -c1-240)"
    log "  donor: $(tail -1 "$LOGS/fake-donor.log"); clone: exit $rc after $secs s, peak RSS $peak kB"
    check "clone fails (11)" exit_code_is $rc 11
    check "within --idle-timeout ($idle s) plus 5 s (took $secs s)" test "$secs" -le $((idle + 5))
    check "the clone's peak RSS stays under 64 MiB" rss_below $RSS_LIMIT_KB clone "$peak"
    check "no visible entries in the datadir" no_visible_partial "$d"
    check "no orphan tool, no zombie" no_tools_left
    stop_pid "$DONOR_PID"
    rm -rf "$d"
    case_end
}

# ================================================================================================================
setup
want client-chunk-ext && case_client_flood chunk-ext-flood
want client-trailers && case_client_flood trailer-flood
want client-content-length && case_client_flood content-length-flood
want donor-chunk-ext && case_donor_flood chunk-ext-flood
want donor-trailers && case_donor_flood trailer-flood
finish
