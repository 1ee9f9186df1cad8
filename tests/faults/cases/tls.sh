#!/bin/bash
# Fault group "tls": the backup port over TLS (sidecar --tls-cert/--tls-key/--tls-client-ca, clone --tls-ca), what
# crosses the wire, every refusal a client must make or meet, certificate rotation, and replication over TLS.
#   bash tests/faults/cases/tls.sh AGENT_BINARY    (FAULT_ROWS, FAULT_ONLY: see ../lib.sh)
FAULT_ROWS=${FAULT_ROWS:-50000}
. "$(dirname "$0")/../lib.sh" "$@"

CERTS=$WORK/certs
RSS_LIMIT_KB=65536
DEFAULT_MAX_CONNECTIONS=512  # backup_server.hpp
TLS_PORT=""
TLS_PID=""
# start_tls_sidecar NAME CERT [args...]: another sidecar of the primary, serving TLS with CERT.crt/CERT.key copied
# to $WORK/tls-NAME/ (so that a case can rotate them in place); sets TLS_PORT, TLS_PID.
start_tls_sidecar() {
    local name=$1 cert=$2; shift 2
    mkdir -p "$WORK/tls-$name"
    cp "$CERTS/$cert.crt" "$WORK/tls-$name/tls.crt"; cp "$CERTS/$cert.key" "$WORK/tls-$name/tls.key"
    TLS_PORT=$(free_port)
    start_sidecar "tls-$name" "127.0.0.1:$TLS_PORT" --hostname mysql-0 --datadir "$WORK/primary" \
        --mysql-socket "$WORK/primary.sock" --send-timeout 5 \
        --tls-cert "$WORK/tls-$name/tls.crt" --tls-key "$WORK/tls-$name/tls.key" "$@"
    TLS_PID=$LAST_PID
}
# tls_clone DIR LOGNAME [args...]: a clone from the TLS sidecar trusting the test CA.
tls_clone() {
    local dir=$1 logname=$2; shift 2
    CLONE_FROM=127.0.0.1:$TLS_PORT CLONE_ATTEMPTS=1 clone_run "$dir" "$logname" --tls-ca "$CERTS/ca.crt" "$@"
}
said() { grep -qF -- "$2" "$LOGS/clone-$1.log" || { log "    clone-$1.log lacks '$2': $(tail -1 "$LOGS/clone-$1.log" | cut -c1-300)"; return 1; }; }
empty_dir() { [ -z "$(ls -A "$1" 2>/dev/null)" ] || { log "    $1 holds: $(ls -A "$1" | head -5 | tr '\n' ' ')"; return 1; }; }
# capture PCAP: tcpdump on loopback for the TLS port in the background; sets CAP_PID.
capture() {
    tcpdump -i lo -U -s 0 -w "$1" "tcp port $2" >"$LOGS/tcpdump-$(basename "$1").log" 2>&1 &
    CAP_PID=$!; PIDS+=("$CAP_PID")
    wait_until 10 grep -q "listening on" "$LOGS/tcpdump-$(basename "$1").log"
}
stop_capture() { sleep 0.3; kill -INT "$CAP_PID" 2>/dev/null; wait "$CAP_PID" 2>/dev/null; return 0; }
pcap_has() { grep -qaF -- "$2" "$1"; }
bytes_of() { stat -c %s "$1"; }

