#!/usr/bin/env bash
# containers: the agent image that `make image` builds offline (scripts/build-images.sh), checked against the
# Dockerfile's final stage (the same files, user, environment and entrypoint) and run under podman as the manifests
# run it: a read-only root, every capability dropped, no new privileges, uid 999, no network. Its CA bundle is the one
# an https store is verified against: the backup CronJob's command (uid 65532) in it reaches a TLS endpoint and checks
# its certificate against that bundle (exit 15, untrusted), passes with --ca-file; the same binary in an image without
# a bundle refuses before connecting, naming --ca-file.
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
copies=$(echo "$stage" | awk '$1 == "COPY" {print $NF}' | sort | tr '\n' ' ')
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
# The files: exactly what the Dockerfile copies; the binary at the entrypoint's path, executable, without debug info;
# the CA bundle this machine's ca-certificates has, readable by every user.
copy_to=$(echo "$entrypoint" | tr -d '[]" ')
ca_bundle=/etc/ssl/certs/ca-certificates.crt
[[ " $copies" == *" $copy_to "* && " $copies" == *" $ca_bundle "* ]] \
  || fail "the Dockerfile's stage copies '$copies': not the entrypoint $copy_to and $ca_bundle"
mounted=$(buildah from --quiet "$tag")
root=$(buildah mount "$mounted")
files=$(cd "$root" && find . -type f | sed 's/^\.//' | sort | tr '\n' ' ')
[[ $files == "$copies" ]] || fail "the image holds the files '$files', the Dockerfile's stage '$copies'"
cmp -s "$root$ca_bundle" "$ca_bundle" || fail "$ca_bundle in the image is not this machine's"
[[ $(stat -c %a "$root$ca_bundle") == 644 ]] || fail "$ca_bundle is $(stat -c %a "$root$ca_bundle"), not 644"
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

# An https store: a TLS endpoint (socat, a certificate from the test CA, which no public bundle holds) on loopback,
# reached from the container on the host's network, as the backup CronJob runs: uid 65532, read-only, no capabilities.
"$here/tests/faults/tls_certs.sh" "$work/certs" peer
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# It answers every request with 403 (what a store says to unknown keys).
printf '#!/bin/sh\necho >>%s/requests\nprintf "HTTP/1.1 403 Forbidden\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n"\n' \
  "$work" >"$work/respond"
chmod +x "$work/respond"
socat -d "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,cert=$work/certs/server.crt,key=$work/certs/server.key,verify=0" \
  "EXEC:$work/respond" 2>"$work/socat.err" &
socat_pid=$!
trap 'kill $socat_pid 2>/dev/null || true; cleanup' EXIT
for ((i = 0; i < 100; i++)); do [[ -n $(ss -Hltn "sport = :$port") ]] && break; sleep 0.05; done
printf 'AKIDEXAMPLE' >"$work/certs/access-key" && printf 'secret-example' >"$work/certs/secret-key"
chmod 0644 "$work"/certs/*
store=(backups list --to s3://bucket/prefix --endpoint "https://127.0.0.1:$port" --region us-east-1
  --access-key-file /certs/access-key --secret-key-file /certs/secret-key)
as_cronjob=(podman run --rm --read-only --cap-drop ALL --security-opt no-new-privileges --network host
  --user 65532:65532 -v "$work/certs:/certs:ro")
rc=0
"${as_cronjob[@]}" "$tag" "${store[@]}" >"$work/untrusted.out" 2>&1 || rc=$?
[[ $rc == 15 ]] && grep -q "$ca_bundle" "$work/untrusted.out" \
  || fail "the store's certificate from a private CA: exit $rc, not 15 naming $ca_bundle: $(tail -n 2 "$work/untrusted.out")"
echo "an https store with a private CA, checked against the image's bundle: exit 15: $(grep -o '"msg":"[^"]*' "$work/untrusted.out" | tail -n 1 | cut -c8-200)"
rc=0
"${as_cronjob[@]}" "$tag" "${store[@]}" --ca-file /certs/ca.crt >"$work/trusted.out" 2>&1 || rc=$?
[[ $rc == 17 ]] || fail "with --ca-file the TLS handshake passes and the store's 403 is exit 17: exit $rc: $(tail -n 2 "$work/trusted.out")"
echo "the same with --ca-file: TLS verified, the store's 403 is exit 17"
# The same binary in an image without a bundle (what the agent image was before): refused before connecting.
bare=localhost/mysql-agent-test:bare-$$
ctr=$(buildah from --quiet scratch)
buildah copy --quiet "$ctr" "$root$copy_to" /mysql-agent >/dev/null
buildah config --entrypoint '["/mysql-agent"]' "$ctr" >/dev/null
buildah commit --quiet --rm "$ctr" "$bare" >/dev/null
requests=$(wc -l <"$work/requests")
rc=0
"${as_cronjob[@]}" "$bare" "${store[@]}" >"$work/bare.out" 2>&1 || rc=$?
podman rmi -f "$bare" >/dev/null 2>&1 || true
[[ $rc == 15 ]] && grep -q "no CA bundle.*--ca-file" "$work/bare.out" \
  || fail "without a bundle: exit $rc, not 15 with 'no CA bundle ... --ca-file': $(tail -n 2 "$work/bare.out")"
[[ $(wc -l <"$work/requests") == "$requests" ]] || fail "the bare image connected to the store"
echo "without a bundle: exit 15: $(grep -o '"msg":"[^"]*' "$work/bare.out" | tail -n 1 | cut -c8-240)"

echo "PASS: containers: agent image (the Dockerfile's agent stage, $size bytes, read-only, no capabilities, uid 999; its CA bundle verifies an https store)"
