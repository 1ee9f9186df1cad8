#!/usr/bin/env node
// Checks of manifests/, one mode per ctest test. Each prints one line per thing checked ("ok   ..." or
// "FAIL ...: why"), then "N passed, M failed", and exits 1 when something failed or nothing was checked.
//
//   check_manifests.mjs deps                           npm ci the pinned validator when node_modules is missing or stale
//   check_manifests.mjs render   MANIFESTS             every kustomization renders with `kubectl kustomize`, and so
//                                                      does every overlay with each component, each pair of them
//                                                      and all of them
//   check_manifests.mjs schema   MANIFESTS             every rendered object and every *.example.yaml validates against
//                                                      the Kubernetes OpenAPI schemas (cert-manager's and the
//                                                      prometheus-operator's for their kinds), has no unknown field,
//                                                      and keeps the deployment rules below; every kustomization file
//                                                      has the apiVersion of its kind and no unknown key
//   check_manifests.mjs commands MANIFESTS AGENT       every mysql-agent command line (containers and exec probes),
//                                                      compositions with the components included, is accepted by
//                                                      `AGENT --parse-only ARGS...` with its container's
//                                                      MYSQL_AGENT_<FLAG> variables (PENDING_FLAGS aside, below),
//                                                      each of which names a flag the command line does not give;
//                                                      the store components give their flags once (COMPONENT_FLAGS)
//   check_manifests.mjs mariadb-config MANIFESTS MARIADBD
//                                                      every .cnf key of the ConfigMaps of a MariaDB kustomization is
//                                                      accepted by `MARIADBD --defaults-file=F --verbose --help`, and
//                                                      sets secure-file-priv to a path outside the datadir (MariaDB's
//                                                      default, none, lets SQL write files into the datadir)
//
// kubectl is taken from $KUBECTL, else PATH.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const KUBECTL = process.env.KUBECTL || "kubectl";

// ---------------------------------------------------------------------------------------------------------------
// Reporting

let passed = 0;
let failed = 0;

function ok(what) {
  passed++;
  console.log(`ok   ${what}`);
}

function fail(what, why) {
  failed++;
  console.log(`FAIL ${what}: ${why}`);
}

function note(text) {
  console.log(`--   ${text}`);
}

function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

function usage(message) {
  console.error(`check_manifests.mjs: ${message}`);
  console.error("usage: check_manifests.mjs deps | render DIR | schema DIR | commands DIR AGENT | mariadb-config DIR MARIADBD");
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------------------------
// Finding and rendering kustomizations

const KUSTOMIZATION_FILES = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);

/// Every kustomization file under `root`: [{dir, file}] with paths relative to `root`, sorted by dir.
function findKustomizationFiles(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
      else if (KUSTOMIZATION_FILES.has(entry.name))
        found.push({ dir: path.relative(root, dir) || ".", file: path.relative(root, path.join(dir, entry.name)) });
    }
  };
  walk(root);
  return found.sort((a, b) => a.dir.localeCompare(b.dir));
}

/// Every directory under `root` holding a kustomization file, relative to `root`, sorted.
function findKustomizations(root) {
  return findKustomizationFiles(root).map((k) => k.dir);
}

/// What each kustomization file is: [{dir, file, doc, error}], doc being the parsed file (null when it does not parse).
async function readKustomizationFiles(root) {
  const out = [];
  for (const k of findKustomizationFiles(root)) {
    const p = await parseYaml(fs.readFileSync(path.join(root, k.file), "utf8"));
    if (p.error) out.push({ ...k, doc: null, error: p.error });
    else if (p.objects.length !== 1) out.push({ ...k, doc: null, error: `holds ${p.objects.length} documents, not 1` });
    else out.push({ ...k, doc: p.objects[0] });
  }
  return out;
}

/// The compositions a user makes of the components (kind: Component, under components/): every overlay that lists
/// no component itself, with each component alone, each pair of them and all of them, in directory order (the order
/// the components ask for: monitoring and backup before tls). A component renders alone too (its own objects; its
/// patches then match nothing), but only a composition shows what it does to a StatefulSet. The pairs show which two
/// do not compose, where all of them together only show that some do not (backup-status and archive-binlogs share
/// the sidecar's store; tls appends to the containers the others patch).
/// Returns [{source, overlay, components}] with paths relative to `root`.
async function findCompositions(root) {
  const files = await readKustomizationFiles(root);
  const components = files.filter((k) => k.doc?.kind === "Component").map((k) => k.dir);
  // An overlay that lists components already is checked as it is, not composed again.
  const overlays = files
    .filter((k) => k.doc?.kind !== "Component" && k.dir.startsWith("overlays/") && !k.doc?.components)
    .map((k) => k.dir);
  const sets = components.map((c) => [c]);
  if (components.length > 2)
    components.forEach((a, i) => components.slice(i + 1).forEach((b) => sets.push([a, b])));
  if (components.length > 1) sets.push(components);
  return overlays.flatMap((overlay) =>
    sets.map((set) => ({ source: `${overlay} + ${set.join(" + ")}`, overlay, components: set })),
  );
}

/// Renders a composition: a temporary kustomization with the overlay as its resource and the components. kustomize
/// takes only relative paths there, so they are written relative to the temporary directory.
function kustomizeComposition(root, { overlay, components }) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mysql-agent-kustomize-"));
  try {
    const rel = (p) => path.relative(tmp, path.join(root, p));
    const text =
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n" +
      `resources:\n  - ${rel(overlay)}\ncomponents:\n${components.map((c) => `  - ${rel(c)}\n`).join("")}`;
    fs.writeFileSync(path.join(tmp, "kustomization.yaml"), text);
    return kustomize(tmp);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/// Every *.example.yaml under `root`, relative to `root`, sorted: YAML meant to be copied, not applied by -k.
function findExamples(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.example\.ya?ml$/.test(entry.name)) found.push(path.relative(root, full));
    }
  };
  walk(root);
  return found.sort();
}