case_tls_clone_on_the_wire() {
    case_begin "tls: a clone over TLS commits the donor's rows; a capture holds neither the token nor the xbstream magic"
    start_tls_sidecar wire server
    local d=$WORK/c-tls; mkdir -p "$d"
    inject "tcpdump on loopback during a TLS clone (and, as a control, a plaintext one)"
    capture "$WORK/tls.pcap" "$TLS_PORT"
    tls_clone "$d" tls-wire; local rc=$?
    stop_capture
    check "the TLS clone succeeded" exit_code_is $rc 0
    check "the clone holds the donor's rows" clone_has_donor_rows "$d"
    check "the capture saw the stream (> 1 MB)" test "$(bytes_of "$WORK/tls.pcap")" -gt 1000000
    check "the capture holds no bearer token" bash -c "! grep -qaF -- '$TOKEN' '$WORK/tls.pcap'"
    check "the capture holds no xbstream chunk magic (XBSTCK01)" bash -c "! grep -qaF XBSTCK01 '$WORK/tls.pcap'"
    check "the capture holds no HTTP request line" bash -c "! grep -qaF 'GET /backup' '$WORK/tls.pcap'"
    # Control: the same capture of a plaintext clone does show both, so the checks above can fail.
    local p=$WORK/c-plain; mkdir -p "$p"
    capture "$WORK/plain.pcap" "$SIDECAR_PORT"
    CLONE_ATTEMPTS=1 clone_run "$p" plain-wire; rc=$?
    stop_capture
    check "control: the plaintext clone succeeded" exit_code_is $rc 0
    check "control: a plaintext capture does show the token and the magic" \
        bash -c "grep -qaF -- '$TOKEN' '$WORK/plain.pcap' && grep -qaF XBSTCK01 '$WORK/plain.pcap'"
    rm -rf "$d" "$p"
    case_end
}

case_tls_client_refusals() {
    case_begin "tls: a client with --tls-ca refuses a plaintext donor, a wrong name, a foreign CA and an expired certificate (exit 15)"
    local d=$WORK/c-refuse; mkdir -p "$d"
    inject "--tls-ca against the plaintext donor"
    CLONE_ATTEMPTS=1 clone_run "$d" refuse-plain --tls-ca "$CERTS/ca.crt"
    check "exit 15 (tls)" exit_code_is $? 15
    check "it says the donor does not speak TLS" said refuse-plain "does not speak TLS"
    check "nothing was written to the datadir" empty_dir "$d"
    local cert want
    for cert in wrongname rogue expired; do
        case $cert in
            wrongname) want="is not valid for the name '127.0.0.1' (it names *.other)";;
            rogue) want="is not signed by the CA in --tls-ca $CERTS/ca.crt";;
            expired) want="expired at 2020-01-02 00:00:00 UTC";;
        esac
        inject "a donor serving the $cert certificate"
        start_tls_sidecar "$cert" "$cert"
        tls_clone "$d" "refuse-$cert"
        check "$cert: exit 15 (tls)" exit_code_is $? 15
        check "$cert: the message says: $want" said "refuse-$cert" "$want"
        check "$cert: the donor started no backup" bash -c "! grep -q 'backup for' '$LOGS/sidecar-tls-$cert.log'"
        check "$cert: nothing was written to the datadir" empty_dir "$d"
        stop_pid "$TLS_PID"
    done
    inject "a name check by --tls-server-name: mysql-0.mysql is covered by *.mysql, mysql-0.other is not"
    start_tls_sidecar names server
    tls_clone "$d" name-other --tls-server-name mysql-0.other
    check "mysql-0.other: exit 15, naming the flag" bash -c "[ $? = 15 ] && grep -qF 'fix --tls-server-name' '$LOGS/clone-name-other.log'"
    tls_clone "$d" name-peer --tls-server-name mysql-0.mysql
    check "mysql-0.mysql (a peer name under *.mysql): the clone succeeded" exit_code_is $? 0
    stop_pid "$TLS_PID"
    rm -rf "$d"
    case_end
}

case_tls_plaintext_client() {
    case_begin "tls: a plaintext client gets nothing from a TLS sidecar"
    start_tls_sidecar plainclient server
    local d=$WORK/c-plainclient; mkdir -p "$d"
    inject "clone without --tls-ca; curl http:// with the token"
    CLONE_FROM=127.0.0.1:$TLS_PORT CLONE_ATTEMPTS=1 clone_run "$d" plain-to-tls
    check "exit 15 (tls), at once" exit_code_is $? 15
    check "it says the sidecar serves TLS only" said plain-to-tls "serves TLS only"
    curl -sS -m 10 -o "$WORK/plain-body" -w '%{http_code}' -H "Authorization: Bearer $(cat "$WORK/secrets/token")" \
        "http://127.0.0.1:$TLS_PORT/backup" >"$WORK/plain-status" 2>>"$LOGS/curl.log"
    check "curl got 400" test "$(cat "$WORK/plain-status")" = 400
    check "and no backup byte (body under 200 bytes, no magic)" \
        bash -c "[ \$(stat -c %s '$WORK/plain-body') -lt 200 ] && ! grep -qaF XBSTCK01 '$WORK/plain-body'"
    check "the sidecar started no backup" bash -c "! grep -q 'backup for' '$LOGS/sidecar-tls-plainclient.log'"
    check "it still serves TLS: /healthz over https answers HTTP" \
        bash -c "curl -s -m 10 -o /dev/null -w '%{http_code}' --cacert '$CERTS/ca.crt' https://127.0.0.1:$TLS_PORT/healthz | grep -qE '^(200|503)$'"
    stop_pid "$TLS_PID"
    rm -rf "$d"
    case_end
}

