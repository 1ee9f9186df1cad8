# Shared by the mysql9 tests: real MySQL 9.x servers from Debian sid (tests/support/mysql/mysql_server.sh) under
# a private temp dir, the agent run with an EMPTY client plugin dir, and PASS/FAIL bookkeeping.
#   . "$(dirname "$0")/lib.sh"  (after setting AGENT)
# Exit 77 (skipped, loudly) only when sid's MySQL cannot be fetched. Every server and directory is removed on exit.
# shellcheck shell=bash

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../lib/common.sh"
MS=$HERE/../support/mysql/mysql_server.sh
WORK=$(mktemp -d /tmp/mysql-agent-mysql9-XXXXXX)
chmod 755 "$WORK"
SERVERS=()
FAILED=0

# Connector/C looks for every client plugin it does not have built in as <plugin dir>/<name>.so. Debian's .so files
# (caching_sha2_password.so among them) sit in the default dir and a static binary on a Debian host can still
# dlopen them, so every agent run here gets an empty dir: a login that works proves the agent's built-in plugin.
NO_PLUGINS=$WORK/no-plugins
mkdir -p "$NO_PLUGINS"
export MARIADB_PLUGIN_DIR=$NO_PLUGINS
unset LIBMYSQL_PLUGINS MYSQL_PWD

cleanup() {
    local s
    for s in "${SERVERS[@]}"; do "$MS" stop "$WORK/$s" >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.3f", a - b }'; }
measured() { log "measured: $1: $2 ${3:-s}"; }

# check NAME COMMAND...: runs COMMAND, logs PASS or FAIL with NAME; a failure is counted, not fatal.
check() {
    local name=$1; shift
    if "$@"; then log "PASS: $name"; else log "FAIL: $name"; FAILED=$((FAILED + 1)); fi
}

# finish: the test's exit status.
finish() {
    if [ "$FAILED" -ne 0 ]; then log "$FAILED check(s) failed"; exit 1; fi
    log "all checks passed"
    exit 0
}

# fetch_mysql: the unpacked MySQL 9 (cached); exit 77 with a loud line when sid cannot serve it.
fetch_mysql() {
    local rc=0
    "$MS" fetch >/dev/null || rc=$?
    if [ "$rc" = 77 ]; then
        echo "################################################################################" >&2
        echo "SKIPPED: no MySQL 9 from Debian sid on this machine; the caching_sha2_password tests did NOT run" >&2
        echo "################################################################################" >&2
        exit 77
    fi
    [ "$rc" = 0 ] || { log "mysql_server.sh fetch failed ($rc)"; exit 1; }
}

# start_servers NAME:ID...: initialise and start them in parallel; sets PORT_<NAME>. Fails the test if one fails.
start_servers() {
    local spec name id pids=() t
    t=$(now)
    for spec in "$@"; do
        name=${spec%%:*} id=${spec##*:}
        printf -v "PORT_$name" '%s' "$(free_port)"
        local port_var="PORT_$name"
        SERVERS+=("$name")
        "$MS" start "$WORK/$name" "${!port_var}" "$id" >"$WORK/$name.start.log" 2>&1 &
        pids+=($!)
    done
    local i=0
    for spec in "$@"; do
        if ! wait "${pids[$i]}"; then log "starting ${spec%%:*} failed:"; cat "$WORK/${spec%%:*}.start.log" >&2; exit 1; fi
        i=$((i + 1))
    done
    measured "initialise and start $# MySQL 9 server(s) in parallel" "$(since "$t")"
}

# sql NAME: runs the SQL on stdin as root over NAME's socket (stdin, so no password is ever in argv).
sql() { "$MS" client "$WORK/$1" -N; }

# sql_value NAME SQL: one value (SQL without secrets).
sql_value() { "$MS" client "$WORK/$1" -N -e "$2"; }

# password_file NAME PASSWORD: a 0600 file holding PASSWORD; prints its path.
password_file() {
    local f=$WORK/$1.pw
    (umask 077 && printf '%s\n' "$2" >"$f")
    echo "$f"
}

# agent ARGS...: the agent with the empty plugin dir; output in $OUT, exit status in $RC.
agent() {
    OUT=$("$AGENT" "$@" 2>&1) && RC=0 || RC=$?
}
