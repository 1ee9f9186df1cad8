#!/usr/bin/env node
// Turns the StatefulSet of a rendered kustomization into one simulated pod on this machine: volume
// directories, and for each container its command line and environment with every path the container
// would see under a volumeMount replaced by that volume's directory in the pod. The harness (cluster.sh)
// then runs those command lines, so the e2e tests run exactly what the manifests say.
//
//   podspec.mjs summary RENDERED
//       prints "<phase> <container> <role>" per container and the source of the ConfigMap files
//   podspec.mjs fallback RENDERED > tests/e2e/fallback/pod.json
//       the ConfigMaps and what the harness uses of the StatefulSet, for when the manifests do not render
//   podspec.mjs secrets RENDERED
//       the secretName of each secret volume of the StatefulSet, one a line (the harness makes the TLS
//       certificates when mysql-tls is among them)
//   podspec.mjs cronjob RENDERED NAME
//       the command of the first container of CronJob NAME's job, NUL-separated, as rendered (the harness maps
//       its image's and mounts' paths)
//   podspec.mjs prepare RENDERED POD_DIR AGENT SECRETS_DIR [--fresh-empty-dirs]
//       creates POD_DIR/vol/<volume> (claims persist; emptyDirs are emptied with --fresh-empty-dirs, as when
//       Kubernetes recreates the pod), fills configMap and secret volumes, and writes POD_DIR/spec/:
//         containers.tsv   <phase>\t<name>\t<role>, in start order (init containers first)
//         <name>.argv      the mapped command and args, NUL-separated ("" for an image's own entrypoint)
//         <name>.env       the mapped environment, NAME=VALUE, NUL-separated
//         <name>.mounts    <mountPath>\t<directory>, one line per volumeMount
//         <name>.<startupProbe|livenessProbe|readinessProbe>.argv   an exec probe's mapped command
//
// RENDERED holds the objects as `kubectl label --local -o json` prints them (pretty JSON objects one after
// the other) or a JSON array (the fallback file). Roles: agent-install, agent-init, agent-sidecar (a
// mysql-agent subcommand), server (no command: the image's entrypoint runs mysqld), other.

import fs from "node:fs";
import path from "node:path";

function die(message) {
  console.error(`podspec.mjs: ${message}`);
  process.exit(2);
}

/// Objects from `kubectl ... -o json` output (several top-level objects, each `{`...`}` at column 0) or an array.
function readObjects(file) {
  const text = fs.readFileSync(file, "utf8").trim();
  if (text.startsWith("[")) return JSON.parse(text);
  if (text.startsWith("{")) {
    const parsed = JSON.parse(`[${text.replace(/^}\s*\n(?=\{)/gm, "},\n")}]`);
    // A single List object (kubectl prints one when asked for several objects in some versions).
    if (parsed.length === 1 && parsed[0].kind === "List") return parsed[0].items;
    return parsed;
  }
  die(`${file}: neither JSON objects nor a JSON array`);
}

function statefulSet(objects) {
  const sets = objects.filter((o) => o.kind === "StatefulSet");
  if (sets.length !== 1) die(`expected exactly one StatefulSet in the rendered objects, found ${sets.length}`);
  return sets[0];
}

function roleOf(container) {
  const argv = [...(container.command || []), ...(container.args || [])];
  if (argv.length === 0) return "server";
  if (path.basename(argv[0]) === "mysql-agent") {
    if (argv[1] === "install") return "agent-install";
    if (argv[1] === "init") return "agent-init";
    if (argv[1] === "sidecar") return "agent-sidecar";
  }
  return "other";
}

function containersInOrder(sts) {
  const spec = sts.spec.template.spec;
  return [
    ...(spec.initContainers || []).map((c) => ({ phase: "init", c })),
    ...(spec.containers || []).map((c) => ({ phase: "main", c })),
  ];
}

