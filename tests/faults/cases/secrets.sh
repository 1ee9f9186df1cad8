#!/bin/bash
# Fault group "secrets": no password or token in any /proc/*/cmdline, tool environment, log or error message.
#   bash tests/faults/cases/secrets.sh AGENT_BINARY    (FAULT_ROWS, FAULT_MYSQLD_DELAY, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

# --- secrets ----------------------------------------------------------------------------------------------------
secret_hits() {  # grep every process's cmdline, and the environ of our tools, for the secrets (one grep each)
    local f t envs=()
    for f in $(grep -laF -e "$TOKEN" -e "$AGENT_PW" -e "$REPL_PW" /proc/[0-9]*/cmdline 2>/dev/null); do
        f=${f#/proc/}; echo "cmdline of ${f%/cmdline}"
    done
    for t in $(ours_tools); do envs+=("/proc/$t/environ"); done
    [ ${#envs[@]} -gt 0 ] || return 0
    for f in $(grep -laF -e "$TOKEN" -e "$AGENT_PW" -e "$REPL_PW" "${envs[@]}" 2>/dev/null); do
        f=${f#/proc/}; echo "environ of ${f%/environ}"
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
        --max-attempts 1 "${FAULT_TLS_CLIENT[@]}" >>"$LOGS/clone-wrong-token.log" 2>&1
    check "a wrong token exits unauthorized (12)" exit_code_is $? 12
    rm -rf "$WORK/c-secrets-2"
    local port; port=$(free_port)
    "$AGENT" sidecar --listen "127.0.0.1:$port" --auth-token-file "$WORK/secrets/token" --user agent \
        --password-file "$WORK/secrets/repl-password" --hostname mysql-0 --datadir "$WORK/primary" \
        --mysql-socket "$WORK/primary.sock" --xtrabackup /usr/bin/mariabackup --xbstream /usr/bin/mbstream \
        "${FAULT_TLS_SERVER[@]}" >>"$LOGS/sidecar-wrong-password.log" 2>&1 &
    local sc=$!; PIDS+=("$sc")
    wait_until 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
    mkdir -p "$WORK/c-secrets-3"
    "$AGENT" clone --from "127.0.0.1:$port" --datadir "$WORK/c-secrets-3" --auth-token-file "$WORK/secrets/token" \
        --max-attempts 1 "${FAULT_TLS_CLIENT[@]}" >>"$LOGS/clone-wrong-db-password.log" 2>&1
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
want secrets && case_secrets
want secrets && case_secrets_in_logs
finish