case_tls_client_certificates() {
    case_begin "tls: --tls-client-ca refuses a client without a certificate or with a foreign one and serves one with"
    start_tls_sidecar clientca server --tls-client-ca "$CERTS/ca.crt"
    local d=$WORK/c-clientca; mkdir -p "$d"
    inject "a clone without a client certificate"
    tls_clone "$d" no-client-cert
    check "exit 15 (tls)" exit_code_is $? 15
    check "it names the flags to pass" said no-client-cert "pass --tls-cert and --tls-key"
    inject "a clone with a certificate from another CA"
    tls_clone "$d" rogue-client-cert --tls-cert "$CERTS/rogue.crt" --tls-key "$CERTS/rogue.key"
    check "exit 15 (tls)" exit_code_is $? 15
    check "the sidecar started no backup for either" bash -c "! grep -q 'backup for' '$LOGS/sidecar-tls-clientca.log'"
    check "the datadir is still empty" empty_dir "$d"
    check "/metrics over https without a client certificate answers 200 (Prometheus, kubelet)" \
        bash -c "curl -s -m 10 -o /dev/null -w '%{http_code}' --cacert '$CERTS/ca.crt' https://127.0.0.1:$TLS_PORT/metrics | grep -qx 200"
    tls_clone "$d" client-cert --tls-cert "$CERTS/client.crt" --tls-key "$CERTS/client.key"
    check "with the client certificate the clone succeeded" exit_code_is $? 0
    check "and holds the donor's rows" clone_has_donor_rows "$d"
    inject "status of the pod over TLS (--tls-ca; the certificate names mysql-0.mysql)"
    "$AGENT" status --hostname mysql-0 --mysql-socket "$WORK/primary.sock" --user agent \
        --password-file "$WORK/secrets/agent-password" --sidecar "127.0.0.1:$TLS_PORT" --json --tls-ca "$CERTS/ca.crt" \
        >"$WORK/status.json" 2>>"$LOGS/status.log"
    check "status read the TLS sidecar's /metrics" \
        bash -c "grep -q '\"reachable\": true' '$WORK/status.json' || grep -q '\"sidecar_reachable\": true' '$WORK/status.json'"
    stop_pid "$TLS_PID"
    rm -rf "$d"
    case_end
}

case_tls_refused_rounds() {
    local rounds=${TLS_REFUSED_ROUNDS:-50}
    case_begin "tls: a client certificate from another CA is refused as exit 15 naming it, $rounds rounds out of $rounds"
    start_tls_sidecar refused server --tls-client-ca "$CERTS/ca.crt"
    local d=$WORK/c-refused; mkdir -p "$d"
    inject "$rounds clones with --tls-cert rogue.crt (signed by another CA) against --tls-client-ca ca.crt"
    local i rc tls=0 named=0 other=""
    local want="it refused our client certificate, --tls-cert $CERTS/rogue.crt (CN=rogue"
    for i in $(seq 1 "$rounds"); do
        tls_clone "$d" "refused-$i" --tls-cert "$CERTS/rogue.crt" --tls-key "$CERTS/rogue.key"; rc=$?
        [ $rc = 15 ] && tls=$((tls + 1))
        if grep -qF -- "$want" "$LOGS/clone-refused-$i.log"; then
            named=$((named + 1))
        else
            other="exit $rc: $(tail -1 "$LOGS/clone-refused-$i.log" | cut -c1-240)"
        fi
    done
    log "  refused client certificate: exit 15 in $tls of $rounds rounds, the certificate named in $named${other:+; one other: $other}"
    log "  the message: $(grep -o 'TLS with donor[^"]*' "$LOGS/clone-refused-1.log" | head -1 | cut -c1-400)"
    check "exit 15 (tls) in every round ($tls of $rounds)" test "$tls" = "$rounds"
    check "every round names the refused certificate and what to pass ($named of $rounds)" test "$named" = "$rounds"
    check "the message says which CA must sign it" said refused-1 "signed by the CA in the donor's --tls-client-ca"
    check "the sidecar started no backup" bash -c "! grep -q 'backup for' '$LOGS/sidecar-tls-refused.log'"
    check "the datadir is still empty" empty_dir "$d"
    stop_pid "$TLS_PID"
    rm -rf "$d"
    case_end
}