/// The directory of volume `name` (plus subPath) inside the pod directory.
function volumeDir(podDir, mount) {
  const base = path.join(podDir, "vol", mount.name);
  return mount.subPath ? path.join(base, mount.subPath) : base;
}

/// Replaces the mount path prefix of `value` (or of the part after `=` in `--flag=value`) with its directory.
function mapPath(value, mounts, imageFiles) {
  const eq = value.startsWith("--") ? value.indexOf("=") : -1;
  if (eq > 0) return value.slice(0, eq + 1) + mapPath(value.slice(eq + 1), mounts, imageFiles);
  if (imageFiles[value]) return imageFiles[value];
  for (const m of mounts) {
    if (value === m.mountPath) return m.dir;
    if (value.startsWith(m.mountPath + "/")) return m.dir + value.slice(m.mountPath.length);
  }
  return value;
}

function emptyDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

function prepare(objects, podDir, agent, secretsDir, freshEmptyDirs) {
  const sts = statefulSet(objects);
  const spec = sts.spec.template.spec;
  const claims = new Set((sts.spec.volumeClaimTemplates || []).map((t) => t.metadata.name));
  const volumes = new Map((spec.volumes || []).map((v) => [v.name, v]));
  for (const claim of claims) fs.mkdirSync(path.join(podDir, "vol", claim), { recursive: true });

  for (const [name, v] of volumes) {
    const dir = path.join(podDir, "vol", name);
    if (v.emptyDir) {
      if (freshEmptyDirs || !fs.existsSync(dir)) emptyDir(dir);
    } else if (v.configMap) {
      const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === v.configMap.name);
      if (!cm) die(`volume ${name}: ConfigMap ${v.configMap.name} is not among the rendered objects`);
      emptyDir(dir);
      for (const [key, content] of Object.entries(cm.data || {})) fs.writeFileSync(path.join(dir, key), content);
    } else if (v.secret) {
      // The Secret is never rendered (see manifests/README.md); the harness generated its keys.
      emptyDir(dir);
      for (const key of fs.readdirSync(secretsDir)) {
        fs.copyFileSync(path.join(secretsDir, key), path.join(dir, key));
        fs.chmodSync(path.join(dir, key), 0o400);
      }
    } else {
      die(`volume ${name}: only emptyDir, configMap, secret and volumeClaimTemplates are simulated`);
    }
  }

  const specDir = path.join(podDir, "spec");
  emptyDir(specDir);
  const rows = [];
  for (const { phase, c } of containersInOrder(sts)) {
    const mounts = (c.volumeMounts || []).map((m) => {
      if (!volumes.has(m.name) && !claims.has(m.name)) die(`container ${c.name}: mount of unknown volume ${m.name}`);
      const dir = volumeDir(podDir, m);
      fs.mkdirSync(dir, { recursive: true });  // the kubelet creates a missing subPath directory
      return { mountPath: m.mountPath.replace(/\/+$/, ""), dir };
    });
    mounts.sort((a, b) => b.mountPath.length - a.mountPath.length);  // the longest prefix wins
    const argv = [...(c.command || []), ...(c.args || [])];
    // Files of the container image itself that the harness supplies: the agent image's /mysql-agent.
    const imageFiles = argv.length && path.basename(argv[0]) === "mysql-agent" && !mounts.some((m) => argv[0].startsWith(m.mountPath + "/"))
      ? { [argv[0]]: agent }
      : {};
    const role = roleOf(c);
    const env = (c.env || []).map((e) => {
      if (e.valueFrom) die(`container ${c.name}: env ${e.name} uses valueFrom, which the harness does not simulate`);
      return `${e.name}=${mapPath(e.value ?? "", mounts, imageFiles)}`;
    });
    fs.writeFileSync(path.join(specDir, `${c.name}.argv`), argv.map((a) => mapPath(a, mounts, imageFiles) + "\0").join(""));
    fs.writeFileSync(path.join(specDir, `${c.name}.env`), env.map((e) => e + "\0").join(""));
    fs.writeFileSync(path.join(specDir, `${c.name}.mounts`), mounts.map((m) => `${m.mountPath}\t${m.dir}\n`).join(""));
    // Exec probes run in this container: the same mounts apply.
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      const command = c[probe]?.exec?.command;
      if (command)
        fs.writeFileSync(path.join(specDir, `${c.name}.${probe}.argv`),
                         command.map((a) => mapPath(a, mounts, imageFiles) + "\0").join(""));
    }
    rows.push(`${phase}\t${c.name}\t${role}\n`);
  }
  fs.writeFileSync(path.join(specDir, "containers.tsv"), rows.join(""));
}

