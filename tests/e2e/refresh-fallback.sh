#!/usr/bin/env bash
# Rewrites tests/e2e/fallback/pod.json (the command lines the e2e harness uses when the manifests do not render)
# from the rendered manifests. Run it after changing the StatefulSet or the ConfigMap.
#
#   tests/e2e/refresh-fallback.sh [OVERLAY]     (default manifests/overlays/mariadb-10.11)

set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
overlay=${1:-$here/../../manifests/overlays/mariadb-10.11}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
kubectl kustomize "$overlay" >"$tmp/rendered.yaml"
kubectl label --local -f "$tmp/rendered.yaml" mysql-agent-e2e=rendered -o json >"$tmp/rendered.json"
node "$here/lib/podspec.mjs" fallback "$tmp/rendered.json" >"$here/fallback/pod.json"
echo "wrote $here/fallback/pod.json from $overlay"
