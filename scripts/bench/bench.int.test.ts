import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { closestGap, coalescedRuns, freshnessReport, runFreshness } from "./freshness";
import { plan, selected, splitFlags, webhooksTable } from "./run";
import { runApiBench } from "./api";
import { pollScaleReport, runPollScale } from "./poll-scale";
import { benchSeed, eventId, planChanges, runSyncScale, syncScaleReport } from "./sync-scale";
import { distribution, formatTable, growth, nodeWithTsx, numberList, percentile, ROOT } from "./support";

// The benchmarks at toy sizes, so the scripts cannot rot: they must run end to end
// and get the right answer (every event mirrored, every change seen). No figure is
// held to a speed; the sizes are too small to say anything about speed anyway.
//
// Each benchmark makes its own fresh database (a copy of the tests' template on
// PostgreSQL, a PGlite loaded from the tests' dump otherwise), so this file does not
// call setupTestDatabase. The webhook ingest benchmark needs a production build
// (`next build`, minutes, and a shared .next) and is not run here: its script is
// loaded with --help, and run.ts's handling of its output is tested.

const minutes = (count: number) => count * 60_000;

describe("figures", () => {
  it("percentiles are nearest-rank", () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.95)).toBe(95);
    expect(percentile(values, 1)).toBe(100);
    expect(percentile([7], 0.95)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
    expect(distribution([30, 10, 20])).toEqual({ count: 3, p50: 20, p95: 30, max: 30, mean: 20 });
  });

  it("calls growth linear only while the cost per event stays within 1.5x", () => {
    expect(
      growth([
        { size: 10_000, ms: 12_000 },
        { size: 1_000, ms: 1_000 },
      ]),
    ).toMatchObject({ verdict: "linear", spread: 1.2, marginal: [{ from: 1_000, to: 10_000, ms: 11_000 / 9 }] });
    const superlinear = growth([
      { size: 1_000, ms: 500 },
      { size: 100_000, ms: 100_000 },
    ]);
    expect(superlinear.verdict).toBe("superlinear");
    expect(superlinear.perThousand).toEqual([
      { size: 1_000, ms: 500 },
      { size: 100_000, ms: 1_000 },
    ]);
    expect(
      growth([
        { size: 1_000, ms: 1_000 },
        { size: 100_000, ms: 30_000 },
      ]).verdict,
    ).toBe("sublinear");
    // Fixed costs hide a rise that starts past the smallest size.
    expect(
      growth([
        { size: 1_000, ms: 600 },
        { size: 10_000, ms: 3_000 },
        { size: 100_000, ms: 48_000 },
      ]).verdict,
    ).toBe("superlinear");
  });

  it("lays out tables with aligned columns", () => {
    const table = formatTable(
      ["name", "value"],
      [
        ["a", "1"],
        ["longer", "1,000"],
      ],
    ).split("\n");
    expect(table).toEqual(["name    value", "------  -----", "a           1", "longer  1,000"]);
    expect(numberList("1000, 10k,1e5", "sizes")).toEqual([1_000, 10_000, 100_000]);
    expect(() => numberList("10,-1", "sizes")).toThrow(/--sizes/);
  });

  it("counts the runs the catalog's coalescing makes: leading edge, then one per interval", () => {
    const policy = { minIntervalMs: 2_000 };
    const steady = Array.from({ length: 60 }, (_, second) => second * 1000);
    // 0, 2, 4, ... 58 s, and one trailing run at 60 s for the change at 59 s.
    expect(coalescedRuns(steady, policy)).toBe(31);
    expect(
      coalescedRuns(
        Array.from({ length: 12 }, (_, index) => index * 5000),
        policy,
      ),
    ).toBe(12);
    // A burst of 50: one leading and one trailing run.
    expect(
      coalescedRuns(
        Array.from({ length: 50 }, (_, index) => index * 20),
        policy,
      ),
    ).toBe(2);
    expect(coalescedRuns([5_000], policy)).toBe(1);
    expect(coalescedRuns([], policy)).toBe(0);
    expect(closestGap([4_000, 0, 2_500])).toBe(1_500);
    expect(closestGap([1])).toBe(Number.POSITIVE_INFINITY);
  });

  it("plans changes on distinct events, never touching one twice across rounds", () => {
    const first = planChanges(200, 1, 10, 0);
    const second = planChanges(200, 2, 50, first.updates.length + first.deletes.length);
    expect([first.creates.length, first.deletes.length, first.updates.length]).toEqual([1, 1, 8]);
    const touched = [...first.updates, ...first.deletes, ...second.updates, ...second.deletes];
    expect(new Set(touched).size).toBe(touched.length);
    const seeded = new Set(benchSeed("google", 200).accounts[0]!.calendars![0]!.events!.map((event) => event.id));
    expect(touched.every((id) => seeded.has(id))).toBe(true);
    expect(seeded.has(eventId(199))).toBe(true);
    expect(() => planChanges(20, 1, 30, 0)).toThrow(/do not fit/);
  });
});

