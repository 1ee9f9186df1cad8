#!/usr/bin/env node
// Checks of manifests/, one mode per ctest test. Each prints one line per thing checked ("ok   ..." or
// "FAIL ...: why"), then "N passed, M failed", and exits 1 when something failed or nothing was checked.
//
//   check_manifests.mjs deps                           npm ci the pinned validator when node_modules is missing or stale
//   check_manifests.mjs render   MANIFESTS             every kustomization renders with `kubectl kustomize`
//   check_manifests.mjs schema   MANIFESTS             every rendered object and every *.example.yaml validates against
//                                                      the Kubernetes OpenAPI schemas, has no unknown field, and keeps
//                                                      the deployment rules below
//   check_manifests.mjs commands MANIFESTS AGENT       every mysql-agent command line (containers and exec probes) is
//                                                      accepted by `AGENT --parse-only ARGS...`
//   check_manifests.mjs mariadb-config MANIFESTS MARIADBD
//                                                      every .cnf key of the ConfigMaps of a MariaDB kustomization is
//                                                      accepted by `MARIADBD --defaults-file=F --verbose --help`
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

/// Every directory under `root` holding a kustomization file, relative to `root`, sorted.
function findKustomizations(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
      else if (KUSTOMIZATION_FILES.has(entry.name)) found.push(path.relative(root, dir) || ".");
    }
  };
  walk(root);
  return found.sort();
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

/// Renders every kustomization and reads every example; returns [{source, objects}] and reports failures.
async function loadAll(root) {
  const sources = [];
  for (const k of findKustomizations(root)) {
    const r = kustomize(path.join(root, k));
    if (r.error) {
      fail(`${k}: render`, r.error);
      continue;
    }
    const p = await parseYaml(r.yaml);
    if (p.error) fail(`${k}: parse`, p.error);
    else sources.push({ source: k, kustomization: true, objects: p.objects });
  }
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

function modeRender(root) {
  const ks = findKustomizations(root);
  if (ks.length === 0) fail(root, "no kustomization.yaml found");
  for (const k of ks) {
    const r = kustomize(path.join(root, k));
    if (r.error) fail(`render ${k}`, r.error);
    else ok(`render ${k} (${r.yaml.split(/^---$/m).filter((d) => d.trim()).length} objects)`);
  }
  finish();
}

// ---------------------------------------------------------------------------------------------------------------
// schema

/// The kubernetes-models module path for an apiVersion/kind ("apps/v1" + "StatefulSet" -> kubernetes-models/apps/v1/StatefulSet).
function modelModule(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  return `kubernetes-models/${apiVersion}/${kind}`;
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
  for (const { field, container: c } of containersOf(spec)) {
    const at = `${field}[${c.name}]`;
    for (const e of c.env ?? [])
      if (e.valueFrom?.secretKeyRef) out.push(`${at}: env ${e.name} takes a secret value; mount the secret as a file instead`);
    for (const e of c.envFrom ?? [])
      if (e.secretRef) out.push(`${at}: envFrom secretRef ${e.secretRef.name}; mount the secret as a file instead`);
    for (const m of c.volumeMounts ?? [])
      if (volumesBySecret.has(m.name) && m.readOnly !== true) out.push(`${at}: secret volume ${m.name} must be mounted readOnly`);
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

async function modeSchema(root) {
  const sources = await loadAll(root);
  for (const e of findExamples(root)) {
    const p = await parseYaml(fs.readFileSync(path.join(root, e), "utf8"));
    if (p.error) fail(`${e}: parse`, p.error);
    else sources.push({ source: e, kustomization: false, objects: p.objects });
  }

  const items = [];
  for (const { source, kustomization, objects } of sources) {
    if (objects.length === 0) fail(source, "renders no object");
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

/// Every mysql-agent command line of an object: [{argv, where}] where argv excludes the program name.
function agentCommandLines(obj) {
  const spec = podSpecOf(obj);
  if (!spec) return [];
  const out = [];
  const isAgent = (program) => typeof program === "string" && path.posix.basename(program) === "mysql-agent";
  const add = (argv, where) => {
    if (argv.length && isAgent(argv[0])) out.push({ argv: argv.slice(1).map(String), where });
  };
  for (const { field, container: c } of containersOf(spec)) {
    const at = `${objectName(obj)} ${field}[${c.name}]`;
    const command = c.command ?? [];
    const args = c.args ?? [];
    // A container of the agent image that only sets args runs its ENTRYPOINT, /mysql-agent.
    if (command.length === 0 && /(^|\/)mysql-agent([:@]|$)/.test(String(c.image ?? ""))) add(["/mysql-agent", ...args], at);
    else add([...command, ...args], at);
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"])
      if (c[probe]?.exec?.command) add(c[probe].exec.command, `${at}.${probe}`);
    for (const hook of ["postStart", "preStop"])
      if (c.lifecycle?.[hook]?.exec?.command) add(c.lifecycle[hook].exec.command, `${at}.lifecycle.${hook}`);
  }
  return out;
}

/// Quotes an argument for display the way a shell would need it.
function shellQuote(a) {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

async function modeCommands(root, agent) {
  if (!agent) usage("commands needs the path of the built mysql-agent");
  if (!fs.existsSync(agent)) {
    fail(agent, "no such file; build the mysql-agent target first");
    return finish();
  }
  const sources = await loadAll(root);
  // One check per distinct command line; the line says where it appears.
  const byArgv = new Map();
  for (const { source, objects } of sources) {
    const lines = objects.flatMap(agentCommandLines);
    if (objects.some(podSpecOf) && lines.length === 0) fail(source, "its workloads run no mysql-agent command");
    for (const { argv, where } of lines) {
      const key = JSON.stringify(argv);
      if (!byArgv.has(key)) byArgv.set(key, { argv, wheres: new Set(), sources: new Set() });
      byArgv.get(key).wheres.add(where);
      byArgv.get(key).sources.add(source);
    }
  }
  // The environment could set flags (MYSQL_AGENT_<FLAG>): check the command lines alone.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MYSQL_AGENT_")));
  for (const { argv, wheres, sources: in_ } of byArgv.values()) {
    const what = `mysql-agent ${argv.map(shellQuote).join(" ")}  [${[...wheres].join(", ")} in ${[...in_].join(", ")}]`;
    const r = spawnSync(agent, ["--parse-only", ...argv], { encoding: "utf8", env, timeout: 10000 });
    if (r.error) fail(what, r.error.message);
    else if (r.status !== 0) {
      const said = `${r.stderr}\n${r.stdout}`.split("\n").map((l) => l.trim()).filter(Boolean).slice(0, 2).join(" | ");
      fail(what, `--parse-only exited ${r.status ?? r.signal}: ${said}`);
    } else ok(what);
  }
  finish();
}

// ---------------------------------------------------------------------------------------------------------------
// mariadb-config

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
          } else ok(what);
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
    modeRender(root);
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
