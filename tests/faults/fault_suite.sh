#!/bin/bash
# Fault suite: the real mysql-agent binary, real mariadbd/mariabackup/mbstream on loopback (and in a network
# namespace for the network cut), fakes only to inject faults. Every case injects, then asserts what must hold:
# no visible partial datadir, no orphan or zombie tool, the next run finishes by itself, and the rows on the
# clone/replica equal the donor's (CHECKSUM TABLE and row counts: rows lost must be 0).
#
#   fault_suite.sh AGENT_BINARY
# Parameters (environment): FAULT_ROWS (rows in the donor's table, default 200000), FAULT_MYSQLD_DELAY (seconds a
# replica's mysqld stays down after its sidecar starts, default 15; a minute, 60, also passes), FAULT_ONLY (regex of
# case names to run). Needs root (tmpfs, network namespaces).
set -u
set -o pipefail

AGENT=$(readlink -f "${1:?usage: fault_suite.sh AGENT_BINARY}")
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
HOSTILE="$PY $HERE/hostile.py"
ROWS=${FAULT_ROWS:-200000}
MYSQLD_DELAY=${FAULT_MYSQLD_DELAY:-15}
ONLY=${FAULT_ONLY:-.}
T0=$(date +%s)

WORK=$(mktemp -d /tmp/mysql-agent-faults-XXXXXX)
chmod 755 "$WORK"
LOGS=$WORK/logs
mkdir -p "$LOGS" "$WORK/bin" "$WORK/secrets" "$WORK/flags"
# Secrets that must never show up anywhere but in their 0600 files.
TOKEN="tok$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
AGENT_PW="apw$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
REPL_PW="rpw$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WRONG_TOKEN="wrong$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
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
    for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
    [ -n "$VETH" ] && ip link del "$VETH" 2>/dev/null
    [ -n "$NETNS" ] && ip netns del "$NETNS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- bookkeeping ------------------------------------------------------------------------------------------------
INJECTED=0; SURVIVED=0; PASSED=0; FAILED=0; ROWS_COMPARED=0; ROWS_LOST=0
CASE=""; CASE_OK=1; CASE_FAULTS=0; FAILED_CASES=()

log() { printf '[%4ds] %s\n' $(($(date +%s) - T0)) "$*"; }
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

