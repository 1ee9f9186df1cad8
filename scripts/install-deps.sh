#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test mysql-agent; skips what is present.
set -euo pipefail
packages=(
  build-essential cmake ninja-build file git
  libboost1.81-dev default-libmysqlclient-dev libcli11-dev libspdlog-dev libfmt-dev catch2
  nlohmann-json3-dev libssl-dev zlib1g-dev libzstd-dev libxxhash-dev libpugixml-dev
  mariadb-server mariadb-backup mariadb-client
  iproute2 util-linux procps ncat openssl ca-certificates tcpdump
  swift-proxy swift-account swift-container swift-object memcached awscli socat
  sysbench
  podman buildah runc netavark aardvark-dns iptables catatonit mmdebstrap python3-yaml
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Commands that may come from elsewhere than Debian (a newer kubectl, node from the machine image):
# install Debian's package only when the command is absent.
command -v kubectl >/dev/null || missing+=(kubernetes-client)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[[ -x /usr/bin/python3 ]] || missing+=(python3)   # tests/faults/hostile.py (standard library only)
command -v bc >/dev/null || missing+=(bc)         # tests/faults timing lines
command -v pv >/dev/null || missing+=(pv)         # tests/faults slows extraction with pv -L
command -v strace >/dev/null || missing+=(strace) # tests/mysql9: which authentication path a login took
command -v zstd >/dev/null || missing+=(zstd)     # tests/faults/hostile.py makes hostile zstd bodies
command -v curl >/dev/null || missing+=(curl)     # tests/e2e and tests/support/swift probe HTTP endpoints
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages and not root; run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