# tls_flood NAME HELD HEADERS CONNECTS HELLOS HOLD: hostile.py's TLS flood against $TLS_PORT in the background,
# waiting until every connection is open and the sidecar holds HELD sockets more than its listener (it accepts them
# at its own pace); sets FLOOD_PID, and HELD_RSS, HELD_FDS and HELD_SOCKETS (the sidecar's at that moment). Sockets,
# not all fds: a stream in flight holds pipes and a socket that close when it ends, whenever that is.
tls_flood() {
    local name=$1 held=$2; shift 2
    rm -f "$WORK/flags/flood-$name"
    $HOSTILE tls-flood 127.0.0.1 "$TLS_PORT" "$@" "$WORK/flags/flood-$name" >"$LOGS/tls-flood-$name.out" 2>&1 &
    FLOOD_PID=$!
    PIDS+=("$FLOOD_PID")
    wait_until 120 test -f "$WORK/flags/flood-$name" || fail "the flood did not open its connections"
    wait_until 5 sockets_of_at_least "$TLS_PID" $((held + 1))
    HELD_RSS=$(rss_kb "$TLS_PID"); HELD_FDS=$(fd_count "$TLS_PID"); HELD_SOCKETS=$(socket_count "$TLS_PID")
}
socket_count() { find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l; }
sockets_of_at_least() { [ "$(socket_count "$1")" -ge "$2" ]; }
# flood_closed NAME TOTAL: hostile.py found all TOTAL connections closed by the sidecar (a FIN, or a reset for
# those whose bytes it never read), none still open.
flood_closed() {
    local closed
    closed=$(grep '^after' "$LOGS/tls-flood-$1.out" | tr ' ' '\n' | awk -F'[:=]' 'NF == 3 && $2 != "open" {n += $3} END {print n + 0}')
    [ "$closed" = "$2" ] || { log "    $closed of $2 closed: $(grep '^after' "$LOGS/tls-flood-$1.out")"; return 1; }
}

