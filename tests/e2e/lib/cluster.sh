# shellcheck shell=bash disable=SC2034  # variables set here are read by the scripts that source this file
# A simulated StatefulSet on one machine, for the end-to-end tests and `make demo`. Sourced by scenario.sh and
# demo.sh; needs root (network namespaces), mariadbd, mariabackup, mbstream, node and, to read the manifests,
# kubectl.
#
# Pod mysql-N is:
#   - network namespace mysql-N, veth "veth-mysql-N" to the bridge mysql-e2e-br (10.213.0.1/24 in the root
#     namespace), IP 10.213.0.(10+N); /etc/netns/mysql-N/hosts (which `ip netns exec` bind-mounts over /etc/hosts)
#     resolves mysql-K.mysql and mysql-K for every pod created so far, as the headless Service does;
#   - hostname mysql-N: every process runs under `unshare --uts` after `hostname mysql-N`, since the manifests
#     let the agent take its ordinal from the hostname;
#   - $E2E_ROOT/pods/mysql-N/vol/<volume>: one directory per volume of the StatefulSet (the claim "data" persists,
#     emptyDirs are emptied when the pod is recreated), filled as Kubernetes would (ConfigMap files, the Secret's
#     keys with mode 0400);
#   - its containers, in the StatefulSet's order, with the command lines of the rendered manifests
#     (lib/podspec.mjs maps every mounted path to the volume's directory): init containers in the foreground (each
#     must exit 0), then mariadbd (what the image's entrypoint does: on an empty datadir of ordinal 0,
#     mariadb-install-db and the root password from MYSQL_ROOT_PASSWORD_FILE first) and the sidecar in the
#     background. A path a container uses without naming it (a flag's default such as `probe`'s /var/lib/mysql,
#     temporary files under /tmp) is pointed at its volume through MYSQL_AGENT_<FLAG> and TMPDIR;
#   - its exec probes (liveness, readiness), run like the kubelet would when the scenarios check them.
# Where the command lines come from: `kubectl kustomize $E2E_OVERLAY` when it renders, else its fallback copy
# $E2E_FALLBACK (the one place that repeats them; tests/e2e/refresh-fallback.sh rewrites both copies from the
# manifests, and a run from the manifests says when its copy differs). E2E_POD_SOURCE=manifests|fallback forces
# one. E2E_TLS=1 (what the scenario `all` sets) takes tests/e2e/tls-overlay, the mariadb-10.11 overlay with the tls
# component, and its copy fallback/pod-tls.json; else the overlay alone and fallback/pod.json.
# When the StatefulSet mounts the Secret mysql-tls, its keys (ca.crt, tls.crt, tls.key) are made with
# tests/faults/tls_certs.sh: one peer certificate for every pod naming *.mysql, as the tls component's does.
#
# Everything made here is removed on exit, also on failure or Ctrl-C (trap), unless KEEP=1. One run at a time: a
# second run waits for the first (flock). Leftovers of an earlier run whose process is gone are cleaned first (said
# so); a cluster kept with KEEP=1 makes us refuse (stop it with demo.sh --stop).

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../../lib/common.sh
source "$E2E_DIR/../lib/common.sh"
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)
E2E_ROOT=${E2E_ROOT:-/tmp/mysql-agent-e2e}
E2E_NET=10.213.0
E2E_BRIDGE=mysql-e2e-br
E2E_PODS=3
E2E_TLS=${E2E_TLS:-0}
E2E_OVERLAY=${E2E_OVERLAY:-}   # default: by E2E_TLS, in choose_pod_source
E2E_FALLBACK=""
E2E_TLS_ON=0                   # the StatefulSet mounts mysql-tls: init and sidecar run with the TLS flags
E2E_POD_SOURCE=${E2E_POD_SOURCE:-auto}
E2E_INIT_TIMEOUT=${E2E_INIT_TIMEOUT:-300}   # one init container (a clone of the test data takes seconds)
E2E_START_TIMEOUT=${E2E_START_TIMEOUT:-60}  # mysqld answering, the sidecar listening
E2E_SIDECAR_ENV=()                          # extra NAME=VALUE for every sidecar (file/position mode)
E2E_EXEC_ENV=()                             # extra NAME=VALUE for the next init containers (and probes)
E2E_MARK="# made by the mysql-agent e2e harness (tests/e2e/lib/cluster.sh)"
E2E_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
PATH="$PATH:/usr/sbin:/sbin"  # ip, mariadbd: ctest may run without sbin in PATH
E2E_AGENT=""
E2E_LAST_ERROR=""  # why the last pod_start failed
E2E_HELPERS=()   # pids of background helpers (writers) of this shell, killed on exit
E2E_CLEANUPS=()  # commands run first at teardown (stopping a store a scenario started)
declare -ga E2E_POD_UP_US=()  # per ordinal: when pod_start saw mysqld answer and the sidecar listen (now_us)

# ------------------------------------------------------------------------------------------------ reporting

E2E_T0=${EPOCHREALTIME/./}
E2E_PASSED=0
E2E_FAILED=0

now_us() { echo "${EPOCHREALTIME/./}"; }

# Seconds (two decimals) since a now_us value.
secs_since() {
    local d=$(($(now_us) - $1))
    printf '%d.%02d' $((d / 1000000)) $(((d % 1000000) / 10000))
}

say() { printf '[%6ss] %s\n' "$(secs_since "$E2E_T0")" "$*"; }

pass() {
    E2E_PASSED=$((E2E_PASSED + 1))
    printf 'ok   %s\n' "$1"
}

