// npm run bench [-- --quick] [-- --only webhooks,sync,freshness,proofs] [-- --webhooks-flags "--build"]
//
// Every benchmark of issue #7 in sequence, then their tables:
//   webhooks   ingest throughput and latency vs a bare route (scripts/bench/webhooks.ts,
//              run as a child process: it needs a production build and PostgreSQL)
//   sync       sync scale: 1k / 10k / 100k events, initial and incremental (sync-scale.ts)
//   freshness  change-to-database latency and syncs against the coalescing's ideal (freshness.ts)
//   api        change-log write cost, GET /api/v1/changes and outbound delivery throughput (api.ts);
//              the ingest ratio beside outbound load: --webhooks-flags --outbound
//   poll       the poll over 100,000 calendars for one simulated hour (poll-scale.ts)
// --quick runs small sizes and short durations (about two minutes instead of eight
// on two cores). Progress goes to stderr, the tables to stdout. Exits non-zero when
// a benchmark failed or found the mirror wrong; slow figures never fail it.

import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { freshnessReport, runFreshness, type FreshnessOptions, type FreshnessResult } from "./freshness";
import { runSyncScale, syncScaleReport, type SyncScaleOptions } from "./sync-scale";
import { isEntryPoint, nodeWithTsx, prepareBenchEnvironment, ROOT } from "./support";
import { apiBenchReport, runApiBench, type ApiBenchOptions } from "./api";
import { pollScaleReport, runPollScale, type PollScaleOptions } from "./poll-scale";
import { errorMessage } from "@/lib/format";

export type BenchName = "webhooks" | "sync" | "freshness" | "proofs" | "api" | "poll";
export const BENCHES: readonly BenchName[] = ["webhooks", "sync", "freshness", "proofs", "api", "poll"];

export interface Plan {
  webhooks: string[];
  /** Runs per property of the convergence proof (npm test runs 25 per provider). */
  proofRuns: number;
  sync: Omit<SyncScaleOptions, "log">;
  freshness: Array<Omit<FreshnessOptions, "log">>;
  api: Omit<ApiBenchOptions, "log">;
  poll: Omit<PollScaleOptions, "log">;
}

/** What each benchmark runs with, full or quick. */
export function plan(quick: boolean, webhooksFlags: string[] = []): Plan {
  if (quick) {
    return {
      webhooks: ["--duration", "3", "--warmup", "1", "--connections", "10", "--rounds", "1", ...webhooksFlags],
      proofRuns: 50,
      api: { changes: 5_000, deliveries: 500 },
      poll: { calendars: 10_000, connections: 1_000, pushShare: 0.8 },
      sync: { sizes: [1_000, 10_000], providers: ["google", "microsoft"], changes: [10, 1_000] },
      freshness: [
        { label: "steady 1/s (google)", calendars: 2, ratePerSecond: 1, durationS: 20, provider: "google" },
        { label: "sparse 1 per 5 s (google)", calendars: 2, ratePerSecond: 0.2, durationS: 20, provider: "google" },
      ],
    };
  }
  return {
    webhooks: webhooksFlags,
    proofRuns: 200,
    api: { changes: 20_000, deliveries: 2_000 },
    poll: { calendars: 100_000, connections: 10_000, pushShare: 0.8 },
    sync: { sizes: [1_000, 10_000, 100_000], providers: ["google", "microsoft"], changes: [10, 1_000] },
    freshness: [
      { label: "steady 1/s (google)", calendars: 3, ratePerSecond: 1, durationS: 60, provider: "google" },
      { label: "steady 1/s (microsoft)", calendars: 3, ratePerSecond: 1, durationS: 60, provider: "microsoft" },
      { label: "sparse 1 per 5 s (google)", calendars: 3, ratePerSecond: 0.2, durationS: 60, provider: "google" },
    ],
  };
}

/** `--only webhooks,sync` as a list; every benchmark when absent. */
export function selected(only: string | undefined): BenchName[] {
  if (!only) return [...BENCHES];
  const names = only
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of names) if (!BENCHES.includes(name as BenchName)) throw new Error(`--only takes ${BENCHES.join(", ")}; got "${name}"`);
  return BENCHES.filter((name) => names.includes(name));
}

/** Splits a flags string the way a shell would for simple cases (quotes group words). */
export function splitFlags(text: string | undefined): string[] {
  if (!text) return [];
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? "");
}

/** The table webhooks.ts prints after its progress lines: from the header row on. */
export function webhooksTable(output: string): string {
  const lines = output.split("\n");
  const start = lines.findIndex((line) => /^case\s+conn\s+req\/s/.test(line));
  return start < 0 ? "" : lines.slice(start).join("\n").trimEnd();
}

