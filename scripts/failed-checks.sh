#!/usr/bin/env bash
# After a failed `make test`: for each failed test in ctest's LastTest.log, the last lines of its output and then the
# lines that say what failed (an e2e or fault check's "FAIL ...", a Catch2 "FAILED:" and the lines after it), and
# last of all one line naming every failed test: the very end of a CI log names the failure even when the log is cut
# in the middle and only its last lines are kept.
#
#   scripts/failed-checks.sh BUILD_DIR/Testing/Temporary/LastTest.log
set -uo pipefail
log=${1:?usage: scripts/failed-checks.sh LastTest.log}
[[ -r "$log" ]] || { echo "failed-checks: cannot read $log" >&2; exit 2; }
awk '
    /^[0-9]+\/[0-9]+ Testing: / { name = $0; sub(/^[0-9]+\/[0-9]+ Testing: /, "", name); n = 0; inout = 0; next }
    /^Output:$/ { inout = 1; getline; next }
    /^<end of output>$/ { inout = 0; next }
    inout { out[n++] = $0; next }
    /^Test Failed/ {
        failed = failed (failed == "" ? "" : ", ") name
        printf "=== failed: %s; its last lines:\n", name
        for (i = (n > 6 ? n - 6 : 0); i < n; i++) print "  " substr(out[i], 1, 240)
        print "  --- what failed:"
        shown = 0
        for (i = 0; i < n && shown < 12; i++) {
            if (out[i] ~ /^(FAIL|not ok)|FAILED:|Assertion|Segmentation|Timeout/) {
                for (j = i; j < n && j < i + 4 && shown < 12; j++) { print "  " substr(out[j], 1, 400); shown++ }
                i = j - 1
            }
        }
        if (shown == 0) print "  (no FAIL, FAILED: or assertion line in its output)"
    }
    END { if (failed != "") print "== failed tests: " failed }
' "$log"
