#!/bin/bash
# Fault group "network": the network to the donor cut mid-stream (a veth into a network namespace taken down), then restored.
#   bash tests/faults/cases/network.sh AGENT_BINARY    (FAULT_ROWS, FAULT_MYSQLD_DELAY, FAULT_ONLY: see ../lib.sh)
. "$(dirname "$0")/../lib.sh" "$@"

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
        --send-timeout 5 "${FAULT_TLS_SERVER[@]}" >>"$LOGS/sidecar-netns.log" 2>&1 &
    local ns_sidecar=$!
    PIDS+=("$ns_sidecar")
    # `ip netns exec` execs the agent in place; the pid is the sidecar's.
    wait_until 20 bash -c "exec 3<>/dev/tcp/$far/3307" 2>/dev/null || fail "the namespaced sidecar does not answer"
    local d=$WORK/c-net; mkdir -p "$d"
    # With FAULT_TLS=1 the certificate names mysql-0.mysql, not the namespace's address.
    local name=(); [ "${FAULT_TLS:-0}" = 1 ] && name=(--tls-server-name mysql-0.mysql)
    CLONE_FROM="$far:3307" CLONE_XBSTREAM=$WORK/bin/fault-slow-mbstream clone_bg "$d" net --idle-timeout 3 "${name[@]}"
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
    CLONE_FROM="$far:3307" next_run_completes "$d" net "${name[@]}"; check "the next run (link up again) completes the clone" test $? = 0
    check "the clone has the donor's rows" clone_has_donor_rows "$d"
    kill -TERM "$ns_sidecar"; wait "$ns_sidecar" 2>/dev/null
    ip link del "$VETH" 2>/dev/null; VETH=""
    ip netns del "$NETNS"; NETNS=""
    rm -rf "$d"
    case_end
}

# ================================================================================================================
setup
want network && case_network_cut
finish