case_tls_handshake_flood() {
    case_begin "tls: a handshake flood (1,500 record headers and 300 bare connects, then 1,500 ClientHellos) while clones stream: peak RSS under 64 MiB, connections bounded, the clones complete"
    # An extractor at 2 MB/s keeps a clone in flight through each flood.
    printf '#!/bin/sh\n# %s\npv -q -L 2m | /usr/bin/mbstream "$@"\n' "$WORK" >"$WORK/bin/fault-slower-mbstream"
    chmod +x "$WORK/bin/fault-slower-mbstream"
    # The sidecar holds 1,800 sockets at once, hostile.py as many (it raises its own soft limit).
    [ "$(ulimit -n)" -ge 4096 ] || ulimit -n 4096 || fail "cannot raise the fd limit to 4096"
    start_tls_sidecar flood server --max-connections 2000
    local pid=$TLS_PID d=$WORK/c-flood base_rss base_fds peak
    mkdir -p "$d"
    CLONE_FROM=127.0.0.1:$TLS_PORT CLONE_ATTEMPTS=1 CLONE_XBSTREAM=$WORK/bin/fault-slower-mbstream \
        clone_bg "$d" flood-in-flight --tls-ca "$CERTS/ca.crt"
    local clone=$LAST_PID
    wait_until 20 grep -q "backup for" "$LOGS/sidecar-tls-flood.log" || fail "the clone's backup did not start"
    base_rss=$(rss_kb "$pid"); base_fds=$(fd_count "$pid")
    inject "1,500 connections that send one TLS record header (announcing 512 bytes) and 300 that send nothing, held 8 s (--max-connections 2000: all held until the 5 s handshake deadline)"
    tls_flood headers 1800 1500 300 0 8
    local streaming=no; [ -d "/proc/$clone" ] && streaming=yes
    wait "$FLOOD_PID"
    peak=$(vmhwm_kb "$pid")
    log "  $(tr '\n' ' ' <"$LOGS/tls-flood-headers.out")"
    log "  sidecar: VmRSS $base_rss kB with the stream alone, $HELD_RSS kB with the 1,800 held, peak (VmHWM) $peak kB; fds $base_fds -> $HELD_FDS; per held connection $(( (HELD_RSS - base_rss) * 1024 / 1800 )) bytes"
    check "the clone was streaming through the flood" test "$streaming" = yes
    check "the sidecar held them all at once ($HELD_SOCKETS sockets: the 1,800 and its listener, or more)" \
        test "$HELD_SOCKETS" -ge 1801
    check "its peak RSS (VmHWM) stays under 64 MiB" rss_below $RSS_LIMIT_KB sidecar "$peak"
    check "it closed every one at the handshake deadline" flood_closed headers 1800
    wait "$clone"; check "the clone in flight finished" exit_code_is $? 0
    check "and holds the donor's rows" clone_has_donor_rows "$d"
    rm -rf "$d"; mkdir -p "$d"

    inject "1,500 connections that send a whole ClientHello and never finish the handshake, against the default --max-connections ($DEFAULT_MAX_CONNECTIONS); a new clone during it"
    stop_pid "$TLS_PID"
    start_tls_sidecar flood-hellos server
    pid=$TLS_PID
    base_rss=$(rss_kb "$pid"); base_fds=$(fd_count "$pid")
    tls_flood hellos $DEFAULT_MAX_CONNECTIONS 0 0 1500 8
    CLONE_FROM=127.0.0.1:$TLS_PORT CLONE_ATTEMPTS=1 CLONE_XBSTREAM=$WORK/bin/fault-slower-mbstream \
        clone_bg "$d" flood-hellos --tls-ca "$CERTS/ca.crt"
    clone=$LAST_PID
    wait_until 20 grep -q "backup for" "$LOGS/sidecar-tls-flood-hellos.log" || fail "the new clone's backup did not start"
    wait "$FLOOD_PID"
    peak=$(vmhwm_kb "$pid")
    log "  $(tr '\n' ' ' <"$LOGS/tls-flood-hellos.out")"
    log "  sidecar: VmRSS $base_rss kB idle, $HELD_RSS kB with the flood open, peak (VmHWM) $peak kB with a stream too; fds $base_fds -> $HELD_FDS; per held connection $(( (HELD_RSS - base_rss) * 1024 / DEFAULT_MAX_CONNECTIONS )) bytes"
    log "  sidecar said: $(grep -o 'over --max-connections[^"]*' "$LOGS/sidecar-tls-flood-hellos.log" | head -1 | cut -c1-200)"
    check "it held at most --max-connections of them ($HELD_FDS fds)" test "$HELD_FDS" -le $((base_fds + DEFAULT_MAX_CONNECTIONS + 8))
    check "it said it closed the oldest for newer ones" grep -q "over --max-connections $DEFAULT_MAX_CONNECTIONS: closed" "$LOGS/sidecar-tls-flood-hellos.log"
    check "its peak RSS (VmHWM) stays under 64 MiB" rss_below $RSS_LIMIT_KB sidecar "$peak"
    check "it closed every one (the oldest for newer ones, the rest at the handshake deadline)" flood_closed hellos 1500
    wait "$clone"; check "the clone that started during the flood finished" exit_code_is $? 0
    check "and holds the donor's rows" clone_has_donor_rows "$d"
    stop_pid "$TLS_PID"
    rm -rf "$d"
    case_end
}

served_fingerprint() {
    openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername mysql-0.mysql </dev/null 2>/dev/null |
        openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
file_fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256; }