/// Runs `kubectl kustomize DIR`; returns {yaml} or {error}.
function kustomize(dir) {
  const r = spawnSync(KUBECTL, ["kustomize", dir], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) {
    const why = r.error.code === "ENOENT" ? `${KUBECTL} not found on PATH (install kubectl, or set KUBECTL)` : r.error.message;
    return { error: why };
  }
  if (r.status !== 0) return { error: `kubectl kustomize exited ${r.status}: ${r.stderr.trim()}` };
  return { yaml: r.stdout };
}

/// Parses a multi-document YAML stream the way the Kubernetes API machinery does (YAML 1.1: 0440 is octal,
/// `on` is a boolean). Returns {objects} or {error}.
async function parseYaml(text) {
  const YAML = await import("yaml");
  const docs = YAML.parseAllDocuments(text, { version: "1.1" });
  const objects = [];
  for (const doc of docs) {
    if (doc.errors.length) return { error: doc.errors.map((e) => e.message).join("; ") };
    const value = doc.toJS({ maxAliasCount: -1 });
    if (value !== null && value !== undefined) objects.push(value);
  }
  return { objects };
}

/// Renders every kustomization, and with `compositions` every composition of the components too; returns
/// [{source, objects, overlay, components}] (overlay and components: what a composition is made of; null and [] for a
/// kustomization) and reports failures.
async function loadAll(root, { compositions = false } = {}) {
  const sources = [];
  const add = async (source, r, overlay, components) => {
    if (r.error) return fail(`${source}: render`, r.error);
    const p = await parseYaml(r.yaml);
    if (p.error) fail(`${source}: parse`, p.error);
    else sources.push({ source, kustomization: true, objects: p.objects, overlay, components });
  };
  for (const k of findKustomizations(root)) await add(k, kustomize(path.join(root, k)), null, []);
  if (compositions)
    for (const c of await findCompositions(root))
      await add(c.source, kustomizeComposition(root, c), c.overlay, c.components);
  return sources;
}

function objectName(obj) {
  return `${obj?.kind ?? "?"}/${obj?.metadata?.name ?? "?"}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Pod templates and containers

/// The pod spec inside a workload object, or null.
function podSpecOf(obj) {
  switch (obj?.kind) {
    case "Pod":
      return obj.spec ?? null;
    case "CronJob":
      return obj.spec?.jobTemplate?.spec?.template?.spec ?? null;
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return obj.spec?.template?.spec ?? null;
    default:
      return null;
  }
}

/// [{field, container}] for initContainers and containers of a pod spec.
function containersOf(spec) {
  const out = [];
  for (const field of ["initContainers", "containers"])
    for (const c of spec?.[field] ?? []) out.push({ field, container: c });
  return out;
}

/// The values that occur more than once in a list, each once.
function duplicates(values) {
  const seen = new Set();
  const twice = new Set();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}

/// The flag a MYSQL_AGENT_<FLAG> variable stands for by the agent's naming (cmd/command.cpp, bind_environment:
/// MYSQL_AGENT_ACCESS_KEY_FILE -> --access-key-file), or null for another variable. The commands mode checks each
/// against the built binary's own list (`SUBCOMMAND --help`, "(Env:NAME)").
function flagOfEnv(name) {
  const m = /^MYSQL_AGENT_([A-Z0-9_]+)$/.exec(String(name));
  return m ? `--${m[1].toLowerCase().replace(/_/g, "-")}` : null;
}

/// The flags a container gives the agent: on its command line (`--flag VALUE` or `--flag=VALUE`; value is the next
/// argument whether or not the flag takes one) and as its own MYSQL_AGENT_<FLAG> variables, which the agent reads
/// for a flag the command line does not give. [{flag, value, how}], how saying where it was given.
function givenFlags(c) {
  const out = [];
  const argv = [...(c.command ?? []), ...(c.args ?? [])].map(String);
  argv.forEach((a, i) => {
    if (!a.startsWith("--")) return;
    const eq = a.indexOf("=");
    if (eq > 0) out.push({ flag: a.slice(0, eq), value: a.slice(eq + 1), how: a });
    else out.push({ flag: a, value: argv[i + 1], how: argv[i + 1] === undefined ? a : `${a} ${argv[i + 1]}` });
  });
  for (const e of c.env ?? []) {
    const flag = flagOfEnv(e.name);
    if (flag && typeof e.value === "string") out.push({ flag, value: e.value, how: `env ${e.name}=${e.value}` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// deps

function modeDeps() {
  const lock = path.join(HERE, "package-lock.json");
  const installed = path.join(HERE, "node_modules", ".package-lock.json");
  const stale = !fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs;
  if (stale) {
    const r = spawnSync("npm", ["ci", "--prefix", HERE, "--no-audit", "--no-fund"], { encoding: "utf8" });
    if (r.error || r.status !== 0) {
      const why = r.error ? r.error.message : `exit ${r.status}: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | ")}`;
      fail(`npm ci --prefix ${HERE}`, why);
      return finish();
    }
  }
  const wanted = JSON.parse(fs.readFileSync(lock, "utf8")).packages;
  for (const name of Object.keys(wanted[""].dependencies)) {
    const pkgFile = path.join(HERE, "node_modules", name, "package.json");
    const want = wanted[`node_modules/${name}`]?.version;
    const have = fs.existsSync(pkgFile) ? JSON.parse(fs.readFileSync(pkgFile, "utf8")).version : "missing";
    if (have === want) ok(`${name}@${have}${stale ? " (npm ci)" : " (already installed)"}`);
    else fail(name, `package-lock.json pins ${want} but node_modules has ${have}; run npm ci --prefix ${HERE}`);
  }
  finish();
}

// ---------------------------------------------------------------------------------------------------------------
// render

