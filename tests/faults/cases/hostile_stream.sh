#!/bin/bash
# Fault group "hostile_stream": a donor whose backup stream is hostile. Real backups of the primary, rewritten by
# xbstream.py and served through a REAL sidecar (its backup tool is fault-stream, which only replays the rewritten
# stream), so that the trailers and the digest vouch for the stream: the framing is valid, the content is the
# attack. Real mbstream and mariabackup --prepare on the receiving side.
#   bash tests/faults/cases/hostile_stream.sh AGENT_BINARY    (FAULT_ROWS, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

CANARY=$WORK/flags/canary
EVIL_SO=$WORK/evil/evil.so
# evil.so: a shared object whose constructor leaves the canary; anything that dlopen()s it runs our code.
build_evil_so() {
    mkdir -p "$WORK/evil"
    printf '%s\n' '#include <fcntl.h>' '#include <unistd.h>' \
        '__attribute__((constructor)) static void evil(void) {' \
        "    int fd = open(\"$CANARY\", O_WRONLY | O_CREAT | O_APPEND, 0644);" \
        '    if (fd >= 0) { (void)!write(fd, "evil.so ran\n", 12); close(fd); }' \
        '}' >"$WORK/evil/evil.c"
    gcc -shared -fPIC -o "$EVIL_SO" "$WORK/evil/evil.c" 2>>"$LOGS/gcc.log"
}
no_canary() { [ ! -e "$CANARY" ] || { log "    the canary exists: evil.so's code ran ($(wc -l <"$CANARY") times)"; return 1; }; }
# hostile_cnf PLUGIN_DIR: the donor's own backup-my.cnf, plus plugin_dir=PLUGIN_DIR and plugin_load=evil.so
# (mariabackup --prepare reads the target's backup-my.cnf and honours plugin_load: it dlopen()s the library).
hostile_cnf() {
    $XBSTREAM_PY cat "$WORK/base.xbs" backup-my.cnf
    printf 'plugin_dir=%s\nplugin_load=evil.so\n' "$1"
}
clone_said() { log "  clone said: $(grep -v '^\s*$' "$LOGS/clone-$1.log" | tail -1 | cut -c1-260)"; }
stream_clone() {  # stream_clone DATADIR LOGNAME [args]: clone from the stream sidecar, one attempt
    CLONE_FROM=127.0.0.1:$STREAM_PORT CLONE_ATTEMPTS=1 clone_run "$@"
}

# --- 1a: the stream ships evil.so and a backup-my.cnf that loads it from the staging dir -------------------------
case_plugin_in_stream() {
    case_begin "hostile stream: evil.so in the stream, loaded through backup-my.cnf (plugin_dir = the staging dir)"
    local d=$WORK/c-plugin-stream; rm -rf "$d"; mkdir -p "$d"; rm -f "$CANARY"
    hostile_cnf "$d/.mysql-agent-staging" >"$WORK/flags/cnf-plugin-stream"
    serve_rewritten --insert before-meta evil.so "$EVIL_SO" --replace backup-my.cnf "$WORK/flags/cnf-plugin-stream"
    inject "a stream with evil.so and backup-my.cnf: plugin_dir=$d/.mysql-agent-staging, plugin_load=evil.so"
    stream_clone "$d" plugin-stream; local rc=$?
    clone_said plugin-stream
    check "clone fails (11)" exit_code_is $rc 11
    check "evil.so never ran (no canary)" no_canary
    check "no visible entries in the datadir (no evil.so, no marker)" no_visible_partial "$d"
    check "no orphan tool, no zombie" no_tools_left
    rm -rf "$d"
    case_end
}

# --- 1b: backup-my.cnf names a plugin placed on the receiver out of band -----------------------------------------
case_plugin_out_of_band() {
    case_begin "hostile stream: backup-my.cnf loads evil.so from a directory outside the stream"
    local d=$WORK/c-plugin-oob; rm -rf "$d"; mkdir -p "$d" "$WORK/plugins"; rm -f "$CANARY"
    cp "$EVIL_SO" "$WORK/plugins/evil.so"
    hostile_cnf "$WORK/plugins" >"$WORK/flags/cnf-plugin-oob"
    serve_rewritten --replace backup-my.cnf "$WORK/flags/cnf-plugin-oob"
    inject "a stream whose backup-my.cnf says plugin_dir=$WORK/plugins, plugin_load=evil.so (no .so in the stream)"
    stream_clone "$d" plugin-oob; local rc=$?
    clone_said plugin-oob
    check "clone succeeds (0)" exit_code_is $rc 0
    check "evil.so never ran (no canary)" no_canary
    check "the committed backup-my.cnf has no plugin line" \
        sh -c "[ -f '$d/backup-my.cnf' ] && ! grep -i plugin '$d/backup-my.cnf'"
    check "no orphan tool, no zombie" no_tools_left
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d" "$WORK/plugins"
    case_end
}

