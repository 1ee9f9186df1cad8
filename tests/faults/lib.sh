# Fault-suite machinery, sourced by every group under tests/faults/cases/: the work dir and its secrets,
# bookkeeping (case_begin/check/inject/case_end and the group's `finish`), process checks, MariaDB, the agent's
# starters, the fault-injecting wrappers, and `setup` (a primary with data and its sidecar, the donor).
#
#   . "$(dirname "$0")/../lib.sh" "$@"      # in a group file; $1 is the agent binary
#
# Parameters (environment): FAULT_TLS=1 (every sidecar started here serves TLS and every clone and init trusts its
# CA: the groups whose peers are real agents, donor network disk signals replication secrets clone_safety, pass the
# same with TLS on; the hostile_*, flooding and sidecar_safety groups drive sidecars with plaintext hostile
# clients, and the tls group sets up TLS itself), FAULT_ROWS (rows in the donor's table, default 120000), FAULT_MYSQLD_DELAY (seconds a
# replica's mysqld stays down after its sidecar starts, default 15; a minute, 60, also passes), FAULT_ONLY (regex of
# case names to run). Needs root (tmpfs, network and PID namespaces).
# shellcheck shell=bash
set -u
set -o pipefail

FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$FAULTS_DIR/../lib/common.sh"

GROUP=$(basename "$0" .sh)
AGENT=$(readlink -f "${1:?usage: $0 AGENT_BINARY}")
[ -x "$AGENT" ] || { echo "$0: $1 is not an executable"; exit 2; }
HERE=$FAULTS_DIR
HOSTILE="$PY $HERE/hostile.py"
XBSTREAM_PY="$PY $HERE/xbstream.py"
ROWS=${FAULT_ROWS:-120000}
MYSQLD_DELAY=${FAULT_MYSQLD_DELAY:-15}
ONLY=${FAULT_ONLY:-.}
T0=$(date +%s)

WORK=$(mktemp -d "/tmp/mysql-agent-faults-$GROUP-XXXXXX")
chmod 755 "$WORK"
LOGS=$WORK/logs
mkdir -p "$LOGS" "$WORK/bin" "$WORK/secrets" "$WORK/flags" "$WORK/tmp"
# Every process of the group keeps its temporary files here, never in the machine's /tmp: a sidecar sweeps its temp
# root for private dirs it judges stale, and one of another test run (another build, another namespace) must not
# judge ours, nor ours theirs.
export TMPDIR=$WORK/tmp
# Secrets that must never show up anywhere but in their 0600 files.
TOKEN="tok$(random_hex 12)"
AGENT_PW="apw$(random_hex 12)"
REPL_PW="rpw$(random_hex 12)"
WRONG_TOKEN="wrong$(random_hex 8)"
umask 077
printf '%s\n' "$TOKEN" >"$WORK/secrets/token"
printf '%s\n' "$AGENT_PW" >"$WORK/secrets/agent-password"
printf '%s\n' "$REPL_PW" >"$WORK/secrets/repl-password"
printf '%s\n' "$WRONG_TOKEN" >"$WORK/secrets/wrong-token"
umask 022

PIDS=()          # every long-lived process we start, killed by pid at the end
MOUNTS=()        # tmpfs mounts
NETNS=""         # the network namespace, if created
VETH=""
SIDECAR_PID=""   # the primary's sidecar (the donor)
SIDECAR_PORT=""