async function modeRender(root) {
  const ks = findKustomizations(root);
  if (ks.length === 0) fail(root, "no kustomization.yaml found");
  const count = (yaml) => yaml.split(/^---$/m).filter((d) => d.trim()).length;
  for (const k of ks) {
    const r = kustomize(path.join(root, k));
    if (r.error) fail(`render ${k}`, r.error);
    else ok(`render ${k} (${count(r.yaml)} objects)`);
  }
  for (const c of await findCompositions(root)) {
    const r = kustomizeComposition(root, c);
    if (r.error) fail(`render ${c.source}`, r.error);
    else ok(`render ${c.source} (${count(r.yaml)} objects)`);
  }
  finish();
}

// ---------------------------------------------------------------------------------------------------------------
// schema

/// The packages holding the models of custom resources, by API group; the Kubernetes API's own are in kubernetes-models.
const CRD_MODEL_PACKAGES = {
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

/// The module path of the model for an apiVersion/kind ("apps/v1" + "StatefulSet" -> kubernetes-models/apps/v1/StatefulSet,
/// "cert-manager.io/v1" + "Issuer" -> @kubernetes-models/cert-manager/cert-manager.io/v1/Issuer).
function modelModule(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const pkg = CRD_MODEL_PACKAGES[group] ?? "kubernetes-models";
  return `${pkg}/${apiVersion}/${kind}`;
}

/// Checks that every object literal matches the TypeScript interfaces of kubernetes-models, which list every
/// field of the API types: the JSON schemas these models validate with accept unknown fields (a misspelt
/// `readinesProbe` passes them), while the API server rejects them (kubectl's default --validate=strict).
/// Returns a Map from object index to error messages.
async function unknownFieldErrors(items) {
  const ts = (await import("typescript")).default;
  const virtualFile = path.join(HERE, "__rendered_manifests__.ts");
  let text = "";
  const firstLine = [];
  items.forEach((item, i) => {
    firstLine.push(text.split("\n").length - 1);
    text += `import type { I${item.kind} as T${i} } from ${JSON.stringify(item.module)};\n`;
    text += `export const o${i}: T${i} = ${JSON.stringify(item.obj, null, 1)};\n`;
  });
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const isVirtual = (f) => path.resolve(f) === virtualFile;
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => isVirtual(f) || fileExists.call(host, f);
  host.readFile = (f) => (isVirtual(f) ? text : readFile.call(host, f));
  host.getSourceFile = (f, lang, ...rest) =>
    isVirtual(f) ? ts.createSourceFile(f, text, lang) : getSourceFile.call(host, f, lang, ...rest);
  const program = ts.createProgram([virtualFile], options, host);
  const errors = new Map();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (!d.file || !isVirtual(d.file.fileName)) {
      // Not about one object: the type check itself is broken, so every object fails.
      items.forEach((_, i) => errors.set(i, [...(errors.get(i) ?? []), `type check: ${message}`]));
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    let i = firstLine.length - 1;
    while (i > 0 && firstLine[i] > line) i--;
    const where = line - firstLine[i] - 1;
    errors.set(i, [...(errors.get(i) ?? []), `${message} (line ${where} of the object as JSON)`]);
  }
  return errors;
}

/// The deployment rules of this project that a schema cannot express. Returns a list of violations.
function ruleViolations(obj, source, isKustomization) {
  const out = [];
  if (isKustomization && obj.kind === "Secret")
    out.push("a kustomization must not render a Secret: `kubectl apply -k` would install its values; create mysql-secrets by hand");
  const spec = podSpecOf(obj);
  if (!spec) return out;
  if (spec.securityContext?.runAsNonRoot !== true) out.push("pod securityContext.runAsNonRoot must be true");
  const volumesBySecret = new Set((spec.volumes ?? []).filter((v) => v.secret).map((v) => v.name));
  // Two components that add the same volume, variable or mount must merge them, not add them twice.
  for (const name of duplicates((spec.volumes ?? []).map((v) => v.name)))
    out.push(`volume ${name} is listed more than once (the API server refuses the pod: Duplicate value)`);
  for (const { field, container: c } of containersOf(spec)) {
    const at = `${field}[${c.name}]`;
    for (const name of duplicates((c.env ?? []).map((e) => e.name)))
      out.push(`${at}: env ${name} is set more than once (the API server only warns; the last one wins)`);
    for (const p of duplicates((c.volumeMounts ?? []).map((m) => m.mountPath)))
      out.push(`${at}: more than one volume is mounted at ${p} (the API server refuses the pod: must be unique)`);
    for (const e of c.env ?? [])
      if (e.valueFrom?.secretKeyRef) out.push(`${at}: env ${e.name} takes a secret value; mount the secret as a file instead`);
    for (const e of c.envFrom ?? [])
      if (e.secretRef) out.push(`${at}: envFrom secretRef ${e.secretRef.name}; mount the secret as a file instead`);
    for (const m of c.volumeMounts ?? []) {
      if (volumesBySecret.has(m.name) && m.readOnly !== true) out.push(`${at}: secret volume ${m.name} must be mounted readOnly`);
      // The kubelet updates a secret volume in place (a renewed certificate, a rotated token), never a subPath mount.
      if (volumesBySecret.has(m.name) && m.subPath)
        out.push(`${at}: secret volume ${m.name} is mounted with subPath ${m.subPath}, which never sees the secret's updates`);
    }
    if (c.securityContext?.allowPrivilegeEscalation !== false)
      out.push(`${at}: securityContext.allowPrivilegeEscalation must be false`);
    for (const kind of ["requests", "limits"])
      for (const r of ["cpu", "memory"])
        if (c.resources?.[kind]?.[r] === undefined) out.push(`${at}: resources.${kind}.${r} is not set`);
    // Overlays are what gets deployed: their images carry a pinned tag or a digest.
    if (source.startsWith("overlays/")) {
      const image = String(c.image ?? "");
      const tag = image.includes("@") ? "digest" : image.slice(image.lastIndexOf("/") + 1).split(":")[1];
      if (!tag) out.push(`${at}: image ${image} has no tag`);
      else if (tag === "latest") out.push(`${at}: image ${image} uses :latest`);
    }
  }
  return out;
}

/// Whether a certificate name matches a host name the way OpenSSL's X509_check_host does: exactly, or a wildcard
/// as the whole leftmost label with at least two labels after it (`*.mysql` matches nothing; checked with
/// `openssl x509 -checkhost`, OpenSSL 3.0).
function certNameMatches(pattern, host) {
  const p = String(pattern).toLowerCase();
  const h = String(host).toLowerCase();
  if (p === h) return true;
  if (!p.startsWith("*.") || !p.slice(2).includes(".")) return false;
  const dot = h.indexOf(".");
  return dot > 0 && h.slice(dot + 1) === p.slice(2);
}

/// The files a Secret will hold, by Secret name: the keys of a Secret object (an example), and tls.crt, tls.key and
/// ca.crt for the secretName of a cert-manager Certificate.
function knownSecretKeys(objects) {
  const keys = new Map();
  for (const o of objects) {
    if (o?.kind === "Secret") keys.set(o.metadata?.name, new Set(Object.keys({ ...o.data, ...o.stringData })));
    if (o?.kind === "Certificate" && o.spec?.secretName) keys.set(o.spec.secretName, new Set(["tls.crt", "tls.key", "ca.crt"]));
  }
  return keys;
}

/// Whether a flag of the agent takes a file: --*-file, the TLS flags (--tls-cert, --replication-tls-ca, ...) and
/// --replication-server-public-key.
function isFileFlag(flag) {
  return /^--(.*-file|(replication-)?tls-[a-z-]+|replication-server-public-key)$/.test(flag);
}

/// The rules that relate objects of one rendered source to each other. `all` holds every object of every source
/// (for the keys of example Secrets); `overlayObjects` those of the overlay a composition is built on, or null.
/// Returns [{obj, why}].
function crossViolations(objects, all, overlayObjects) {
  const out = [];
  const secretKeys = knownSecretKeys(all);
  const workloads = objects.filter(podSpecOf);

  // A component that patches a workload keeps the order of its containers: init containers run in order, and
  // install-agent must run before the containers that run its binary. (A strategic merge patch reorders them.)
  for (const w of workloads) {
    const before = overlayObjects?.find((o) => o.kind === w.kind && o.metadata?.name === w.metadata?.name);
    if (!before) continue;
    for (const field of ["initContainers", "containers"]) {
      const names = (spec) => (spec?.[field] ?? []).map((c) => c.name).join(",");
      if (names(podSpecOf(w)) !== names(podSpecOf(before)))
        out.push({ obj: w, why: `${field} are [${names(podSpecOf(w))}], the overlay's are [${names(podSpecOf(before))}]: a patch reordered them` });
    }
  }

  // Every file the agent is given, on the command line or in a MYSQL_AGENT_<FLAG> variable, lies under a mount of
  // its container, and is a key its Secret will have.
  for (const w of workloads) {
    const spec = podSpecOf(w);
    const secretOf = new Map((spec.volumes ?? []).filter((v) => v.secret).map((v) => [v.name, v.secret.secretName]));
    for (const { field, container: c } of containersOf(spec)) {
      const argv = [...(c.command ?? []), ...(c.args ?? [])].map(String);
      if (!argv.some((a) => path.posix.basename(a) === "mysql-agent") && !/(^|\/)mysql-agent([:@]|$)/.test(String(c.image ?? ""))) continue;
      for (const { flag, value: file, how } of givenFlags(c)) {
        if (!isFileFlag(flag) || typeof file !== "string" || !file.startsWith("/")) continue;
        const mount = (c.volumeMounts ?? []).find((m) => file.startsWith(m.mountPath.replace(/\/?$/, "/")));
        const at = `${field}[${c.name}] ${how}`;
        if (!mount) out.push({ obj: w, why: `${at}: no volume of the container is mounted there` });
        else if (secretOf.has(mount.name) && secretKeys.has(secretOf.get(mount.name))) {
          const key = path.posix.relative(mount.mountPath, file);
          const keys = secretKeys.get(secretOf.get(mount.name));
          if (!keys.has(key)) out.push({ obj: w, why: `${at}: Secret ${secretOf.get(mount.name)} has no key ${key} (it has ${[...keys].join(", ")})` });
        }
      }
    }
  }

  // A workload that runs `mysql-agent backup` against sidecars that serve TLS verifies them (--tls-ca) and, when they
  // ask clients for a certificate (--tls-client-ca), presents one (--tls-cert, --tls-key): otherwise every backup
  // fails at the handshake (exit 15).
  const sidecarFlags = workloads
    .filter((w) => w.kind === "StatefulSet")
    .flatMap((w) => containersOf(podSpecOf(w)).filter(({ container }) => container.name === "sidecar"))
    .map(({ container }) => givenFlags(container).map((f) => f.flag));
  const sidecarsServeTls = sidecarFlags.some((a) => a.includes("--tls-cert"));
  const sidecarsAskCerts = sidecarFlags.some((a) => a.includes("--tls-client-ca"));
  for (const w of workloads.filter((o) => o.kind !== "StatefulSet")) {
    for (const { container } of containersOf(podSpecOf(w))) {
      const argv = [...(container.command ?? []), ...(container.args ?? [])];
      if (argv[1] !== "backup") continue;
      const flags = givenFlags(container).map((f) => f.flag);
      if (sidecarsServeTls && !flags.includes("--tls-ca"))
        out.push({ obj: w, why: `container ${container.name} runs mysql-agent backup without --tls-ca, but the sidecars serve TLS only` });
      if (sidecarsAskCerts && !(flags.includes("--tls-cert") && flags.includes("--tls-key")))
        out.push({ obj: w, why: `container ${container.name} runs mysql-agent backup without --tls-cert/--tls-key, but the sidecars ask clients for a certificate` });
    }
  }

  // A Certificate mounted by a StatefulSet names every pod as its peers reach it (<sts>-<k>.<service>), and its
  // names under .svc are those of its own namespace.
  for (const cert of objects.filter((o) => o.kind === "Certificate")) {
    const names = cert.spec?.dnsNames ?? [];
    const namespace = cert.metadata?.namespace ?? "default";
    for (const n of names) {
      const m = /\.svc(\.cluster\.local)?$/.test(n) ? n.split(".") : null;
      if (m && m[m.length - (n.endsWith(".cluster.local") ? 4 : 2)] !== namespace)
        out.push({ obj: cert, why: `dnsName ${n} is not in the Certificate's namespace ${namespace}` });
    }
    for (const sts of workloads.filter((w) => w.kind === "StatefulSet")) {
      const mounts = (podSpecOf(sts).volumes ?? []).some((v) => v.secret?.secretName === cert.spec?.secretName);
      if (!mounts) continue;
      const stsNamespace = sts.metadata?.namespace ?? "default";
      if (stsNamespace !== namespace)
        out.push({ obj: cert, why: `is in namespace ${namespace}, the StatefulSet ${sts.metadata.name} that mounts its Secret in ${stsNamespace}` });
      const replicas = sts.spec?.replicas ?? 1;
      for (let k = 0; k < replicas; k++) {
        const host = `${sts.metadata.name}-${k}.${sts.spec.serviceName}`;
        if (!names.some((n) => certNameMatches(n, host)))
          out.push({ obj: cert, why: `no dnsName matches ${host} (StatefulSet ${sts.metadata.name}, ${replicas} replicas) as OpenSSL matches names` });
      }
    }
  }

  // A PodMonitor scrapes a named port of the pods it selects, over https with the CA when that port serves TLS.
  for (const pm of objects.filter((o) => o.kind === "PodMonitor")) {
    const want = pm.spec?.selector?.matchLabels ?? {};
    const selected = workloads.filter((w) => {
      const labels = (w.kind === "Pod" ? w.metadata?.labels : w.spec?.template?.metadata?.labels) ?? {};
      return Object.entries(want).every(([k, v]) => labels[k] === v);
    });
    // A component rendered alone has no workload to select; its compositions are checked.
    if (selected.length === 0 && workloads.length > 0)
      out.push({ obj: pm, why: `its selector ${JSON.stringify(want)} selects no pod template` });
    for (const [i, ep] of (pm.spec?.podMetricsEndpoints ?? []).entries()) {
      for (const w of selected) {
        const owner = containersOf(podSpecOf(w)).find(({ container }) => (container.ports ?? []).some((p) => p.name === ep.port));
        if (!owner) {
          out.push({ obj: pm, why: `podMetricsEndpoints[${i}].port ${ep.port} is no named container port of ${objectName(w)}` });
          continue;
        }
        if (givenFlags(owner.container).some((f) => f.flag === "--tls-cert")) {
          if (ep.scheme !== "https")
            out.push({ obj: pm, why: `podMetricsEndpoints[${i}] scrapes ${owner.container.name}, which serves TLS, with scheme ${ep.scheme ?? "http"}` });
          else if (!ep.tlsConfig?.ca)
            out.push({ obj: pm, why: `podMetricsEndpoints[${i}] scrapes https without tlsConfig.ca: nothing verifies the pods` });
          const certs = objects.filter((o) => o.kind === "Certificate" && o.spec?.secretName);
          const serverName = ep.tlsConfig?.serverName;
          if (serverName && !certs.some((c) => (c.spec.dnsNames ?? []).some((n) => certNameMatches(n, serverName))))
            out.push({ obj: pm, why: `tlsConfig.serverName ${serverName} is matched by no Certificate's dnsNames` });
        } else if (ep.scheme === "https")
          out.push({ obj: pm, why: `podMetricsEndpoints[${i}] scrapes ${owner.container.name} with https, which it does not serve` });
      }
    }
  }
  return out;
}

// kustomize's kustomization fields (kubectl.docs.kubernetes.io/references/kustomize/kustomization/), the
// deprecated ones left out: a misspelt key is ignored by kustomize, silently.
const KUSTOMIZATION_KEYS = new Set([
  "apiVersion", "kind", "metadata", "resources", "components", "patches", "images", "replicas", "namespace",
  "namePrefix", "nameSuffix", "labels", "commonAnnotations", "configMapGenerator", "secretGenerator",
  "generatorOptions", "replacements", "crds", "openapi", "buildMetadata", "generators", "transformers",
  "validators", "helmCharts", "sortOptions",
]);

/// Checks each kustomization file: a Component is kustomize.config.k8s.io/v1alpha1, a Kustomization
/// kustomize.config.k8s.io/v1beta1, no unknown key, and every local file it lists exists.
async function checkKustomizationFiles(root) {
  for (const k of await readKustomizationFiles(root)) {
    if (k.error) {
      fail(k.file, k.error);
      continue;
    }
    const errors = [];
    const want = { Component: "kustomize.config.k8s.io/v1alpha1", Kustomization: "kustomize.config.k8s.io/v1beta1" }[k.doc.kind];
    if (!want) errors.push(`kind ${k.doc.kind} is neither Kustomization nor Component`);
    else if (k.doc.apiVersion !== want) errors.push(`a ${k.doc.kind} is apiVersion ${want}, not ${k.doc.apiVersion}`);
    if (k.doc.kind === "Component" && !k.dir.startsWith("components/")) errors.push("a Component lives under components/");
    for (const key of Object.keys(k.doc)) if (!KUSTOMIZATION_KEYS.has(key)) errors.push(`unknown key ${key}`);
    const listed = [...(k.doc.resources ?? []), ...(k.doc.components ?? []), ...(k.doc.patches ?? []).map((p) => p.path).filter(Boolean)];
    for (const f of listed) if (!fs.existsSync(path.join(root, k.dir, f))) errors.push(`lists ${f}, which does not exist`);
    if (errors.length) fail(k.file, errors.join("; "));
    else ok(`${k.file} (${k.doc.kind})`);
  }
}

/// A patch file of the same name in two components is one patch kept in both (kustomize loads no file from outside
/// a component's directory; statefulset-sidecar-store.yaml of backup-status and archive-binlogs): the copies are the
/// same, byte for byte. Were they not, a composition of both would merge them, and the one listed last would win
/// silently (another endpoint for the sidecar's one store).
async function checkSharedPatches(root) {
  const byName = new Map();
  for (const k of await readKustomizationFiles(root)) {
    if (k.doc?.kind !== "Component") continue;
    for (const p of k.doc.patches ?? []) {
      if (!p.path) continue;
      const file = path.join(k.dir, p.path);
      const name = path.basename(p.path);
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name).push(file);
    }
  }
  for (const [name, files] of byName) {
    if (files.length < 2) continue;
    const read = (f) => (fs.existsSync(path.join(root, f)) ? fs.readFileSync(path.join(root, f), "utf8") : null);
    const differ = files.filter((f) => read(f) !== read(files[0]));
    if (differ.length) fail(`${name}: the patch shared by ${files.join(", ")}`, `${differ.join(", ")} differs from ${files[0]}; keep the copies the same`);
    else ok(`${name}: the patch shared by ${files.join(", ")} is the same in each`);
  }
}

