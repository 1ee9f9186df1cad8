#!/bin/bash
# Fault group "clone_safety": what `clone` and `init` must never do to a datadir. `clone --force` deletes nothing
# before it holds a verified, prepared stream; `init` gets over a donor killed mid-stream within --clone-wait; a
# second clone into a datadir that a first one is filling stops at once; flags that overflow are refused.
#   bash tests/faults/cases/clone_safety.sh AGENT_BINARY    (FAULT_ROWS, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

# --- 4: clone --force over foreign data ---------------------------------------------------------------------------
# A datadir the agent did not create: a real datadir (mariadb-install-db's) plus a schema and a file of its own.
make_foreign_datadir() {
    rm -rf "$1"
    cp -a "$TEMPLATE" "$1"
    mkdir -p "$1/olddb"
    printf 'foreign row %s\n' $(seq 1 1000) >"$1/olddb/keep.me"
    printf 'foreign\n' >"$1/foreign-$$.dat"
}
# snapshot DIR: the checksum of every file, and the entries of the top level (hidden ones included).
snapshot() { (cd "$1" && find . -type f | sort | xargs -r sha256sum && echo "--- ls -A" && ls -A); }
same_as_before() {  # same_as_before DIR SNAPSHOT_FILE
    local diff
    diff=$(diff "$2" <(snapshot "$1")) && return 0
    log "    the datadir changed: $(echo "$diff" | grep '^[<>]' | head -4 | tr '\n' ' ')"
    return 1
}
case_force_fails_early() {  # $1: no-listener | silent | wrong-token | backup-fails
    local mode=$1 what expect
    case $mode in
    no-listener) what="a port where nothing listens"; expect="10" ;;
    silent) what="a listener that accepts and never answers (--idle-timeout 3)"; expect="10" ;;
    wrong-token) what="the real donor with a wrong token (401)"; expect="12" ;;
    backup-fails) what="a donor whose backup fails after 20 MB (its tool exits 1)"; expect="11" ;;
    esac
    case_begin "clone --force over foreign data, from $what: nothing deleted"
    local d=$WORK/c-force; make_foreign_datadir "$d"
    snapshot "$d" >"$WORK/flags/force-before"
    local from=127.0.0.1:$SIDECAR_PORT token=$WORK/secrets/token silent_pid=""
    case $mode in
    no-listener) from=127.0.0.1:$(free_port) ;;
    silent)
        rm -f "$WORK/flags/silent-port"
        $HOSTILE silent "$WORK/flags/silent-port" 60 >>"$LOGS/silent.log" 2>&1 &
        silent_pid=$!; PIDS+=("$silent_pid")
        wait_until 10 test -s "$WORK/flags/silent-port"
        from=127.0.0.1:$(cat "$WORK/flags/silent-port") ;;
    wrong-token) token=$WORK/secrets/wrong-token ;;
    backup-fails)
        serve_stream "head -c 20000000 '$WORK/base.xbs'; exit 1"
        from=127.0.0.1:$STREAM_PORT ;;
    esac
    inject "clone --force from $what"
    CLONE_FROM=$from CLONE_TOKEN_FILE=$token CLONE_ATTEMPTS=1 clone_run "$d" "force-$mode" --force --idle-timeout 3
    local rc=$?
    log "  clone said: $(tail -1 "$LOGS/clone-force-$mode.log" | cut -c1-240)"
    check "clone fails ($expect)" exit_code_is $rc "$expect"
    check "every foreign file is still there with the same checksum, and nothing else (ls -A)" \
        same_as_before "$d" "$WORK/flags/force-before"
    check "no orphan tool, no zombie" no_tools_left
    stop_pid "$silent_pid"
    rm -rf "$d"
    case_end
}
case_force_succeeds() {
    case_begin "clone --force over foreign data, from the real donor: replaced by the clone"
    local d=$WORK/c-force; make_foreign_datadir "$d"
    inject "clone --force from the real donor"
    CLONE_ATTEMPTS=1 clone_run "$d" force-ok --force; local rc=$?
    log "  clone said: $(tail -1 "$LOGS/clone-force-ok.log" | cut -c1-240)"
    check "clone succeeds (0)" exit_code_is $rc 0
    check "the foreign files are gone" test ! -e "$d/olddb" -a ! -e "$d/foreign-$$.dat"
    check "no .mysql-agent-* entry but the marker" \
        test "$(ls -A "$d" | grep '^\.mysql-agent-' | tr '\n' ' ')" = ".mysql-agent-clone.json "
    check "no orphan tool, no zombie" no_tools_left
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d"
    case_end
}

