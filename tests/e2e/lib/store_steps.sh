# shellcheck shell=bash
# Backups in a real object store, sourced by scenario.sh: a real Swift s3api on the host, reached by the pods at the
# bridge's address; the pods from tests/e2e/store-overlay (seed-from-backup and backup-status, init with
# --primary-from-backup); the backup CronJob's rendered command run in a pod's network namespace; then the whole cluster lost, every pod and volume, and
# recreated from the bucket alone.

E2E_STORE_BUCKET=mysql-backups
E2E_STORE_URL=s3://mysql-backups/mysql
E2E_SWIFT=$REPO_DIR/tests/support/swift/swift-s3

# awscli on the store, as an independent client.
store_aws() {
    AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_DEFAULT_REGION=$S3_REGION \
        AWS_EC2_METADATA_DISABLED=true AWS_PAGER="" /usr/bin/aws --endpoint-url "$S3_ENDPOINT" "$@"
}

# Starts the store, forwards the bridge's address to it, writes its keys into the Secrets and points the rendered
# StatefulSet's store flags at it.
step_store_up() {
    say "== step: a real S3 store (OpenStack Swift s3api) that the pods reach at $E2E_NET.1"
    local base p free
    for ((base = 21000; base < 60000; base += 7)); do
        free=1
        for ((p = base; p <= base + 4; p++)); do ss -ltnH "sport = :$p" | grep -q . && free=0; done
        ((free)) && break
    done
    local out
    if ! out=$("$E2E_SWIFT" start "$E2E_ROOT/swift" "$base" 2>"$E2E_ROOT/swift-start.err"); then
        fail "the store starts" "swift-s3 start: $(tail -n 3 "$E2E_ROOT/swift-start.err")"
        return 1
    fi
    eval "$out"
    E2E_CLEANUPS+=("$E2E_SWIFT stop $E2E_ROOT/swift")
    # The store listens on loopback; the pods reach the host at the bridge's address, where socat forwards.
    setsid socat "TCP-LISTEN:$base,bind=$E2E_NET.1,fork,reuseaddr" "TCP:127.0.0.1:$base" </dev/null \
        >"$E2E_ROOT/socat.log" 2>&1 &
    E2E_HELPERS+=("$!")
    forwarding() { timeout 2 bash -c "exec 3<>/dev/tcp/$E2E_NET.1/$base" 2>/dev/null; }
    await 10 "the forwarder on $E2E_NET.1:$base" forwarding || { fail "the store is reachable at $E2E_NET.1:$base" "socat did not listen"; return 1; }
    printf '%s' "$S3_ACCESS_KEY" >"$E2E_ROOT/secrets/access-key"
    printf '%s' "$S3_SECRET_KEY" >"$E2E_ROOT/secrets/secret-key"
    chmod 0400 "$E2E_ROOT/secrets/access-key" "$E2E_ROOT/secrets/secret-key"
    store_aws s3api create-bucket --bucket "$E2E_STORE_BUCKET" >/dev/null ||
        { fail "the bucket $E2E_STORE_BUCKET is created" "awscli failed"; return 1; }
    E2E_STORE_ENDPOINT=http://$E2E_NET.1:$base
    sed -i "s|https://s3.example.internal|$E2E_STORE_ENDPOINT|g" "$E2E_RENDERED"
    if grep -q -- "--primary-from-backup" "$E2E_RENDERED" && grep -q -- "--backup-status-from" "$E2E_RENDERED"; then
        pass "the store answers at $E2E_STORE_ENDPOINT (Swift on 127.0.0.1:$base); init has --seed-from $E2E_STORE_URL --primary-from-backup, the sidecars --backup-status-from"
    else
        fail "the pods are rendered with the store's flags" "tests/e2e/store-overlay: no --primary-from-backup or --backup-status-from in the StatefulSet"
        return 1
    fi
}

# A metric's value in pod N's sidecar /metrics, or nothing.
sidecar_metric() {
    curl -s --max-time 3 "http://$(pod_ip "$1"):3307/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}

# The command of the CronJob mysql-backup (components/backup) as rendered, NUL-separated, with the paths of its
# image and its Secret mounts mapped to this harness's files.
cronjob_argv() {
    local a
    while IFS= read -r -d '' a; do
        case "$a" in
            /mysql-agent) a=$E2E_AGENT ;;
            /etc/mysql-secrets/* | /etc/mysql-backup-store/*) a=$E2E_ROOT/secrets/${a##*/} ;;
        esac
        printf '%s\0' "$a"
    done < <(node "$E2E_DIR/lib/podspec.mjs" cronjob "$E2E_RENDERED" mysql-backup)
}