async function modeSchema(root) {
  await checkKustomizationFiles(root);
  await checkSharedPatches(root);
  const sources = await loadAll(root, { compositions: true });
  for (const e of findExamples(root)) {
    const p = await parseYaml(fs.readFileSync(path.join(root, e), "utf8"));
    if (p.error) fail(`${e}: parse`, p.error);
    else sources.push({ source: e, kustomization: false, objects: p.objects });
  }

  const items = [];
  for (const { source, kustomization, objects } of sources) {
    // A component that only patches (components/seed-from-backup) renders nothing alone; its compositions with each
    // overlay are rendered and checked below.
    if (objects.length === 0 && !source.startsWith("components/")) fail(source, "renders no object");
    for (const obj of objects) {
      const item = { source, kustomization, obj, kind: obj?.kind, module: modelModule(obj?.apiVersion, obj?.kind), errors: [] };
      if (!item.module) {
        item.errors.push("no apiVersion/kind");
      } else {
        try {
          const model = (await import(item.module))[obj.kind];
          new model(obj).validate();
        } catch (e) {
          item.errors.push(
            e.code === "ERR_MODULE_NOT_FOUND" || e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED"
              ? `no Kubernetes schema for ${obj.apiVersion} ${obj.kind}`
              : `schema: ${e.message}`,
          );
          if (item.errors[0].startsWith("no Kubernetes schema")) item.module = null;
        }
      }
      item.errors.push(...ruleViolations(obj, source, kustomization));
      items.push(item);
    }
  }
  const allObjects = sources.flatMap((s) => s.objects);
  for (const { source, objects, overlay } of sources) {
    const overlayObjects = overlay ? sources.find((s) => s.source === overlay)?.objects : null;
    for (const { obj, why } of crossViolations(objects, allObjects, overlayObjects))
      items.find((it) => it.source === source && it.obj === obj).errors.push(why);
  }

  const typed = items.filter((it) => it.module);
  const fieldErrors = await unknownFieldErrors(typed);
  typed.forEach((it, i) => it.errors.push(...(fieldErrors.get(i) ?? []).map((m) => `fields: ${m}`)));

  for (const it of items) {
    const what = `${it.source}: ${objectName(it.obj)}`;
    if (it.errors.length) fail(what, it.errors.join("; "));
    else ok(`${what} (schema, fields, rules)`);
  }
  finish();
}

