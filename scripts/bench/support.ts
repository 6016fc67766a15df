// What the benchmark scripts share: the database a run gets, the emulator wiring of
// a process that did not start the emulator, peak memory, and figures and tables.
// Benchmarks print figures; they never decide pass or fail on speed.

import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { adoptPglite, closeSharedPglite, sharedPglite } from "@/lib/db/adapter";
import { closeDb } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrations";
import { describeTarget, IN_MEMORY, isInMemory } from "@/lib/db/target";
import { overrideProviderSettings, sandboxGoogle, sandboxMicrosoft } from "@/lib/providers/config";
import { EmulatorControl } from "@/e2e/emulator/client";
import type { Emulator } from "@/e2e/emulator/server";
import { fetchTrustingCa } from "@/e2e/emulator/trust";
import { queryOnce, withDatabase } from "@/scripts/test/postgres";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** True when `moduleUrl` is the script node was started with (not an import of it). */
export function isEntryPoint(moduleUrl: string): boolean {
  const started = process.argv[1];
  if (!started) return false;
  const self = fileURLToPath(moduleUrl);
  return path.resolve(started) === self || path.resolve(started) === self.replace(/\.ts$/, "");
}

/**
 * Runs a benchmark script (or one of its child roles) as a plain node process with
 * tsx's loader: `npx tsx` would put a second process between us and the script, and
 * the child's memory high-water mark must be the script's own.
 */
export function nodeWithTsx(script: string, args: string[] = [], nodeOptions: string[] = []): { command: string; args: string[] } {
  return { command: process.execPath, args: [...nodeOptions, "--import", "tsx", script, ...args] };
}

/**
 * Settings a benchmark process needs and a developer shell may lack: quiet logs
 * (the tables must stay readable) and secrets of its own, so nothing is written to
 * or read from .data/. Existing values win.
 */
export function prepareBenchEnvironment(): void {
  process.env.LOG_LEVEL ??= "warn";
  process.env.ENCRYPTION_KEY ??= randomBytes(32).toString("base64");
  process.env.NEXTAUTH_SECRET ??= randomBytes(32).toString("base64");
}

// ---- database ---------------------------------------------------------------------

/** Environment changes; `undefined` removes a variable. */
export type EnvPatch = Record<string, string | undefined>;

export interface BenchDatabase {
  kind: "postgres" | "pglite";
  /** One line for the report: which database the figures come from. */
  description: string;
  /** What a process sets to use it (see attachBenchDatabase). */
  env: EnvPatch;
  /** Drops it (PostgreSQL); an in-memory PGlite goes with its process. */
  drop(): Promise<void>;
  /** Measures the CPU time of the server processes serving this database (a local PostgreSQL only; null elsewhere). */
  serverCpu(): DatabaseCpuMeter | null;
}

const PGLITE_DUMP_ENV = "CALSYNC_BENCH_PGLITE_DUMP";
/** A directory for the benchmark's PGlite databases, on disk; unset: in memory. */
const PGLITE_DIR_ENV = "BENCH_PGLITE_DIR";
// Left by the integration tests' global setup (TEST_ENV in scripts/test/database.ts,
// not imported from there because that module loads vitest).
const TEST_SERVER_URL_ENV = "CALSYNC_TEST_SERVER_URL";
const TEST_TEMPLATE_DB_ENV = "CALSYNC_TEST_TEMPLATE_DB";
const TEST_PGLITE_DUMP_ENV = "CALSYNC_TEST_PGLITE_DUMP";

/** The PostgreSQL server to benchmark on, if any: as the tests choose it. */
export function benchServerUrl(): string | undefined {
  const pinned = process.env[TEST_SERVER_URL_ENV];
  if (pinned !== undefined) return pinned || undefined;
  return process.env.TEST_DATABASE_URL?.trim() || process.env.DATABASE_URL?.trim() || undefined;
}

let pgliteDump: Promise<string> | undefined;