cleanup() {
    local p m
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    # Tools of ours that outlived their parent (a failing case reports them; here they only must not linger).
    for p in $(ours_tools); do kill -9 "$p" 2>/dev/null; done
    for m in "${MOUNTS[@]}"; do [ -n "$m" ] && umount -l "$m" 2>/dev/null; done
    [ -n "$VETH" ] && ip link del "$VETH" 2>/dev/null
    [ -n "$NETNS" ] && ip netns del "$NETNS" 2>/dev/null
    if [ -n "${FAULT_KEEP:-}" ]; then echo "kept $WORK (FAULT_KEEP)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# FAULT_TLS=1: the agent's flags for TLS on both ends, with certificates of tls_certs.sh.
FAULT_TLS_SERVER=()
FAULT_TLS_CLIENT=()
if [ "${FAULT_TLS:-0}" = 1 ]; then
    bash "$FAULTS_DIR/tls_certs.sh" "$WORK/fault-tls" || { echo "tls_certs.sh failed"; exit 1; }
    FAULT_TLS_SERVER=(--tls-cert "$WORK/fault-tls/server.crt" --tls-key "$WORK/fault-tls/server.key")
    FAULT_TLS_CLIENT=(--tls-ca "$WORK/fault-tls/ca.crt")
fi
trap 'exit 130' INT TERM

# --- bookkeeping ------------------------------------------------------------------------------------------------
INJECTED=0; SURVIVED=0; PASSED=0; FAILED=0; ROWS_COMPARED=0; ROWS_LOST=0
CASE=""; CASE_OK=1; CASE_FAULTS=0; FAILED_CASES=()

case_begin() { CASE=$1; CASE_OK=1; CASE_FAULTS=0; log "=== $CASE"; }
inject() { INJECTED=$((INJECTED + 1)); CASE_FAULTS=$((CASE_FAULTS + 1)); log "  inject: $*"; }
# check DESCRIPTION COMMAND...: the command must succeed.
check() {
    local what=$1; shift
    if "$@"; then log "  ok: $what"; else log "  FAILED: $what"; CASE_OK=0; fi
}
fail() { log "  FAILED: $*"; CASE_OK=0; }
case_end() {
    if [ "$CASE_OK" = 1 ]; then
        PASSED=$((PASSED + 1)); SURVIVED=$((SURVIVED + CASE_FAULTS)); log "--- passed: $CASE"
    else
        FAILED=$((FAILED + 1)); FAILED_CASES+=("$CASE"); log "--- FAILED: $CASE"
    fi
}
want() { [[ $1 =~ $ONLY ]]; }

# finish: the group's summary (run_all.sh adds these lines up); non-zero when a case failed or a row was lost.
# Every group also greps its own logs for its secrets: a leak anywhere fails the group, not only the secrets group.
finish() {
    local hits
    hits=$(grep -rlF -e "$TOKEN" -e "$AGENT_PW" -e "$REPL_PW" -e "$WRONG_TOKEN" "$LOGS" 2>/dev/null)
    if [ -n "$hits" ]; then
        log "FAILED: a secret appears in this group's logs: $(echo "$hits" | tr '\n' ' ')"
        FAILED=$((FAILED + 1)); FAILED_CASES+=("secrets in the $GROUP group's logs")
    fi
    echo
    [ ${#FAILED_CASES[@]} -gt 0 ] && printf 'failed: %s\n' "${FAILED_CASES[@]}"
    echo "group: $GROUP"
    echo "run time: $(($(date +%s) - T0)) s"
    echo "faults: $INJECTED injected, $SURVIVED survived; rows compared: $ROWS_COMPARED, rows lost: $ROWS_LOST"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ] && [ "$ROWS_LOST" = 0 ] && [ "$INJECTED" = "$SURVIVED" ]
}

# --- processes --------------------------------------------------------------------------------------------------
# These scan all of /proc several times a second: they read with bash builtins (no fork per process), so that a
# scan stays well under a second on a loaded machine.
# proc_comm PID / proc_stat_field PID N (N >= 3, as in proc(5): 3 state, 4 ppid): into REPLY.
proc_comm() { REPLY=; read -r REPLY 2>/dev/null <"/proc/$1/comm"; }
proc_stat_field() {
    local line
    REPLY=
    read -r line 2>/dev/null <"/proc/$1/stat" || return 1
    line=${line##*) }  # comm may hold spaces and parentheses: the fields start after the last ") "
    local -a f
    read -r -a f <<<"$line"
    REPLY=${f[$(($2 - 3))]:-}
}
# proc_cmdline_has PID TEXT: TEXT occurs in the process's command line.
proc_cmdline_has() { grep -qaF -- "$2" "/proc/$1/cmdline" 2>/dev/null; }
# Tools started on our behalf: mariabackup/mbstream/xtrabackup/xbstream and our wrappers, recognised by $WORK in
# their command line (every datadir, socket and wrapper lives there).
ours_tools() {
    local d
    for d in /proc/[0-9]*; do
        proc_comm "${d#/proc/}" || continue
        case "$REPLY" in
        mariabackup | mbstream | xtrabackup | xbstream | fault-* | pv) ;;
        *) continue ;;
        esac
        proc_cmdline_has "${d#/proc/}" "$WORK" && echo "${d#/proc/}"
    done
}
# Zombies whose parent is this script or a process working in $WORK.
our_zombies() {
    local d ppid
    for d in /proc/[0-9]*; do
        proc_stat_field "${d#/proc/}" 3 || continue
        [ "$REPLY" = Z ] || continue
        proc_stat_field "${d#/proc/}" 4; ppid=$REPLY
        if [ "$ppid" = $$ ] || proc_cmdline_has "$ppid" "$WORK"; then
            proc_comm "${d#/proc/}"
            echo "${d#/proc/}($REPLY)"
        fi
    done
}
children_named() {  # children_named PID NAME: pids of NAME among PID's descendants (process group children too)
    local d
    for d in /proc/[0-9]*; do
        proc_comm "${d#/proc/}"
        [ "$REPLY" = "$2" ] || continue
        is_descendant "${d#/proc/}" "$1" && echo "${d#/proc/}"
    done
}
is_descendant() {  # is_descendant PID ANCESTOR
    local p=$1 i
    for i in 1 2 3 4 5 6; do
        proc_stat_field "$p" 4 || return 1
        p=$REPLY
        [ -z "$p" ] || [ "$p" -le 1 ] && return 1
        [ "$p" = "$2" ] && return 0
    done
    return 1
}
no_tools_left() {
    local i
    for i in $(seq 1 "${1:-10}0"); do
        [ -z "$(ours_tools)" ] && [ -z "$(our_zombies)" ] && return 0
        sleep 0.1
    done
    local p
    for p in $(ours_tools); do log "    left behind: pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done
    log "    zombies: $(our_zombies)"
    return 1
}

# --- MariaDB ----------------------------------------------------------------------------------------------------
TEMPLATE=$WORK/template
init_template() {
    mkdir -p "$WORK/template-tmp"
    mariadb-install-db --no-defaults --datadir="$TEMPLATE" --user=root --auth-root-authentication-method=normal \
        --skip-test-db --tmpdir="$WORK/template-tmp" >"$LOGS/install-db.log" 2>&1
}
# start_mysqld NAME SERVER_ID DATADIR [extra args]: mariadbd on its own port and socket ($WORK/NAME.*);
# sets MYSQLD_PID_<NAME> and MYSQLD_PORT_<NAME>.
start_mysqld() {
    local name=$1 id=$2 datadir=$3; shift 3
    local port_var="MYSQLD_PORT_$name" port
    port=${!port_var:-$(free_port)}
    mkdir -p "$WORK/$name.tmp"
    mariadbd --no-defaults --datadir="$datadir" --socket="$WORK/$name.sock" --port="$port" \
        --bind-address=127.0.0.1 --server-id="$id" --user=root --pid-file="$WORK/$name.pid" \
        --tmpdir="$WORK/$name.tmp" --innodb-buffer-pool-size=64M --skip-name-resolve \
        --log-bin="$datadir/mariadb-bin" --log-basename="$name" "$@" >>"$LOGS/mysqld-$name.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    printf -v "MYSQLD_PID_$name" '%s' "$pid"
    printf -v "MYSQLD_PORT_$name" '%s' "$port"
    wait_until 60 sql "$name" "SELECT 1" >/dev/null 2>&1 || { log "mariadbd $name did not start:"; tail -20 "$LOGS/mysqld-$name.log"; return 1; }
}
stop_mysqld() {
    local v="MYSQLD_PID_$1"
    [ -n "${!v:-}" ] || return 0
    kill -TERM "${!v}" 2>/dev/null
    wait "${!v}" 2>/dev/null
    printf -v "$v" '%s' ""
}
sql() { mariadb --no-defaults -S "$WORK/$1.sock" -uroot -N -B -e "$2"; }

# rows_equal DONOR REPLICA: CHECKSUM TABLE and COUNT(*) of every table of the shop schema; adds to the row tallies.
rows_equal() {
    local t dc rc dn rn ok=0
    for t in orders events; do
        dn=$(sql "$1" "SELECT COUNT(*) FROM shop.$t") || return 1
        rn=$(sql "$2" "SELECT COUNT(*) FROM shop.$t" 2>/dev/null) || rn=0
        dc=$(sql "$1" "CHECKSUM TABLE shop.$t" | cut -f2)
        rc=$(sql "$2" "CHECKSUM TABLE shop.$t" 2>/dev/null | cut -f2)
        ROWS_COMPARED=$((ROWS_COMPARED + dn))
        if [ "$dn" != "$rn" ] || [ "$dc" != "$rc" ]; then
            # How many of the donor's rows are missing or different on the copy.
            local lost
            lost=$(comm -23 <(sql "$1" "SELECT CONCAT(id,':',MD5(CONCAT_WS(',',id,note,amount))) FROM shop.$t" | sort) \
                            <(sql "$2" "SELECT CONCAT(id,':',MD5(CONCAT_WS(',',id,note,amount))) FROM shop.$t" 2>/dev/null | sort) | wc -l)
            ROWS_LOST=$((ROWS_LOST + lost))
            log "    shop.$t differs: donor $dn rows checksum $dc, copy $rn rows checksum $rc, $lost rows lost"
            ok=1
        fi
    done
    return $ok
}
rows_equal_eventually() {  # replication: wait for the copy to catch up, then count once
    local until=$(($(date +%s) + ${3:-60}))
    while [ "$(date +%s)" -lt "$until" ]; do
        [ "$(sql "$1" "CHECKSUM TABLE shop.orders, shop.events" | cut -f2 | tr '\n' ' ')" = \
          "$(sql "$2" "CHECKSUM TABLE shop.orders, shop.events" 2>/dev/null | cut -f2 | tr '\n' ' ')" ] && break
        sleep 0.5
    done
    rows_equal "$1" "$2"
}

# --- the agent --------------------------------------------------------------------------------------------------
# start_sidecar LOGNAME PORT [args...]: the real sidecar in the background; echoes nothing, sets LAST_PID.
start_sidecar() {
    local logname=$1 listen=$2; shift 2
    "$AGENT" sidecar --listen "$listen" --auth-token-file "$WORK/secrets/token" --user agent \
        --password-file "$WORK/secrets/agent-password" --repl-password-file "$WORK/secrets/repl-password" \
        --xtrabackup /usr/bin/mariabackup --xbstream /usr/bin/mbstream "${FAULT_TLS_SERVER[@]}" "$@" \
        >>"$LOGS/sidecar-$logname.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    local host=${listen%:*} port=${listen##*:}
    wait_port 20 "$host" "$port"
}
start_donor_sidecar() {  # the primary's sidecar, on 127.0.0.1:$SIDECAR_PORT
    SIDECAR_PORT=${SIDECAR_PORT:-$(free_port)}
    start_sidecar primary "127.0.0.1:$SIDECAR_PORT" --hostname mysql-0 --datadir "$WORK/primary" \
        --mysql-socket "$WORK/primary.sock" --send-timeout 5 "$@"
    SIDECAR_PID=$LAST_PID
}
# clone_run DATADIR LOGNAME [args...]: `mysql-agent clone` from the donor, in the foreground; returns its exit code.
# Overrides (environment): CLONE_FROM, CLONE_TOKEN_FILE, CLONE_XTRABACKUP, CLONE_XBSTREAM, CLONE_ATTEMPTS (3),
# CLONE_RETRY_FOR (30), PEAK_RSS_FILE (write the clone's own peak RSS in kB there).
clone_run() {
    local dir=$1 logname=$2; shift 2
    local wrap=()
    [ -n "${PEAK_RSS_FILE:-}" ] && wrap=("$PY" "$HERE/peak_rss.py" "$PEAK_RSS_FILE" --)
    ${CLONE_EXEC:+exec} "${wrap[@]}" "$AGENT" clone --from "${CLONE_FROM:-127.0.0.1:$SIDECAR_PORT}" --datadir "$dir" \
        --auth-token-file "${CLONE_TOKEN_FILE:-$WORK/secrets/token}" \
        --xtrabackup "${CLONE_XTRABACKUP:-/usr/bin/mariabackup}" --xbstream "${CLONE_XBSTREAM:-/usr/bin/mbstream}" \
        --max-attempts "${CLONE_ATTEMPTS:-3}" --retry-for "${CLONE_RETRY_FOR:-30}" "${FAULT_TLS_CLIENT[@]}" "$@" \
        >>"$LOGS/clone-$logname.log" 2>&1
}
clone_bg() {  # the same in the background (the agent itself, not a subshell: signals reach it); sets LAST_PID
    local dir=$1 logname=$2; shift 2
    CLONE_EXEC=1 clone_run "$dir" "$logname" "$@" &
    LAST_PID=$!
}
# Visible entries of a datadir (the agent's unfinished work may only be hidden: .mysql-agent-*).
visible_entries() { find "$1" -mindepth 1 -maxdepth 1 ! -name '.mysql-agent-*' ! -name 'lost+found' -printf '%f '; }
no_visible_partial() {
    local v
    v=$(visible_entries "$1")
    [ -z "$v" ] && [ ! -e "$1/.mysql-agent-clone.json" ] && return 0
    log "    visible after the fault: ${v:-(marker present)}"
    return 1
}
# The next run must recognise the leftovers as its own (exit 13 would mean "foreign data") and finish.
next_run_completes() {  # next_run_completes DIR LOGNAME [clone args...]
    local dir=$1 logname=$2; shift 2
    clone_run "$dir" "$logname-next" "$@" || { log "    next run exited $?: $(tail -3 "$LOGS/clone-$logname-next.log")"; return 1; }
    [ -f "$dir/.mysql-agent-clone.json" ] && [ ! -e "$dir/.mysql-agent-staging" ] && [ ! -e "$dir/.mysql-agent-commit" ]
}
# The clone in DIR has exactly the donor's rows: mariadbd started on it, tables compared, stopped.
clone_has_donor_rows() {
    local dir=$1
    [ -f "$dir/.mysql-agent-clone.json" ] || { log "    no completed clone to verify"; return 1; }
    start_mysqld verify 9 "$dir" --skip-slave-start || return 1
    rows_equal primary verify
    local rc=$?
    stop_mysqld verify
    return $rc
}

# --- wrappers that inject faults (names start with fault- so that orphan checks find them) -----------------------
make_wrappers() {
    # An extractor slowed to ~15 MB/s, so that signals land during extraction.
    cat >"$WORK/bin/fault-slow-mbstream" <<EOF
#!/bin/sh
# $WORK
pv -q -L 15m | /usr/bin/mbstream "\$@"
EOF
    # A backup tool whose --prepare announces itself and takes 3 s longer; the rest is the real mariabackup.
    cat >"$WORK/bin/fault-slow-prepare" <<EOF
#!/bin/sh
# $WORK
if [ "\$1" = "--prepare" ]; then
    touch "$WORK/flags/prepare-started"
    sleep 3
fi
exec /usr/bin/mariabackup "\$@"
EOF
    # The donor's tool, counted: every start is recorded, then it is the real mariabackup.
    cat >"$WORK/bin/fault-counting-mariabackup" <<EOF
#!/bin/sh
# $WORK
[ "\$1" = "--version" ] || echo "\$\$ \$*" >>"$WORK/flags/tool-starts"
exec /usr/bin/mariabackup "\$@"
EOF
    # A backup tool whose backup is whatever $WORK/flags/stream.sh writes (serve_stream sets it per case); it answers
    # --version as mariabackup. Served by a real sidecar (start_stream_sidecar), so that the trailers and the digest
    # are right and only the stream itself is hostile.
    cat >"$WORK/bin/fault-stream" <<EOF
#!/bin/sh
# $WORK
for a in "\$@"; do [ "\$a" = --version ] && exec /usr/bin/mariabackup --version; done
for a in "\$@"; do [ "\$a" = --backup ] && { . "$WORK/flags/stream.sh"; exit \$?; }; done
exec /usr/bin/mariabackup "\$@"
EOF
    chmod 755 "$WORK"/bin/*
}
tool_starts() { [ -f "$WORK/flags/tool-starts" ] && wc -l <"$WORK/flags/tool-starts" || echo 0; }

staging_bytes() { du -sb "$1/.mysql-agent-staging" 2>/dev/null | cut -f1 || echo 0; }
staging_over() { [ "$(staging_bytes "$1")" -gt "$2" ] 2>/dev/null; }

# --- memory -----------------------------------------------------------------------------------------------------
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# vmhwm_kb PID: the process's peak resident set so far (kB); it only grows, so one read after the fact is the peak.
vmhwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null; }
fd_count() { ls "/proc/$1/fd" | wc -l; }
# A foreground command's own peak RSS (kB), read at its exit (peak_rss.py stops it there with ptrace): its children
# (mbstream, mariabackup --prepare) are not counted, as they would be by getrusage(RUSAGE_CHILDREN).
#   PEAK_RSS_FILE=F clone_run ...   then   peak_rss_kb F
peak_rss_kb() { cat "$1" 2>/dev/null || echo 0; }
rss_below() {  # rss_below KB LABEL VALUE_KB: VALUE_KB is known and below KB
    [ -n "$3" ] && [ "$3" -gt 0 ] && [ "$3" -lt "$1" ] && return 0
    log "    $2 peak RSS ${3:-unknown} kB, limit $1 kB"
    return 1
}

# --- a second donor sidecar for hostile requests (its backup tool's starts are counted) ---------------------------
start_counting_sidecar() {  # sets HPORT, HPID
    HPORT=$(free_port)
    rm -f "$WORK/flags/tool-starts"
    "$AGENT" sidecar --listen "127.0.0.1:$HPORT" --auth-token-file "$WORK/secrets/token" --user agent \
        --password-file "$WORK/secrets/agent-password" --hostname mysql-0 --datadir "$WORK/primary" \
        --mysql-socket "$WORK/primary.sock" --xtrabackup "$WORK/bin/fault-counting-mariabackup" \
        --xbstream /usr/bin/mbstream --send-timeout 4 --max-concurrent-backups 1 "$@" >>"$LOGS/sidecar-hostile.log" 2>&1 &
    HPID=$!
    PIDS+=("$HPID")
    wait_port 20 127.0.0.1 "$HPORT"
}
sidecar_alive_and_serving() {  # a good clone through the hostile-tested sidecar still works
    local d=$WORK/c-after-hostile; rm -rf "$d"; mkdir -p "$d"
    CLONE_FROM=127.0.0.1:$HPORT clone_run "$d" after-hostile && clone_has_donor_rows "$d"
    local rc=$?
    rm -rf "$d"
    return $rc
}
tool_started() { [ "$(tool_starts)" -ge 1 ]; }
no_backup_child() { [ -z "$(children_named "$HPID" mariabackup)" ]; }
fds_at_most() { [ "$(fd_count "$HPID")" -le "$1" ]; }

# --- backups as files -------------------------------------------------------------------------------------------
# raw_backup: $WORK/raw-backup, one real response of the donor's sidecar (head, chunked body, trailers), fetched once.
raw_backup() {
    [ -s "$WORK/raw-backup" ] || curl -sS -i --raw -H "Authorization: Bearer $(cat "$WORK/secrets/token")" \
        "http://127.0.0.1:$SIDECAR_PORT/backup" -o "$WORK/raw-backup" 2>>"$LOGS/curl.log"
}
# backup_stream FILE: a fresh xbstream of the primary, taken the way the sidecar takes it (the agent user's option
# file, --backup --stream=xbstream), for the stream rewriter.
backup_stream() {
    local cnf=$WORK/flags/agent-client.cnf
    printf '[client]\nuser=agent\npassword="%s"\nsocket=%s\n' "$AGENT_PW" "$WORK/primary.sock" >"$cnf"
    chmod 600 "$cnf"
    mkdir -p "$WORK/backup-tmp"
    /usr/bin/mariabackup --defaults-extra-file="$cnf" --backup --stream=xbstream --target-dir="$WORK/backup-tmp" \
        --datadir="$WORK/primary" >"$1" 2>>"$LOGS/backup-stream.log"
}
base_stream() {  # $WORK/base.xbs: a real backup of the primary, taken once per group
    [ -s "$WORK/base.xbs" ] || backup_stream "$WORK/base.xbs"
}
# serve_stream SHELL_TEXT: what fault-stream runs for the next backups (e.g. "cat FILE", "head -c N FILE; exit 1").
serve_stream() { printf '%s\n' "$1" >"$WORK/flags/stream.sh"; }
# serve_rewritten OPS...: the base stream rewritten by xbstream.py as it is served (never stored whole).
serve_rewritten() {
    local q
    q=$(printf '%q ' "$@")
    serve_stream "$PY $HERE/xbstream.py rewrite $WORK/base.xbs - $q"
}
# start_stream_sidecar: a real sidecar (ordinal 0, no replication management) whose tool is fault-stream;
# sets STREAM_PORT, STREAM_PID.
start_stream_sidecar() {
    STREAM_PORT=$(free_port)
    "$AGENT" sidecar --listen "127.0.0.1:$STREAM_PORT" --auth-token-file "$WORK/secrets/token" --user agent \
        --password-file "$WORK/secrets/agent-password" --hostname mysql-0 --datadir "$WORK/primary" \
        --mysql-socket "$WORK/primary.sock" --xtrabackup "$WORK/bin/fault-stream" --xbstream /usr/bin/mbstream \
        --send-timeout 10 "${FAULT_TLS_SERVER[@]}" >>"$LOGS/sidecar-stream.log" 2>&1 &
    STREAM_PID=$!
    PIDS+=("$STREAM_PID")
    wait_port 20 127.0.0.1 "$STREAM_PORT"
}
# fake_donor MODE [RAW_FILE]: hostile.py's fake donor in the background; sets DONOR_PORT, DONOR_PID.
fake_donor() {
    rm -f "$WORK/flags/donor-port"
    $HOSTILE donor "$WORK/flags/donor-port" "$@" >>"$LOGS/fake-donor.log" 2>&1 &
    DONOR_PID=$!
    PIDS+=("$DONOR_PID")
    wait_until 60 test -s "$WORK/flags/donor-port" && DONOR_PORT=$(cat "$WORK/flags/donor-port")
}
stop_pid() { [ -n "${1:-}" ] && { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }; return 0; }
# backup_bytes: the size of a committed clone (what the disk-full case must not fit), measured by a clone when no
# earlier case of this run did (BACKUP_BYTES set by the baseline).
measure_backup_bytes() {
    [ -n "${BACKUP_BYTES:-}" ] && return 0
    local d=$WORK/c-measure; rm -rf "$d"; mkdir -p "$d"
    clone_run "$d" measure || { log "setup: the measuring clone failed: $(tail -1 "$LOGS/clone-measure.log")"; return 1; }
    BACKUP_BYTES=$(du -sb "$d" | cut -f1)
    log "setup: a clone takes $BACKUP_BYTES bytes"
    rm -rf "$d"
}

# ================================================================================================================
# setup: a primary with data (FAULT_ROWS rows in shop.orders, 1000 in shop.events), the agent's account, and the
# primary's sidecar (the donor) which creates the replication account. A few seconds.
setup() {
    log "setup ($GROUP): work dir $WORK, $ROWS rows"
    [ "$(id -u)" = 0 ] || { echo "the fault suite needs root (tmpfs mounts, network namespaces)"; exit 1; }
    export PATH=$PATH:/usr/sbin
    local p
    for p in mariadbd mariabackup mbstream mariadb-install-db pv ip curl; do
        command -v "$p" >/dev/null || { echo "missing $p"; exit 1; }
    done
    make_wrappers
    init_template || { echo "mariadb-install-db failed"; cat "$LOGS/install-db.log"; exit 1; }
    cp -a "$TEMPLATE" "$WORK/primary"
    start_mysqld primary 1 "$WORK/primary" || exit 1
    sql primary "CREATE USER agent@localhost IDENTIFIED BY '$AGENT_PW'; GRANT ALL ON *.* TO agent@localhost WITH GRANT OPTION;
        CREATE DATABASE shop;
        CREATE TABLE shop.orders (id INT PRIMARY KEY, note VARCHAR(200), amount DECIMAL(12,2)) ENGINE=InnoDB;
        CREATE TABLE shop.events (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(200), amount DECIMAL(12,2)) ENGINE=InnoDB;
        INSERT INTO shop.orders SELECT seq, CONCAT('order ', seq, ' ', REPEAT(CHAR(97 + seq % 26), 120)), seq / 7
          FROM shop.seq_1_to_$ROWS;
        INSERT INTO shop.events (note, amount) SELECT CONCAT('event ', seq), seq FROM shop.seq_1_to_1000;" || exit 1
    start_donor_sidecar || { echo "the donor's sidecar did not start"; cat "$LOGS/sidecar-primary.log"; exit 1; }
    wait_until 30 sh -c "mariadb --no-defaults -S '$WORK/primary.sock' -uroot -N -e \"SELECT 1 FROM mysql.user WHERE user='repl'\" | grep -q 1" ||
        { echo "the primary's sidecar did not create the repl user"; cat "$LOGS/sidecar-primary.log"; exit 1; }
}