# --- 1c-1e: entries whose path escapes the staging dir or takes a name the agent reserves -------------------------
# nothing_outside DATADIR TAG: no file named *TAG* under $WORK (but inside DATADIR) or /tmp.
nothing_outside() {
    local found
    found=$(find "$WORK" /tmp -maxdepth 3 -path "$1" -prune -o -name "*$2*" -print 2>/dev/null | head -3)
    [ -z "$found" ] || { log "    created outside the datadir: $found"; return 1; }
}
# case_bad_entry LABEL PATH [TAG]: PATH inserted in the middle of the stream, then (a second clone) at its very end,
# after the metadata files: an extractor that stops at a bad name and exits 0 makes a stream cut there look whole.
# TAG: a unique part of PATH's name, searched for outside the datadir afterwards.
case_bad_entry() {
    local label=$1 path=$2 tag=${3:-} where
    case_begin "hostile stream: an entry named $path ($label)"
    for where in middle end; do
        local d=$WORK/c-entry-$where; rm -rf "$d"; mkdir -p "$d"
        printf 'fault suite: hostile entry\n' >"$WORK/flags/entry-content"
        serve_rewritten --insert "$where" "$path" "$WORK/flags/entry-content"
        inject "a stream with an entry named '$path' ($where of the stream)"
        stream_clone "$d" "entry-$where" >/dev/null; local rc=$?
        clone_said "entry-$where"
        check "clone fails (11)" exit_code_is $rc 11
        check "the clone's log names the offending path" grep -qF -- "$path" "$LOGS/clone-entry-$where.log"
        [ -n "$tag" ] && check "nothing created outside the datadir" nothing_outside "$d" "$tag"
        check "no visible entries in the datadir" no_visible_partial "$d"
        check "no orphan tool, no zombie" no_tools_left
        mv "$LOGS/clone-entry-$where.log" "$LOGS/clone-entry-$where-$(echo "$path" | tr -c 'a-zA-Z0-9\n' _).log"
        rm -rf "$d"
    done
    case_end
}

# --- 9b: an estimated size of 2^64-1 ------------------------------------------------------------------------------
case_estimated_size_max() {
    case_begin "hostile stream: X-Backup-Estimated-Size 18446744073709551615 with a valid, slow stream"
    local d=$WORK/c-estimate; rm -rf "$d"; mkdir -p "$d"
    raw_backup || fail "fetching a raw backup failed"
    fake_donor estimated-size-max "$WORK/raw-backup" || fail "the fake donor did not start"
    inject "a donor announcing 2^64-1 bytes, 2 bytes in the first 6 s (a progress line falls there)"
    CLONE_FROM=127.0.0.1:$DONOR_PORT CLONE_ATTEMPTS=1 clone_run "$d" estimate --idle-timeout 15; local rc=$?
    local lines
    lines=$(grep -o 'received: [^"]*' "$LOGS/clone-estimate.log" | cut -c1-160)
    log "  progress lines: $(echo "$lines" | tr '\n' '|')"
    check "the clone exits 0 or 11, not killed by a signal" exit_code_in $rc 0 11
    check "a progress line was printed while the stream trickled" test -n "$lines"
    check "no negative ETA" sh -c "! grep -q 'ETA -' '$LOGS/clone-estimate.log'"
    check "no garbage ETA (0s at 0%, or a million hours and more)" \
        sh -c "! grep -Eq '\\(0%\\)[^\"]*ETA 0s|ETA [0-9]{7,}h' '$LOGS/clone-estimate.log'"
    check "no orphan tool, no zombie" no_tools_left
    stop_pid "$DONOR_PID"
    rm -rf "$d"
    case_end
}

# --- 9c: a 2 GB xtrabackup_binlog_info --------------------------------------------------------------------------
case_huge_metadata() {
    case_begin "hostile stream: a 2 GB xtrabackup_binlog_info"
    local d=$WORK/c-huge-meta; rm -rf "$d"; mkdir -p "$d"
    serve_rewritten --replace xtrabackup_binlog_info zeros:2G
    inject "a stream whose xtrabackup_binlog_info is 2 GiB of NUL bytes"
    PEAK_RSS_FILE=$WORK/flags/rss-huge-meta stream_clone "$d" huge-meta; local rc=$?
    local peak; peak=$(peak_rss_kb "$WORK/flags/rss-huge-meta")
    clone_said huge-meta
    log "  clone's peak RSS: $peak kB"
    check "clone fails (11 or 4)" exit_code_in $rc 11 4
    local big='too (large|big)|larger than|more than|exceeds'
    check "the message names the file and says it is too large" \
        grep -Eqi "xtrabackup_binlog_info.*($big)|($big).*xtrabackup_binlog_info" "$LOGS/clone-huge-meta.log"
    check "the clone's peak RSS stays under 64 MiB" rss_below 65536 clone "$peak"
    check "no visible entries in the datadir" no_visible_partial "$d"
    check "no orphan tool, no zombie" no_tools_left
    rm -rf "$d"
    case_end
}

# ================================================================================================================
setup
base_stream || { echo "taking the base backup failed"; tail -5 "$LOGS/backup-stream.log"; exit 1; }
build_evil_so || { echo "gcc failed"; cat "$LOGS/gcc.log"; exit 1; }
start_stream_sidecar || { echo "the stream sidecar did not start"; cat "$LOGS/sidecar-stream.log"; exit 1; }
want plugin-in-stream && case_plugin_in_stream
want plugin-out-of-band && case_plugin_out_of_band
want entry-dotdot && case_bad_entry "a relative path out of the staging dir" "../x-escape-$$" "x-escape-$$"
want entry-absolute && case_bad_entry "an absolute path" "/tmp/x-abs-$$" "x-abs-$$"
want entry-reserved && case_bad_entry "a name the agent reserves" ".mysql-agent-clone.json"
want entry-hidden && case_bad_entry "a hidden entry in a schema" "shop/.hidden"
want estimated-size && case_estimated_size_max
want huge-metadata && case_huge_metadata
finish
