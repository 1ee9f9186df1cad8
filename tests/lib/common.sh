# Shell helpers any test suite can source: logging, waiting, ports, exit codes. Functions only, no side effects
# besides T0 (the suite's start time, for log stamps) when the caller has not set it.
#   . "$(dirname "$0")/../lib/common.sh"
# shellcheck shell=bash

: "${T0:=$(date +%s)}"
: "${PY:=/usr/bin/python3}"

# log MESSAGE...: one line, stamped with the seconds since T0.
log() { printf '[%4ds] %s\n' $(($(date +%s) - T0)) "$*"; }

# wait_until SECONDS COMMAND...: true once COMMAND succeeds (polled every 0.1 s), false when SECONDS pass first.
wait_until() {
    local until=$(($(date +%s) + $1)); shift
    while ! "$@"; do [ "$(date +%s)" -ge "$until" ] && return 1; sleep 0.1; done
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() { $PY -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# port_open HOST PORT: something accepts TCP connections there.
port_open() { bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# wait_port SECONDS HOST PORT: wait until something listens there.
wait_port() { wait_until "$1" port_open "$2" "$3"; }

# random_hex BYTES: that many random bytes as lowercase hex (secrets, unique names).
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# exit_code_is ACTUAL EXPECTED / exit_code_in ACTUAL EXPECTED...: for checks; logs what came instead.
exit_code_is() { [ "$1" = "$2" ] || { log "    exit code $1, expected $2"; return 1; }; }
exit_code_in() {
    local c=$1 e; shift
    for e in "$@"; do [ "$c" = "$e" ] && return 0; done
    log "    exit code $c, expected one of $*"
    return 1
}

