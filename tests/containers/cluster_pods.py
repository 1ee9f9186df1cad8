#!/usr/bin/python3
"""containers: the rendered manifests as podman pods mysql-0..2, one after the other as the StatefulSet starts them,
with the images `make image` builds offline: the agent image and the MariaDB test image
(scripts/build-mariadb-image.sh). Each container runs with the command, environment, mounts and security context the
StatefulSet renders; every deviation from the manifests is listed in DEVIATIONS and printed.

The life of the cluster, each step checked through the pods' own readiness command, the sidecars' `status --json`,
the clone markers on the volumes and SQL in the mysql containers:
  1. mysql-0 initialises its empty volume and is the writable primary; mysql-1 and mysql-2 are cloned from their
     previous peer by name and replicate from mysql-0; a write on mysql-0 arrives on both.
  2. mysql-1's pod is deleted (every container stopped by SIGTERM, none killed) and recreated with its volume: no
     clone (its marker unchanged), it catches up with a write made while it was gone.
  3. mysql-2's pod and its volume are deleted: the new pod is cloned again, from mysql-1.
  4. mysql-0's pod and its volume are deleted while mysql-1 and mysql-2 run: it comes back re-seeded from its peers,
     the writable primary with every row, and the replicas follow it without a clone.
  5. Scaled down to 1 (mysql-2, then mysql-1 deleted, volumes kept) and up to 3 again: both back without a clone,
     with the writes made meanwhile.
With --tls the manifests are rendered with the tls component (tests/e2e/tls-overlay) and the Secret mysql-tls made
by tests/faults/tls_certs.sh: every sidecar serves TLS only and asks for client certificates, every clone and
re-seed goes over TLS with the pod's certificate (the donor's log names the receiving pod's address), and `status
--tls-ca` reads the sidecar over TLS.

Every failure prints the containers' logs. Exit 77 (skipped, loudly) where podman cannot run a container.
Usage: cluster_pods.py BUILT_BINARY [--tls]"""

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
TLS = "--tls" in sys.argv[2:]
NAME = "containers: cluster pods" + (" with tls" if TLS else "")
AGENT_IMAGE = "localhost/mysql-agent-test:pod-%d" % os.getpid()
SIGKILLED = 137  # a container's exit code when it was killed rather than stopping on SIGTERM

# What the pods here do differently from what the manifests say, in one place.
DEVIATIONS = [
    "images: ghcr.io/example/mysql-agent:0.1.0 is the agent image built now (make image); docker.io/library/"
    "mariadb:10.11.19 is the MariaDB test image (Debian's 10.11.19, scripts/build-mariadb-image.sh)",
    "pods: `podman pod create` + `podman run` per container with the rendered fields, not `podman kube play`: podman "
    "4.3's kube play restarts init containers forever under restartPolicy Always, turns Secret volumes into broken "
    "ones (data left base64, defaultMode and fsGroup ignored), maps no readiness or startup probe and publishes every "
    "containerPort on the host",
    "volumes: the data PVC and every emptyDir are host directories owned by 999:999 (Kubernetes applies fsGroup "
    "999 to them; podman does not); the PVC's directory outlives the pod, the emptyDirs are new for every pod; the "
    "Secrets' files are written 0440 root:999 (defaultMode 288 with fsGroup 999); the ConfigMap's files 0444",
    "network: a podman network of its own; each pod's hostname mysql-N and the DNS alias mysql-N.mysql (aardvark-dns) "
    "stand for the headless Service's names; no other Service",
    "fsGroup 999: --group-add 999 on every container",
    "probes: the readiness command is run by this test through podman exec until it passes (the startup and "
    "liveness commands are the same binary)",
    "resources: the requests and limits are not applied (the machine's cgroup hierarchy is hybrid)",
    "seccompProfile RuntimeDefault: podman's default seccomp profile",
    "deletion: `podman pod stop -t terminationGracePeriodSeconds` (SIGTERM to every container, SIGKILL after the "
    "grace period), then `podman pod rm`; scaling: pods deleted from the highest ordinal down, created upwards",
]