case_tls_rotation() {
    case_begin "tls: a certificate rotated on disk is served to the next connection, and a stream in flight finishes"
    start_tls_sidecar rotate server
    local d=$WORK/c-rotate; mkdir -p "$d"
    check "the first certificate is served" test "$(served_fingerprint)" = "$(file_fingerprint "$CERTS/server.crt")"
    # A slow extractor keeps the first stream in flight while the files change.
    CLONE_FROM=127.0.0.1:$TLS_PORT CLONE_ATTEMPTS=1 CLONE_XBSTREAM=$WORK/bin/fault-slow-mbstream \
        clone_bg "$d" rotate-in-flight --tls-ca "$CERTS/ca.crt"
    local clone=$LAST_PID
    wait_until 20 grep -q "backup for" "$LOGS/sidecar-tls-rotate.log"
    inject "replace tls.crt and tls.key in place (as the kubelet swaps a Secret volume) during a stream"
    cp "$CERTS/server2.crt" "$WORK/tls-rotate/.tls.crt.new"; cp "$CERTS/server2.key" "$WORK/tls-rotate/.tls.key.new"
    mv "$WORK/tls-rotate/.tls.key.new" "$WORK/tls-rotate/tls.key"; mv "$WORK/tls-rotate/.tls.crt.new" "$WORK/tls-rotate/tls.crt"
    sleep 1.2
    check "the next connection gets the new certificate" test "$(served_fingerprint)" = "$(file_fingerprint "$CERTS/server2.crt")"
    check "the sidecar logged the reload" grep -q "TLS certificate reloaded" "$LOGS/sidecar-tls-rotate.log"
    wait "$clone"; check "the clone in flight finished" exit_code_is $? 0
    check "and holds the donor's rows" clone_has_donor_rows "$d"
    inject "a half-written rotation: a key that does not belong to the certificate"
    cp "$CERTS/client.key" "$WORK/tls-rotate/tls.key"
    sleep 1.2
    check "the previous certificate is still served" test "$(served_fingerprint)" = "$(file_fingerprint "$CERTS/server2.crt")"
    check "the sidecar said why it kept it" grep -q "do not load" "$LOGS/sidecar-tls-rotate.log"
    stop_pid "$TLS_PID"
    rm -rf "$d"
    case_end
}

