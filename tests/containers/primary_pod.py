#!/usr/bin/python3
"""containers: mysql-0 of the rendered manifests (overlays/mariadb-10.11) as a pod under podman, with the images
`make image` builds offline: the agent image and the MariaDB test image (scripts/build-mariadb-image.sh). Each
container runs with the command, environment, mounts and security context the StatefulSet renders; every deviation
from the manifests is listed in DEVIATIONS and printed. Checks: the init containers complete, mysqld starts from
the empty data volume, the pod's own readiness command passes, the sidecar's status says primary and writable, and a
write lands. Exit 77 (skipped, loudly) where podman cannot run a container. Usage: primary_pod.py BUILT_BINARY"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
os.environ["CONTAINERS_CONF"] = os.path.join(HERE, "containers.conf")
AGENT_IMAGE = "localhost/mysql-agent-test:pod-%d" % os.getpid()
MARIADB_IMAGE = "localhost/mariadb-test:10.11"

# What the pod here does differently from what the manifests say, in one place.
DEVIATIONS = [
    "images: ghcr.io/example/mysql-agent:0.1.0 is the agent image built now (make image); docker.io/library/"
    "mariadb:10.11.19 is the MariaDB test image (Debian's 10.11.19, scripts/build-mariadb-image.sh)",
    "volumes: the data PVC and every emptyDir are host directories owned by 999:999 (Kubernetes applies fsGroup "
    "999 to them; podman does not); the Secret's files are written 0440 root:999 (defaultMode 288 with fsGroup "
    "999); the ConfigMap's files 0444",
    "network: one pod, loopback only (--network none: no Service, no peers), hostname mysql-0",
    "fsGroup 999: --group-add 999 on every container",
    "probes: the readiness command is run by this test through podman exec until it passes (the startup and "
    "liveness commands are the same binary)",
    "resources: the requests and limits are not applied (the machine's cgroup hierarchy is hybrid)",
    "seccompProfile RuntimeDefault: podman's default seccomp profile",
]


def run(args, check=True, capture=True, timeout=300):
    r = subprocess.run(args, stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None,
                       text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("%s exited %d:\n%s" % (" ".join(args[:6]), r.returncode, r.stdout or ""))
    return r


def skip(why):
    print("SKIPPED (containers: primary pod): " + why, file=sys.stderr)
    sys.exit(77)


def main():
    agent = sys.argv[1]
    if not shutil.which("podman") or not shutil.which("buildah") or not shutil.which("mmdebstrap"):
        skip("podman, buildah or mmdebstrap is not installed (make deps)")
    if run(["podman", "info"], check=False).returncode != 0:
        skip("podman cannot run here")
    print("deviations from the manifests:")
    for d in DEVIATIONS:
        print("  - " + d)

    run([os.path.join(REPO, "scripts/build-images.sh"), agent, AGENT_IMAGE], capture=False)
    run([os.path.join(REPO, "scripts/build-mariadb-image.sh"), MARIADB_IMAGE], capture=False, timeout=900)

    rendered = run(["kubectl", "kustomize", os.path.join(REPO, "manifests/overlays/mariadb-10.11")]).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    sts = next(d for d in docs if d["kind"] == "StatefulSet")
    cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "mysql")
    pod = sts["spec"]["template"]["spec"]
    images = {"ghcr.io/example/mysql-agent:0.1.0": AGENT_IMAGE, "docker.io/library/mariadb:10.11.19": MARIADB_IMAGE}

    work = tempfile.mkdtemp(prefix="mysql-agent-pod-")
    name = "mysql-agent-pod-%d" % os.getpid()
    volumes = {}
    for v in pod["volumes"] + [{"name": t["metadata"]["name"]} for t in sts["spec"]["volumeClaimTemplates"]]:
        path = os.path.join(work, v["name"])
        os.makedirs(path)
        if "configMap" in v:
            for key, value in cm["data"].items():
                with open(os.path.join(path, key), "w") as f:
                    f.write(value)
                os.chmod(os.path.join(path, key), 0o444)
        elif "secret" in v:
            for key in ("root-password", "replication-password", "backup-token"):
                p = os.path.join(path, key)
                with open(p, "w") as f:
                    f.write("pod-test-" + key + "-" + os.urandom(6).hex())
                os.chown(p, 0, 999)
                os.chmod(p, v["secret"].get("defaultMode", 0o644))
        else:
            os.chown(path, 999, 999)
        volumes[v["name"]] = path
    sc_pod = pod.get("securityContext", {})

    def podman_args(c, detach):
        sc = c.get("securityContext", {})
        args = ["podman", "run", "--pod", name, "--name", name + "-" + c["name"], "--init=false"]
        args += ["-d"] if detach else ["--rm"]
        args += ["--user", "%d:%d" % (sc.get("runAsUser", sc_pod.get("runAsUser", 0)),
                                      sc.get("runAsGroup", sc_pod.get("runAsGroup", 0)))]
        if "fsGroup" in sc_pod:
            args += ["--group-add", str(sc_pod["fsGroup"])]
        if sc.get("readOnlyRootFilesystem"):
            args += ["--read-only", "--read-only-tmpfs=false"]
        for cap in sc.get("capabilities", {}).get("drop", []):
            args += ["--cap-drop", cap]
        if sc.get("allowPrivilegeEscalation") is False:
            args += ["--security-opt", "no-new-privileges"]
        for e in c.get("env", []):
            args += ["--env", "%s=%s" % (e["name"], e["value"])]
        for m in c.get("volumeMounts", []):
            args += ["-v", "%s:%s%s" % (volumes[m["name"]], m["mountPath"], ":ro" if m.get("readOnly") else "")]
        if c.get("command"):
            args += ["--entrypoint", json.dumps(c["command"][:1])]
        args.append(images[c["image"]])
        args += c.get("command", [])[1:] + c.get("args", [])
        return args

    logs = []
    try:
        run(["podman", "pod", "create", "--name", name, "--hostname", "mysql-0", "--network", "none"])
        for c in pod["initContainers"]:
            print("init container %s: %s" % (c["name"], " ".join(c.get("command", []))))
            r = run(podman_args(c, detach=False), check=False, timeout=300)
            print(r.stdout)
            if r.returncode != 0:
                raise RuntimeError("init container %s exited %d" % (c["name"], r.returncode))
        for c in pod["containers"]:
            run(podman_args(c, detach=True))
            logs.append(name + "-" + c["name"])
        mysql = next(c for c in pod["containers"] if c["name"] == "mysql")
        ready = mysql["readinessProbe"]["exec"]["command"]
        deadline = time.time() + 180
        while True:
            r = run(["podman", "exec", name + "-mysql"] + ready, check=False)
            if r.returncode == 0:
                break
            if time.time() > deadline:
                raise RuntimeError("the readiness command never passed; last:\n" + r.stdout)
            time.sleep(1)
        print("mysql-0 is ready (its own readiness command)")
        status = run(["podman", "exec", name + "-sidecar", "/agent-bin/mysql-agent", "status", "--json",
                      "--password-file", "/etc/mysql-secrets/root-password", "--hostname", "mysql-0"]).stdout
        start = status.find("{")
        facts = json.loads(status[start:]) if start >= 0 else {}
        if not facts:
            raise RuntimeError("status --json printed no object:\n" + status)
        mysqld = facts.get("mysqld") or {}
        print("status: role %s, mysqld %s" % (facts.get("role"), json.dumps(
            {k: mysqld.get(k) for k in ("answers", "server_id", "version", "read_only")})))
        assert facts.get("role") == "primary", facts
        assert mysqld.get("answers") is True and mysqld.get("server_id") == 100 and mysqld.get("read_only") is False, mysqld
        assert (facts.get("sidecar") or {}).get("reachable", True) is not False, facts
        write = ("MYSQL_PWD=$(cat /etc/mysql-secrets/root-password) mariadb -uroot -h127.0.0.1 -N -e "
                 "\"CREATE DATABASE pod_test; CREATE TABLE pod_test.t (id INT PRIMARY KEY) ENGINE=InnoDB; "
                 "INSERT INTO pod_test.t VALUES (1); SELECT COUNT(*) FROM pod_test.t; SELECT @@server_id\"")
        out = run(["podman", "exec", name + "-mysql", "sh", "-c", write]).stdout.split()
        assert out[-2:] == ["1", "100"], out
        # The data volume: owned by 999 as mysqld wrote it; the config init wrote for ordinal 0.
        assert os.stat(os.path.join(volumes["data"], "ibdata1")).st_uid == 999
        assert os.path.exists(os.path.join(volumes["conf"], "master.cnf"))
        print("PASS: containers: primary pod (mysql-0 from the rendered manifests: init, mysqld, sidecar, ready, "
              "primary, a write)")
    except Exception:
        for c in logs:
            print("==== logs of %s" % c)
            print(run(["podman", "logs", c], check=False).stdout[-6000:])
        raise
    finally:
        run(["podman", "pod", "rm", "-f", "-t", "5", name], check=False)
        run(["podman", "rmi", "-f", AGENT_IMAGE], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
