#!/usr/bin/env bash
# After a failed `make test`: for each failed test in ctest's LastTest.log, the lines that say what failed (an e2e or
# fault check's "FAIL ...", a Catch2 "FAILED:" and the lines after it) and the last lines of its output, so that the
# end of a CI log names the failure even when the middle of the log is cut.
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
        printf "=== failed: %s\n", name
        shown = 0
        for (i = 0; i < n && shown < 40; i++) {
            if (out[i] ~ /^(FAIL|not ok)|FAILED:|Assertion|Segmentation|Timeout/) {
                for (j = i; j < n && j < i + 6 && shown < 40; j++) { print "  " substr(out[j], 1, 400); shown++ }
                i = j - 1
            }
        }
        print "  --- its last lines:"
        for (i = (n > 12 ? n - 12 : 0); i < n; i++) print "  " substr(out[i], 1, 400)
    }
' "$log"
