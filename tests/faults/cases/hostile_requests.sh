#!/bin/bash
# Fault group "hostile_requests": hostile clients against the real sidecar: bad requests, a client that reads nothing, a flood of connections.
#   bash tests/faults/cases/hostile_requests.sh AGENT_BINARY    (FAULT_ROWS, FAULT_MYSQLD_DELAY, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

# --- hostile peers against the real sidecar (start_counting_sidecar and its helpers: ../lib.sh) --------------

case_hostile_requests() {
    case_begin "hostile requests: no token, wrong token, huge header, garbage, HTTP/0.9, huge URI"
    start_counting_sidecar || { fail "the sidecar did not start"; case_end; return; }
    local mode answer expect
    for mode in no-token wrong-token huge-header many-headers garbage http09 huge-uri bad-chunked-request; do
        inject "$mode"
        answer=$($HOSTILE request 127.0.0.1 "$HPORT" "$mode" "$WRONG_TOKEN" 2>&1)
        log "    $mode -> $answer"
        case $mode in
        *-token) expect='^HTTP/1.1 401' ;;
        huge-header | many-headers | huge-uri) expect='^HTTP/1.1 (431|400|414)|closed without' ;;
        *) expect='^HTTP/1.1 4[0-9][0-9]|closed without' ;;
        esac
        check "$mode is refused ($expect)" grep -Eq "$expect" <<<"$answer"
    done
    check "no backup tool was started by any of them" test "$(tool_starts)" = 0
    check "the sidecar still runs" test -d "/proc/$HPID"
    check "the sidecar still serves a good clone" sidecar_alive_and_serving
    kill -TERM "$HPID"; wait "$HPID" 2>/dev/null
    case_end
}

case_slow_client() {
    case_begin "a client that reads nothing: the donor's tool is killed after --send-timeout (4 s)"
    start_counting_sidecar || { fail "the sidecar did not start"; case_end; return; }
    inject "GET /backup, then read nothing for 30 s"
    $HOSTILE slow 127.0.0.1 "$HPORT" "$TOKEN" 30 >"$LOGS/slow-client.out" 2>&1 &
    local client=$! started=$(date +%s)
    wait_until 15 tool_started || fail "the backup did not start"
    wait_until 60 no_backup_child; local rc=$?
    check "the tool is gone well before the client gives up (after $(($(date +%s) - started)) s)" test $rc = 0 -a $(($(date +%s) - started)) -lt 25
    check "no orphan tool, no zombie" no_tools_left
    kill "$client" 2>/dev/null; wait "$client" 2>/dev/null
    check "the sidecar still serves a good clone" sidecar_alive_and_serving
    kill -TERM "$HPID"; wait "$HPID" 2>/dev/null
    case_end
}

case_flood() {
    case_begin "a flood of 500 concurrent connections (250 idle, 250 GET /backup reading nothing)"
    start_counting_sidecar || { fail "the sidecar did not start"; case_end; return; }
    local base_rss base_fd peak_rss=0 peak_fd=0 peak_tools=0 r f t
    base_rss=$(rss_kb "$HPID"); base_fd=$(fd_count "$HPID")
    inject "500 connections held for 12 s"
    $HOSTILE flood 127.0.0.1 "$HPORT" 500 "$TOKEN" 12 >"$LOGS/flood.out" 2>&1 &
    local flood=$!
    while [ -d "/proc/$flood" ]; do
        r=$(rss_kb "$HPID"); f=$(fd_count "$HPID"); t=$(children_named "$HPID" mariabackup | wc -l)
        [ "$r" -gt "$peak_rss" ] && peak_rss=$r
        [ "$f" -gt "$peak_fd" ] && peak_fd=$f
        [ "$t" -gt "$peak_tools" ] && peak_tools=$t
        sleep 0.2
    done
    wait "$flood"
    log "  flood: $(tr '\n' ' ' <"$LOGS/flood.out")"
    log "  sidecar: VmRSS $base_rss kB before, peak $peak_rss kB; fds $base_fd before, peak $peak_fd; peak tools $peak_tools; tool starts $(tool_starts)"
    check "VmRSS stays under 64 MiB (peak $peak_rss kB)" test "$peak_rss" -lt 65536
    check "fds stay bounded by the connections (peak $peak_fd <= 500 + 64)" test "$peak_fd" -le 564
    check "at most --max-concurrent-backups (1) tools ran at once" test "$peak_tools" -le 1
    check "the 500 connections were all accepted or answered" grep -q 'opened 500' "$LOGS/flood.out"
    check "fds return to the baseline after the flood" wait_until 30 fds_at_most $((base_fd + 4))
    check "no orphan tool, no zombie" no_tools_left 20
    check "the sidecar still serves a good clone" sidecar_alive_and_serving
    kill -TERM "$HPID"; wait "$HPID" 2>/dev/null
    case_end
}

# ================================================================================================================
setup
want hostile && case_hostile_requests
want slow-client && case_slow_client
want flood && case_flood
finish
