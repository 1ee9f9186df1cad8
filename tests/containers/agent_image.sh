#!/usr/bin/env bash
# containers: the agent image that `make image` builds offline (scripts/build-images.sh), checked against the
# Dockerfile's final stage (the same file, user, environment and entrypoint) and run under podman as the manifests
# run it: a read-only root, every capability dropped, no new privileges, uid 999, no network.
# Exit 77 (skipped, loudly) only where podman or buildah is missing or cannot run a container.
set -euo pipefail
agent=${1:?usage: agent_image.sh BUILT_BINARY}
here=$(cd "$(dirname "$0")/../.." && pwd)
export CONTAINERS_CONF=$here/tests/containers/containers.conf
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIPPED (containers: agent image): $*" >&2; exit 77; }
command -v podman >/dev/null && command -v buildah >/dev/null || skip "podman or buildah is not installed (make deps)"
podman info >/dev/null 2>&1 || skip "podman cannot run here: $(podman info 2>&1 | tail -1)"

tag=localhost/mysql-agent-test:$$
work=$(mktemp -d)
mounted=""
cleanup() {
  [[ -n $mounted ]] && { buildah umount "$mounted" >/dev/null 2>&1; buildah rm "$mounted" >/dev/null 2>&1; }
  podman rmi -f "$tag" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/scripts/build-images.sh" "$agent" "$tag"

# The Dockerfile's final stage, line by line: what the image must hold and say.
stage=$(awk '/^FROM scratch AS agent/{on=1; next} /^FROM /{on=0} on && !/^#/ && NF' "$here/Dockerfile")
echo "Dockerfile agent stage:"; echo "$stage" | sed 's/^/  /'
copy_to=$(echo "$stage" | awk '$1 == "COPY" {print $NF}')
env_line=$(echo "$stage" | awk '$1 == "ENV" {print $2}')
user=$(echo "$stage" | awk '$1 == "USER" {print $2}')
entrypoint=$(echo "$stage" | sed -n 's/^ENTRYPOINT //p')
[[ $(echo "$stage" | awk '{print $1}' | sort -u | tr '\n' ' ') == "COPY ENTRYPOINT ENV USER " ]] \
  || fail "the Dockerfile's agent stage has instructions this check does not know: $(echo "$stage" | awk '{print $1}' | tr '\n' ' ')"

# The image's OCI config, each field as compact JSON.
buildah inspect --type image "$tag" >"$work/inspect.json"
config() {
  python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["OCIv1"]["config"].get(sys.argv[2]), separators=(",", ":")))' \
    "$work/inspect.json" "$1"
}
[[ $(config User) == "\"$user\"" ]] || fail "user $(config User), the Dockerfile's $user"
[[ $(config Entrypoint) == "$(echo "$entrypoint" | tr -d ' ')" ]] || fail "entrypoint $(config Entrypoint), the Dockerfile's $entrypoint"
[[ $(config Env) == "[\"$env_line\"]" ]] || fail "environment $(config Env), the Dockerfile's $env_line"
# The files: exactly the binary, where the Dockerfile copies it, executable, without debug info.
mounted=$(buildah from --quiet "$tag")
root=$(buildah mount "$mounted")
files=$(cd "$root" && find . -mindepth 1 | sort | tr '\n' ' ')
[[ $files == ".$copy_to " ]] || fail "the image holds '$files', the Dockerfile's stage only .$copy_to"
[[ -x $root$copy_to ]] || fail "$copy_to is not executable"
file "$root$copy_to" | grep -q 'statically linked' || fail "$copy_to is not statically linked"
! file "$root$copy_to" | grep -q 'with debug_info' || fail "$copy_to keeps its debug info (the Dockerfile strips it)"
size=$(stat -c %s "$root$copy_to")
echo "image $tag: $copy_to $size bytes, user $user, entrypoint $entrypoint"

# Run as the manifests run it.
run=(podman run --rm --read-only --cap-drop ALL --security-opt no-new-privileges --network none)
version=$("${run[@]}" "$tag" --version)
[[ $version == "$("$agent" --version)" ]] || fail "the image says '$version', the built binary '$("$agent" --version)'"
[[ $("${run[@]}" --entrypoint /mysql-agent "$tag" --version) == "$version" ]] || fail "entrypoint path"
# The agent-bin emptyDir step of the manifests: install copies the binary into a volume owned by 999.
mkdir "$work/agent-bin" && chown 999:999 "$work/agent-bin"
"${run[@]}" -v "$work/agent-bin:/agent-bin" "$tag" install --to /agent-bin
[[ $(stat -c '%u %a' "$work/agent-bin/mysql-agent") == "999 755" ]] \
  || fail "install wrote $(stat -c '%u %a' "$work/agent-bin/mysql-agent"), not 999 755"
[[ $("$work/agent-bin/mysql-agent" --version) == "$version" ]] || fail "the installed copy is another binary"
# The root is read-only: even its owner (uid 0, which the manifests never use) cannot write there.
if "${run[@]}" --user 0:0 "$tag" install --to /etc 2>"$work/ro.err"; then fail "install wrote into the read-only root"; fi
grep -q "Read-only file system" "$work/ro.err" || fail "install into the root failed without saying why: $(cat "$work/ro.err")"
echo "PASS: containers: agent image (the Dockerfile's agent stage, $size bytes, read-only, no capabilities, uid 999)"