/// The subset of the rendered objects the harness reads: ConfigMaps, and the StatefulSet's containers (commands,
/// env, mounts, exec probes), volumes and claim names.
function fallback(objects) {
  const keep = (c) => {
    const r = { name: c.name };
    for (const k of ["command", "args", "env", "ports", "volumeMounts"]) if (c[k]) r[k] = c[k];
    for (const p of ["startupProbe", "livenessProbe", "readinessProbe"]) if (c[p]?.exec) r[p] = { exec: c[p].exec };
    return r;
  };
  const out = objects
    .filter((o) => o.kind === "ConfigMap")
    .map((o) => ({ kind: "ConfigMap", metadata: { name: o.metadata.name }, data: o.data }));
  const sts = statefulSet(objects);
  const spec = sts.spec.template.spec;
  out.push({
    kind: "StatefulSet",
    metadata: { name: sts.metadata.name },
    spec: {
      serviceName: sts.spec.serviceName,
      template: { spec: { initContainers: (spec.initContainers || []).map(keep), containers: spec.containers.map(keep), volumes: spec.volumes } },
      volumeClaimTemplates: (sts.spec.volumeClaimTemplates || []).map((t) => ({ metadata: { name: t.metadata.name } })),
    },
  });
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}

function secretNames(objects) {
  for (const v of statefulSet(objects).spec.template.spec.volumes || []) if (v.secret) console.log(v.secret.secretName);
}

function summary(objects) {
  const sts = statefulSet(objects);
  for (const { phase, c } of containersInOrder(sts)) {
    const argv = [...(c.command || []), ...(c.args || [])];
    console.log(`${phase.padEnd(4)} ${c.name.padEnd(14)} ${roleOf(c).padEnd(13)} ${argv.length ? argv.join(" ") : "(image entrypoint)"}`);
  }
}

const [mode, rendered, ...rest] = process.argv.slice(2);
if (!mode || !rendered) die("usage: podspec.mjs summary RENDERED | fallback RENDERED | secrets RENDERED | cronjob RENDERED NAME | prepare RENDERED POD_DIR AGENT SECRETS_DIR [--fresh-empty-dirs]");
const objects = readObjects(rendered);
if (mode === "summary") {
  summary(objects);
} else if (mode === "fallback") {
  fallback(objects);
} else if (mode === "secrets") {
  secretNames(objects);
} else if (mode === "cronjob") {
  const job = objects.find((o) => o?.kind === "CronJob" && o.metadata?.name === rest[0]);
  if (!job) die(`no CronJob ${rest[0]} in ${rendered}`);
  const [container] = job.spec.jobTemplate.spec.template.spec.containers;
  process.stdout.write([...(container.command || []), ...(container.args || [])].join("\0") + "\0");
} else if (mode === "prepare") {
  const [podDir, agent, secretsDir, flag] = rest;
  if (!podDir || !agent || !secretsDir) die("prepare needs POD_DIR AGENT SECRETS_DIR");
  prepare(objects, path.resolve(podDir), path.resolve(agent), path.resolve(secretsDir), flag === "--fresh-empty-dirs");
} else {
  die(`unknown mode ${mode}`);
}
