#!/usr/bin/python3
"""containers: the rendered manifests (overlays/mariadb-10.11) as podman pods mysql-0..2, one after the other as the
StatefulSet starts them, with the images `make image` builds offline: the agent image and the MariaDB test image
(scripts/build-mariadb-image.sh). Each container runs with the command, environment, mounts and security context the
StatefulSet renders; every deviation from the manifests is listed in DEVIATIONS and printed. Checks: on every pod the
init containers complete and the pod's own readiness command passes; mysql-0 initialises its empty volume and its
sidecar's status says primary and writable; mysql-1 and mysql-2 are cloned from their previous peer by name and
replicate from mysql-0; a write on mysql-0 arrives on both. Exit 77 (skipped, loudly) where podman cannot run a
container. Usage: cluster_pods.py BUILT_BINARY"""

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

# What the pod here does differently from what the manifests say, in one place.
DEVIATIONS = [
    "images: ghcr.io/example/mysql-agent:0.1.0 is the agent image built now (make image); docker.io/library/"
    "mariadb:10.11.19 is the MariaDB test image (Debian's 10.11.19, scripts/build-mariadb-image.sh)",
    "volumes: the data PVC and every emptyDir are host directories owned by 999:999 (Kubernetes applies fsGroup "
    "999 to them; podman does not); the Secret's files are written 0440 root:999 (defaultMode 288 with fsGroup "
    "999); the ConfigMap's files 0444",
    "network: a podman network of its own; each pod's hostname mysql-N and the DNS alias mysql-N.mysql (aardvark-dns) "
    "stand for the headless Service's names; no other Service",
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
    print("SKIPPED (containers: cluster pods): " + why, file=sys.stderr)
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
    built = run([os.path.join(REPO, "scripts/build-mariadb-image.sh")], timeout=900).stdout
    print(built)
    mariadb_image = built.strip().splitlines()[-1]

    rendered = run(["kubectl", "kustomize", os.path.join(REPO, "manifests/overlays/mariadb-10.11")]).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    sts = next(d for d in docs if d["kind"] == "StatefulSet")
    cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "mysql")
    pod = sts["spec"]["template"]["spec"]
    images = {"ghcr.io/example/mysql-agent:0.1.0": AGENT_IMAGE, "docker.io/library/mariadb:10.11.19": mariadb_image}

    work = tempfile.mkdtemp(prefix="mysql-agent-pods-")
    tag = "mysql-agent-pods-%d" % os.getpid()
    network = tag
    sc_pod = pod.get("securityContext", {})
    secrets = {key: "pod-test-%s-%s" % (key, os.urandom(6).hex())
               for key in ("root-password", "replication-password", "backup-token")}

    def volumes_of(member):
        """The pod's volumes as host directories: the member's data PVC and emptyDirs, the ConfigMap and Secret."""
        volumes = {}
        for v in pod["volumes"] + [{"name": t["metadata"]["name"]} for t in sts["spec"]["volumeClaimTemplates"]]:
            path = os.path.join(work, member, v["name"])
            os.makedirs(path)
            if "configMap" in v:
                for key, value in cm["data"].items():
                    with open(os.path.join(path, key), "w") as f:
                        f.write(value)
                    os.chmod(os.path.join(path, key), 0o444)
            elif "secret" in v:
                for key, value in secrets.items():
                    p = os.path.join(path, key)
                    with open(p, "w") as f:
                        f.write(value)
                    os.chown(p, 0, 999)
                    os.chmod(p, v["secret"].get("defaultMode", 0o644))
            else:
                os.chown(path, 999, 999)
            volumes[v["name"]] = path
        return volumes

    def podman_args(member, volumes, c, detach):
        sc = c.get("securityContext", {})
        args = ["podman", "run", "--pod", member, "--name", member + "-" + c["name"], "--init=false"]
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

    started = []  # containers whose logs a failure prints

    def start_member(ordinal):
        member = "mysql-%d" % ordinal
        pod_name = "%s-%s" % (tag, member)
        volumes = volumes_of(member)
        run(["podman", "pod", "create", "--name", pod_name, "--hostname", member,
             "--network", "%s:alias=%s.mysql" % (network, member)])
        for c in pod["initContainers"]:
            print("%s: init container %s" % (member, c["name"]))
            r = run(podman_args(pod_name, volumes, c, detach=False), check=False, timeout=300)
            print(r.stdout)
            if r.returncode != 0:
                raise RuntimeError("%s: init container %s exited %d" % (member, c["name"], r.returncode))
        for c in pod["containers"]:
            run(podman_args(pod_name, volumes, c, detach=True))
            started.append(pod_name + "-" + c["name"])
        # Ready: the pod's own readiness command, as the StatefulSet waits for it before the next ordinal.
        ready = next(c for c in pod["containers"] if c["name"] == "mysql")["readinessProbe"]["exec"]["command"]
        deadline = time.time() + 180
        while True:
            r = run(["podman", "exec", pod_name + "-mysql"] + ready, check=False)
            if r.returncode == 0:
                break
            if time.time() > deadline:
                raise RuntimeError("%s: the readiness command never passed; last:\n%s" % (member, r.stdout))
            time.sleep(1)
        status = run(["podman", "exec", pod_name + "-sidecar", "/agent-bin/mysql-agent", "status", "--json",
                      "--password-file", "/etc/mysql-secrets/root-password", "--hostname", member]).stdout
        start = status.find("{")
        facts = json.loads(status[start:]) if start >= 0 else {}
        if not facts:
            raise RuntimeError("status --json printed no object:\n" + status)
        mysqld = facts.get("mysqld") or {}
        print("%s ready: role %s, server id %s, read_only %s, clone %s" % (
            member, facts.get("role"), mysqld.get("server_id"), mysqld.get("read_only"),
            (facts.get("clone") or {}).get("source")))
        assert mysqld.get("answers") is True and mysqld.get("server_id") == 100 + ordinal, mysqld
        if ordinal == 0:
            assert facts.get("role") == "primary" and mysqld.get("read_only") is False, facts
        else:
            assert facts.get("role") == "replica" and mysqld.get("read_only") is True, facts
            repl = facts.get("replication") or {}
            assert repl.get("io_running") and repl.get("sql_running"), repl
            assert (facts.get("clone") or {}).get("source", "").startswith("mysql-%d.mysql:" % (ordinal - 1)), facts
        assert os.stat(os.path.join(volumes["data"], "ibdata1")).st_uid == 999
        return pod_name

    def sql(pod_name, statement):
        cmd = ("MYSQL_PWD=$(cat /etc/mysql-secrets/root-password) mariadb -uroot -h127.0.0.1 -N -e \"%s\"" % statement)
        return run(["podman", "exec", pod_name + "-mysql", "sh", "-c", cmd]).stdout.split()

    try:
        run(["podman", "network", "create", network])
        members = []
        for ordinal in range(3):
            members.append(start_member(ordinal))
            if ordinal == 0:
                assert sql(members[0], "CREATE DATABASE pod_test; CREATE TABLE pod_test.t (id INT PRIMARY KEY) "
                                       "ENGINE=InnoDB; INSERT INTO pod_test.t VALUES (1); SELECT COUNT(*) FROM "
                                       "pod_test.t")[-1:] == ["1"]
        # A write on the primary arrives everywhere (replication, not the clones: it is written after them).
        sql(members[0], "INSERT INTO pod_test.t VALUES (2)")
        for replica in members[1:]:
            deadline = time.time() + 60
            while sql(replica, "SELECT COUNT(*) FROM pod_test.t")[-1:] != ["2"]:
                if time.time() > deadline:
                    raise RuntimeError("the write did not reach " + replica)
                time.sleep(0.5)
        print("PASS: containers: cluster pods (mysql-0..2 from the rendered manifests: init, clone by name, "
              "replication, ready, a write arriving everywhere)")
    except Exception:
        for c in started:
            print("==== logs of %s" % c)
            print(run(["podman", "logs", c], check=False).stdout[-6000:])
        raise
    finally:
        for ordinal in range(3):
            run(["podman", "pod", "rm", "-f", "-t", "5", "%s-mysql-%d" % (tag, ordinal)], check=False)
        run(["podman", "network", "rm", "-f", network], check=False)
        run(["podman", "rmi", "-f", AGENT_IMAGE], check=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