/**
 * A migrated, empty PGlite as a dump file, made once per process. Processes that
 * run a benchmark load it instead of migrating, so the migration engine (several
 * megabytes of wasm) never counts towards their memory.
 */
function pgliteTemplate(): Promise<string> {
  const fromTests = process.env[TEST_PGLITE_DUMP_ENV];
  if (fromTests && fs.existsSync(fromTests)) return Promise.resolve(fromTests);
  pgliteDump ??= (async () => {
    const name = `${IN_MEMORY}bench-template-${randomUUID()}`;
    await applyMigrations({ kind: "pglite", dataDir: name });
    const database = await sharedPglite(name);
    const dump = await database.dumpDataDir("none");
    const file = path.join(os.tmpdir(), `calsync-bench-template-${process.pid}-${randomUUID().slice(0, 8)}.tar`);
    fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await closeSharedPglite(name);
    process.once("exit", () => fs.rmSync(file, { force: true }));
    return file;
  })();
  return pgliteDump;
}

/**
 * A fresh, migrated database for one benchmark run: `calsync_bench_<random>` on the
 * PostgreSQL server of DATABASE_URL / TEST_DATABASE_URL, else an in-memory PGlite.
 */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const server = benchServerUrl();
  if (server) {
    const name = `calsync_bench_${randomBytes(6).toString("hex")}`;
    const url = withDatabase(server, name);
    const template = process.env[TEST_TEMPLATE_DB_ENV];
    if (template) {
      await queryOnce(server, `CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } else {
      await queryOnce(server, `CREATE DATABASE "${name}"`);
      try {
        await applyMigrations({ kind: "postgres", url });
      } catch (err) {
        await queryOnce(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
        throw err;
      }
    }
    return {
      kind: "postgres",
      description: `${describeTarget({ kind: "postgres", url })} (fresh, dropped afterwards)`,
      serverCpu: () => databaseCpuMeter(server, name),
      env: { DATABASE_URL: url, PGLITE_DATA_DIR: undefined },
      drop: async () => {
        await queryOnce(server, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      },
    };
  }
  // In memory unless BENCH_PGLITE_DIR names a directory: in memory the database's
  // files count towards the syncing process's RSS, on disk only PGlite's own memory does.
  const onDisk = process.env[PGLITE_DIR_ENV]?.trim();
  const dataDir = onDisk ? path.join(path.resolve(onDisk), `calsync-bench-${randomUUID()}`) : `${IN_MEMORY}bench-${randomUUID()}`;
  return {
    kind: "pglite",
    description: onDisk
      ? `embedded PGlite on disk at ${dataDir}, inside the process that syncs (dropped afterwards)`
      : "embedded PGlite in memory, inside the process that syncs (set DATABASE_URL or TEST_DATABASE_URL for PostgreSQL)",
    env: { DATABASE_URL: undefined, PGLITE_DATA_DIR: dataDir, [PGLITE_DUMP_ENV]: await pgliteTemplate() },
    drop: async () => {
      if (onDisk) fs.rmSync(dataDir, { recursive: true, force: true });
    },
    // Inside the syncing process: its CPU time already counts it.
    serverCpu: () => null,
  };
}

/** `base` with `patch` applied, for a child process's environment. */
export function patchedEnv(base: NodeJS.ProcessEnv, patch: EnvPatch): NodeJS.ProcessEnv {
  const env = { ...base };
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/**
 * Points this process's `db()` at a benchmark database. Returns the function that
 * closes it and puts the environment back.
 */
export async function attachBenchDatabase(patch: EnvPatch): Promise<() => Promise<void>> {
  await closeDb();
  const previous: EnvPatch = Object.fromEntries(Object.keys(patch).map((name) => [name, process.env[name]]));
  const apply = (values: EnvPatch) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(patch);
  const dataDir = patch.PGLITE_DATA_DIR;
  const dump = patch[PGLITE_DUMP_ENV];
  if (dataDir && dump) {
    const { PGlite } = await import("@electric-sql/pglite");
    const loadDataDir = new Blob([fs.readFileSync(dump)]);
    const database = isInMemory(dataDir) ? new PGlite({ loadDataDir }) : new PGlite(dataDir, { loadDataDir });
    await database.waitReady;
    adoptPglite(dataDir, database);
  }
  return async () => {
    await closeDb();
    if (dataDir) await closeSharedPglite(dataDir);
    apply(previous);
  };
}

// ---- the emulator, seen from another process --------------------------------------

export interface EmulatorAddress {
  httpOrigin: string;
  httpsOrigin: string;
  tenantId: string;
  caCertPem: string;
}

export function emulatorAddress(emu: Emulator): EmulatorAddress {
  return { httpOrigin: emu.httpOrigin, httpsOrigin: emu.httpsOrigin, tenantId: emu.microsoft.defaultTenantId, caCertPem: emu.caCertPem };
}

/**
 * Points this process's provider adapters at an emulator another process runs, as
 * startAppEmulator does for one in this process. Returns its control client and the
 * handle `connectAccount` needs (it reads only the CA from it).
 */
export function pointAppAtEmulator(address: EmulatorAddress): { control: EmulatorControl; handle: Emulator } {
  overrideProviderSettings({
    sandbox: true,
    google: sandboxGoogle(address.httpOrigin),
    microsoft: { ...sandboxMicrosoft(address.httpsOrigin), tenant: address.tenantId },
    fetch: fetchTrustingCa(address.caCertPem),
  });
  const handle = { caCertPem: address.caCertPem } satisfies Partial<Emulator>;
  return { control: new EmulatorControl(address.httpOrigin), handle: handle as Emulator };
}

// ---- memory -----------------------------------------------------------------------

const MB = 1024 * 1024;

function statusField(field: "VmHWM" | "VmRSS"): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** This process's resident-set high-water mark in MB (Linux), or null elsewhere. */
export function peakRssMb(): number | null {
  return statusField("VmHWM");
}

export function rssMb(): number {
  return process.memoryUsage().rss / MB;
}

export interface MemorySample {
  rssMb: number;
  /** V8's live heap: what the code holds, as opposed to what the process has not given back. */
  heapUsedMb: number;
}

/** Samples memory every `intervalMs`: the fallback where /proc is missing, and the heap's share of a peak. */
export function sampleMemory(intervalMs = 25): { stop(): MemorySample } {
  const peak: MemorySample = { rssMb: 0, heapUsedMb: 0 };
  const take = () => {
    const usage = process.memoryUsage();
    peak.rssMb = Math.max(peak.rssMb, usage.rss / MB);
    peak.heapUsedMb = Math.max(peak.heapUsedMb, usage.heapUsed / MB);
  };
  take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return { ...peak };
    },
  };
}

// ---- the database server's share ----------------------------------------------------

export interface DatabaseCpuMeter {
  start(): void;
  /** CPU milliseconds the database's backends used since start(). */
  stop(): Promise<number>;
  close(): Promise<void>;
}

const CLOCK_TICKS_PER_SECOND = 100; // Linux's USER_HZ, what /proc/<pid>/stat counts in

/** utime + stime of a process in ms, or null once it is gone. */
function processCpuMs(pid: number): number | null {
  try {
    // The command name sits in parentheses and may hold spaces: fields count from after it.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * The CPU time PostgreSQL spends for one database: the backends connected to it
 * (pg_stat_activity) are sampled every 200 ms, and each contributes what it used
 * between its first and last sample. A local server only (its processes are in this
 * machine's /proc); a backend that ends between samples loses at most 200 ms. The
 * meter asks over one connection of its own, to the server's default database, so
 * it adds no backend to what it measures and forks none per sample.
 */
export function databaseCpuMeter(serverUrl: string, database: string, intervalMs = 200): DatabaseCpuMeter | null {
  const host = new URL(serverUrl).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host) || !fs.existsSync("/proc/self/stat")) return null;
  const seen = new Map<number, { first: number; last: number }>();
  let client: Promise<pg.Client> | undefined;
  const connection = () =>
    (client ??= (async () => {
      const opened = new pg.Client({ connectionString: serverUrl });
      await opened.connect();
      return opened;
    })());
  let timer: NodeJS.Timeout | undefined;
  let sampling: Promise<void> = Promise.resolve();
  const sample = async () => {
    const { rows } = await (
      await connection()
    )
      .query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database])
      .catch(() => ({ rows: [] as Array<{ pid: number }> }));
    for (const { pid } of rows) {
      const now = processCpuMs(pid);
      if (now === null) continue;
      const entry = seen.get(pid);
      if (entry) entry.last = now;
      else seen.set(pid, { first: now, last: now });
    }
  };
  const tick = () => {
    sampling = sampling.then(sample).catch(() => {});
  };
  return {
    start: () => {
      seen.clear();
      tick();
      timer = setInterval(tick, intervalMs);
    },
    stop: async () => {
      clearInterval(timer);
      tick();
      await sampling;
      return [...seen.values()].reduce((sum, entry) => sum + entry.last - entry.first, 0);
    },
    close: async () => {
      clearInterval(timer);
      await sampling;
      const opened = await client?.catch(() => undefined);
      client = undefined;
      await opened?.end().catch(() => {});
    },
  };
}

// ---- figures ----------------------------------------------------------------------

/** Nearest-rank percentile of ascending `sorted` (q in 0..1); NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
}

export interface Growth {
  /** Milliseconds per 1,000 events at each size, smallest size first. */
  perThousand: Array<{ size: number; ms: number }>;
  /** Cost of each further 1,000 events between one size and the next (the slope, free of fixed costs). */
  marginal: Array<{ from: number; to: number; ms: number }>;
  /** Largest over smallest per-1,000 cost. */
  spread: number;
  /**
   * linear: the per-1,000 cost stays within 1.5x across sizes; superlinear: it rises
   * by more than that from one size to the next; sublinear: it only falls by more
   * (fixed costs amortise).
   */
  verdict: "linear" | "sublinear" | "superlinear";
}

export const LINEAR_SPREAD = 1.5;

export function growth(points: ReadonlyArray<{ size: number; ms: number }>): Growth {
  const sorted = [...points].sort((a, b) => a.size - b.size);
  const perThousand = sorted.map((point) => ({ size: point.size, ms: point.ms / (point.size / 1000) }));
  const marginal = sorted.slice(1).map((point, index) => {
    const previous = sorted[index]!;
    return { from: previous.size, to: point.size, ms: (point.ms - previous.ms) / ((point.size - previous.size) / 1000) };
  });
  const costs = perThousand.map((point) => point.ms);
  const spread = costs.length ? Math.max(...costs) / Math.min(...costs) : Number.NaN;
  const steepest = Math.max(...costs.slice(1).map((cost, index) => cost / costs[index]!));
  const verdict = !(spread > LINEAR_SPREAD) ? "linear" : steepest > LINEAR_SPREAD ? "superlinear" : "sublinear";
  return { perThousand, marginal, spread, verdict };
}

export const format = {
  int: (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "-"),
  ms: (value: number) => (Number.isFinite(value) ? (value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`) : "-"),
  seconds: (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "-"),
  mb: (value: number | null) => (value !== null && Number.isFinite(value) ? `${Math.round(value)} MB` : "-"),
  ratio: (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "-"),
};

/** A plain-text table: first column left-aligned, the rest right-aligned. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

/** Comma-separated positive numbers from a flag (`1000,10000`, `1e5`, `10k`). */
export function numberList(text: string, flag: string): number[] {
  const values = text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => (/^\d+(\.\d+)?k$/i.test(part) ? Number(part.slice(0, -1)) * 1000 : Number(part)));
  if (values.length === 0 || values.some((value) => !Number.isFinite(value) || value <= 0))
    throw new Error(`--${flag} takes positive numbers separated by commas, got "${text}"`);
  return values;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` on every item with at most `limit` in flight. */
export async function inBatches<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