async function runWebhooks(flags: string[], log: (line: string) => void): Promise<{ table: string; code: number | null }> {
  const wantsBuild = flags.includes("--build");
  const dirFlag = flags.indexOf("--dir");
  const appDir = dirFlag >= 0 && flags[dirFlag + 1] ? path.resolve(flags[dirFlag + 1]!) : ROOT;
  if (!wantsBuild && !fs.existsSync(path.join(appDir, ".next", "BUILD_ID"))) {
    return { table: `skipped: no production build in ${appDir} (run \`timeout 900 npx next build\`, or pass --webhooks-flags --build)`, code: null };
  }
  const { command, args } = nodeWithTsx(path.join(ROOT, "scripts", "bench", "webhooks.ts"), flags);
  log(`webhooks: ${["scripts/bench/webhooks.ts", ...flags].join(" ")}`);
  const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    output += chunk;
    process.stderr.write(chunk);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (exitCode) => resolve(exitCode));
  });
  const table = webhooksTable(output);
  return { table: table || `(no table; webhooks.ts exited with ${code})`, code };
}

/** The convergence proof with more seeded runs than `npm test` affords (its seed is printed on failure). */
async function runProofs(runs: number, log: (line: string) => void): Promise<number | null> {
  const vitest = path.join(ROOT, "node_modules", "vitest", "vitest.mjs");
  const child = spawn(process.execPath, [vitest, "run", "--project", "integration", "lib/proofs/convergence.int.test.ts"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CALSYNC_PROPERTY_RUNS: String(runs) },
  });
  child.stdout.on("data", (chunk: Buffer) => log(chunk.toString().trimEnd()));
  child.stderr.on("data", (chunk: Buffer) => log(chunk.toString().trimEnd()));
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      "webhooks-flags": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(`Usage: npm run bench [-- options]
  --quick                   small sizes, short durations
  --only <list>             some of: ${BENCHES.join(",")}
  --webhooks-flags "<...>"  extra flags for scripts/bench/webhooks.ts (e.g. "--build", "--jobs inngest")
Each benchmark also runs alone: npx tsx scripts/bench/{webhooks,sync-scale,freshness,poll-scale}.ts --help
Database: PostgreSQL when DATABASE_URL or TEST_DATABASE_URL is set, else in-memory PGlite
(webhooks.ts always needs PostgreSQL: BENCH_DATABASE_URL, TEST_DATABASE_URL or 127.0.0.1:5432).`);
    return;
  }
  prepareBenchEnvironment();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const chosen = selected(values.only);
  const settings = plan(values.quick, splitFlags(values["webhooks-flags"]));
  const sections: string[] = [];
  const failures: string[] = [];
  const started = performance.now();

  for (const name of chosen) {
    const began = performance.now();
    log(`\n== ${name}${values.quick ? " (quick)" : ""} ==`);
    try {
      if (name === "webhooks") {
        const { table, code } = await runWebhooks(settings.webhooks, log);
        sections.push(`Webhook ingest (scripts/bench/webhooks.ts ${settings.webhooks.join(" ")})\n\n${table}`);
        if (code !== null && code !== 0) failures.push(`webhooks exited with ${code}`);
      } else if (name === "proofs") {
        const code = await runProofs(settings.proofRuns, log);
        sections.push(
          `Convergence proof with ${settings.proofRuns} runs per provider (lib/proofs/convergence.int.test.ts): ${code === 0 ? "passed" : "FAILED"}`,
        );
        if (code !== 0) failures.push(`proofs exited with ${code}`);
      } else if (name === "poll") {
        sections.push(pollScaleReport(settings.poll, await runPollScale({ ...settings.poll, log })));
      } else if (name === "api") {
        sections.push(apiBenchReport(await runApiBench({ ...settings.api, log })));
      } else if (name === "sync") {
        const result = await runSyncScale({ ...settings.sync, log });
        sections.push(syncScaleReport(result));
        if (result.cases.some((entry) => entry.problems.length > 0)) failures.push("sync: the mirror came out wrong");
      } else {
        const results: FreshnessResult[] = [];
        for (const scenario of settings.freshness) results.push(await runFreshness({ ...scenario, log }));
        sections.push(freshnessReport(results));
        if (results.some((result) => result.observed < result.changes)) failures.push("freshness: some changes never reached the database");
      }
    } catch (err) {
      const message = errorMessage(err);
      sections.push(`${name}: FAILED: ${message}`);
      failures.push(`${name}: ${message}`);
    }
    log(`== ${name} took ${((performance.now() - began) / 1000).toFixed(0)} s ==`);
  }

  console.log(`\n${sections.join("\n\n")}\n`);
  console.log(
    `benchmarks: ${chosen.join(", ")} in ${((performance.now() - started) / 1000).toFixed(0)} s${failures.length ? `; FAILED: ${failures.join("; ")}` : ""}`,
  );
  if (failures.length > 0) process.exitCode = 1;
}

if (isEntryPoint(import.meta.url)) {
  main()
    .catch((err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exitCode = 1;
    })
    .finally(() => process.exit());
}
