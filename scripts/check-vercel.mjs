#!/usr/bin/env node
// Builds calsync the way Vercel does (`vercel build`, offline, with a local project
// file) and checks what each function would carry:
//   - no local state, test output or secret material (.data/, e2e/, *.pem, ...);
//   - not the embedded PGlite engine (production runs on DATABASE_URL);
//   - the webhook functions small (they must answer providers fast, cold or not),
//     every function well under Vercel's limit;
//   - the routes that run long work with their maxDuration set;
//   - no "tracing of the whole project" warning from the build.
// Prints one line per function (routes, files, size) and exits 1 on any breach.
//
// Before building it leaves fake key files where `npm test` and `npm run dev`
// leave real ones, so a passing check proves they are excluded, not just absent.
//
//   npm run check:vercel            build, then check
//   npm run check:vercel -- --no-build   check the last .vercel/output again
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const output = path.join(root, ".vercel", "output");
const functionsDir = path.join(output, "functions");

const MB = 1_000_000;
/** Vercel's limit is 250 MB uncompressed; a function near 50 MB has picked up something it does not need. */
const MAX_FUNCTION_BYTES = 50 * MB;
/** Providers time out webhook deliveries within seconds: these must start fast. */
const MAX_WEBHOOK_BYTES = 10 * MB;
const WEBHOOK_ROUTE = /^api\/webhooks(\/|$)/;
/** Routes whose work outlasts a default invocation: each needs maxDuration (vercel.json). */
const LONG_RUNNING_ROUTES = ["api/inngest"];