describe("run.ts", () => {
  it("chooses benchmarks and passes flags through", () => {
    expect(selected(undefined)).toEqual(["webhooks", "sync", "freshness", "proofs", "api", "poll"]);
    expect(selected("freshness,sync")).toEqual(["sync", "freshness"]);
    expect(() => selected("sync,nope")).toThrow(/--only/);
    expect(splitFlags(`--jobs inngest --dir "/tmp/a b"`)).toEqual(["--jobs", "inngest", "--dir", "/tmp/a b"]);
    expect(plan(true, ["--build"]).webhooks).toContain("--build");
    expect(plan(false).sync.sizes).toEqual([1_000, 10_000, 100_000]);
  });

  it("picks the table out of the webhook benchmark's output", () => {
    const output = [
      "server: next start on http://127.0.0.1:1 (pid 1)",
      "  bare     10 conn: 900 req/s",
      "",
      "case    conn  req/s",
      "------  ----  -----",
      "bare      10    900",
      "",
      "stored vs acknowledged:",
    ].join("\n");
    expect(webhooksTable(output).split("\n")[0]).toBe("case    conn  req/s");
    expect(webhooksTable("no table here")).toBe("");
  });

  it("the webhook benchmark script loads (it runs only against a production build)", () => {
    const { command, args } = nodeWithTsx(path.join(ROOT, "scripts", "bench", "webhooks.ts"), ["--help"]);
    const result = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Usage: npx tsx scripts/bench/webhooks.ts");
  });
});

describe("sync scale, 200 events", () => {
  it(
    "mirrors every event and every change, per provider, and reports well-formed figures",
    async () => {
      const result = await runSyncScale({ sizes: [200], providers: ["google", "microsoft"], changes: [10, 50], verify: "full", log: () => {} });
      expect(result.cases.map((entry) => entry.provider)).toEqual(["google", "microsoft"]);
      for (const entry of result.cases) {
        expect(entry.problems).toEqual([]);
        expect(entry.verification).toBe("full");
        const [initial, few, many] = entry.phases;
        expect(initial).toMatchObject({ changes: 0, mode: "full", created: 200, updated: 0, deleted: 0, stored: 200, expected: 200 });
        expect(few).toMatchObject({ changes: 10, mode: "incremental", created: 1, updated: 8, deleted: 1, stored: 200 });
        expect(many).toMatchObject({ changes: 50, mode: "incremental", created: 5, updated: 40, deleted: 5, stored: 200 });
        for (const phase of entry.phases) {
          expect(phase.ms).toBeGreaterThan(0);
          expect(phase.cpuMs).toBeGreaterThan(0);
          expect(phase.emulatorCpuMs).toBeGreaterThan(0);
          expect(phase.listCalls).toBe(phase.pages);
          expect(phase.engineCalls).toBe(phase.pages);
          expect(phase.providerCalls).toBeGreaterThanOrEqual(phase.listCalls);
        }
        expect(entry.baselineRssMb).toBeGreaterThan(0);
        expect(entry.sampledPeakRssMb).toBeGreaterThanOrEqual(entry.baselineRssMb);
        if (entry.peakRssMb !== null) expect(entry.peakRssMb).toBeGreaterThanOrEqual(entry.baselineRssMb);
        expect(result.growth[entry.provider]?.perThousand).toHaveLength(1);
      }
      const report = syncScaleReport(result);
      expect(report).toContain("ok (full)");
      expect(report).not.toContain("PROBLEM");
    },
    minutes(4),
  );
});

