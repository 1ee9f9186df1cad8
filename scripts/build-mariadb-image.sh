#!/usr/bin/env bash
# The MariaDB test image, built offline from the Debian mirror the machine already uses (no registry): mmdebstrap
# minbase with mariadb-server and mariadb-backup (bookworm, bookworm-updates, bookworm-security: the 10.11 of the
# host's own tests), mysql moved to uid/gid 999 (the official images' and the manifests' user), an empty
# /var/lib/mysql, Debian's bind-address = 127.0.0.1 commented out and the official image's docker.cnf (listen on
# every address, no name resolution), and scripts/mariadb-image/entrypoint.sh; imported with podman. A stand-in for
# docker.io/library/mariadb:10.11 in tests/containers, not a production image. Kept when the tag exists (FORCE=1
# rebuilds). Prints the tag on its last line. Usage: scripts/build-mariadb-image.sh [TAG]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/tests/containers/containers.conf}
fail() { echo "build-mariadb-image: $*" >&2; exit 1; }
for tool in mmdebstrap podman; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (make deps)"
done
# The tag names what the image is built from (this script, the entrypoint, docker.cnf): a change to any of them is a
# new image, never a stale one kept because a tag of the same name exists.
inputs=$(cat "$0" "$here/scripts/mariadb-image/entrypoint.sh" "$here/scripts/mariadb-image/docker.cnf" | sha256sum | cut -c1-12)
tag=${1:-localhost/mariadb-test:10.11-$inputs}
if [[ ${FORCE:-0} != 1 ]] && podman image exists "$tag"; then
  echo "build-mariadb-image: $tag exists (FORCE=1 rebuilds)"
  echo "$tag"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$(date +%s)
mirror=http://deb.debian.org/debian
mmdebstrap --quiet --variant=minbase --include=mariadb-server,mariadb-backup,mariadb-client \
  --customize-hook='chroot "$1" sh -c "groupmod -g 999 mysql && usermod -u 999 -g 999 mysql && rm -rf /var/lib/mysql/* && chown 999:999 /var/lib/mysql"' \
  --customize-hook='sed -i "s/^bind-address/#&/" "$1/etc/mysql/mariadb.conf.d/50-server.cnf"' \
  --customize-hook="copy-in $here/scripts/mariadb-image/docker.cnf /etc/mysql/mariadb.conf.d" \
  --customize-hook="copy-in $here/scripts/mariadb-image/entrypoint.sh /usr/local/bin" \
  bookworm "$work/rootfs.tar" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb http://deb.debian.org/debian-security bookworm-security main"
podman import --quiet \
  --change 'USER 999:999' --change 'ENV LC_ALL=C' \
  --change 'ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]' --change 'CMD ["mariadbd"]' \
  "$work/rootfs.tar" "$tag" >/dev/null
version=$(podman run --rm --network none --entrypoint mariadbd "$tag" --version | awk '{print $3}')
echo "build-mariadb-image: $tag built in $(( $(date +%s) - started )) s ($version, $(podman image inspect --format '{{.Size}}' "$tag") bytes)"
echo "$tag"