// ---------------------------------------------------------------------------------------------------------------
// commands

/// Every mysql-agent command line of an object: [{argv, env, main, where}] where argv excludes the program name, env
/// holds the container's MYSQL_AGENT_<FLAG> variables as [name, value] (the kubelet runs exec probes and hooks in
/// the container's environment too), and main says whether it is the container's own command (which its variables
/// are meant for) rather than a probe or hook.
function agentCommandLines(obj) {
  const spec = podSpecOf(obj);
  if (!spec) return [];
  const out = [];
  const isAgent = (program) => typeof program === "string" && path.posix.basename(program) === "mysql-agent";
  for (const { field, container: c } of containersOf(spec)) {
    const at = `${objectName(obj)} ${field}[${c.name}]`;
    const env = (c.env ?? []).filter((e) => flagOfEnv(e.name)).map((e) => [e.name, e.value === undefined ? null : String(e.value)]);
    const add = (argv, where, main) => {
      if (argv.length && isAgent(argv[0])) out.push({ argv: argv.slice(1).map(String), env, main, where });
    };
    const command = c.command ?? [];
    const args = c.args ?? [];
    // A container of the agent image that only sets args runs its ENTRYPOINT, /mysql-agent.
    if (command.length === 0 && /(^|\/)mysql-agent([:@]|$)/.test(String(c.image ?? ""))) add(["/mysql-agent", ...args], at, true);
    else add([...command, ...args], at, true);
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"])
      if (c[probe]?.exec?.command) add(c[probe].exec.command, `${at}.${probe}`, false);
    for (const hook of ["postStart", "preStop"])
      if (c.lifecycle?.[hook]?.exec?.command) add(c.lifecycle[hook].exec.command, `${at}.lifecycle.${hook}`, false);
  }
  return out;
}