describe("freshness, 5 s on one calendar", () => {
  it(
    "sees every change arrive through the webhook path and reports well-formed figures",
    async () => {
      const result = await runFreshness({ calendars: 1, ratePerSecond: 1, durationS: 5, provider: "google", pollMs: 50, log: () => {} });
      expect(result.changes).toBe(5);
      expect(result.observed).toBe(5);
      expect(result.latency.count).toBe(5);
      expect(result.latency.p50).toBeGreaterThan(0);
      expect(result.latency.p50).toBeLessThanOrEqual(result.latency.p95);
      expect(result.latency.p95).toBeLessThanOrEqual(result.latency.max);
      expect(result.notifications).toBeGreaterThanOrEqual(5);
      expect(result.runs).toBeGreaterThanOrEqual(1);
      expect(result.windows).toBeGreaterThanOrEqual(1);
      expect(result.listCalls).toBeGreaterThanOrEqual(result.runs);
      expect(Number.isFinite(result.listCallsPerCalendarPerMinute)).toBe(true);
      expect(Number.isFinite(result.runsPerWindow)).toBe(true);
      const report = freshnessReport([result]);
      expect(report).toContain(result.label);
      expect(report).not.toContain("PROBLEM");
    },
    minutes(3),
  );
});

describe("the API benchmark at a toy size", () => {
  it("writes, reads and delivers every change, and prints four rows", async () => {
    const result = await runApiBench({ changes: 300, deliveries: 40 });
    expect(result.rows.map((row) => row[0])).toEqual([
      "sync write, change log off",
      "sync write, change log on",
      expect.stringMatching(/^read GET \/api\/v1\/changes/),
      "outbound deliveries, one endpoint",
    ]);
    expect(result.rows[3]![1]).toBe("40");
  }, 120_000);
});

describe("the poll simulation at a toy size", () => {
  it("polls every calendar of the simulated hour at its cadence and runs the cron through the Inngest function", async () => {
    const options = { calendars: 300, connections: 30, pushShare: 0.5 };
    const result = await runPollScale(options);
    const total = result.perMinute.reduce((sum, count) => sum + count, 0);
    // Each calendar with push once in the hour, each without twelve times: between those bounds.
    expect(total).toBeGreaterThanOrEqual(300);
    expect(total).toBeLessThanOrEqual(300 * 12);
    expect(result.inngest.calendars).toBe(300);
    expect(result.inngest.sends).toBeGreaterThan(0);
    expect(result.inngest.steps).toBeGreaterThanOrEqual(result.inngest.sends);
    // Eight simulated days of renewal: every subscription (all expire within the week) renewed before it expired.
    expect(result.renewal.subscriptions).toBeGreaterThan(0);
    expect(result.renewal.perRun).toHaveLength(8 * 24);
    expect(result.renewal.perRun.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(result.renewal.subscriptions);
    expect(result.renewal.expiredUnrenewed).toBe(0);
    expect(result.renewal.largestBatch).toBeLessThanOrEqual(100);
    const report = pollScaleReport(options, result);
    expect(report).toMatch(/provider calls per minute/);
    expect(report).toMatch(/renewals per hourly run/);
  }, 120_000);
});