case_tls_replication() {
    case_begin "tls: --replication-tls-ca makes a replica replicate over verified TLS, and refuses a foreign CA"
    # A primary whose mariadbd serves the peer certificate (SAN IP 127.0.0.1), its sidecar, and a replica cloned
    # from it; the replica's sidecar replicates with --replication-tls-ca.
    cp -a "$TEMPLATE" "$WORK/tlsprimary"
    start_mysqld tlsprimary 21 "$WORK/tlsprimary" --ssl-cert="$CERTS/server.crt" --ssl-key="$CERTS/server.key" \
        --ssl-ca="$CERTS/ca.crt" || { fail "mariadbd with TLS did not start"; case_end; return; }
    sql tlsprimary "CREATE USER agent@localhost IDENTIFIED BY '$AGENT_PW'; GRANT ALL ON *.* TO agent@localhost WITH GRANT OPTION;
        CREATE DATABASE shop; CREATE TABLE shop.t (id INT PRIMARY KEY); INSERT INTO shop.t SELECT seq FROM shop.seq_1_to_1000;"
    local pport; pport=$(free_port)
    start_sidecar tlsprimary "127.0.0.1:$pport" --hostname mysql-0 --datadir "$WORK/tlsprimary" \
        --mysql-socket "$WORK/tlsprimary.sock"
    wait_until 30 sh -c "mariadb --no-defaults -S '$WORK/tlsprimary.sock' -uroot -N -e \"SELECT 1 FROM mysql.user WHERE user='repl'\" | grep -q 1"
    # Only TLS logins as the replication user: the channel's and the replica's sidecar's own (reconcile loop).
    sql tlsprimary "ALTER USER 'repl'@'%' REQUIRE SSL"
    local r
    for r in good bad; do
        local dir=$WORK/tlsreplica-$r ca=$CERTS/ca.crt id=22
        [ $r = bad ] && ca=$CERTS/other-ca.crt id=23
        mkdir -p "$dir"
        CLONE_FROM=127.0.0.1:$pport CLONE_ATTEMPTS=1 clone_run "$dir" "tlsreplica-$r" || { fail "clone for the $r replica"; continue; }
        start_mysqld "tlsreplica$r" "$id" "$dir" --skip-slave-start
        inject "a replica with --replication-tls-ca $(basename "$ca")"
        start_sidecar "tlsreplica-$r" "127.0.0.1:$(free_port)" --hostname mysql-1 --datadir "$dir" \
            --mysql-socket "$WORK/tlsreplica$r.sock" --primary-host 127.0.0.1 --primary-port "$MYSQLD_PORT_tlsprimary" \
            --replication-tls-ca "$ca"
        local sidecar=$LAST_PID
        if [ $r = good ]; then
            check "good: replication runs (IO and SQL threads)" wait_until 30 sh -c \
                "mariadb --no-defaults -S '$WORK/tlsreplica$r.sock' -uroot -e 'SHOW SLAVE STATUS\G' | grep -q 'Slave_IO_Running: Yes'"
            check "good: over TLS with the server certificate verified" sh -c \
                "mariadb --no-defaults -S '$WORK/tlsreplica$r.sock' -uroot -e 'SHOW SLAVE STATUS\G' | grep -q 'Master_SSL_Verify_Server_Cert: Yes' &&
                 mariadb --no-defaults -S '$WORK/tlsreplica$r.sock' -uroot -e 'SHOW SLAVE STATUS\G' | grep -q 'Master_SSL_Allowed: Yes'"
            check "good: the primary sees its replica's connection encrypted" sh -c \
                "mariadb --no-defaults -S '$WORK/tlsprimary.sock' -uroot -N -e \"SELECT COUNT(*) FROM performance_schema.status_by_thread WHERE VARIABLE_NAME='Ssl_version' AND VARIABLE_VALUE LIKE 'TLS%'\" 2>/dev/null | grep -qv '^0$' ||
                 mariadb --no-defaults -S '$WORK/tlsprimary.sock' -uroot -N -e \"SHOW GLOBAL STATUS LIKE 'Ssl_accepts'\" | awk '{exit !(\$2 > 0)}'"
            sql tlsprimary "INSERT INTO shop.t VALUES (5000)"
            check "good: a new row arrives" wait_until 20 sh -c \
                "mariadb --no-defaults -S '$WORK/tlsreplica$r.sock' -uroot -N -e 'SELECT COUNT(*) FROM shop.t WHERE id=5000' | grep -qx 1"
            # The sidecar's own login to the primary (reconcile loop) verifies the certificate the same way.
            check "good: the replica's sidecar logs into the primary over verified TLS (reconcile loop)" wait_until 20 \
                grep -q "replication reconcile: nothing: replicating from 127.0.0.1:$MYSQLD_PORT_tlsprimary" \
                "$LOGS/sidecar-tlsreplica-$r.log"
        else
            check "bad: the IO thread fails with an SSL error" wait_until 30 sh -c \
                "mariadb --no-defaults -S '$WORK/tlsreplica$r.sock' -uroot -e 'SHOW SLAVE STATUS\G' | grep -qi 'Last_IO_Error:.*SSL'"
        fi
        stop_pid "$sidecar"
        stop_mysqld "tlsreplica$r"
    done
    stop_mysqld tlsprimary
    case_end
}

# ================================================================================================================
command -v tcpdump >/dev/null || { echo "missing tcpdump (scripts/install-deps.sh installs it)"; exit 1; }
command -v openssl >/dev/null || { echo "missing openssl"; exit 1; }
bash "$HERE/tls_certs.sh" "$CERTS" || exit 1
setup
want "on the wire" && case_tls_clone_on_the_wire
want "refuses a plaintext donor" && case_tls_client_refusals
want "plaintext client" && case_tls_plaintext_client
want "client-ca" && case_tls_client_certificates
want "refused client certificate rounds" && case_tls_refused_rounds
want "handshake flood" && case_tls_handshake_flood
want "rotated" && case_tls_rotation
want "replication" && case_tls_replication
finish
