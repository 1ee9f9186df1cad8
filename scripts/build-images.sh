#!/usr/bin/env bash
# `make image`: the agent image built offline with buildah, no registry and no Dockerfile build: the Dockerfile's
# final stage (`agent`) assembled from the binary `make` built, stripped of its debug info as the Dockerfile does:
# FROM scratch, /mysql-agent, this machine's Debian CA bundle at /etc/ssl/certs/ca-certificates.crt (the
# ca-certificates package, as the Dockerfile's builder stage has it), ENV LC_ALL=C, USER 999:999,
# ENTRYPOINT ["/mysql-agent"]
# (tests/containers/agent_image.sh checks both say the same). Usage: scripts/build-images.sh BINARY [TAG]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:?usage: build-images.sh BINARY [TAG]}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/tests/containers/containers.conf}
fail() { echo "build-images: $*" >&2; exit 1; }
command -v buildah >/dev/null || fail "buildah is not installed (apt-get install buildah podman; make deps does it)"
file -L "$binary" | grep -q 'statically linked' || fail "$binary is not statically linked"
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[[ -s $ca_bundle ]] || fail "$ca_bundle is missing (apt-get install ca-certificates; make deps does it)"
version=$("$binary" --version | awk '{print $2}')
[[ $version =~ ^[0-9A-Za-z.+-]+$ ]] || fail "$binary --version says '$version', not a version"
tag=${2:-localhost/mysql-agent:$version}

work=$(mktemp -d)
ctr=""
cleanup() { [[ -n $ctr ]] && buildah rm "$ctr" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
strip --strip-debug -o "$work/mysql-agent" "$binary"
chmod 0755 "$work/mysql-agent"
ctr=$(buildah from --quiet scratch)
buildah copy --quiet "$ctr" "$work/mysql-agent" /mysql-agent >/dev/null
buildah copy --quiet --chmod 0644 "$ctr" "$ca_bundle" "$ca_bundle" >/dev/null
buildah config --env LC_ALL=C --user 999:999 --entrypoint '["/mysql-agent"]' --cmd '' \
  --label org.opencontainers.image.version="$version" "$ctr"
buildah commit --quiet --rm "$ctr" "$tag" >/dev/null
ctr=""
echo "build-images: $tag built ($(stat -c %s "$work/mysql-agent") bytes of /mysql-agent)"
