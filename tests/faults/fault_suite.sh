#!/bin/bash
# The fault suite now lives in one file per group (cases/*.sh, machinery in lib.sh); this name, which the README
# quotes, runs them all with one combined summary:
#   fault_suite.sh AGENT_BINARY   (same as run_all.sh AGENT_BINARY)
exec bash "$(dirname "$0")/run_all.sh" "$@"
