#!/bin/bash
# The whole fault suite: every group under cases/ in turn (never two at once: they share the machine's cores and
# the timing of the faults), then ONE combined summary, the sum over the groups:
#   faults: N injected, N survived; rows compared: R, rows lost: L
#   P passed, F failed
#
#   run_all.sh AGENT_BINARY
# FAULT_GROUPS (space-separated group names, default: all, in the order below) picks groups; FAULT_ROWS,
# FAULT_MYSQLD_DELAY and FAULT_ONLY are passed to every group (see lib.sh). Each group's full log is printed as it
# runs. Exit status: 0 when every group passed.
set -u
set -o pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/common.sh"
AGENT=$(readlink -f "${1:?usage: run_all.sh AGENT_BINARY}")

ALL_GROUPS="donor network disk signals replication hostile_requests bad_donors secrets
            hostile_stream flooding clone_safety sidecar_safety tls"
GROUPS_TO_RUN=${FAULT_GROUPS:-$ALL_GROUPS}

OUT=$(mktemp -d /tmp/mysql-agent-faults-run-all-XXXXXX)
trap 'rm -rf "$OUT"' EXIT
trap 'exit 130' INT TERM

injected=0; survived=0; rows=0; lost=0; passed=0; failed=0
times=(); broken=()
for g in $GROUPS_TO_RUN; do
    [ -f "$HERE/cases/$g.sh" ] || { echo "no such group: $g (cases/$g.sh)"; failed=$((failed + 1)); broken+=("$g (missing)"); continue; }
    start=$(date +%s)
    echo "################ group $g"
    bash "$HERE/cases/$g.sh" "$AGENT" 2>&1 | tee "$OUT/$g.log"
    rc=$?
    secs=$(($(date +%s) - start))
    s=$(grep -E '^faults: [0-9]+ injected, [0-9]+ survived; rows compared: [0-9]+, rows lost: [0-9]+$' "$OUT/$g.log" | tail -1)
    p=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$OUT/$g.log" | tail -1)
    if [ -z "$s" ] || [ -z "$p" ]; then
        # The group died before its summary (setup failed, a crash): one failure, nothing else counted.
        times+=("$g: ${secs} s, no summary (exit $rc)")
        failed=$((failed + 1)); broken+=("$g (no summary, exit $rc)")
        continue
    fi
    read -r i v r l <<<"$(sed -E 's/^faults: ([0-9]+) injected, ([0-9]+) survived; rows compared: ([0-9]+), rows lost: ([0-9]+)$/\1 \2 \3 \4/' <<<"$s")"
    read -r pp ff <<<"$(sed -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"$p")"
    injected=$((injected + i)); survived=$((survived + v)); rows=$((rows + r)); lost=$((lost + l))
    passed=$((passed + pp)); failed=$((failed + ff))
    times+=("$g: ${secs} s, $pp passed, $ff failed, $i injected, $v survived")
    [ "$rc" = 0 ] || broken+=("$g")
    grep '^failed: ' "$OUT/$g.log" | sed "s/^failed: /failed ($g): /" >>"$OUT/failed-cases"
done

echo
echo "################ all groups"
printf '%s\n' "${times[@]}"
[ -s "$OUT/failed-cases" ] && cat "$OUT/failed-cases"
[ ${#broken[@]} -gt 0 ] && echo "groups that FAILED: ${broken[*]}"
echo "run time: $(($(date +%s) - T0)) s"
echo "faults: $injected injected, $survived survived; rows compared: $rows, rows lost: $lost"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$lost" = 0 ] && [ "$injected" = "$survived" ] && [ ${#broken[@]} = 0 ]