fail() {
    E2E_FAILED=$((E2E_FAILED + 1))
    printf 'FAIL %s: %s\n' "$1" "$2"
}

# expect WHAT EXPECTED ACTUAL [HINT]: passes when equal, else fails saying both (and the hint).
expect() {
    if [[ "$3" == "$2" ]]; then
        pass "$1 ($3)"
    else
        fail "$1" "expected '$2', got '$3'${4:+; $4}"
    fi
}

summary_line() { echo "$E2E_PASSED passed, $E2E_FAILED failed"; }

die() {
    echo "e2e: $*" >&2
    exit 1
}

# await SECONDS WHAT CMD...: wait_until of tests/lib/common.sh (CMD polled every 0.1 s, false once SECONDS passed)
# that says what it waits for and how long it took; WAITED holds the seconds.
WAITED=0
await() {
    local timeout=$1 what=$2 t0 ok=0
    shift 2
    t0=$(now_us)
    say "waiting up to ${timeout}s for $what"
    wait_until "$timeout" "$@" && ok=1
    WAITED=$(secs_since "$t0")
    if ((ok)); then
        say "  ... $what: after ${WAITED}s"
        return 0
    fi
    say "  ... gave up waiting for $what after ${WAITED}s"
    return 1
}

# ------------------------------------------------------------------------------------------------ names

pod_name() { echo "mysql-$1"; }
pod_ns() { echo "mysql-$1"; }
pod_ip() { echo "$E2E_NET.$((10 + $1))"; }
pod_dir() { echo "$E2E_ROOT/pods/mysql-$1"; }
pod_veth() { echo "veth-mysql-$1"; }

# The host directory a container of pod N sees at PATH (from spec/<container>.mounts).
pod_mount() {
    local n=$1 container=$2 path=$3
    awk -F'\t' -v p="$path" '$1 == p { print $2; found = 1 } END { exit !found }' \
        "$(pod_dir "$n")/spec/$container.mounts"
}

# The container of pod N with ROLE (agent-init, server, agent-sidecar, ...).
pod_container() {
    awk -F'\t' -v r="$2" '$3 == r { print $2; exit }' "$(pod_dir "$1")/spec/containers.tsv"
}

pod_datadir() { pod_mount "$1" "$(pod_container "$1" server)" /var/lib/mysql; }

# ------------------------------------------------------------------------------------------------ preflight