/** Files no function may contain: local state, test output, keys, the embedded database. */
const FORBIDDEN = [
  { pattern: /^\.data\//, why: "local state (.data/)" },
  { pattern: /^e2e\//, why: "end-to-end tests and the emulator (e2e/)" },
  { pattern: /^playwright-report\//, why: "test report (playwright-report/)" },
  { pattern: /^test-results\//, why: "test output (test-results/)" },
  { pattern: /\.(pem|key|secret)$/, why: "key material (*.pem, *.key, *.secret)" },
  { pattern: /(^|\/)node_modules\/@electric-sql\/pglite\//, why: "the embedded PGlite engine" },
  { pattern: /(^|\/)node_modules\/pglite-prisma-adapter\//, why: "the embedded PGlite adapter" },
  { pattern: /\.tsbuildinfo$/, why: "TypeScript build cache" },
  { pattern: /(^|\/)package-lock\.json$/, why: "the lock file" },
];
const WHOLE_PROJECT_WARNING = "causes tracing of the whole project";

/**
 * Placed before the build where the tests and the dev server leave real ones.
 * Only missing files are created, and only those are removed afterwards.
 */
const DECOYS = [
  ".data/encryption.key",
  ".data/auth.secret",
  ".data/emulator/ca.pem",
  ".data/e2e/pglite/PG_VERSION",
  "e2e/artifacts/decoy.txt",
  "playwright-report/index.html",
  "test-results/.last-run.json",
];

/** The local project file `vercel build` reads instead of pulling settings: no ids or tokens of a real project. */
const PROJECT_FILE = {
  projectId: "prj_calsync_local_check",
  orgId: "team_calsync_local_check",
  // installCommand "": the check runs after `npm ci` and must not reach the network.
  settings: { framework: "nextjs", installCommand: "", buildCommand: null, outputDirectory: null, rootDirectory: null, devCommand: null },
};

function placeDecoys() {
  const created = [];
  for (const relative of DECOYS) {
    const file = path.join(root, relative);
    if (fs.existsSync(file)) continue;
    // The topmost directory this creates, so cleaning up removes it whole.
    let top = path.dirname(file);
    while (!fs.existsSync(path.dirname(top))) top = path.dirname(top);
    const createdDir = fs.existsSync(top) ? null : top;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Well-formed (32 random bytes, base64, like the real ones): a decoy left behind
    // by an interrupted check must not break the next `npm test`.
    fs.writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
    created.push(createdDir ?? file);
  }
  return () => {
    for (const item of created.reverse()) fs.rmSync(item, { recursive: true, force: true });
  };
}

class CheckFailed extends Error {}

function build() {
  fs.mkdirSync(path.join(root, ".vercel"), { recursive: true });
  fs.writeFileSync(path.join(root, ".vercel", "project.json"), `${JSON.stringify(PROJECT_FILE, null, 2)}\n`);
  const env = { ...process.env, VERCEL_TELEMETRY_DISABLED: "1", NEXT_TELEMETRY_DISABLED: "1", NO_UPDATE_NOTIFIER: "1", FORCE_COLOR: "0" };
  const vercel = path.join(root, "node_modules", "vercel", "dist", "vc.js");
  const run = spawnSync(process.execPath, [vercel, "build", "--yes"], { cwd: root, env, encoding: "utf8", maxBuffer: 64 * MB });
  const log = `${run.stdout}${run.stderr}`;
  fs.writeFileSync(path.join(root, ".vercel", "build.log"), log);
  if (run.status !== 0) {
    process.stderr.write(log);
    throw new CheckFailed(`vercel build exited ${run.status ?? run.signal}`);
  }
  return log;
}

function walk(dir, visit) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.name.endsWith(".func")) visit(full);
    else if (entry.isDirectory()) walk(full, visit);
  }
}

/** Every function directory with the routes that point at it (grouped functions are symlinks). */
function collectFunctions() {
  const byTarget = new Map();
  walk(functionsDir, (dir) => {
    const route = path.relative(functionsDir, dir).replace(/\.func$/, "");
    const target = fs.realpathSync(dir);
    if (!byTarget.has(target)) byTarget.set(target, { dir: target, routes: [] });
    // The .rsc and segment variants are the same function under another name.
    if (!/\.rsc$|\.segments\/|\.segment\./.test(route)) byTarget.get(target).routes.push(route);
  });
  return [...byTarget.values()];
}

/** The files a function deploys, as paths inside it, and their total size. */
function functionFiles(dir) {
  const config = JSON.parse(fs.readFileSync(path.join(dir, ".vc-config.json"), "utf8"));
  const files = new Map();
  // Local builds list project files by reference (filePathMap) instead of copying them.
  for (const [inside, source] of Object.entries(config.filePathMap ?? {})) files.set(inside, path.resolve(root, source));
  const copy = (current) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const inside = path.relative(dir, full);
      if (inside === ".vc-config.json") continue;
      if (entry.isDirectory()) copy(full);
      else files.set(inside, full);
    }
  };
  copy(dir);
  let bytes = 0;
  for (const source of files.values()) bytes += fs.statSync(source).size;
  return { config, files: [...files.keys()], bytes };
}

const formatMB = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

function check(log) {
  const problems = [];
  if (log?.includes(WHOLE_PROJECT_WARNING)) {
    problems.push(`the build warns that a filesystem access ${WHOLE_PROJECT_WARNING} (see .vercel/build.log)`);
  }
  const functions = collectFunctions()
    .map((fn) => ({ ...fn, ...functionFiles(fn.dir) }))
    .filter((fn) => fn.routes.length > 0)
    .sort((a, b) => b.bytes - a.bytes);

  const rows = functions.map((fn) => {
    const routes = fn.routes.map((r) => `/${r}`).sort();
    const shown = routes.length > 3 ? `${routes.slice(0, 3).join(", ")} +${routes.length - 3} more` : routes.join(", ");
    return [formatMB(fn.bytes), String(fn.files.length), fn.config.runtime ?? "?", fn.config.maxDuration ? `${fn.config.maxDuration} s` : "default", shown];
  });
  const header = ["size", "files", "runtime", "maxDuration", "routes"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ");
  console.log(`\n${line(header)}\n${line(widths.map((w) => "-".repeat(w)))}`);
  for (const row of rows) console.log(line(row));
  console.log("");

  for (const fn of functions) {
    const name = `function of /${fn.routes[0]}${fn.routes.length > 1 ? ` (+${fn.routes.length - 1} routes)` : ""}`;
    for (const rule of FORBIDDEN) {
      const hits = fn.files.filter((file) => rule.pattern.test(file));
      if (hits.length) problems.push(`${name} contains ${rule.why}: ${hits.slice(0, 3).join(", ")}${hits.length > 3 ? ` (+${hits.length - 3})` : ""}`);
    }
    if (fn.bytes > MAX_FUNCTION_BYTES) problems.push(`${name} is ${formatMB(fn.bytes)} (limit ${formatMB(MAX_FUNCTION_BYTES)})`);
    if (fn.routes.some((r) => WEBHOOK_ROUTE.test(r)) && fn.bytes > MAX_WEBHOOK_BYTES) {
      problems.push(`${name} serves webhooks and is ${formatMB(fn.bytes)} (limit ${formatMB(MAX_WEBHOOK_BYTES)})`);
    }
  }
  for (const route of LONG_RUNNING_ROUTES) {
    const fn = functions.find((f) => f.routes.includes(route));
    if (!fn) problems.push(`no function serves /${route}`);
    else if (!fn.config.maxDuration) problems.push(`/${route} runs long work but its function has no maxDuration`);
  }
  const majors = engineMajors();
  for (const runtime of new Set(functions.map((fn) => fn.config.runtime))) {
    const major = Number(/^nodejs(\d+)\.x$/.exec(runtime ?? "")?.[1]);
    if (!majors.includes(major)) problems.push(`functions run on ${runtime}, package.json engines allow Node ${majors.join(" and ")} only`);
  }
  if (log && /Due to "engines"|automatically upgrade/.test(log)) {
    problems.push("Vercel does not take its Node.js version from package.json engines (see .vercel/build.log)");
  }
  if (problems.length) throw new CheckFailed(problems.map((p) => `  - ${p}`).join("\n"));
  console.log(`check:vercel passed: ${functions.length} functions, largest ${formatMB(functions[0]?.bytes ?? 0)}`);
}

/**
 * The Node majors package.json engines names ("^20.19 || ^22.12" → 20, 22). Vercel
 * runs the newest of them it still offers; an open range (">=20") would let it move
 * to a major nobody tested.
 */
function engineMajors() {
  const { engines } = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const range = engines?.node ?? "";
  if (/>|\*|\bx\b/.test(range.replace(/\d+\.x/g, ""))) return [];
  return [...range.matchAll(/(?:^|\|\||\s)[\^~]?(\d+)[.\s]/g)].map((m) => Number(m[1]));
}

const started = Date.now();
// The decoys stay until the check has read the files the functions point at.
const removeDecoys = placeDecoys();
try {
  check(process.argv.includes("--no-build") ? null : build());
  console.log(`(${Math.round((Date.now() - started) / 1000)} s)`);
} catch (err) {
  if (!(err instanceof CheckFailed)) throw err;
  process.stderr.write(`\ncheck:vercel failed:\n${err.message}\n`);
  process.exitCode = 1;
} finally {
  removeDecoys();
}
