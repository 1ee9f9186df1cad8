#!/bin/bash
# A real Oracle MySQL 9.x server for tests, taken from Debian sid's packages and run from a private cache,
# without touching /etc/apt, the system's dpkg state or anything installed on the machine.
#
#   mysql_server.sh fetch [--refresh]          unpack sid's mysql-server-core + mysql-client-core and their runtime
#                                              libraries (sid's own glibc and loader included) into the cache; the
#                                              last line on stdout is the root of the unpacked tree. With a complete
#                                              cache present it does nothing and needs no network, unless --refresh
#                                              (then it asks sid which version it serves now and fetches that one).
#   mysql_server.sh start DIR PORT [SERVER_ID] initialise DIR/data (first time only) and start mysqld on
#                                              127.0.0.1:PORT, socket DIR/mysqld.sock, binlog + GTIDs + TLS; prints
#                                              the pid as the last line once the server answers queries
#   mysql_server.sh stop DIR                   SIGTERM, wait (30 s), then SIGKILL
#   mysql_server.sh client DIR [MYSQL ARGS]    the unpacked mysql client as root over DIR's socket (e.g. -e SQL)
#   mysql_server.sh tool NAME [ARGS]           any unpacked program (mysql, mysqladmin, mysqlbinlog, mysqld ...)
#                                              run through sid's loader, with no option files read
#
# Every unpacked program runs through sid's own dynamic loader with the unpacked library dirs as its only library
# path, so the host's (bookworm) libraries are never mixed in. Nothing here needs Docker.
#
# Exit status: 0 ok; 77 when the mirror cannot serve sid (no network, 404, bad signature, package gone), with ONE
# line on stderr saying why (tests map 77 to "skipped"); anything else is a real failure.
#
# Environment: MYSQL_TEST_CACHE (default /var/cache/mysql-agent-tests), MYSQL_TEST_MIRROR (default
# http://deb.debian.org/debian), MYSQL_TEST_SUITE (default sid), MYSQL_TEST_KEYRING (default the Debian archive keyring).
set -euo pipefail

