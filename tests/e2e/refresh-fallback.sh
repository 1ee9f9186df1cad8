#!/usr/bin/env bash
# Rewrites the fallback copies of the rendered manifests (the command lines the e2e harness uses when the manifests
# do not render) from the manifests. Run it after changing the StatefulSet, the ConfigMap or the tls component.
#
#   tests/e2e/refresh-fallback.sh                  both copies:
#       fallback/pod.json      from manifests/overlays/mariadb-10.11
#       fallback/pod-tls.json  from tests/e2e/tls-overlay (mariadb-10.11 with the tls component; the scenario `all`)
#   tests/e2e/refresh-fallback.sh OVERLAY OUTPUT   one copy

set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

refresh() {
    local overlay=$1 output=$2
    kubectl kustomize "$overlay" >"$tmp/rendered.yaml"
    kubectl label --local -f "$tmp/rendered.yaml" mysql-agent-e2e=rendered -o json >"$tmp/rendered.json"
    node "$here/lib/podspec.mjs" fallback "$tmp/rendered.json" >"$output"
    echo "wrote $output from $overlay"
}

case $# in
    0)
        refresh "$here/../../manifests/overlays/mariadb-10.11" "$here/fallback/pod.json"
        refresh "$here/tls-overlay" "$here/fallback/pod-tls.json"
        ;;
    2) refresh "$1" "$2" ;;
    *) sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