# --- 6: init gets over a donor killed mid-stream -----------------------------------------------------------------
case_init_donor_killed() {
    case_begin "init --clone-wait 120: the donor's sidecar is killed mid-stream and back 2 s later"
    local d=$WORK/c-init-cut; rm -rf "$d" "$d.conf"; mkdir -p "$d" "$d.conf" "$WORK/config-src"
    echo -e "[mysqld]\nlog-bin" >"$WORK/config-src/master.cnf"; echo -e "[mysqld]\nsuper-read-only" >"$WORK/config-src/slave.cnf"
    "$AGENT" init --hostname mysql-1 --config-src "$WORK/config-src" --config-dir "$d.conf" --datadir "$d" \
        --clone-from "127.0.0.1:$SIDECAR_PORT" --auth-token-file "$WORK/secrets/token" "${FAULT_TLS_CLIENT[@]}" --xtrabackup /usr/bin/mariabackup \
        --xbstream "$WORK/bin/fault-slow-mbstream" --clone-wait 120 >>"$LOGS/init-donor-killed.log" 2>&1 &
    local init=$!
    wait_until 30 staging_over "$d" 5000000 || fail "the stream did not start"
    inject "kill -9 the donor's sidecar (pid $SIDECAR_PID) at $(staging_bytes "$d") bytes; restart it on port $SIDECAR_PORT 2 s later"
    kill -9 "$SIDECAR_PID"; wait "$SIDECAR_PID" 2>/dev/null
    sleep 2
    start_donor_sidecar || fail "the donor's sidecar did not restart"
    wait "$init"; local rc=$?
    log "  init said: $(tail -1 "$LOGS/init-donor-killed.log" | cut -c1-240)"
    check "the same init run exits 0" exit_code_is $rc 0
    check "a completed clone: the marker, no staging, no journal" \
        test -f "$d/.mysql-agent-clone.json" -a ! -e "$d/.mysql-agent-staging" -a ! -e "$d/.mysql-agent-commit"
    check "no orphan tool, no zombie" no_tools_left
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d" "$d.conf"
    case_end
}

# --- issue 19 §4: a re-seed request written through SQL ---------------------------------------------------------
# An account with the FILE privilege writes any file mysqld may write; with MariaDB's default (no secure_file_priv)
# that includes .mysql-agent-reseed in the datadir root. init acts only on a request `mysql-agent reseed` signed with
# the backup token: this one is logged and kept, no clone is asked for, the data stays. Then the same datadir with a
# signed request is re-seeded from the donor: the harness does see a re-seed when one happens.
reseed_init() {  # reseed_init DIR LOGNAME: init of replica mysql-2 on DIR, the group's donor as --clone-from
    "$AGENT" init --hostname mysql-2 --config-src "$WORK/config-src" --config-dir "$1.conf" --datadir "$1" \
        --clone-from "127.0.0.1:$SIDECAR_PORT" --auth-token-file "$WORK/secrets/token" "${FAULT_TLS_CLIENT[@]}" \
        --xtrabackup /usr/bin/mariabackup --xbstream /usr/bin/mbstream --clone-wait 30 >>"$LOGS/$2.log" 2>&1
}
case_sql_written_reseed_request() {
    case_begin "a re-seed request written through SQL (FILE privilege, SELECT ... INTO OUTFILE) is not acted on"
    local d=$WORK/sql-request before after requests rc=0
    rm -rf "$d" "$d.conf"; mkdir -p "$d.conf" "$WORK/config-src"
    echo -e "[mysqld]\nlog-bin" >"$WORK/config-src/master.cnf"; echo -e "[mysqld]\nsuper-read-only" >"$WORK/config-src/slave.cnf"
    cp -a "$TEMPLATE" "$d"
    start_mysqld sqlreq 19 "$d" || { fail "mariadbd on the replica's datadir did not start"; case_end; return; }
    sql sqlreq "CREATE DATABASE own; USE own; CREATE TABLE own.rows (id INT PRIMARY KEY, note VARCHAR(64));
                INSERT INTO own.rows SELECT seq, CONCAT('replica row ', seq) FROM seq_1_to_5000;
                CREATE USER filer@localhost; GRANT FILE ON *.* TO filer@localhost" || fail "setting up the rows and the FILE account failed"
    before=$(sql sqlreq "CHECKSUM TABLE own.rows" | cut -f2)
    check "the replica holds its 5,000 rows (CHECKSUM TABLE ${before:-none})" test -n "$before" -a "$(sql sqlreq "SELECT COUNT(*) FROM own.rows")" = 5000
    inject "an account holding only FILE writes $d/.mysql-agent-reseed with SELECT ... INTO OUTFILE"
    mariadb --no-defaults -S "$WORK/sqlreq.sock" -ufiler -N -B -e "SELECT 'requested_at: $(date -u +%Y-%m-%dT%H:%M:%SZ)
pod: mysql-2
reason: written through SQL' INTO OUTFILE '$d/.mysql-agent-reseed'" 2>>"$LOGS/sql-request.log"
    check "the FILE privilege wrote the request into the datadir (MariaDB's default: no secure_file_priv)" \
        test -s "$d/.mysql-agent-reseed"
    stop_mysqld sqlreq
    requests=$(backup_requests)
    reseed_init "$d" init-sql-request || rc=$?
    log "  init said: $(grep -o 'ignoring the re-seed request[^"]*' "$LOGS/init-sql-request.log" | head -1 | cut -c1-200)"
    check "init exits 0 and keeps the data" exit_code_is $rc 0
    check "init names the request and why it is ignored (no signature)" \
        grep -q 'ignoring the re-seed request.*no signature' "$LOGS/init-sql-request.log"
    check "no clone was asked of the donor (GET /backup count unchanged)" test "$(backup_requests)" = "$requests"
    check "no clone marker, the request kept" test ! -e "$d/.mysql-agent-clone.json" -a -s "$d/.mysql-agent-reseed"
    start_mysqld sqlreq 19 "$d" || fail "mariadbd did not start again on the kept data"
    after=$(sql sqlreq "CHECKSUM TABLE own.rows" 2>/dev/null | cut -f2)
    check "the replica's 5,000 rows are untouched (CHECKSUM TABLE $before)" test "$after" = "$before"
    ROWS_COMPARED=$((ROWS_COMPARED + 5000))
    stop_mysqld sqlreq
    # The control: a request signed by `mysql-agent reseed` is acted on, so the checks above could fail.
    rm -f "$d/.mysql-agent-reseed"
    "$AGENT" reseed --hostname mysql-2 --datadir "$d" --auth-token-file "$WORK/secrets/token" \
        --reason "signed control" >>"$LOGS/init-sql-request.log" 2>&1 || fail "mysql-agent reseed failed"
    rc=0; reseed_init "$d" init-sql-request || rc=$?
    check "a signed request on the same datadir is acted on: re-seeded from the donor" \
        grep -q '"reason": *"signed control"' "$d/.mysql-agent-clone.json"
    check "the re-seeded datadir has the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d" "$d.conf"
    case_end
}