CACHE=${MYSQL_TEST_CACHE:-/var/cache/mysql-agent-tests}
MIRROR=${MYSQL_TEST_MIRROR:-http://deb.debian.org/debian}
SUITE=${MYSQL_TEST_SUITE:-sid}
KEYRING=${MYSQL_TEST_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}   # verifies sid's InRelease
APTDIR=$CACHE/apt                  # private apt: sources list, state (lists, fake dpkg status), cache
CURRENT=$CACHE/mysql-current       # symlink to the complete mysql-<version> dir in use
PACKAGES=(mysql-server-core mysql-client-core)
MULTIARCH=x86_64-linux-gnu
PROG=${0##*/}

die() { echo "$PROG: $*" >&2; exit 1; }

# The first apt error of a log, on one line ("E: Failed to fetch ... 404  Not Found").
first_error() { { grep -m1 '^E:' "$1" || grep -m1 -E '^(W|Err):' "$1" || echo "see $1"; } | tr -s ' ' | cut -c1-240; }

# The one loud line for "the mirror cannot serve us": tests turn exit status 77 into "skipped".
skip() { echo "$PROG: SKIP (exit 77): cannot get MySQL from Debian $SUITE at $MIRROR: $*" >&2; exit 77; }

# ---------------------------------------------------------------------------------------------------------------
# Private apt

# apt-get/apt-cache with every path pointing into $APTDIR: the system's sources, preferences, lists, dpkg status
# and archive cache are neither read nor written.
apt_private() {
    local tool=$1; shift
    "$tool" -q \
        -o Dir::Etc::SourceList="$APTDIR/sources.list" -o Dir::Etc::SourceParts=/dev/null \
        -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
        -o Dir::State="$APTDIR/state" -o Dir::State::status="$APTDIR/state/status" \
        -o Dir::Cache="$APTDIR/cache" -o Debug::NoLocking=1 \
        -o APT::Architecture=amd64 -o APT::Architectures::=amd64 \
        -o Acquire::Languages=none -o Acquire::Retries=1 -o Acquire::http::Timeout=20 \
        -o APT::Sandbox::User="$(id -un)" -o APT::Update::Error-Mode=any \
        "$@"
}

# Lay out the private apt dirs. The dpkg status file claims only "perl" as installed: mysql-server-core depends
# on perl:any for its Perl helper scripts (mysqld_multi, mysqldumpslow), which mysqld itself never needs, so the
# resolver must not drag the interpreter in.
apt_setup() {
    mkdir -p "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial"
    echo "deb [arch=amd64 signed-by=$KEYRING] $MIRROR $SUITE main" >"$APTDIR/sources.list"
    cat >"$APTDIR/state/status" <<'EOF'
Package: perl
Status: install ok installed
Priority: optional
Section: perl
Architecture: amd64
Multi-Arch: allowed
Version: 9999
Maintainer: placeholder <nobody@invalid>
Description: placeholder so that the private resolver does not pull the Perl interpreter in

EOF
}

# Refresh the private package lists (this is where a missing network, a 404 or a bad signature shows up).
apt_update() {
    local log=$APTDIR/update.log
    [ -r "$KEYRING" ] || skip "keyring $KEYRING is missing (install debian-archive-keyring)"
    if ! apt_private apt-get update >"$log" 2>&1; then
        skip "apt-get update failed: $(first_error "$log") (log: $log)"
    fi
}

# The version of mysql-server-core the suite serves now, e.g. 9.7.4-2 (empty when the suite has no such package).
candidate_version() {
    apt_private apt-cache policy mysql-server-core 2>/dev/null | awk '/Candidate:/ { print $2 }' | grep -v '(none)' || true
}

# Runtime closure of $PACKAGES as "name=version" lines, worked out by apt's resolver against the empty (but for
# perl) private status: libc6 (sid's glibc and loader), libstdc++6, libssl3t64, libprotobuf*, libicu*, ...
resolve_closure() {
    apt_private apt-get -s --no-install-recommends install "${PACKAGES[@]}" 2>&1 |
        awk '$1 == "Inst" { gsub(/[()]/, "", $3); print $2 "=" $3 }'
}

# ---------------------------------------------------------------------------------------------------------------
# The unpacked tree

# Library dirs of an unpacked root (sid is merged-/usr: everything lives under usr/lib).
libpath_of() { echo "$1/usr/lib/$MULTIARCH:$1/lib/$MULTIARCH"; }
loader_of() { echo "$1/usr/lib/$MULTIARCH/ld-linux-x86-64.so.2"; }

# The command prefix that runs an unpacked program through sid's loader, into the array LAUNCH. --inhibit-cache
# keeps the host's /etc/ld.so.cache out; the environment points glibc's iconv modules and OpenSSL's providers at
# the unpacked ones and drops any preload.
set_launch() {
    local root=$1 lib=$1/usr/lib/$MULTIARCH
    LAUNCH=(env -u LD_PRELOAD -u LD_LIBRARY_PATH LC_ALL=C GCONV_PATH="$lib/gconv"
        OPENSSL_MODULES="$lib/ossl-modules" OPENSSL_ENGINES="$lib/engines-3"
        "$(loader_of "$root")" --inhibit-cache --library-path "$(libpath_of "$root")")
}

# run_in_root ROOT PROGRAM [ARGS]: run an unpacked program through sid's loader.
run_in_root() {
    local root=$1; shift
    set_launch "$root"
    "${LAUNCH[@]}" "$@"
}

# Check, as ldd would (the loader's --list), that every library of the main programs resolves inside the root.
check_root_libs() {
    local root=$1 prog out outside
    for prog in usr/sbin/mysqld usr/bin/mysql usr/bin/mysqladmin usr/bin/mysqlbinlog; do
        out=$(run_in_root "$root" --list "$root/$prog" 2>&1) || die "the loader cannot list $prog: $out"
        outside=$(echo "$out" | grep -v -e 'linux-vdso' -e "=> $root/" -e "^[[:space:]]*$root/" || true)
        [ -z "$outside" ] || die "$prog needs libraries from outside $root (did sid's dependencies change?): $(tr '\n' ' ' <<<"$outside")"
    done
}

# Download the closure into a scratch dir (apt checks each .deb against the signed index) and unpack every .deb
# into $dest/root with dpkg-deb -x (no maintainer scripts, no dpkg database). Atomic: built beside, then moved.
download_and_unpack() {
    local version=$1 dest=$2 tmp deb closure
    tmp=$(mktemp -d "$CACHE/.fetch-XXXXXX")
    chmod 755 "$tmp"
    resolve_closure >"$tmp/packages.txt"
    grep -q '^mysql-server-core=' "$tmp/packages.txt" || { rm -rf "$tmp"; skip "apt cannot resolve ${PACKAGES[*]} in $SUITE"; }
    mapfile -t closure <"$tmp/packages.txt"
    mkdir -p "$tmp/debs" "$tmp/root"
    if ! (cd "$tmp/debs" && apt_private apt-get download "${closure[@]}") >"$APTDIR/download.log" 2>&1; then
        rm -rf "$tmp"
        skip "apt-get download failed: $(first_error "$APTDIR/download.log") (log: $APTDIR/download.log)"
    fi
    du -sb "$tmp/debs" | cut -f1 >"$tmp/download-bytes"
    for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
    rm -rf "$tmp/debs"
    check_root_libs "$tmp/root"
    run_in_root "$tmp/root" "$tmp/root/usr/sbin/mysqld" --version | sed "s|^.*/mysqld|mysqld|" >"$tmp/mysqld-version"
    echo "$version" >"$tmp/version"
    rm -rf "$dest"
    mv "$tmp" "$dest"
}

# Point $CURRENT at a complete version dir (atomic rename of a fresh symlink).
set_current() {
    ln -sfn "$(basename "$1")" "$CURRENT.new"
    mv -T "$CURRENT.new" "$CURRENT"
}

cached_root() { [ -f "$CURRENT/version" ] && [ -x "$CURRENT/root/usr/sbin/mysqld" ] && echo "$CURRENT/root"; }

# fetch [--refresh]: see the header. Serialised with flock so parallel tests fetch once.
cmd_fetch() {
    local refresh=${1:-} version dest
    case $refresh in "" | --refresh) ;; *) die "usage: fetch [--refresh]" ;; esac
    if [ "$refresh" != --refresh ] && cached_root >/dev/null; then
        readlink -f "$CURRENT/root"
        return 0
    fi
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9
    if [ "$refresh" != --refresh ] && cached_root >/dev/null; then   # someone else fetched while we waited
        readlink -f "$CURRENT/root"
        return 0
    fi
    rm -rf "$CACHE"/.fetch-*                                            # left by an interrupted fetch
    apt_setup
    apt_update
    version=$(candidate_version)
    [ -n "$version" ] || skip "the suite has no mysql-server-core package"
    dest=$CACHE/mysql-${version//:/_}
    if [ ! -f "$dest/version" ]; then
        echo "$PROG: fetching mysql-server-core $version and its libraries from $SUITE into $dest" >&2
        download_and_unpack "$version" "$dest"
    fi
    set_current "$dest"
    readlink -f "$dest/root"
}

# The unpacked root, fetching it first if needed (a fetch that cannot reach the mirror exits 77 from here too).
need_root() {
    cached_root >/dev/null || cmd_fetch >/dev/null
    readlink -f "$CURRENT/root"
}

# ---------------------------------------------------------------------------------------------------------------
# One server

# Arguments common to --initialize and to the running server, into the array BASE_ARGS.
set_base_args() {
    local root=$1 dir=$2
    BASE_ARGS=(--no-defaults)
    [ "$(id -u)" != 0 ] || BASE_ARGS+=(--user=root)
    BASE_ARGS+=(--basedir="$root/usr" --datadir="$dir/data" --tmpdir="$dir/tmp" --secure-file-priv="$dir/files"
        --lc-messages-dir="$root/usr/share/mysql" --character-sets-dir="$root/usr/share/mysql/charsets"
        --plugin-dir="$root/usr/lib/mysql/plugin")
}

# First start only: mysqld --initialize-insecure (root@localhost, empty password). It also generates the CA,
# server and client certificates and an RSA key pair into the datadir (auto_generate_certs, on by default).
initialize_datadir() {
    local root=$1 dir=$2 f
    set_base_args "$root" "$dir"
    run_in_root "$root" "$root/usr/sbin/mysqld" "${BASE_ARGS[@]}" --initialize-insecure \
        --log-error="$dir/initialize.log" </dev/null >/dev/null 2>&1 ||
        die "mysqld --initialize-insecure failed: $(tail -n 5 "$dir/initialize.log" 2>/dev/null | tr '\n' ' ')"
    for f in ca.pem server-cert.pem server-key.pem; do
        [ -s "$dir/data/$f" ] || die "--initialize did not generate $dir/data/$f"
    done
}

# Wait until the server answers a query over its socket (or dies, or 60 s pass).
wait_ready() {
    local root=$1 dir=$2 pid=$3
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || die "mysqld exited during startup: $(tail -n 8 "$dir/mysqld.err" | tr '\n' ' ')"
        if mysql_client "$root" "$dir" -N -e 'SELECT 1' >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    die "mysqld (pid $pid) did not answer within 60 s: see $dir/mysqld.err"
}

# Launch mysqld in the background in its own session, with no inherited stdio (so it never holds a test's pipe
# open), and print its pid. In a non-interactive bash the subshell is no group leader, so setsid does not fork:
# the pid of the subshell is the pid of mysqld (the loader runs the program in its own process).
launch_mysqld() {
    local root=$1 dir=$2 port=$3 id=$4
    set_launch "$root"
    set_base_args "$root" "$dir"
    (
        exec setsid "${LAUNCH[@]}" "$root/usr/sbin/mysqld" "${BASE_ARGS[@]}" \
            --bind-address=127.0.0.1 --port="$port" --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
            --mysqlx=OFF --log-error="$dir/mysqld.err" \
            --server-id="$id" --log-bin=binlog --gtid-mode=ON --enforce-gtid-consistency=ON \
            --ssl-ca="$dir/data/ca.pem" --ssl-cert="$dir/data/server-cert.pem" --ssl-key="$dir/data/server-key.pem" \
            </dev/null >>"$dir/mysqld.out" 2>&1
    ) </dev/null >/dev/null 2>&1 &
    echo $!
}

cmd_start() {
    local usage="usage: start DIR PORT [SERVER_ID]"
    local dir=${1:?$usage} port=${2:?$usage} id=${3:-1} root pid
    case $dir in /*) ;; *) die "DIR must be absolute: $dir" ;; esac
    root=$(need_root)
    pid=$(cat "$dir/launch.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && is_our_mysqld "$pid" "$dir"; then die "a mysqld already runs for $dir (pid $pid)"; fi
    mkdir -p "$dir/tmp" "$dir/files"
    [ -d "$dir/data/mysql" ] || initialize_datadir "$root" "$dir"
    pid=$(launch_mysqld "$root" "$dir" "$port" "$id")
    echo "$pid" >"$dir/launch.pid"
    wait_ready "$root" "$dir" "$pid"
    echo "$pid"
}

# Is PID the mysqld started for DIR (guards against a recycled pid)?
is_our_mysqld() { grep -qaF -- "--datadir=$2/data" "/proc/$1/cmdline" 2>/dev/null; }

# Best effort, 5 s at most each: end the binlog dump threads first. One whose replica has gone sits waiting for new
# events and holds up shutdown by about 10 s (seen with 9.7.4: 11 s instead of 1.5 s).
end_dump_threads() {
    local dir=$1 kills
    [ -S "$dir/mysqld.sock" ] && cached_root >/dev/null || return 0
    set_client "$(readlink -f "$CURRENT/root")" "$dir"
    kills=$(timeout 5 "${CLIENT[@]}" -N -e "SELECT CONCAT('KILL ', ID, ';') FROM information_schema.PROCESSLIST
        WHERE COMMAND LIKE 'Binlog Dump%'" 2>/dev/null) || return 0
    [ -z "$kills" ] || timeout 5 "${CLIENT[@]}" -e "$kills" >/dev/null 2>&1 || true
}

cmd_stop() {
    local dir=${1:?usage: stop DIR} pid
    pid=$(cat "$dir/launch.pid" 2>/dev/null || cat "$dir/mysqld.pid" 2>/dev/null || true)
    if [ -z "$pid" ] || ! is_our_mysqld "$pid" "$dir"; then
        rm -f "$dir/launch.pid"
        return 0                                 # not running: nothing to do
    fi
    end_dump_threads "$dir"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do                   # 30 s for a clean shutdown
        is_our_mysqld "$pid" "$dir" || break
        sleep 0.2
    done
    if is_our_mysqld "$pid" "$dir"; then
        echo "$PROG: mysqld $pid did not stop in 30 s: SIGKILL" >&2
        kill -KILL "$pid" 2>/dev/null || true
        while is_our_mysqld "$pid" "$dir"; do sleep 0.1; done
    fi
    rm -f "$dir/launch.pid"
}

# The unpacked mysql client, root over DIR's socket, no option files, into the array CLIENT. --commands: the 9.x
# client no longer processes its own commands (\G, source, ...) in batch mode unless told to.
set_client() {
    local root=$1 dir=$2
    set_launch "$root"
    CLIENT=("${LAUNCH[@]}" "$root/usr/bin/mysql" --no-defaults --commands --plugin-dir="$root/usr/lib/mysql/plugin"
        --socket="$dir/mysqld.sock" --user=root)
}

mysql_client() {
    local root=$1 dir=$2; shift 2
    set_client "$root" "$dir"
    "${CLIENT[@]}" "$@"
}

cmd_client() {
    local dir=${1:?usage: client DIR [MYSQL ARGS]}; shift
    mysql_client "$(need_root)" "$dir" "$@"
}

# tool NAME [ARGS]: programs under usr/bin or usr/sbin; --no-defaults is added for the MySQL ones that take it
# first (the host's /etc/mysql/my.cnf belongs to MariaDB).
cmd_tool() {
    local name=${1:?usage: tool NAME [ARGS]} root prog; shift
    root=$(need_root)
    prog=$root/usr/bin/$name
    [ -x "$prog" ] || prog=$root/usr/sbin/$name
    [ -x "$prog" ] || die "no program $name in $root/usr/{bin,sbin}"
    case $name in
        mysql | mysqladmin | mysqlbinlog | mysqldump | mysqlcheck | mysqlshow | mysqlslap | mysqlimport | mysqld)
            run_in_root "$root" "$prog" --no-defaults "$@" ;;
        *) run_in_root "$root" "$prog" "$@" ;;
    esac
}

main() {
    local cmd=${1:-}
    [ $# -eq 0 ] || shift
    case $cmd in
        fetch) cmd_fetch "$@" ;;
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        client) cmd_client "$@" ;;
        tool) cmd_tool "$@" ;;
        *) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
}

main "$@"