// Flags the manifests may pass before the binary has them (none now: the TLS flags landed). A command line the
// binary rejects is checked again without them, and passes with a note if only they were rejected.
const PENDING_FLAGS = new Set([]);

/// argv without the pending flags and their values (each of them takes one).
function withoutPendingFlags(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    if (PENDING_FLAGS.has(argv[i])) i++;
    else out.push(argv[i]);
  }
  return out;
}

/// Quotes an argument for display the way a shell would need it.
function shellQuote(a) {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/// What the built binary says about its flags' variables, from its help: subcommands() lists the subcommands,
/// variables(sub) maps each MYSQL_AGENT_<FLAG> that `AGENT SUB` reads (its own flags' and the global --log-format's,
/// "(Env:NAME)" in the help) to its flag.
function agentHelp(agent, env) {
  const help = (args) => {
    const r = spawnSync(agent, [...args, "--help"], { encoding: "utf8", env, timeout: 10000 });
    return r.error ? "" : `${r.stdout}\n${r.stderr}`;
  };
  const variablesIn = (text) =>
    new Map([...text.matchAll(/(--[a-z0-9][a-z0-9-]*)[^\n(]*\(Env:([A-Z0-9_]+)\)/g)].map((m) => [m[2], m[1]]));
  const top = help([]);
  const subcommands = new Set();
  let inList = false;
  for (const line of top.split("\n")) {
    if (/^Subcommands:/.test(line)) inList = true;
    else if (inList && /^ {2}[a-z]/.test(line)) subcommands.add(line.trim().split(/\s+/)[0]);
  }
  const cache = new Map();
  return {
    subcommands: () => subcommands,
    variables: (sub) => {
      if (!cache.has(sub)) cache.set(sub, new Map([...variablesIn(top), ...variablesIn(help([sub]))]));
      return cache.get(sub);
    },
  };
}

/// A container's own MYSQL_AGENT_<FLAG> variables against the binary: each names a flag of the subcommand it runs (a
/// misspelt one is ignored by the agent, silently), holds a plain value, and sets a flag the command line does not
/// give too (there the command line wins, and the variable is dead). Returns the problems.
function variableProblems(argv, env, help) {
  const sub = argv.find((a) => help.subcommands().has(a));
  if (!sub) return env.length ? [`variables ${env.map(([n]) => n).join(", ")} for a command with no subcommand`] : [];
  const known = help.variables(sub);
  const out = [];
  for (const [name, value] of env) {
    const flag = known.get(name);
    if (value === null) out.push(`${name} takes its value from elsewhere (valueFrom); give a plain value`);
    if (!flag) out.push(`${name} names no flag of mysql-agent ${sub} (its --help lists each flag's variable): the agent ignores it`);
    else if (argv.some((a) => a === flag || a.startsWith(`${flag}=`)))
      out.push(`${flag} is given on the command line and as ${name}: the command line wins, and the variable is dead`);
  }
  return out;
}

// What a component that configures an agent container leaves in every composition that lists it: in the StatefulSet
// mysql's `container`, each flag given once, on the command line or as its MYSQL_AGENT_<FLAG> variable (so two
// components that need the same flag must share it: the sidecar refuses a flag given twice), and every file flag
// among them a path in a read-only mount of the Secret `secret`.
const COMPONENT_FLAGS = {
  "components/archive-binlogs": {
    container: "sidecar",
    flags: ["--archive-binlogs", "--archive-interval", "--endpoint", "--access-key-file", "--secret-key-file"],
    secret: "mysql-backup-store",
  },
  "components/backup-status": {
    container: "sidecar",
    flags: ["--backup-status-from", "--endpoint", "--access-key-file", "--secret-key-file"],
    secret: "mysql-backup-store",
  },
  "components/seed-from-backup": {
    container: "init",
    flags: ["--seed-from", "--endpoint", "--access-key-file", "--secret-key-file"],
    secret: "mysql-backup-store",
  },
};

/// Checks COMPONENT_FLAGS in every composition of `sources`; a component of the table that no composition lists
/// fails (renamed or gone: the table must follow).
function checkComponentFlags(sources) {
  for (const [component, want] of Object.entries(COMPONENT_FLAGS)) {
    const listing = sources.filter((s) => s.components?.includes(component));
    if (listing.length === 0) fail(component, "no composition lists it; update COMPONENT_FLAGS in check_manifests.mjs");
    for (const { source, objects } of listing) {
      const what = `${source}: ${component} gives ${want.container} ${want.flags.join(" ")} once`;
      const sts = objects.find((o) => o.kind === "StatefulSet" && o.metadata?.name === "mysql");
      const spec = podSpecOf(sts);
      const c = containersOf(spec).find(({ container }) => container.name === want.container)?.container;
      if (!c) {
        fail(what, `the StatefulSet mysql has no container ${want.container}`);
        continue;
      }
      const given = givenFlags(c);
      const problems = [];
      for (const flag of want.flags) {
        const hits = given.filter((f) => f.flag === flag);
        if (hits.length !== 1) problems.push(`${flag} given ${hits.length} times${hits.length ? ` (${hits.map((h) => h.how).join("; ")})` : ""}`);
        if (hits.length !== 1 || !isFileFlag(flag)) continue;
        const file = String(hits[0].value ?? "");
        const mount = (c.volumeMounts ?? []).find((m) => file.startsWith(m.mountPath.replace(/\/?$/, "/")));
        const volume = (spec.volumes ?? []).find((v) => v.name === mount?.name);
        if (volume?.secret?.secretName !== want.secret || mount.readOnly !== true)
          problems.push(`${hits[0].how}: not in a read-only mount of the Secret ${want.secret}`);
      }
      if (problems.length) fail(what, problems.join("; "));
      else ok(`${what}, the key files in a read-only mount of the Secret ${want.secret}`);
    }
  }
}

async function modeCommands(root, agent) {
  if (!agent) usage("commands needs the path of the built mysql-agent");
  if (!fs.existsSync(agent)) {
    fail(agent, "no such file; build the mysql-agent target first");
    return finish();
  }
  const sources = await loadAll(root, { compositions: true });
  // One check per distinct command line and environment; the line says where it appears.
  const byLine = new Map();
  for (const { source, objects } of sources) {
    const lines = objects.flatMap(agentCommandLines);
    if (objects.some(podSpecOf) && lines.length === 0) fail(source, "its workloads run no mysql-agent command");
    for (const { argv, env, main, where } of lines) {
      const key = JSON.stringify([argv, env, main]);
      if (!byLine.has(key)) byLine.set(key, { argv, env, main, wheres: new Set(), sources: new Set() });
      byLine.get(key).wheres.add(where);
      byLine.get(key).sources.add(source);
    }
  }
  // The agent reads MYSQL_AGENT_<FLAG> variables: this process's own are left out, so that each line is checked with
  // its container's variables only.
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MYSQL_AGENT_")));
  const help = agentHelp(agent, baseEnv);
  const parse = (argv, env) =>
    spawnSync(agent, ["--parse-only", ...argv], {
      encoding: "utf8",
      env: { ...baseEnv, ...Object.fromEntries(env.filter(([, v]) => v !== null)) },
      timeout: 10000,
    });
  for (const { argv, env, main, wheres, sources: in_ } of byLine.values()) {
    const vars = env.map(([n, v]) => `${n}=${shellQuote(v ?? "(valueFrom)")} `).join("");
    const what = `${vars}mysql-agent ${argv.map(shellQuote).join(" ")}  [${[...wheres].join(", ")} in ${[...in_].join(", ")}]`;
    const problems = main ? variableProblems(argv, env, help) : [];
    const r = parse(argv, env);
    const pending = argv.filter((a) => PENDING_FLAGS.has(a));
    if (r.error) problems.push(r.error.message);
    else if (r.status !== 0) {
      const said = `${r.stderr}\n${r.stdout}`.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 2).join(" | ");
      const without = pending.length ? parse(withoutPendingFlags(argv), env) : null;
      if (without && !without.error && without.status === 0 && problems.length === 0) {
        ok(`${what} (without ${pending.join(" ")}, which this binary does not accept yet: ${said})`);
        continue;
      }
      problems.push(`--parse-only exited ${r.status ?? r.signal}: ${said}`);
    }
    if (problems.length) fail(what, problems.join("; "));
    else ok(what);
  }
  checkComponentFlags(sources);
  finish();
}

// ---------------------------------------------------------------------------------------------------------------
// mariadb-config

// The datadir every container mounts (manifests/base/statefulset.yaml).
const DATADIR = "/var/lib/mysql";

// secure-file-priv as `mariadbd --verbose --help` resolved it: set, and neither the datadir nor under it. Unset,
// an account with the FILE privilege writes files into the datadir (SELECT ... INTO OUTFILE), such as the
// re-seed request the agent's init reads.
function checkSecureFilePriv(what, helpText) {
  const line = helpText.split("\n").find((l) => /^secure-file-priv\s/.test(l));
  const value = line ? line.replace(/^secure-file-priv\s+/, "").trim() : "";
  const inDatadir = value === `${DATADIR}/` || value.startsWith(`${DATADIR}/`) || value === DATADIR;
  if (!value || value === "(No default value)")
    fail(`${what}: secure-file-priv`, "not set: SQL with the FILE privilege can write files into the datadir");
  else if (inDatadir) fail(`${what}: secure-file-priv`, `${value} is the datadir or under it`);
  else ok(`${what}: secure-file-priv ${value} (outside ${DATADIR})`);
}

async function modeMariadbConfig(root, mariadbd) {
  if (!mariadbd) usage("mariadb-config needs the path of mariadbd");
  const sources = await loadAll(root);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mysql-agent-cnf-"));
  try {
    let checkedKustomizations = 0;
    for (const { source, objects } of sources) {
      const images = objects.flatMap((o) => containersOf(podSpecOf(o)).map(({ container }) => String(container.image ?? "")));
      if (!images.some((i) => /(^|\/)mariadb[:@]/.test(i))) {
        note(`${source}: runs no mariadb image; its .cnf files are not checked here`);
        continue;
      }
      checkedKustomizations++;
      for (const cm of objects.filter((o) => o.kind === "ConfigMap")) {
        for (const [key, value] of Object.entries(cm.data ?? {})) {
          if (!key.endsWith(".cnf")) continue;
          const what = `${source}: ${objectName(cm)} ${key}`;
          const file = path.join(tmp, key);
          fs.writeFileSync(file, value);
          const r = spawnSync(mariadbd, [`--defaults-file=${file}`, "--verbose", "--help"], { encoding: "utf8", timeout: 30000 });
          if (r.error)
            fail(what, r.error.code === "ENOENT" ? `${mariadbd} not found (apt-get install mariadb-server)` : r.error.message);
          else if (r.status !== 0) {
            const said = r.stderr.split("\n").filter((l) => /ERROR/i.test(l)).slice(0, 2).join(" | ") || r.stderr.trim();
            fail(what, `mariadbd exited ${r.status}: ${said}`);
          } else {
            ok(what);
            checkSecureFilePriv(what, r.stdout);
          }
        }
      }
    }
    if (checkedKustomizations === 0) fail(root, "no kustomization runs a mariadb image; nothing was checked");
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  finish();
}

// ---------------------------------------------------------------------------------------------------------------

const [mode, dir, tool] = process.argv.slice(2);
const root = dir ? path.resolve(dir) : null;
if (mode !== "deps" && (!root || !fs.existsSync(root))) usage(`manifests directory ${dir ?? "(none)"} does not exist`);
switch (mode) {
  case "deps":
    modeDeps();
    break;
  case "render":
    await modeRender(root);
    break;
  case "schema":
    await modeSchema(root);
    break;
  case "commands":
    await modeCommands(root, tool && path.resolve(tool));
    break;
  case "mariadb-config":
    await modeMariadbConfig(root, tool);
    break;
  default:
    usage(`unknown mode ${mode ?? "(none)"}`);
}