def run(args, check=True, capture=True, timeout=300):
    r = subprocess.run(args, stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None,
                       text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("%s exited %d:\n%s" % (" ".join(args[:6]), r.returncode, r.stdout or ""))
    return r


def skip(why):
    print("SKIPPED (%s): %s" % (NAME, why), file=sys.stderr)
    sys.exit(77)


def await_true(what, predicate, seconds):
    """Polls `predicate` (a function returning (done, detail)) until it is done; fails with the last detail."""
    deadline = time.time() + seconds
    while True:
        done, detail = predicate()
        if done:
            return detail
        if time.time() > deadline:
            raise RuntimeError("%s: not within %d s; last: %s" % (what, seconds, detail))
        time.sleep(0.5)


class Cluster:
    """The rendered StatefulSet's pods under podman: pods created and deleted by ordinal, volumes kept or not."""

    def __init__(self, rendered, mariadb_image, work, tls_dir):
        docs = [d for d in yaml.safe_load_all(rendered) if d]
        self.sts = next(d for d in docs if d["kind"] == "StatefulSet")
        self.cm = next(d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "mysql")
        self.pod = self.sts["spec"]["template"]["spec"]
        self.images = {"ghcr.io/example/mysql-agent:0.1.0": AGENT_IMAGE,
                       "docker.io/library/mariadb:10.11.19": mariadb_image}
        self.work = work
        self.tag = "mysql-agent-pods-%d" % os.getpid()
        self.network = self.tag
        self.secrets = {"mysql-secrets": {key: "pod-test-%s-%s" % (key, os.urandom(6).hex())
                                  for key in ("root-password", "replication-password", "backup-token")}}
        if tls_dir:
            self.secrets["mysql-tls"] = {"ca.crt": open(os.path.join(tls_dir, "ca.crt")).read(),
                                         "tls.crt": open(os.path.join(tls_dir, "server.crt")).read(),
                                         "tls.key": open(os.path.join(tls_dir, "server.key")).read()}
        self.incarnation = {}   # ordinal -> how many pods it has had
        self.containers = {}    # container name -> the ordinal's pod, for the logs a failure prints
        self.volumes = {}       # ordinal -> {volume name: host directory} of its current pod
        self.grace = int(self.pod.get("terminationGracePeriodSeconds", 30))
        mounted = {v["secret"]["secretName"] for v in self.pod["volumes"] if "secret" in v}
        if mounted - set(self.secrets):
            raise RuntimeError("the StatefulSet mounts Secrets this test does not make: %s" % (mounted - set(self.secrets)))

    def pod_name(self, n):
        return "%s-mysql-%d" % (self.tag, n)

    def data_dir(self, n):
        return os.path.join(self.work, "mysql-%d" % n, "pvc-data")

    def marker(self, n):
        """The clone marker on ordinal n's data volume (None when there is none)."""
        path = os.path.join(self.data_dir(n), ".mysql-agent-clone.json")
        return json.load(open(path)) if os.path.exists(path) else None

    def _volumes(self, n):
        """Ordinal n's pod's volumes as host directories: the data PVC (kept), new emptyDirs, ConfigMap and Secrets."""
        k = self.incarnation[n]
        volumes = {}
        for t in self.sts["spec"]["volumeClaimTemplates"]:
            path = os.path.join(self.work, "mysql-%d" % n, "pvc-" + t["metadata"]["name"])
            if not os.path.isdir(path):
                os.makedirs(path)
                os.chown(path, 999, 999)
            volumes[t["metadata"]["name"]] = path
        for v in self.pod["volumes"]:
            path = os.path.join(self.work, "mysql-%d" % n, "pod-%d" % k, v["name"])
            os.makedirs(path)
            if "configMap" in v:
                for key, value in self.cm["data"].items():
                    with open(os.path.join(path, key), "w") as f:
                        f.write(value)
                    os.chmod(os.path.join(path, key), 0o444)
            elif "secret" in v:
                for key, value in self.secrets[v["secret"]["secretName"]].items():
                    p = os.path.join(path, key)
                    with open(p, "w") as f:
                        f.write(value)
                    os.chown(p, 0, 999)
                    os.chmod(p, v["secret"].get("defaultMode", 0o644))
            else:
                os.chown(path, 999, 999)
            volumes[v["name"]] = path
        return volumes

    def _podman_args(self, n, c, detach):
        sc_pod = self.pod.get("securityContext", {})
        sc = c.get("securityContext", {})
        args = ["podman", "run", "--pod", self.pod_name(n), "--name", self.pod_name(n) + "-" + c["name"],
                "--init=false"]
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
            args += ["-v", "%s:%s%s" % (self.volumes[n][m["name"]], m["mountPath"], ":ro" if m.get("readOnly") else "")]
        if c.get("command"):
            args += ["--entrypoint", json.dumps(c["command"][:1])]
        args.append(self.images[c["image"]])
        args += c.get("command", [])[1:] + c.get("args", [])
        return args

    def create(self, n):
        """Creates ordinal n's pod: its init containers in order, then its containers, then waits for readiness."""
        self.incarnation[n] = self.incarnation.get(n, 0) + 1
        self.volumes[n] = self._volumes(n)
        member = "mysql-%d" % n
        run(["podman", "pod", "create", "--name", self.pod_name(n), "--hostname", member,
             "--network", "%s:alias=%s.mysql" % (self.network, member)])
        t0 = time.time()
        for c in self.pod["initContainers"]:
            r = run(self._podman_args(n, c, detach=False), check=False, timeout=300)
            print("%s: init container %s exited %d:\n%s" % (member, c["name"], r.returncode, r.stdout.rstrip()))
            if r.returncode != 0:
                raise RuntimeError("%s: init container %s exited %d" % (member, c["name"], r.returncode))
        for c in self.pod["containers"]:
            run(self._podman_args(n, c, detach=True))
            self.containers[self.pod_name(n) + "-" + c["name"]] = n
        ready = next(c for c in self.pod["containers"] if c["name"] == "mysql")["readinessProbe"]["exec"]["command"]

        def is_ready():
            r = run(["podman", "exec", self.pod_name(n) + "-mysql"] + ready, check=False)
            return r.returncode == 0, r.stdout.strip()[-400:]
        await_true("%s: the readiness command passes" % member, is_ready, 180)
        print("%s: ready %.1f s after its pod was created" % (member, time.time() - t0))

    def delete(self, n, keep_volume):
        """Deletes ordinal n's pod as the kubelet does (SIGTERM, SIGKILL after the grace period); every container must
        have stopped on SIGTERM. Without keep_volume its data volume goes too."""
        t0 = time.time()
        run(["podman", "pod", "stop", "-t", str(self.grace), self.pod_name(n)], timeout=self.grace + 60)
        seconds = time.time() - t0
        for c in [c for c, o in self.containers.items() if o == n]:
            code = run(["podman", "inspect", "-f", "{{.State.ExitCode}}", c]).stdout.strip()
            assert code != str(SIGKILLED), "%s was killed after the grace period (exit %s): it ignored SIGTERM" % (c, code)
        run(["podman", "pod", "rm", "-f", self.pod_name(n)])
        self.containers = {c: o for c, o in self.containers.items() if o != n}
        print("mysql-%d: pod deleted, every container stopped on SIGTERM in %.1f s%s" % (
            n, seconds, "" if keep_volume else "; its volume deleted"))
        if not keep_volume:
            shutil.rmtree(self.data_dir(n))

    def status(self, n):
        args = ["podman", "exec", self.pod_name(n) + "-sidecar", "/agent-bin/mysql-agent", "status", "--json",
                "--password-file", "/etc/mysql-secrets/root-password", "--hostname", "mysql-%d" % n]
        if TLS:
            args += ["--tls-ca", "/etc/mysql-agent/tls/ca.crt"]
        out = run(args).stdout
        start = out.find("{")
        facts = json.loads(out[start:]) if start >= 0 else {}
        if not facts:
            raise RuntimeError("status --json printed no object:\n" + out)
        return facts

    def check_role(self, n):
        """Ordinal 0 the writable primary (after the sidecar's takeover), the others replicating read-only replicas."""
        def settled():
            facts = self.status(n)
            mysqld = facts.get("mysqld") or {}
            repl = facts.get("replication") or {}
            if n == 0:
                ok = facts.get("role") == "primary" and mysqld.get("read_only") is False
            else:
                ok = (facts.get("role") == "replica" and mysqld.get("read_only") is True and
                      bool(repl.get("io_running")) and bool(repl.get("sql_running")))
            return ok and mysqld.get("server_id") == 100 + n, facts
        facts = await_true("mysql-%d: its role settles" % n, settled, 90)
        if TLS:
            assert (facts.get("sidecar") or {}).get("reachable") is True, facts.get("sidecar")
        assert os.stat(os.path.join(self.data_dir(n), "ibdata1")).st_uid == 999
        print("mysql-%d: %s, server id %s, read_only %s%s" % (
            n, facts.get("role"), facts["mysqld"].get("server_id"), facts["mysqld"].get("read_only"),
            ", status read its sidecar over TLS" if TLS else ""))
        return facts

    def sql(self, n, statement):
        cmd = "MYSQL_PWD=$(cat /etc/mysql-secrets/root-password) mariadb -uroot -h127.0.0.1 -N -e \"%s\"" % statement
        return run(["podman", "exec", self.pod_name(n) + "-mysql", "sh", "-c", cmd]).stdout.split()

    def pod_ip(self, n):
        out = run(["podman", "pod", "inspect", "-f", "{{.InfraContainerID}}", self.pod_name(n)]).stdout.strip()
        nets = json.loads(run(["podman", "inspect", "-f", "{{json .NetworkSettings.Networks}}", out]).stdout)
        return nets[self.network]["IPAddress"]

    def logs(self, n, container):
        return run(["podman", "logs", self.pod_name(n) + "-" + container], check=False).stdout

    def print_logs(self):
        for c in self.containers:
            print("==== logs of %s" % c)
            print(run(["podman", "logs", c], check=False).stdout[-6000:])

    def remove_all(self):
        for n in list(self.incarnation):
            run(["podman", "pod", "rm", "-f", "-t", "5", self.pod_name(n)], check=False)
        run(["podman", "network", "rm", "-f", self.network], check=False)


def check_clone(cluster, n, donor):
    """Ordinal n's current data volume was cloned from `donor` (an ordinal) by this pod's init."""
    marker = cluster.marker(n)
    source = (marker or {}).get("source", "")
    assert source.startswith("mysql-%d.mysql:" % donor), "mysql-%d's marker: %s" % (n, marker)
    if TLS:
        ip = cluster.pod_ip(n)
        donor_log = cluster.logs(donor, "sidecar")
        assert "backup for %s:" % ip in donor_log, "mysql-%d's sidecar log names no backup for %s" % (donor, ip)
    print("mysql-%d: cloned from %s%s" % (n, source, " over TLS (the donor's log names %s)" % cluster.pod_ip(n)
                                          if TLS else ""))


def check_rows(cluster, members, want):
    """Every member has `want` rows in pod_test.t (replication, polled)."""
    for n in members:
        def arrived():
            got = cluster.sql(n, "SELECT COUNT(*) FROM pod_test.t")[-1:]
            return got == [str(want)], got
        await_true("mysql-%d holds %d rows" % (n, want), arrived, 60)
    print("mysql-%s: %d rows each" % (",".join(str(n) for n in members), want))


def main():
    agent = sys.argv[1]
    if not shutil.which("podman") or not shutil.which("buildah") or not shutil.which("mmdebstrap"):
        skip("podman, buildah or mmdebstrap is not installed (make deps)")
    if run(["podman", "info"], check=False).returncode != 0:
        skip("podman cannot run here")
    print("deviations from the manifests:")
    for d in DEVIATIONS:
        print("  - " + d)

    work = tempfile.mkdtemp(prefix="mysql-agent-pods-")
    cluster = None
    try:
        run([os.path.join(REPO, "scripts/build-images.sh"), agent, AGENT_IMAGE], capture=False)
        built = run([os.path.join(REPO, "scripts/build-mariadb-image.sh")], timeout=900).stdout
        print(built)
        tls_dir = None
        overlay = "manifests/overlays/mariadb-10.11"
        if TLS:
            overlay = "tests/e2e/tls-overlay"
            tls_dir = os.path.join(work, "tls")
            run([os.path.join(REPO, "tests/faults/tls_certs.sh"), tls_dir, "peer"])
        rendered = run(["kubectl", "kustomize", os.path.join(REPO, overlay)]).stdout
        cluster = Cluster(rendered, built.strip().splitlines()[-1], work, tls_dir)
        print("rendered %s: %d init containers, %d containers, Secrets %s" % (
            overlay, len(cluster.pod["initContainers"]), len(cluster.pod["containers"]), sorted(cluster.secrets)))
        try:
            life(cluster)
        except BaseException:
            cluster.print_logs()
            raise
        print("PASS: %s (%s: created in order, a pod deleted and recreated with its volume, a replica's volume "
              "deleted and cloned again, ordinal 0's volume deleted and re-seeded, scaled down to 1 and up to 3)"
              % (NAME, overlay))
    finally:
        if cluster:
            cluster.remove_all()
        run(["podman", "rmi", "-f", AGENT_IMAGE], check=False)
        shutil.rmtree(work, ignore_errors=True)


def life(cluster):
    """The steps of the module's docstring."""
    run(["podman", "network", "create", cluster.network])
    print("== 1. mysql-0..2 created in order")
    rows = 0
    for n in range(3):
        cluster.create(n)
        cluster.check_role(n)
        if n == 0:
            assert cluster.marker(0) is None, cluster.marker(0)  # initialised, not cloned
            cluster.sql(0, "CREATE DATABASE pod_test; CREATE TABLE pod_test.t (id INT PRIMARY KEY) ENGINE=InnoDB")
        else:
            check_clone(cluster, n, n - 1)
        rows += 1
        cluster.sql(0, "INSERT INTO pod_test.t VALUES (%d)" % rows)
    if TLS:
        for n in range(3):
            log = cluster.logs(n, "sidecar")
            assert "serving TLS only with" in log and "require a client certificate" in log, log[-2000:]
        print("mysql-0..2: every sidecar serves TLS only and asks for client certificates (their logs)")
    check_rows(cluster, range(3), rows)

    print("== 2. mysql-1's pod deleted and recreated with its volume")
    before = cluster.marker(1)
    cluster.delete(1, keep_volume=True)
    rows += 1
    cluster.sql(0, "INSERT INTO pod_test.t VALUES (%d)" % rows)
    cluster.create(1)
    cluster.check_role(1)
    assert cluster.marker(1) == before, "mysql-1 was cloned again: %s" % cluster.marker(1)
    check_rows(cluster, range(3), rows)

    print("== 3. mysql-2's pod and volume deleted: cloned again")
    cluster.delete(2, keep_volume=False)
    cluster.create(2)
    cluster.check_role(2)
    check_clone(cluster, 2, 1)
    check_rows(cluster, [2], rows)

    print("== 4. mysql-0's pod and volume deleted while mysql-1 and mysql-2 run: re-seeded from its peers")
    replicas_before = {n: cluster.marker(n) for n in (1, 2)}
    cluster.delete(0, keep_volume=False)
    cluster.create(0)
    marker = cluster.marker(0) or {}
    assert (marker.get("reseed") or {}).get("as_primary") is True, marker
    donor = marker.get("source", "").split(".")[0]
    assert donor in ("mysql-1", "mysql-2"), marker
    if TLS:
        donor_log = cluster.logs(int(donor[-1]), "sidecar")
        assert "backup for %s:" % cluster.pod_ip(0) in donor_log, "%s's log names no backup for mysql-0" % donor
    print("mysql-0: re-seeded as the primary from %s at %s%s" % (
        marker.get("source"), (marker.get("reseed") or {}).get("position"), " over TLS" if TLS else ""))
    cluster.check_role(0)
    check_rows(cluster, [0], rows)
    for n in (1, 2):
        cluster.check_role(n)
        assert cluster.marker(n) == replicas_before[n], "mysql-%d was cloned again" % n
    rows += 1
    cluster.sql(0, "INSERT INTO pod_test.t VALUES (%d)" % rows)
    check_rows(cluster, range(3), rows)
    print("mysql-1,2: follow the re-seeded mysql-0 without a clone")

    print("== 5. scaled down to 1 and up to 3")
    markers = {n: cluster.marker(n) for n in (1, 2)}
    cluster.delete(2, keep_volume=True)
    cluster.delete(1, keep_volume=True)
    rows += 1
    cluster.sql(0, "INSERT INTO pod_test.t VALUES (%d)" % rows)
    for n in (1, 2):
        cluster.create(n)
        cluster.check_role(n)
        assert cluster.marker(n) == markers[n], "mysql-%d was cloned again" % n
    check_rows(cluster, range(3), rows)

if __name__ == "__main__":
    main()