wait_until() {  # wait_until SECONDS COMMAND...: true once the command succeeds
    local until=$(($(date +%s) + $1)); shift
    while ! "$@"; do [ "$(date +%s)" -ge "$until" ] && return 1; sleep 0.1; done
}
free_port() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# --- processes --------------------------------------------------------------------------------------------------
# Tools started on our behalf: mariabackup/mbstream/xtrabackup/xbstream and our wrappers, recognised by $WORK in
# their command line (every datadir, socket and wrapper lives there).
ours_tools() {
    local d comm
    for d in /proc/[0-9]*; do
        comm=$(cat "$d/comm" 2>/dev/null) || continue
        case "$comm" in
        mariabackup | mbstream | xtrabackup | xbstream | fault-* | pv) ;;
        *) continue ;;
        esac
        tr '\0' ' ' 2>/dev/null <"$d/cmdline" | grep -q -- "$WORK" && echo "${d#/proc/}"
    done
}
# Zombies whose parent is this script or a process working in $WORK.
our_zombies() {
    local d st ppid
    for d in /proc/[0-9]*; do
        st=$(cut -d" " -f3 2>/dev/null <"$d/stat") || continue
        [ "$st" = Z ] || continue
        ppid=$(awk '{print $4}' "$d/stat" 2>/dev/null)
        if [ "$ppid" = $$ ] || tr '\0' ' ' 2>/dev/null <"/proc/$ppid/cmdline" | grep -q -- "$WORK"; then
            echo "${d#/proc/}($(cat "$d/comm" 2>/dev/null))"
        fi
    done
}
children_named() {  # children_named PID NAME: pids of NAME among PID's descendants (process group children too)
    local d
    for d in /proc/[0-9]*; do
        [ "$(cat "$d/comm" 2>/dev/null)" = "$2" ] || continue
        is_descendant "${d#/proc/}" "$1" && echo "${d#/proc/}"
    done
}
is_descendant() {  # is_descendant PID ANCESTOR
    local p=$1 i
    for i in 1 2 3 4 5 6; do
        p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) || return 1
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
        --xtrabackup /usr/bin/mariabackup --xbstream /usr/bin/mbstream "$@" >>"$LOGS/sidecar-$logname.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    local host=${listen%:*} port=${listen##*:}
    wait_until 20 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
}
start_donor_sidecar() {  # the primary's sidecar, on 127.0.0.1:$SIDECAR_PORT
    SIDECAR_PORT=${SIDECAR_PORT:-$(free_port)}
    start_sidecar primary "127.0.0.1:$SIDECAR_PORT" --hostname mysql-0 --datadir "$WORK/primary" \
        --mysql-socket "$WORK/primary.sock" --send-timeout 5 "$@"
    SIDECAR_PID=$LAST_PID
}
# clone_run DATADIR LOGNAME [args...]: `mysql-agent clone` from the donor, in the foreground; returns its exit code.
clone_run() {
    local dir=$1 logname=$2; shift 2
    ${CLONE_EXEC:+exec} "$AGENT" clone --from "${CLONE_FROM:-127.0.0.1:$SIDECAR_PORT}" --datadir "$dir" --auth-token-file "$WORK/secrets/token" \
        --xtrabackup "${CLONE_XTRABACKUP:-/usr/bin/mariabackup}" --xbstream "${CLONE_XBSTREAM:-/usr/bin/mbstream}" \
        --max-attempts 3 --retry-for 30 "$@" >>"$LOGS/clone-$logname.log" 2>&1
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
next_run_completes() {
    local dir=$1 logname=$2
    clone_run "$dir" "$logname-next" || { log "    next run exited $?: $(tail -3 "$LOGS/clone-$logname-next.log")"; return 1; }
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
exit_code_is() { [ "$1" = "$2" ] || { log "    exit code $1, expected $2"; return 1; }; }
exit_code_in() { local c=$1; shift; for e in "$@"; do [ "$c" = "$e" ] && return 0; done; log "    exit code $c, expected one of $*"; return 1; }

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
    chmod 755 "$WORK"/bin/*
}
tool_starts() { [ -f "$WORK/flags/tool-starts" ] && wc -l <"$WORK/flags/tool-starts" || echo 0; }

staging_bytes() { du -sb "$1/.mysql-agent-staging" 2>/dev/null | cut -f1 || echo 0; }
staging_over() { [ "$(staging_bytes "$1")" -gt "$2" ] 2>/dev/null; }

# ================================================================================================================
setup() {
    log "setup: work dir $WORK, $ROWS rows"
    [ "$(id -u)" = 0 ] || { echo "the fault suite needs root (tmpfs mounts, network namespaces)"; exit 1; }
    for p in mariadbd mariabackup mbstream mariadb-install-db pv ip; do
        command -v "$p" >/dev/null || PATH=$PATH:/usr/sbin command -v "$p" >/dev/null || { echo "missing $p"; exit 1; }
    done
    export PATH=$PATH:/usr/sbin
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
    CLONE_XBSTREAM=$WORK/bin/fault-slow-mbstream clone_bg "$d" "donor-$1" --idle-timeout 5
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

# --- the network to the donor is cut ----------------------------------------------------------------------------
case_network_cut() {
    case_begin "the network to the donor is cut mid-stream (veth down), then restored"
    NETNS=mafaults$$; VETH=vfh$$
    local peer=vfn$$ net="10.231.$(($$ % 200)).0" host="10.231.$(($$ % 200)).1" far="10.231.$(($$ % 200)).2"
    ip netns add "$NETNS" && ip link add "$VETH" type veth peer name "$peer" && ip link set "$peer" netns "$NETNS" &&
        ip addr add "$host/30" dev "$VETH" && ip link set "$VETH" up &&
        ip netns exec "$NETNS" ip addr add "$far/30" dev "$peer" && ip netns exec "$NETNS" ip link set "$peer" up &&
        ip netns exec "$NETNS" ip link set lo up || { fail "creating the network namespace failed"; case_end; return; }
    # The donor's sidecar inside the namespace (mysqld through its unix socket, which crosses namespaces).
    ip netns exec "$NETNS" "$AGENT" sidecar --listen "$far:3307" --auth-token-file "$WORK/secrets/token" --user agent \
        --password-file "$WORK/secrets/agent-password" --hostname mysql-0 --datadir "$WORK/primary" \
        --mysql-socket "$WORK/primary.sock" --xtrabackup /usr/bin/mariabackup --xbstream /usr/bin/mbstream \
        --send-timeout 5 >>"$LOGS/sidecar-netns.log" 2>&1 &
    local ns_sidecar=$!
    PIDS+=("$ns_sidecar")
    # `ip netns exec` execs the agent in place; the pid is the sidecar's.
    wait_until 20 bash -c "exec 3<>/dev/tcp/$far/3307" 2>/dev/null || fail "the namespaced sidecar does not answer"
    local d=$WORK/c-net; mkdir -p "$d"
    CLONE_FROM="$far:3307" CLONE_XBSTREAM=$WORK/bin/fault-slow-mbstream clone_bg "$d" net --idle-timeout 3
    local clone=$LAST_PID
    wait_until 30 staging_over "$d" 5000000 || fail "the stream did not start"
    local tool
    tool=$(children_named "$ns_sidecar" mariabackup | head -1)
    inject "link $VETH down at $(staging_bytes "$d") bytes"
    ip link set "$VETH" down
    local cut_at=$(date +%s)
    wait "$clone"; local rc=$?
    log "  clone gave up $(($(date +%s) - cut_at)) s after the cut"
    check "clone fails with clone_failed (11) after --idle-timeout" exit_code_is $rc 11
    grep -qi 'idle\|no byte\|timed out\|timeout' "$LOGS/clone-net.log" || fail "the error does not mention the idle timeout"
    check "no visible partial datadir" no_visible_partial "$d"
    check "the donor's tool is killed after --send-timeout" wait_until 30 test ! -d "/proc/${tool:-0}"
    check "no orphan tool, no zombie" no_tools_left 15
    ip link set "$VETH" up
    CLONE_FROM="$far:3307" next_run_completes "$d" net; check "the next run (link up again) completes the clone" test $? = 0
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    kill -TERM "$ns_sidecar"; wait "$ns_sidecar" 2>/dev/null
    ip link del "$VETH" 2>/dev/null; VETH=""
    ip netns del "$NETNS"; NETNS=""
    rm -rf "$d"
    case_end
}

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
            --clone-from "127.0.0.1:$SIDECAR_PORT" --auth-token-file "$WORK/secrets/token" --xtrabackup "$xb" \
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
            --clone-from "127.0.0.1:$SIDECAR_PORT" --auth-token-file "$WORK/secrets/token" \
            --xtrabackup /usr/bin/mariabackup --xbstream /usr/bin/mbstream --clone-wait 60 >>"$LOGS/init-$sig-$phase-next.log" 2>&1
        check "the next init completes the clone" exit_code_is $? 0
        check "the marker is there, staging and journal gone" test -f "$d/.mysql-agent-clone.json" -a ! -e "$d/.mysql-agent-staging" -a ! -e "$d/.mysql-agent-commit"
    fi
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d" "$d.conf"
    case_end
}

# --- replication ------------------------------------------------------------------------------------------------
# A replica: cloned from the primary's sidecar, into $WORK/r-NAME (mysqld "NAME", server id $2).
make_replica_datadir() {
    local d=$WORK/r-$1; rm -rf "$d"; mkdir -p "$d"
    clone_run "$d" "replica-$1" && [ -f "$d/.mysql-agent-clone.json" ]
}
replica_sidecar() {  # replica_sidecar NAME: its sidecar (kill -9 target); sets LAST_PID
    local port_var="RSIDECAR_PORT_$1"
    printf -v "$port_var" '%s' "${!port_var:-$(free_port)}"
    start_sidecar "replica-$1" "127.0.0.1:${!port_var}" --hostname mysql-1 --datadir "$WORK/r-$1" \
        --mysql-socket "$WORK/$1.sock" --primary-host 127.0.0.1 --primary-port "$MYSQLD_PORT_primary" --send-timeout 5
}
replicating() {  # IO and SQL threads running, no error
    local s
    s=$(mariadb --no-defaults -S "$WORK/$1.sock" -uroot -e 'SHOW SLAVE STATUS\G' 2>/dev/null) || return 1
    grep -q 'Slave_IO_Running: Yes' <<<"$s" && grep -q 'Slave_SQL_Running: Yes' <<<"$s" &&
        grep -q 'Last_SQL_Errno: 0' <<<"$s" && grep -q 'Last_IO_Errno: 0' <<<"$s"
}
replication_errors() {  # duplicate-key or GTID errors in the replica's error log or status
    ! grep -Ei 'Duplicate entry|1062|GTID.*(error|fail)|error.*gtid|1236' "$LOGS/mysqld-$1.log" >/dev/null &&
        ! mariadb --no-defaults -S "$WORK/$1.sock" -uroot -e 'SHOW SLAVE STATUS\G' | grep -Eq 'Last_(SQL|IO)_Errno: [1-9]'
}
write_on_primary() {
    sql primary "INSERT INTO shop.events (note, amount) SELECT CONCAT('$1 ', seq), seq FROM shop.seq_1_to_${2:-500};
                 UPDATE shop.orders SET amount = amount + 1 WHERE id % 97 = 0;"
}
STATEMENT='replication: (SET|CHANGE|START|STOP|RESET)'
nth_statement_or_applied() {  # LOG N APPLIED_FILE
    [ -e "$3" ] || [ "$(grep -cE "$STATEMENT" "$1" 2>/dev/null)" -ge "$2" ]
}
replica_converged() {  # replica_converged NAME: replication runs, no error, the rows equal the primary's
    write_on_primary "after-$1" 200
    check "replication runs (IO and SQL threads)" wait_until 90 replicating "$1"
    check "no duplicate-key or GTID error" replication_errors "$1"
    check "the replica's tables equal the primary's (CHECKSUM TABLE, counts)" rows_equal_eventually primary "$1" 90
}
drop_replica() {
    local v="RSIDECAR_PID_$1"
    [ -n "${2:-}" ] && { kill -TERM "$2" 2>/dev/null; wait "$2" 2>/dev/null; }
    stop_mysqld "$1"
    rm -rf "$WORK/r-$1"
}

case_primary_unreachable() {
    case_begin "the primary is unreachable while the sidecar configures replication, then back"
    make_replica_datadir pu || { fail "cloning the replica failed"; case_end; return; }
    write_on_primary before-pu
    start_mysqld pu 21 "$WORK/r-pu" --skip-slave-start || { fail "replica mysqld"; case_end; return; }
    inject "stop the primary's mysqld"
    stop_mysqld primary
    replica_sidecar pu; local sc=$LAST_PID
    sleep 8
    log "  sidecar meanwhile: $(grep -i replication "$LOGS/sidecar-replica-pu.log" | tail -1 | cut -c1-200)"
    check "the sidecar is still running while the primary is away" test -d "/proc/$sc"
    start_mysqld primary 1 "$WORK/primary" || fail "the primary did not restart"
    replica_converged pu
    drop_replica pu "$sc"
    case_end
}

case_mysqld_late() {
    case_begin "a replica's mysqld comes up ${MYSQLD_DELAY} s after its sidecar"
    make_replica_datadir late || { fail "cloning the replica failed"; case_end; return; }
    write_on_primary before-late
    replica_sidecar late; local sc=$LAST_PID
    inject "mysqld down for ${MYSQLD_DELAY} s"
    sleep "$MYSQLD_DELAY"
    check "the sidecar waits (still running)" test -d "/proc/$sc"
    start_mysqld late 22 "$WORK/r-late" --skip-slave-start || fail "replica mysqld"
    replica_converged late
    drop_replica late "$sc"
    case_end
}

case_replica_restarts() {
    case_begin "a replica's sidecar is killed (-9) before, during and after the marker is applied"
    make_replica_datadir rr || { fail "cloning the replica failed"; case_end; return; }
    write_on_primary before-rr 1000
    local applied=$WORK/r-rr/.mysql-agent-replication-applied sc phases=""
    # Before: the sidecar waits for mysqld that is not up yet.
    replica_sidecar rr; sc=$LAST_PID
    sleep 1
    inject "kill -9 the sidecar before it could apply the marker (mysqld down)"
    kill -9 "$sc"; wait "$sc" 2>/dev/null
    start_mysqld rr 23 "$WORK/r-rr" --skip-slave-start || fail "replica mysqld"
    # During: the sidecar is killed right after it logs its Nth replication statement (each is logged just before it
    # runs). The writes keep coming, so that a restart that re-applied the clone's coordinates over a replica that
    # already replicates would hit duplicate keys.
    local n
    for n in 1 2 3 4; do
        write_on_primary "during-$n" 300
        replica_sidecar rr; sc=$LAST_PID
        wait_until 30 nth_statement_or_applied "$LOGS/sidecar-replica-rr.log" "$n" "$applied"
        kill -9 "$sc"; wait "$sc" 2>/dev/null
        local phase=during
        [ -e "$applied" ] && phase=after
        inject "kill -9 the sidecar at its replication statement $n: $(grep -E "$STATEMENT" "$LOGS/sidecar-replica-rr.log" | sed -n "${n}p" | grep -o 'replication: [A-Z_ ]*' | cut -c14-40) ($phase the marker is applied)"
        phases+="$phase "
        mv "$LOGS/sidecar-replica-rr.log" "$LOGS/sidecar-replica-rr-$n.log"
    done
    # After: wait for the applied record, then kill once more, and restart mysqld too.
    replica_sidecar rr; sc=$LAST_PID
    wait_until 60 test -e "$applied" || fail "the marker was never applied"
    write_on_primary after-applied 300
    inject "kill -9 the sidecar after the marker is applied, and restart mysqld"
    phases+="after"
    kill -9 "$sc"; wait "$sc" 2>/dev/null
    stop_mysqld rr
    start_mysqld rr 23 "$WORK/r-rr" --skip-slave-start || fail "replica mysqld restart"
    replica_sidecar rr; sc=$LAST_PID
    log "  phases hit: $phases"
    replica_converged rr
    drop_replica rr "$sc"
    case_end
}

# --- hostile peers against the real sidecar ---------------------------------------------------------------------
start_counting_sidecar() {  # a second primary sidecar whose tool starts are counted
    HPORT=$(free_port)
    rm -f "$WORK/flags/tool-starts"
    "$AGENT" sidecar --listen "127.0.0.1:$HPORT" --auth-token-file "$WORK/secrets/token" --user agent \
        --password-file "$WORK/secrets/agent-password" --hostname mysql-0 --datadir "$WORK/primary" \
        --mysql-socket "$WORK/primary.sock" --xtrabackup "$WORK/bin/fault-counting-mariabackup" \
        --xbstream /usr/bin/mbstream --send-timeout 4 --max-concurrent-backups 1 "$@" >>"$LOGS/sidecar-hostile.log" 2>&1 &
    HPID=$!
    PIDS+=("$HPID")
    wait_until 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$HPORT" 2>/dev/null
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
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
fd_count() { ls "/proc/$1/fd" | wc -l; }

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

case_bad_donor() {  # $1: garbage-http | garbage-body | longer | longer-xbstream
    case_begin "a donor that sends $1"
    local d=$WORK/c-bad-$1; mkdir -p "$d"
    if [ "$1" = longer ] || [ "$1" = longer-xbstream ]; then
        [ -s "$WORK/raw-backup" ] || curl -sS -i --raw -H "Authorization: Bearer $(cat "$WORK/secrets/token")" \
            "http://127.0.0.1:$SIDECAR_PORT/backup" -o "$WORK/raw-backup" 2>>"$LOGS/curl.log" ||
            fail "fetching a raw backup failed"
    fi
    rm -f "$WORK/flags/donor-port"
    $HOSTILE donor "$WORK/flags/donor-port" "$1" "$WORK/raw-backup" >>"$LOGS/fake-donor.log" 2>&1 &
    local donor=$!
    PIDS+=("$donor")
    wait_until 10 test -s "$WORK/flags/donor-port"
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

# --- secrets ----------------------------------------------------------------------------------------------------
secret_hits() {  # grep every process's cmdline, and the environ of our tools, for the secrets
    local d
    for d in /proc/[0-9]*; do
        if tr '\0' '\n' 2>/dev/null <"$d/cmdline" | grep -Fq -e "$TOKEN" -e "$AGENT_PW" -e "$REPL_PW"; then
            echo "cmdline of ${d#/proc/}"
        fi
    done
    for d in $(ours_tools); do
        if tr '\0' '\n' 2>/dev/null <"/proc/$d/environ" | grep -Fq -e "$TOKEN" -e "$AGENT_PW" -e "$REPL_PW"; then
            echo "environ of $d"
        fi
    done
}
case_secrets() {
    case_begin "secrets: no password or token in argv, tool environments, logs or error messages"
    local d=$WORK/c-secrets; mkdir -p "$d"
    : >"$WORK/flags/secret-hits"; : >"$WORK/flags/scans"
    # The agent gets the secrets the way a pod might also pass them: environment variables naming the files.
    MYSQL_AGENT_AUTH_TOKEN_FILE=$WORK/secrets/token CLONE_XBSTREAM=$WORK/bin/fault-slow-mbstream \
        clone_bg "$d" secrets
    local clone=$LAST_PID tools_seen=0
    while [ -d "/proc/$clone" ]; do
        secret_hits >>"$WORK/flags/secret-hits"
        [ -n "$(ours_tools)" ] && tools_seen=$((tools_seen + 1))
        sleep 0.1
    done
    wait "$clone"; check "the clone succeeded" exit_code_is $? 0
    inject "scanned /proc while a backup and a clone ran ($tools_seen scans saw tools)"
    check "the scans saw the donor's and the receiver's tools" test "$tools_seen" -gt 3
    check "no secret in any /proc/*/cmdline or tool environ" test ! -s "$WORK/flags/secret-hits"
    [ -s "$WORK/flags/secret-hits" ] && log "    $(sort -u "$WORK/flags/secret-hits" | head -5 | tr '\n' ' ')"
    # Error messages: a wrong token, and a wrong database password on the donor.
    inject "a clone with the wrong token; a sidecar with a wrong mysqld password"
    "$AGENT" clone --from "127.0.0.1:$SIDECAR_PORT" --datadir "$WORK/c-secrets-2" --auth-token-file "$WORK/secrets/wrong-token" \
        --max-attempts 1 >>"$LOGS/clone-wrong-token.log" 2>&1
    check "a wrong token exits unauthorized (12)" exit_code_is $? 12
    rm -rf "$WORK/c-secrets-2"
    local port; port=$(free_port)
    "$AGENT" sidecar --listen "127.0.0.1:$port" --auth-token-file "$WORK/secrets/token" --user agent \
        --password-file "$WORK/secrets/repl-password" --hostname mysql-0 --datadir "$WORK/primary" \
        --mysql-socket "$WORK/primary.sock" --xtrabackup /usr/bin/mariabackup --xbstream /usr/bin/mbstream \
        >>"$LOGS/sidecar-wrong-password.log" 2>&1 &
    local sc=$!; PIDS+=("$sc")
    wait_until 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
    mkdir -p "$WORK/c-secrets-3"
    "$AGENT" clone --from "127.0.0.1:$port" --datadir "$WORK/c-secrets-3" --auth-token-file "$WORK/secrets/token" \
        --max-attempts 1 >>"$LOGS/clone-wrong-db-password.log" 2>&1
    check "a donor whose backup is refused by mysqld fails the clone (11)" exit_code_is $? 11
    log "  clone said: $(grep -i 'error\|fail' "$LOGS/clone-wrong-db-password.log" | tail -1 | cut -c1-240)"
    kill -TERM "$sc"; wait "$sc" 2>/dev/null
    rm -rf "$WORK/c-secrets-3" "$d"
    case_end
}
case_secrets_in_logs() {
    case_begin "secrets: none in any log the suite captured (every agent's stderr, every tool's)"
    inject "grep all $(ls "$LOGS" | wc -l) logs"
    local hits
    hits=$(grep -rlF -e "$TOKEN" -e "$AGENT_PW" -e "$REPL_PW" -e "$WRONG_TOKEN" "$LOGS")
    check "no secret in the logs" test -z "$hits"
    [ -n "$hits" ] && log "    found in: $hits"
    case_end
}

# ================================================================================================================
setup
want baseline && case_baseline
: "${BACKUP_BYTES:=200000000}"
want donor-sidecar && case_donor_killed sidecar
want donor-tool && case_donor_killed tool
want network && case_network_cut
want disk && case_disk_full
for c in "clone TERM extraction" "clone KILL extraction" "clone TERM prepare" "clone KILL prepare" \
         "init TERM extraction" "init KILL prepare"; do
    # shellcheck disable=SC2086
    want "signal $c" && case_signal $c
done
want primary-unreachable && case_primary_unreachable
want mysqld-late && case_mysqld_late
want replica-restart && case_replica_restarts
want hostile && case_hostile_requests
want slow-client && case_slow_client
want flood && case_flood
for m in garbage-http garbage-body longer longer-xbstream; do want "bad-donor $m" && case_bad_donor $m; done
want secrets && case_secrets
want secrets && case_secrets_in_logs

echo
[ ${#FAILED_CASES[@]} -gt 0 ] && printf 'failed: %s\n' "${FAILED_CASES[@]}"
echo "run time: $(($(date +%s) - T0)) s"
echo "faults: $INJECTED injected, $SURVIVED survived; rows compared: $ROWS_COMPARED, rows lost: $ROWS_LOST"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ] && [ "$ROWS_LOST" = 0 ] && [ "$INJECTED" = "$SURVIVED" ]