# --- 8: two clones into one datadir at once -------------------------------------------------------------------
backup_requests() { grep -c 'GET /backup' "$LOGS/sidecar-primary.log"; }
case_two_clones() {
    case_begin "two clones into one datadir at once: the second stops, the first completes"
    local d=$WORK/c-two; rm -rf "$d"; mkdir -p "$d"
    local requests_before; requests_before=$(backup_requests)
    CLONE_XBSTREAM=$WORK/bin/fault-slow-mbstream clone_bg "$d" two-a; local a=$LAST_PID
    wait_until 30 staging_over "$d" 5000000 || fail "clone A's stream did not start"
    inject "clone B into $d while clone A extracts ($(staging_bytes "$d") bytes staged)"
    local t0; t0=$(date +%s)
    clone_run "$d" two-b; local rc_b=$? secs=$(($(date +%s) - t0))
    log "  clone B said ($secs s): $(tail -1 "$LOGS/clone-two-b.log" | cut -c1-240)"
    check "B exits 14" exit_code_is $rc_b 14
    check "B stops within 5 s (took $secs s)" test "$secs" -le 5
    check "B's message names the datadir and says another mysql-agent run holds it" \
        sh -c "grep -qF '$d' '$LOGS/clone-two-b.log' && grep -qi 'another mysql-agent' '$LOGS/clone-two-b.log'"
    wait "$a"; local rc_a=$?
    log "  clone A said: $(tail -1 "$LOGS/clone-two-a.log" | cut -c1-240)"
    check "A completes (0)" exit_code_is $rc_a 0
    check "B never asked the donor for a backup (one new GET /backup, A's)" \
        test "$(($(backup_requests) - requests_before))" = 1
    check "nothing of B's: the marker, no staging, no journal" \
        test -f "$d/.mysql-agent-clone.json" -a ! -e "$d/.mysql-agent-staging" -a ! -e "$d/.mysql-agent-commit"
    check "no orphan tool, no zombie" no_tools_left
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d"
    case_end
}

# --- 9a: flags that overflow ------------------------------------------------------------------------------------
case_flag_overflows() {
    case_begin "clone flags that overflow or are negative are configuration errors"
    local d=$WORK/c-flags port flag out rc
    port=$(free_port)
    for flag in "--connect-timeout 1e17" "--idle-timeout 1e300" "--timeout -1" "--retry-for 1e20"; do
        rm -rf "$d"; mkdir -p "$d"
        inject "clone $flag"
        # shellcheck disable=SC2086
        out=$(timeout 60 "$AGENT" --log-format text clone --from "127.0.0.1:$port" --datadir "$d" --max-attempts 1 $flag 2>&1)
        rc=$?
        log "    $flag -> exit $rc: $(echo "$out" | head -3 | cut -c1-200 | tr '\n' '|')"
        check "$flag: exit 3" exit_code_is $rc 3
        check "$flag: one line that names the flag" \
            test "$(grep -c . <<<"$out")" = 1 -a "$(grep -cF -- "${flag%% *}" <<<"$out")" = 1
    done
    rm -rf "$d"
    case_end
}

# ================================================================================================================
setup
base_stream || { echo "taking the base backup failed"; tail -5 "$LOGS/backup-stream.log"; exit 1; }
start_stream_sidecar || { echo "the stream sidecar did not start"; cat "$LOGS/sidecar-stream.log"; exit 1; }
for m in no-listener silent wrong-token backup-fails; do want "force $m" && case_force_fails_early $m; done
want "force ok" && case_force_succeeds
want init-donor-killed && case_init_donor_killed
want two-clones && case_two_clones
want flag-overflows && case_flag_overflows
want sql-written-request && case_sql_written_reseed_request
finish