# Exits 77 (ctest: skipped) when this machine cannot run the harness.
require_environment() {
    local missing=()
    ((EUID == 0)) || { echo "e2e: skipped: needs root (network namespaces)"; exit 77; }
    for tool in ip unshare flock setsid timeout mariadbd mariadb mariadb-admin mariadb-install-db mariabackup \
        mbstream node $( ((E2E_TLS == 1)) && echo openssl curl); do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    ((${#missing[@]} == 0)) || { echo "e2e: skipped: missing ${missing[*]}"; exit 77; }
}

# ------------------------------------------------------------------------------------------------ leftovers, cleanup

# Prints what an earlier run left: namespaces, bridge, hosts dirs, the root directory.
leftovers() {
    local n
    for ((n = 0; n < E2E_PODS; n++)); do [[ -e "/run/netns/$(pod_ns $n)" ]] && echo "netns $(pod_ns $n)"; done
    ip link show "$E2E_BRIDGE" >/dev/null 2>&1 && echo "bridge $E2E_BRIDGE"
    for ((n = 0; n < E2E_PODS; n++)); do [[ -e "/etc/netns/$(pod_ns $n)" ]] && echo "dir /etc/netns/$(pod_ns $n)"; done
    [[ -e "$E2E_ROOT" ]] && echo "dir $E2E_ROOT"
    return 0
}

# PID exists and is not a zombie (a killed run waiting to be reaped is gone).
process_running() {
    local state
    state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n "$state" && "$state" != Z ]]
}

# Refuses (exit 1) when a live or kept run owns the leftovers; cleans them when their run is gone.
handle_leftovers() {
    local found owner_pid="" kept=0
    found=$(leftovers)
    [[ -z "$found" ]] && return 0
    if [[ -f "$E2E_ROOT/owner" ]]; then
        read -r owner_pid kept <"$E2E_ROOT/owner" || true
    fi
    if [[ "$kept" == 1 ]]; then
        die "a cluster kept with KEEP=1 is running ($(echo "$found" | paste -sd, -)); stop it with: $E2E_DIR/demo.sh --stop"
    fi
    if [[ -n "$owner_pid" ]] && process_running "$owner_pid"; then
        die "another e2e run (pid $owner_pid) is using $(echo "$found" | paste -sd, -); wait for it or stop it with: $E2E_DIR/demo.sh --stop"
    fi
    local f n
    for ((n = 0; n < E2E_PODS; n++)); do
        f="/etc/netns/$(pod_ns $n)/hosts"
        [[ -e "$f" ]] || continue
        grep -qF "$E2E_MARK" "$f" || die "$f was not made by this harness; remove the netns $(basename "$(dirname "$f")") and that file yourself"
    done
    say "cleaning leftovers of an earlier run that is gone (pid ${owner_pid:-unknown}): $(echo "$found" | paste -sd, -)"
    teardown
}

# Kills every process of pod N (every process in its network namespace) with SIGNAL; waits until none is left.
pod_kill() {
    local n=$1 sig=${2:-KILL} ns pids i
    ns=$(pod_ns "$n")
    [[ -e "/run/netns/$ns" ]] || return 0  # where 'ip netns add' keeps it
    for ((i = 0; i < 100; i++)); do
        pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
        [[ -z "${pids// /}" ]] && return 0
        # shellcheck disable=SC2086
        kill "-$sig" $pids 2>/dev/null || true
        sleep 0.1
        ((i == 50)) && sig=KILL
    done
    echo "e2e: processes of $ns still alive after 10 s: $(ip netns pids "$ns" | tr '\n' ' ')" >&2
    return 1
}

# Removes everything the harness makes. Safe to run twice and on a half-built cluster.
teardown() {
    local h n c
    for c in "${E2E_CLEANUPS[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
    E2E_CLEANUPS=()
    for h in "${E2E_HELPERS[@]}"; do kill "$h" 2>/dev/null || true; done
    for h in "${E2E_HELPERS[@]}"; do wait "$h" 2>/dev/null || true; done
    E2E_HELPERS=()
    for ((n = 0; n < E2E_PODS; n++)); do
        pod_kill "$n" KILL || true
        [[ -e "/run/netns/$(pod_ns $n)" ]] && { ip netns del "$(pod_ns $n)" || true; }
        ip link del "$(pod_veth $n)" 2>/dev/null || true  # gone with the namespace, unless that was never made
        rm -rf "/etc/netns/$(pod_ns $n)"
    done
    ip link del "$E2E_BRIDGE" 2>/dev/null || true
    rmdir /etc/netns 2>/dev/null || true  # only when empty: someone else's namespaces keep theirs
    rm -rf "$E2E_ROOT"
}

# Prints the last lines of every log of every pod (on failure, before teardown removes them).
print_logs() {
    local lines=${1:-25} f
    for f in "$E2E_ROOT"/pods/mysql-*/logs/*; do
        [[ -s "$f" && "$f" != *.out ]] || continue  # *.out: chatter (mariadb-install-db's advice)
        echo "----- ${f#"$E2E_ROOT"/pods/} (last $lines lines)"
        tail -n "$lines" "$f"
    done
}

E2E_EXITING=0
on_exit() {
    local rc=$?
    ((E2E_EXITING)) && return
    E2E_EXITING=1
    trap - ERR
    if [[ "${KEEP:-0}" == 1 && -d "$E2E_ROOT" ]]; then
        echo "$$ 1" >"$E2E_ROOT/owner"
        say "KEEP=1: the cluster keeps running; stop it with: $E2E_DIR/demo.sh --stop"
        return
    fi
    if ((rc != 0 || E2E_FAILED > 0)) && [[ -d "$E2E_ROOT/pods" ]]; then
        print_logs "${E2E_LOG_LINES:-25}"
    fi
    if [[ -n "${E2E_SAVE_LOGS:-}" && -d "$E2E_ROOT/pods" ]]; then
        mkdir -p "$E2E_SAVE_LOGS"
        local p
        for p in "$E2E_ROOT"/pods/*; do
            mkdir -p "$E2E_SAVE_LOGS/$(basename "$p")" && cp -r "$p/logs/." "$E2E_SAVE_LOGS/$(basename "$p")/" 2>/dev/null
        done
        say "logs saved in $E2E_SAVE_LOGS"
    fi
    say "tearing down: processes, namespaces, veths, bridge, $E2E_ROOT"
    teardown
}

on_error() {
    echo "e2e: command failed (exit $1) at ${BASH_SOURCE[1]}:$2: $3" >&2
}

install_traps() {
    trap on_exit EXIT
    trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR
    trap 'say "interrupted"; exit 130' INT
    trap 'say "terminated"; exit 143' TERM
}

# ------------------------------------------------------------------------------------------------ cluster

# Starts a run: checks the machine, handles leftovers, installs the traps, makes the root dir and the secrets, and
# decides where the pod commands come from. AGENT is the mysql-agent binary.
cluster_begin() {
    local agent=$1
    require_environment
    [[ -x "$agent" ]] || die "agent binary $agent is not executable (build it: cmake --build build --target mysql-agent)"
    E2E_AGENT=$(realpath "$agent")
    # A unix socket path holds at most 107 bytes.
    local sock="$E2E_ROOT/pods/mysql-0/vol/run/mysqld.sock"
    ((${#sock} <= 100)) || die "E2E_ROOT=$E2E_ROOT is too long for the sockets under it ($sock); pick a shorter one"
    # One run at a time on this machine (the names mysql-N are global): a lock on tests/e2e itself (no file to
    # leave behind), held by this shell only; containers are started without it.
    exec 8<"$E2E_DIR"
    if ! flock -n 8; then
        say "waiting up to ${E2E_LOCK_WAIT:-900}s for another e2e run on this machine to finish"
        flock -w "${E2E_LOCK_WAIT:-900}" 8 || die "another e2e run still holds the lock on $E2E_DIR after ${E2E_LOCK_WAIT:-900}s"
    fi
    handle_leftovers
    install_traps
    mkdir -p "$E2E_ROOT/pods" "$E2E_ROOT/secrets"
    echo "$$ 0" >"$E2E_ROOT/owner"
    local key
    for key in root-password replication-password backup-token; do
        random_secret >"$E2E_ROOT/secrets/$key"
        chmod 0400 "$E2E_ROOT/secrets/$key"
    done
    choose_pod_source
    if node "$E2E_DIR/lib/podspec.mjs" secrets "$E2E_RENDERED" | grep -qx mysql-tls; then
        make_tls_secret
    else
        say "TLS: off (the StatefulSet mounts no Secret mysql-tls): init and the sidecars speak plaintext on 3307"
    fi
}

# The keys of the Secret mysql-tls as cert-manager would write them, from tests/faults/tls_certs.sh: ca.crt, and
# its peer certificate server.crt/.key (*.mysql, *.mysql.db.svc, IP 127.0.0.1) as tls.crt/tls.key. They stay in
# E2E_TLS_DIR too, for the checks (curl --cacert).
make_tls_secret() {
    E2E_TLS_DIR="$E2E_ROOT/tls"
    local t0
    t0=$(now_us)
    "$E2E_DIR/../faults/tls_certs.sh" "$E2E_TLS_DIR" peer || die "tests/faults/tls_certs.sh could not make the certificates"
    install -m 0400 "$E2E_TLS_DIR/ca.crt" "$E2E_ROOT/secrets/ca.crt"
    install -m 0400 "$E2E_TLS_DIR/server.crt" "$E2E_ROOT/secrets/tls.crt"
    install -m 0400 "$E2E_TLS_DIR/server.key" "$E2E_ROOT/secrets/tls.key"
    E2E_TLS_ON=1
    say "TLS: on (the StatefulSet mounts the Secret mysql-tls): ca.crt, tls.crt ($(openssl x509 -in "$E2E_TLS_DIR/server.crt" -noout -ext subjectAltName | tail -n 1 | sed 's/^ *//')) made in $(secs_since "$t0")s"
}

# 24 letters and digits: safe in SQL literals and option files.
random_secret() {
    local s=""
    while ((${#s} < 24)); do
        s+=$(head -c 48 /dev/urandom | base64 -w0)
        s=${s//[^A-Za-z0-9]/}
    done
    echo "${s:0:24}"
}

# Sets E2E_RENDERED (the objects the pods are made from) and says which source it used.
choose_pod_source() {
    local why="" own_overlay=0
    E2E_RENDERED="$E2E_ROOT/rendered.json"
    [[ -n "$E2E_OVERLAY" ]] && own_overlay=1  # the fallback copies are of the default overlays only
    if [[ "$E2E_TLS" == 1 ]]; then
        E2E_OVERLAY=${E2E_OVERLAY:-$E2E_DIR/tls-overlay}
        E2E_FALLBACK=$E2E_DIR/fallback/pod-tls.json
    else
        E2E_OVERLAY=${E2E_OVERLAY:-$REPO_DIR/manifests/overlays/mariadb-10.11}
        E2E_FALLBACK=$E2E_DIR/fallback/pod.json
    fi
    if [[ "$E2E_POD_SOURCE" != fallback ]]; then
        if ! command -v kubectl >/dev/null; then
            why="kubectl is not installed"
        elif ! kubectl kustomize "$E2E_OVERLAY" >"$E2E_ROOT/rendered.yaml" 2>"$E2E_ROOT/render.err"; then
            why="kubectl kustomize ${E2E_OVERLAY#"$REPO_DIR"/} failed: $(tail -n 1 "$E2E_ROOT/render.err")"
        elif ! kubectl label --local -f "$E2E_ROOT/rendered.yaml" mysql-agent-e2e=rendered -o json \
            >"$E2E_RENDERED" 2>"$E2E_ROOT/render.err"; then
            why="kubectl could not turn the rendered YAML into JSON: $(tail -n 1 "$E2E_ROOT/render.err")"
        elif ! node "$E2E_DIR/lib/podspec.mjs" summary "$E2E_RENDERED" >"$E2E_ROOT/podspec.txt" 2>"$E2E_ROOT/render.err"; then
            why="the rendered objects hold no usable StatefulSet: $(tail -n 1 "$E2E_ROOT/render.err")"
        fi
        if [[ -z "$why" ]]; then
            say "pod commands from: the manifests (kubectl kustomize ${E2E_OVERLAY#"$REPO_DIR"/})"
            if ((!own_overlay)) && ! node "$E2E_DIR/lib/podspec.mjs" fallback "$E2E_RENDERED" | cmp -s - "$E2E_FALLBACK"; then
                say "note: ${E2E_FALLBACK#"$REPO_DIR"/} differs from the manifests; refresh it: tests/e2e/refresh-fallback.sh"
            fi
        elif [[ "$E2E_POD_SOURCE" == manifests ]]; then
            die "E2E_POD_SOURCE=manifests but $why"
        fi
    else
        why="E2E_POD_SOURCE=fallback"
    fi
    if [[ -n "$why" ]]; then
        cp "$E2E_FALLBACK" "$E2E_RENDERED"
        node "$E2E_DIR/lib/podspec.mjs" summary "$E2E_RENDERED" >"$E2E_ROOT/podspec.txt"
        say "pod commands from: the fallback ${E2E_FALLBACK#"$REPO_DIR"/} ($why)"
    fi
    sed 's/^/           /' "$E2E_ROOT/podspec.txt"
}

# The bridge, and for each pod its namespace, veth, IP and hosts file. The hosts files name only the pods that
# exist (pod_publish): a pod's name resolves once it was created, as the headless Service (which publishes
# not-ready addresses) does, and `init` on ordinal 0 takes "no name resolves" for the first deployment.
network_up() {
    local n ns
    say "network: bridge $E2E_BRIDGE $E2E_NET.1/24; pods $(for ((n = 0; n < E2E_PODS; n++)); do printf '%s=%s ' "$(pod_name $n)" "$(pod_ip $n)"; done)"
    ip link add "$E2E_BRIDGE" type bridge
    ip addr add "$E2E_NET.1/24" dev "$E2E_BRIDGE"
    ip link set "$E2E_BRIDGE" up
    for ((n = 0; n < E2E_PODS; n++)); do
        ns=$(pod_ns $n)
        ip netns add "$ns"
        ip link add "$(pod_veth $n)" type veth peer name eth0 netns "$ns"
        ip link set "$(pod_veth $n)" master "$E2E_BRIDGE" up
        ip -n "$ns" addr add "$(pod_ip $n)/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
        mkdir -p "/etc/netns/$ns"
        printf '%s\n127.0.0.1 localhost\n' "$E2E_MARK" >"/etc/netns/$ns/hosts"
    done
}

# Makes pod N's names resolve in every pod (once; a recreated pod keeps its names).
pod_publish() {
    local n=$1 k line
    line="$(pod_ip "$n") $(pod_name "$n").mysql.default.svc.cluster.local $(pod_name "$n").mysql $(pod_name "$n")"
    for ((k = 0; k < E2E_PODS; k++)); do
        grep -qxF "$line" "/etc/netns/$(pod_ns "$k")/hosts" || echo "$line" >>"/etc/netns/$(pod_ns "$k")/hosts"
    done
}

# NAME=VALUE lines, one per flag of `mysql-agent SUBCOMMAND` whose default is a path under one of a container's
# mounts (MOUNTS: spec/<container>.mounts), with the path mapped. In a pod the kubelet's mount makes such a default
# right (`probe` reads /var/lib/mysql without being told); here the volume is elsewhere, so the flag's
# MYSQL_AGENT_<FLAG> variable says where. A flag on the command line still wins over its variable.
agent_default_env() {
    local mounts=$1 sub=$2
    "$E2E_AGENT" "$sub" --help 2>/dev/null | awk -v mounts="$mounts" '
        BEGIN { while ((getline line < mounts) > 0) { split(line, f, "\t"); dir[f[1]] = f[2] } }
        match($0, /=\/[^ ]+ \(Env:[A-Z0-9_]+\)/) {
            s = substr($0, RSTART + 1, RLENGTH - 2)   # "/path (Env:NAME"
            path = s; sub(/ .*/, "", path)
            name = s; sub(/.*Env:/, "", name)
            best = ""
            for (m in dir)
                if ((path == m || index(path, m "/") == 1) && length(m) > length(best)) best = m
            if (best != "") print name "=" dir[best] substr(path, length(best) + 1)
        }'
}

# Variables for ARGV in the container of ENVFILE that stand in for its mounts at default paths: TMPDIR when it
# mounts /tmp (temporary files go to that emptyDir, as in the pod), and agent_default_env's when ARGV runs
# mysql-agent.
implicit_env_for() {
    local envfile=$1 mounts tmp
    shift
    [[ -n "$envfile" ]] || return 0
    mounts="${envfile%.env}.mounts"
    tmp=$(awk -F'\t' '$1 == "/tmp" { print $2 }' "$mounts")
    [[ -n "$tmp" ]] && echo "TMPDIR=$tmp"
    [[ "$(basename "${1:-}")" == mysql-agent && -n "${2:-}" ]] || return 0
    agent_default_env "$mounts" "$2"
}

# Runs argv in the foreground in pod N's namespace with its hostname and a container's clean environment, killed
# after E2E_INIT_TIMEOUT seconds (exit 124).
#   pod_exec N ENVFILE -- ARGV...   (ENVFILE: NUL-separated NAME=VALUE, or "" for none)
pod_exec() {
    local n=$1 envfile=$2
    shift 3
    local env=()
    mapfile -t env < <(implicit_env_for "$envfile" "$@")
    [[ -n "$envfile" ]] && mapfile -d '' -t -O "${#env[@]}" env <"$envfile"
    env+=("${E2E_EXEC_ENV[@]}")
    timeout --kill-after=10 "$E2E_INIT_TIMEOUT" ip netns exec "$(pod_ns "$n")" unshare --uts -- /bin/sh -c 'hostname "$0" && exec "$@"' "$(pod_name "$n")" \
        env -i PATH="$E2E_PATH" HOME=/root LC_ALL=C "${env[@]}" "$@" </dev/null 8<&-
}

# Creates pod N's volume directories and command lines. --recreate: as when Kubernetes recreates the pod
# (emptyDirs emptied, the data claim kept).
pod_create() {
    local n=$1 flag=${2:-} dir
    dir=$(pod_dir "$n")
    mkdir -p "$dir/logs" "$dir/pids"
    pod_publish "$n"
    node "$E2E_DIR/lib/podspec.mjs" prepare "$E2E_RENDERED" "$dir" "$E2E_AGENT" "$E2E_ROOT/secrets" \
        ${flag:+--fresh-empty-dirs}
    rm -f "$dir"/pids/*
    local server datadir conf run tmp
    server=$(pod_container "$n" server)
    [[ -n "$server" ]] || die "the StatefulSet has no server container (one without a command, running the image's mysqld)"
    datadir=$(pod_mount "$n" "$server" /var/lib/mysql) || die "container $server mounts nothing at /var/lib/mysql"
    conf=$(pod_mount "$n" "$server" /etc/mysql/conf.d) || die "container $server mounts nothing at /etc/mysql/conf.d"
    run=$(pod_mount "$n" "$server" /var/run/mysqld || pod_mount "$n" "$server" /run/mysqld) || run="$dir/run"
    tmp=$(pod_mount "$n" "$server" /tmp) || tmp="$dir/tmp"
    mkdir -p "$run" "$tmp"
    # What the image's /etc/mysql/my.cnf amounts to: its defaults, !includedir /etc/mysql/conf.d, and the
    # official image's 05-skipcache.cnf (skip-name-resolve). Runs as root here, so --user=root.
    cat >"$dir/my.cnf" <<EOF
[mysqld]
user = root
datadir = $datadir
socket = $run/mysqld.sock
pid-file = $run/mysqld.pid
port = 3306
bind-address = 0.0.0.0
tmpdir = $tmp
log-error = $dir/logs/mysqld.err
skip-name-resolve
host-cache-size = 0
innodb-buffer-pool-size = 64M
innodb-log-file-size = 48M
!includedir $conf
EOF
    local password
    password=$(cat "$E2E_ROOT/secrets/root-password")
    cat >"$dir/client.cnf" <<EOF
[client]
user = root
password = $password
socket = $run/mysqld.sock
connect-timeout = 5
EOF
    chmod 0600 "$dir/client.cnf"
}

# Runs the containers of pod N in the StatefulSet's order. Returns 1, saying why, when one fails.
# Timings go to E2E_TIME_<container> (seconds).
pod_start() {
    local n=$1 dir phase name role t0 rc
    dir=$(pod_dir "$n")
    say "starting $(pod_name "$n") (containers: $(awk -F'\t' '{printf "%s ", $2}' "$dir/spec/containers.tsv"))"
    while IFS=$'\t' read -r -u 9 phase name role; do
        t0=$(now_us)
        case "$phase/$role" in
            init/*)
                local argv=()
                mapfile -d '' -t argv <"$dir/spec/$name.argv"
                say "  $name: ${argv[*]}"
                rc=0
                pod_exec "$n" "$dir/spec/$name.env" -- "${argv[@]}" >>"$dir/logs/$name.log" 2>&1 || rc=$?
                printf -v "E2E_TIME_${name//-/_}" '%s' "$(secs_since "$t0")"
                if ((rc != 0)); then
                    echo "e2e: init container $name of $(pod_name "$n") exited $rc$( ((rc == 124)) && echo " (killed after ${E2E_INIT_TIMEOUT}s)"); its output:" >&2
                    tail -n 15 "$dir/logs/$name.log" | sed 's/^/    /' >&2
                    E2E_LAST_ERROR="init container $name exited $rc: $(grep -v '^\s*$' "$dir/logs/$name.log" | tail -n 1)"
                    return 1
                fi
                local var="E2E_TIME_${name//-/_}"
                say "  $name exited 0 after ${!var}s"
                ;;
            main/server)
                server_start "$n" "$name" || return 1
                ;;
            main/agent-sidecar)
                # A step may act on the pod's mysqld before its sidecar starts (E2E_BEFORE_SIDECAR: a function).
                if [[ -n "${E2E_BEFORE_SIDECAR:-}" ]]; then "$E2E_BEFORE_SIDECAR" "$n" || return 1; fi
                local argv=()
                mapfile -d '' -t argv <"$dir/spec/$name.argv"
                say "  $name: ${E2E_SIDECAR_ENV[*]:+${E2E_SIDECAR_ENV[*]} }${argv[*]}"
                spawn_container "$n" "$name" "${E2E_SIDECAR_ENV[@]}" -- "${argv[@]}"
                ;;
            *)
                die "container $name ($phase, role $role): the harness does not know how to run it"
                ;;
        esac
    done 9<"$dir/spec/containers.tsv"
    local server
    server=$(pod_container "$n" server)
    # Stop waiting as soon as mysqld exits (a bad option in the conf dir, a datadir it cannot use).
    answers_or_exited() { server_answers "$n" || ! container_alive "$n" "$server"; }
    if ! await "$E2E_START_TIMEOUT" "mysqld of $(pod_name "$n") to answer" answers_or_exited ||
        ! server_answers "$n"; then
        local how="did not answer within ${E2E_START_TIMEOUT}s"
        container_alive "$n" "$server" || how="exited"
        E2E_LAST_ERROR="mysqld of $(pod_name "$n") $how: $(grep -E '\[ERROR\]' "$dir/logs/mysqld.err" 2>/dev/null | grep -v 'Aborting' | tail -n 1)"
        return 1
    fi
    local sidecar
    sidecar=$(pod_container "$n" agent-sidecar)
    if [[ -n "$sidecar" ]]; then
        await 30 "the sidecar of $(pod_name "$n") to listen on $(pod_ip "$n"):3307" pod_port_open "$n" 3307 || {
            E2E_LAST_ERROR="the sidecar of $(pod_name "$n") does not listen on 3307: $(tail -n 1 "$dir/logs/$sidecar.log" 2>/dev/null)"
            return 1
        }
    fi
    E2E_POD_UP_US[$n]=$(now_us)
    return 0
}

# spawn_container N NAME [NAME=VALUE...] -- ARGV...: a long-running container in the background, with the
# container's own environment (spec/NAME.env) plus the extra variables.
spawn_container() {
    local n=$1 name=$2 dir extra=() env=()
    shift 2
    while [[ $# -gt 0 && "$1" != -- ]]; do extra+=("$1"); shift; done
    shift
    dir=$(pod_dir "$n")
    [[ -e "$dir/spec/$name.env" ]] && mapfile -t env < <(implicit_env_for "$dir/spec/$name.env" "$@")
    [[ -s "$dir/spec/$name.env" ]] && mapfile -d '' -t -O "${#env[@]}" env <"$dir/spec/$name.env"
    (
        exec </dev/null >>"$dir/logs/$name.log" 2>&1 8<&-
        setsid ip netns exec "$(pod_ns "$n")" unshare --uts -- /bin/sh -c \
            'hostname "$0" && echo $$ >"$1" && shift && exec "$@"' "$(pod_name "$n")" "$dir/pids/$name.pid" \
            env -i PATH="$E2E_PATH" HOME=/root LC_ALL=C "${env[@]}" "${extra[@]}" "$@" &
    )
    # The pid file is how container_alive finds the process: wait for it (it is written before the exec).
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -s "$dir/pids/$name.pid" ]] && return 0
        sleep 0.05
    done
    echo "e2e: container $name of $(pod_name "$n") wrote no pid file within 5 s" >&2
    return 1
}

# What the mariadb image's entrypoint does, then mysqld in the background. Ordinal 0 with an empty datadir gets
# mariadb-install-db and the root password (MYSQL_ROOT_PASSWORD_FILE of the server container) first, through a
# temporary server without networking, with the binary log off for those statements (as the entrypoint does).
server_start() {
    local n=$1 name=$2 dir datadir
    dir=$(pod_dir "$n")
    datadir=$(pod_datadir "$n")
    if [[ ! -d "$datadir/mysql" ]]; then
        if ((n != 0)); then
            E2E_LAST_ERROR="$(pod_name "$n")'s datadir $datadir is empty after init: a replica's datadir must come from the clone in init (the image's entrypoint would initialise an empty, unrelated database)"
            return 1
        fi
        entrypoint_initialise "$n" "$name" || return 1
    fi
    say "  $name: mariadbd --defaults-file=$dir/my.cnf (includes $(sed -n 's/^!includedir //p' "$dir/my.cnf"))"
    spawn_container "$n" "$name" -- mariadbd --defaults-file="$dir/my.cnf"
}

entrypoint_initialise() {
    local n=$1 name=$2 dir datadir pwfile password t0
    dir=$(pod_dir "$n")
    datadir=$(pod_datadir "$n")
    t0=$(now_us)
    pwfile=$(tr '\0' '\n' <"$dir/spec/$name.env" | sed -n 's/^MYSQL_ROOT_PASSWORD_FILE=//p')
    [[ -n "$pwfile" && -r "$pwfile" ]] || {
        E2E_LAST_ERROR="container $name has no readable MYSQL_ROOT_PASSWORD_FILE (got '$pwfile'): the entrypoint could not set the root password"
        return 1
    }
    password=$(cat "$pwfile")
    say "  $name (entrypoint): empty datadir: mariadb-install-db, root password from MYSQL_ROOT_PASSWORD_FILE"
    pod_exec "$n" "" -- mariadb-install-db --no-defaults --datadir="$datadir" --user=root \
        --auth-root-authentication-method=normal --skip-test-db >>"$dir/logs/install-db.out" 2>>"$dir/logs/entrypoint.log" || {
        E2E_LAST_ERROR="mariadb-install-db failed: $(tail -n 1 "$dir/logs/entrypoint.log")"
        return 1
    }
    local sock="$dir/entrypoint.sock"
    spawn_container "$n" entrypoint-mariadbd -- mariadbd --defaults-file="$dir/my.cnf" --skip-networking \
        --socket="$sock" --skip-slave-start --skip-log-bin
    temp_up() { mariadb-admin --no-defaults --socket="$sock" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }
    await 30 "the entrypoint's temporary mysqld" temp_up || {
        E2E_LAST_ERROR="the entrypoint's temporary mysqld did not start: $(tail -n 1 "$dir/logs/mysqld.err")"
        return 1
    }
    mariadb --no-defaults --socket="$sock" -uroot >>"$dir/logs/entrypoint.log" 2>&1 <<EOF || {
SET @@SESSION.SQL_LOG_BIN = 0;
DELETE FROM mysql.global_priv WHERE User = 'root' AND Host NOT IN ('localhost');
DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost');
FLUSH PRIVILEGES;
ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('$password');
CREATE USER 'root'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('$password');
GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
EOF
        E2E_LAST_ERROR="setting the root password failed: $(tail -n 1 "$dir/logs/entrypoint.log")"
        return 1
    }
    mariadb-admin --no-defaults --socket="$sock" -uroot -p"$password" shutdown >>"$dir/logs/entrypoint.log" 2>&1 || true
    local pid
    pid=$(cat "$dir/pids/entrypoint-mariadbd.pid" 2>/dev/null || true)
    gone() { [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; }
    await 30 "the temporary mysqld to stop" gone || return 1
    say "  $name (entrypoint): initialised in $(secs_since "$t0")s"
}

server_answers() { mariadb-admin --defaults-file="$(pod_dir "$1")/client.cnf" ping >/dev/null 2>&1; }

pod_port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$(pod_ip "$1")/$2" 2>/dev/null; }

# Is the process of container NAME in pod N alive?
container_alive() {
    local pid
    pid=$(cat "$(pod_dir "$1")/pids/$2.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
}

# ------------------------------------------------------------------------------------------------ SQL

# sql N STATEMENTS: runs them as root through the pod's socket; prints rows tab-separated, no header.
sql() { timeout 60 mariadb --defaults-file="$(pod_dir "$1")/client.cnf" -N -B -e "$2"; }

# Like sql, but prints nothing and fails quietly when mysqld does not answer.
sql_quiet() { sql "$1" "$2" 2>/dev/null; }

# Fills the associative array SLAVE with SHOW SLAVE STATUS of pod N (empty when not a replica).
declare -gA SLAVE
slave_status() {
    SLAVE=()
    local line key
    while IFS= read -r line; do
        [[ "$line" == *": "* ]] || [[ "$line" == *":" ]] || continue
        key=${line%%:*}
        key=${key##* }
        SLAVE[$key]=${line#*: }
        [[ "$line" == *":" ]] && SLAVE[$key]=""
    done < <(timeout 30 mariadb --defaults-file="$(pod_dir "$1")/client.cnf" -e 'SHOW SLAVE STATUS\G' 2>/dev/null || true)
    return 0
}

# Both replication threads of pod N run.
replicating() {
    slave_status "$1"
    [[ "${SLAVE[Slave_IO_Running]:-}" == Yes && "${SLAVE[Slave_SQL_Running]:-}" == Yes ]]
}

# A JSON field of a file: json_field FILE '.a.b' -> the value (strings bare, others as JSON), "" when missing.
json_field() {
    node -e '
const fs = require("fs");
let v = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
for (const k of process.argv[2].split(".").filter(Boolean)) v = v == null ? undefined : v[k];
if (v !== undefined) console.log(typeof v === "string" ? v : JSON.stringify(v));' "$1" "$2" 2>/dev/null
}

# Starts a background writer: a row into e2e.stream on pod 0 every E2E_WRITER_PAUSE seconds (default 0.05) until
# stopped (stop_writer).
start_writer() {
    (
        trap 'exit 0' TERM
        local i=0
        while :; do
            i=$((i + 1))
            sql_quiet 0 "INSERT INTO e2e.stream (note) VALUES ('writer $i')" || true
            sleep "${E2E_WRITER_PAUSE:-0.05}"
        done
    ) &
    E2E_WRITER=$!
    E2E_HELPERS+=("$E2E_WRITER")
}

stop_writer() {
    [[ -n "${E2E_WRITER:-}" ]] || return 0
    kill "$E2E_WRITER" 2>/dev/null || true
    wait "$E2E_WRITER" 2>/dev/null || true
    local h keep=()
    for h in "${E2E_HELPERS[@]}"; do [[ "$h" != "$E2E_WRITER" ]] && keep+=("$h"); done
    E2E_HELPERS=("${keep[@]}")
    E2E_WRITER=""
}

# mtime and the start of the sha256 of FILE ("absent" when it does not exist).
file_fingerprint() {
    if [[ -e "$1" ]]; then
        echo "$(stat -c %y "$1") sha256 $(sha256sum <"$1" | cut -c1-16)"
    else
        echo absent
    fi
}

# The test data on mysql-0: e2e.items (100000 rows from the sequence engine), e2e.stream (the background writer's
# table) and e2e.heartbeat (tokens whose arrival on the replicas is timed).
load_test_data() {
    sql 0 "CREATE DATABASE e2e;
           USE e2e;
           CREATE TABLE items (id INT UNSIGNED PRIMARY KEY, payload CHAR(32) NOT NULL, note VARCHAR(64) NULL);
           INSERT INTO items (id, payload) SELECT seq, MD5(seq) FROM seq_1_to_100000;
           CREATE TABLE stream (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, note VARCHAR(64) NOT NULL);
           CREATE TABLE heartbeat (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, token VARCHAR(64) NOT NULL UNIQUE,
                                   written_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6));"
}

# CHECKSUM TABLE of each table on pod N, one line.
checksums() {
    sql "$1" "CHECKSUM TABLE $2" | awk '{printf "%s=%s ", $1, $2}'
}

# Writes a heartbeat row on mysql-0 and measures when it is visible on each replica in REPLICAS.
# Sets ARRIVAL[n] (seconds, or "timeout").
declare -gA ARRIVAL
measure_arrival() {
    local token=$1
    shift
    local t0 n pending=("$@") left
    ARRIVAL=()
    sql 0 "INSERT INTO e2e.heartbeat (token) VALUES ('$token')"
    t0=$(now_us)
    while ((${#pending[@]} > 0)); do
        left=()
        for n in "${pending[@]}"; do
            if [[ "$(sql_quiet "$n" "SELECT COUNT(*) FROM e2e.heartbeat WHERE token = '$token'")" == 1 ]]; then
                ARRIVAL[$n]=$(secs_since "$t0")
            else
                left+=("$n")
            fi
        done
        pending=("${left[@]}")
        if (($(now_us) - t0 > 60 * 1000000)); then
            for n in "${pending[@]}"; do ARRIVAL[$n]=timeout; done
            break
        fi
        ((${#pending[@]} > 0)) && sleep 0.02
    done
    return 0
}


# Runs the exec probe KIND (startupProbe, livenessProbe, readinessProbe) of container NAME in pod N, as the kubelet
# would (in the container: its mounts and environment), with the probes' 5 s timeout. Output to logs/probes.log.
run_probe() {
    local n=$1 name=$2 kind=$3 dir argv=()
    dir=$(pod_dir "$n")
    mapfile -d '' -t argv <"$dir/spec/$name.$kind.argv"
    echo "--- $kind: ${argv[*]}" >>"$dir/logs/probes.log"
    E2E_INIT_TIMEOUT=5 pod_exec "$n" "$dir/spec/$name.env" -- "${argv[@]}" >>"$dir/logs/probes.log" 2>&1
}

# Does the agent have SUBCOMMAND? (Its --help lists the subcommands; `AGENT unknown --help` would exit 0 too.)
agent_has() {
    local help  # captured first: `grep -q` quitting early would make the agent die of SIGPIPE, failing the pipe
    help=$("$E2E_AGENT" --help 2>/dev/null | sed -n '/^Subcommands:/,$p')
    grep -qE "^  $1( |$)" <<<"$help"
}