# One backup as the CronJob of components/backup takes it: its rendered command, run in a pod's network namespace
# (the members by their Service names, the store at the bridge's address).
step_backup_to_store() {
    say "== step: a backup into the bucket: the backup CronJob's own command"
    local log=$E2E_ROOT/backup.log argv=()
    mapfile -d '' -t argv < <(cronjob_argv) || true
    if ((${#argv[@]} < 2)); then
        fail "the rendered CronJob mysql-backup has a command" "tests/e2e/store-overlay renders none"
        return 1
    fi
    say "  backup job: ${argv[*]}"
    if ! ip netns exec "$(pod_ns 2)" "${argv[@]}" >"$log" 2>&1; then
        fail "the CronJob's mysql-agent backup commits a backup" "$(tail -n 2 "$log")"
        return 1
    fi
    pass "the CronJob's mysql-agent backup committed: $(grep -o 'backup [0-9TZ]* of [^ ]* committed in [0-9.]* s' "$log" | head -n 1)"
    # Nothing writes now: every member holds what the backup holds.
    E2E_BACKUP_DATA=$(checksums 1 e2e.items,e2e.stream,e2e.heartbeat)
    expect "the replica the backup was taken from holds what mysql-0 holds" \
        "$(checksums 0 e2e.items,e2e.stream,e2e.heartbeat)" "$E2E_BACKUP_DATA"
    E2E_BACKUP_ID=$(store_aws s3api list-objects-v2 --bucket "$E2E_STORE_BUCKET" --prefix mysql/ --query 'Contents[].Key' \
        --output text | tr '\t' '\n' | sed -n 's|^mysql/\([0-9TZ]*\)/manifest.json$|\1|p' | tail -n 1)
    [[ -n "$E2E_BACKUP_ID" ]] && pass "the bucket holds backup $E2E_BACKUP_ID with its manifest (awscli)" ||
        fail "the bucket holds the backup's manifest" "no mysql/<id>/manifest.json (awscli)"
    stored() { [[ "$(sidecar_metric 0 mysql_agent_store_backups_complete)" == 1 ]]; }
    if await 30 "mysql-0's sidecar to report the backup (/metrics)" stored; then
        pass "mysql-0's /metrics reports 1 complete backup, last run committed ($(sidecar_metric 0 mysql_agent_store_backup_last_run_success)), $(sidecar_metric 0 mysql_agent_store_backup_last_success_bytes) bytes"
    else
        fail "mysql-0's /metrics reports the backup" "mysql_agent_store_backups_complete is '$(sidecar_metric 0 mysql_agent_store_backups_complete)'"
    fi
    # A write after the backup: the bucket alone cannot bring it back (point-in-time recovery is another step).
    sql 0 "INSERT INTO e2e.heartbeat (token) VALUES ('after-the-backup')"
}

# Every pod and every volume lost, then the StatefulSet created again: mysql-0 restores the newest backup and becomes
# the primary at its position; mysql-1 and mysql-2 seed from the same backup and replicate from it.
step_cluster_from_bucket() {
    say "== step: the whole cluster lost (every pod, every volume), recreated from the bucket alone"
    local n t0 marker
    for n in 0 1 2; do
        pod_kill "$n" KILL
        find "$(pod_datadir "$n")" -mindepth 1 -delete
        # The headless Service publishes no pod any more (pod_create publishes each again as it is created).
        printf '%s\n127.0.0.1 localhost\n' "$E2E_MARK" >"/etc/netns/$(pod_ns "$n")/hosts"
    done
    pass "mysql-0, mysql-1 and mysql-2 killed, their volumes emptied, their names unpublished"
    t0=$(now_us)
    pod_create 0 --recreate
    if ! pod_start 0; then
        fail "mysql-0 starts from the bucket" "$(explain_start_failure 0)"
        return 1
    fi
    marker="$(pod_datadir 0)/.mysql-agent-clone.json"
    expect "mysql-0 was restored from the newest backup (marker source)" "$E2E_STORE_URL/$E2E_BACKUP_ID/" \
        "$(json_field "$marker" .source)"
    expect "mysql-0 was restored as the primary (marker reseed.as_primary)" true "$(json_field "$marker" .reseed.as_primary)"
    writable() { [[ "$(sql_quiet 0 'SELECT @@read_only')" == 0 ]]; }
    if await 60 "the sidecar of mysql-0 to take over and make it writable" writable; then
        pass "mysql-0 is writable $(secs_since "$t0")s after its pod was created"
    else
        fail "mysql-0 becomes writable" "@@read_only is still $(sql_quiet 0 'SELECT @@read_only')"
        return 1
    fi
    expect "mysql-0 holds exactly what the backup held (CHECKSUM TABLE)" "$E2E_BACKUP_DATA" \
        "$(checksums 0 e2e.items,e2e.stream,e2e.heartbeat)"
    expect "the write after the backup is not there (the bucket holds no later data)" 0 \
        "$(sql 0 "SELECT COUNT(*) FROM e2e.heartbeat WHERE token = 'after-the-backup'")"
    for n in 1 2; do
        pod_create "$n" --recreate
        if ! pod_start "$n"; then
            fail "$(pod_name "$n") starts, seeded from the bucket" "$(explain_start_failure "$n")"
            return 1
        fi
        marker="$(pod_datadir "$n")/.mysql-agent-clone.json"
        expect "$(pod_name "$n") was seeded from the backup, not from a peer (marker source)" \
            "$E2E_STORE_URL/$E2E_BACKUP_ID/" "$(json_field "$marker" .source)"
        check_replication "$n" || return 1
    done
    measure_arrival "after-recreation-$RANDOM$RANDOM" 1 2
    check_arrival "a write on the recreated mysql-0" 1 2
    local want
    want=$(checksums 0 e2e.items,e2e.stream,e2e.heartbeat)
    for n in 1 2; do
        expect "$(pod_name "$n") holds what mysql-0 holds (CHECKSUM TABLE)" "$want" \
            "$(checksums "$n" e2e.items,e2e.stream,e2e.heartbeat)"
    done
    check_probes 2
    say "the cluster was recreated from the bucket in $(secs_since "$t0")s (3 pods, ordered start)"
}
