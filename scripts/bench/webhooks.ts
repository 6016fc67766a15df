// npx tsx scripts/bench/webhooks.ts [--duration 10] [--warmup 3] [--connections 10,50] [--cases bare,google,graph]
//
// Throughput and latency of the webhook routes against a production build, as a
// ratio of a do-nothing route handler of the same build on the same machine (the
// issue's targets: >= 0.8 of the bare route's req/s at 50 connections, p99 at 10
// connections <= 1.5x the bare route's). Prints figures; asserts nothing except
// that every notification answered 2xx was stored.
//
// Needs a production build (`timeout 900 npx next build`, or pass --build) and a
// PostgreSQL server (BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
// postgresql://postgres@127.0.0.1:5432/postgres). It creates a fresh database
// calsync_bench_<random>, migrates it, seeds one organization with a Google channel
// and a Graph subscription, starts `next start` on a free port, drives load with a
// keep-alive client written here, and drops the database at the end.
//
// The load generator, the server and PostgreSQL share the machine's cores: the
// figures say what one server process does with what is left, not a capacity.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { loadKeyRing, seal } from "@/lib/db/encryption";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    connections: { type: "string", default: "10,50" },
    cases: { type: "string", default: "bare,google,graph" },
    batch: { type: "string", default: "10" },
    rounds: { type: "string", default: "5" },
    jobs: { type: "string", default: "inline" },
    dir: { type: "string" },
    build: { type: "boolean", default: false },
    "keep-db": { type: "boolean", default: false },
    outbound: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (args.help) {
  console.log(`Usage: npx tsx scripts/bench/webhooks.ts [options]
  --duration <s>      measured seconds per case (default 10)
  --warmup <s>        unmeasured seconds before each case (default 3)
  --connections <n,>  concurrent keep-alive connections (default 10,50; e.g. 10,50,200)
  --cases <list>      bare,google,graph (default all three)
  --batch <n>         items per Graph batch (default 10)
  --rounds <n>        slices the measured time of each case is split into, the cases
                      taking turns (default 5)
  --jobs <driver>     inline (default: jobs run in the server process, as on the
                      embedded default) or inngest (hand-offs go over HTTP to a stand-in
                      for Inngest's event API in this process, as in production)
  --dir <path>        the app to run (default: this repository); e.g. a copy built
                      apart so a rebuild does not pull .next from under someone else
  --build             run \`next build\` first
  --keep-db           keep the benchmark database (prints its URL)
  --outbound <mode>   meanwhile, a process of its own keeps changing events (the
                      change log grows) and, with "deliveries", delivers every change
                      as an outbound webhook to a local receiver; "writes" only changes
                      events (scripts/bench/outbound-load.ts): ingest beside outbound`);
  process.exit(0);
}

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const APP_DIR = path.resolve(args.dir ?? ROOT);
const NEXT_BIN = path.join(APP_DIR, "node_modules", "next", "dist", "bin", "next");
const durationMs = Number(args.duration) * 1000;
const warmupMs = Number(args.warmup) * 1000;
const connectionLevels = args.connections.split(",").map(Number);
const cases = new Set(args.cases.split(","));
const batchSize = Number(args.batch);
const rounds = Math.max(1, Number(args.rounds));
if (args.jobs !== "inline" && args.jobs !== "inngest") throw new Error("--jobs is inline or inngest");
if (args.outbound !== undefined && args.outbound !== "writes" && args.outbound !== "deliveries") throw new Error("--outbound is writes or deliveries");

type CaseName = "bare" | "google" | "graph";

interface Stats {
  name: CaseName;
  connections: number;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** 2xx answers over the whole run, warm-up included (each is a stored notification). */
  ok2xxTotal: number;
}

// ---- database ------------------------------------------------------------------

function serverUrl(): string {
  return process.env.BENCH_DATABASE_URL?.trim() || process.env.TEST_DATABASE_URL?.trim() || "postgresql://postgres@127.0.0.1:5432/postgres";
}

function withDatabase(url: string, database: string): string {
  const copy = new URL(url);
  copy.pathname = `/${database}`;
  return copy.toString();
}

async function sql<Row extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Row>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

interface Seed {
  googleChannelId: string;
  googleResourceId: string;
  googleToken: string;
  graphSubscriptionId: string;
  graphClientState: string;
}

async function seed(url: string, encryptionKey: string): Promise<Seed> {
  // A sealed access token valid for a day: the sync jobs the notifications start
  // then fail on the network (no provider here) and retry, instead of finding no
  // token and flipping the connection to needs_reconnect mid-run, which would turn
  // every later notification into `ignored` and change what is measured.
  const keys = loadKeyRing({ ENCRYPTION_KEY: encryptionKey, NODE_ENV: "production" });
  const accessToken = seal("bench-access-token", keys);
  const refreshToken = seal("bench-refresh-token", keys);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const one = async (text: string, values: unknown[]) => (await client.query<{ id: string }>(text, values)).rows[0]!.id;
    const org = await one(`INSERT INTO organizations (name, slug, updated_at) VALUES ('Bench', $1, now()) RETURNING id`, [`bench-${randomUUID().slice(0, 8)}`]);
    const connection = (provider: string, account: string) =>
      one(
        `INSERT INTO calendar_connections (organization_id, provider, provider_account_id, account_email, access_token, refresh_token, access_token_expires_at, scopes, updated_at)
         VALUES ($1, $2::"Provider", $3, $4, $5, $6, now() + interval '1 day', '{}', now()) RETURNING id`,
        [org, provider, account, `${account}@example.com`, accessToken, refreshToken],
      );
    const calendar = (connectionId: string, name: string) =>
      one(
        `INSERT INTO calendars (organization_id, connection_id, provider_calendar_id, name, sync_enabled, updated_at) VALUES ($1, $2, $3, $3, true, now()) RETURNING id`,
        [org, connectionId, name],
      );

    const googleConnection = await connection("google", "bench-google");
    const googleCalendar = await calendar(googleConnection, "primary");
    const result: Seed = {
      googleChannelId: randomUUID(),
      googleResourceId: `res-${randomUUID()}`,
      googleToken: randomBytes(32).toString("base64url"),
      graphSubscriptionId: randomUUID(),
      graphClientState: randomBytes(32).toString("base64url"),
    };
    await client.query(
      `INSERT INTO webhook_subscriptions (organization_id, connection_id, calendar_id, provider, external_id, resource_id, secret_hash, status, updated_at)
       VALUES ($1, $2, $3, 'google', $4, $5, $6, 'active', now())`,
      [org, googleConnection, googleCalendar, result.googleChannelId, result.googleResourceId, sha256(result.googleToken)],
    );
    const graphConnection = await connection("microsoft", "bench-graph");
    await calendar(graphConnection, "Calendar");
    await client.query(
      `INSERT INTO webhook_subscriptions (organization_id, connection_id, provider, external_id, resource, secret_hash, status, updated_at)
       VALUES ($1, $2, 'microsoft', $3, 'me/events', $4, 'active', now())`,
      [org, graphConnection, result.graphSubscriptionId, sha256(result.graphClientState)],
    );
    return result;
  } finally {
    await client.end();
  }
}

// ---- server --------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function startServer(port: number, env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const log = fs.openSync(logFile, "w");
  // Its own process group: `next start` runs the server in a child process, which
  // must go down with it (signalling the parent alone can leave the child serving).
  return spawn(process.execPath, [NEXT_BIN, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: APP_DIR,
    env,
    stdio: ["ignore", log, log],
    detached: true,
  });
}

async function waitUntilUp(base: string, server: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`next start exited with ${server.exitCode}`);
    const status = await fetch(`${base}/api/webhooks/bench-baseline`, { method: "POST" })
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 200) return;
    if (status === 404) throw new Error("the build has no bench-baseline route, or CALSYNC_BENCH is not reaching it: rebuild");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("next start did not answer in time");
}

async function stopServer(server: ChildProcess): Promise<void> {
  const group = server.pid;
  if (group === undefined) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-group, name);
    } catch {
      // The group is already gone.
    }
  };
  const exited = server.exitCode !== null ? Promise.resolve() : new Promise((resolve) => server.once("exit", resolve));
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
  // The child may outlive the parent by a moment; make sure nothing of the group stays.
  await new Promise((resolve) => setTimeout(resolve, 200));
  signal("SIGKILL");
}

/**
 * Inngest's event API reduced to accepting: the hand-off costs the server what it
 * costs in production (an HTTP request per dispatch), and no job runs anywhere.
 */
async function startEventSink(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let received = 0;
  const sink = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      let events = 1;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
        events = Array.isArray(body) ? body.length : 1;
      } catch {
        // Counted as one.
      }
      received += events;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ids: Array.from({ length: events }, () => randomUUID()), status: 200 }));
    });
  });
  sink.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const { port } = sink.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        sink.closeAllConnections();
        sink.close(() => resolve());
      }),
  };
}

// ---- load ----------------------------------------------------------------------

interface Shot {
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function send(agent: http.Agent, port: number, shot: Shot): Promise<number> {
  return new Promise((resolve) => {
    const headers = { ...shot.headers, "content-length": String(shot.body ? Buffer.byteLength(shot.body) : 0) };
    const request = http.request({ host: "127.0.0.1", port, path: shot.path, method: "POST", agent, headers }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", () => resolve(0));
    });
    request.on("error", () => resolve(0));
    request.end(shot.body);
  });
}

interface Slice {
  latencies: number[];
  errors: number;
  ok2xxTotal: number;
}

/**
 * `connections` closed loops, each sending its next request as soon as the last
 * answers, for `warmup + measure` ms; only requests sent and answered inside the
 * measured part count towards latency and rate.
 */
async function drive(port: number, connections: number, next: () => Shot, warmup: number, measure: number): Promise<Slice> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const measureFrom = performance.now() + warmup;
  const stopAt = measureFrom + measure;
  const slice: Slice = { latencies: [], errors: 0, ok2xxTotal: 0 };

  const loop = async () => {
    for (;;) {
      const sentAt = performance.now();
      if (sentAt >= stopAt) return;
      const status = await send(agent, port, next());
      const doneAt = performance.now();
      const ok = status >= 200 && status < 300;
      if (ok) slice.ok2xxTotal += 1;
      if (sentAt >= measureFrom && doneAt <= stopAt) {
        slice.latencies.push(doneAt - sentAt);
        if (!ok) slice.errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  agent.destroy();
  return slice;
}

function summarize(name: CaseName, connections: number, slices: Slice[], measuredMs: number): Stats {
  const latencies = slices.flatMap((slice) => slice.latencies).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  const sum = (pick: (slice: Slice) => number) => slices.reduce((total, slice) => total + pick(slice), 0);
  return {
    name,
    connections,
    requests: latencies.length,
    rps: latencies.length / (measuredMs / 1000),
    p50: at(0.5),
    p99: at(0.99),
    errors: sum((slice) => slice.errors),
    ok2xxTotal: sum((slice) => slice.ok2xxTotal),
  };
}

// ---- main ----------------------------------------------------------------------

async function main(): Promise<void> {
  if (args.build) {
    const build = spawnSync(process.execPath, [NEXT_BIN, "build"], { cwd: APP_DIR, stdio: "inherit" });
    if (build.status !== 0) throw new Error("next build failed");
  }
  if (!fs.existsSync(path.join(APP_DIR, ".next", "BUILD_ID")))
    throw new Error(`no production build in ${APP_DIR}: run \`timeout 900 npx next build\` first (or pass --build)`);

  const server = serverUrl();
  const database = `calsync_bench_${randomBytes(6).toString("hex")}`;
  const url = withDatabase(server, database);
  await sql(server, `CREATE DATABASE "${database}"`);
  let app: ChildProcess | undefined;
  let outbound: ChildProcess | undefined;
  const sink = args.jobs === "inngest" ? await startEventSink() : undefined;
  const cleanup = async () => {
    if (outbound && outbound.exitCode === null) {
      const done = new Promise((resolve) => outbound!.once("exit", resolve));
      outbound.kill("SIGTERM");
      await done;
    }
    if (app) await stopServer(app);
    await sink?.close();
    if (!args["keep-db"]) await sql(server, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => {});
  };
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));

  try {
    const migrate = spawnSync("npm", ["run", "--silent", "db:migrate"], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, encoding: "utf8" });
    if (migrate.status !== 0) throw new Error(`db:migrate failed:\n${migrate.stdout}\n${migrate.stderr}`);

    const encryptionKey = randomBytes(32).toString("base64");
    const seeded = await seed(url, encryptionKey);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const logFile = path.join(os.tmpdir(), `calsync-bench-${port}.log`);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ["INNGEST_DEV", "INNGEST_BASE_URL", "INNGEST_SIGNING_KEY", "INNGEST_EVENT_KEY", "TEST_DATABASE_URL", "PGLITE_DATA_DIR"])
      delete env[name];
    if (sink) Object.assign(env, { INNGEST_BASE_URL: sink.url, INNGEST_EVENT_KEY: "bench" });
    Object.assign(env, {
      NODE_ENV: "production",
      DATABASE_URL: url,
      ENCRYPTION_KEY: encryptionKey,
      NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
      NEXTAUTH_URL: base,
      CALSYNC_DISABLE_CRONS: "1",
      CALSYNC_BENCH: "1",
      CALSYNC_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "calsync-bench-data-")),
    });
    app = startServer(port, env, logFile);
    await waitUntilUp(base, app);
    console.log(`server: next start on ${base} (pid ${app.pid}), log ${logFile}; database ${database}; jobs ${args.jobs}`);
    if (args.outbound) {
      outbound = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/bench/outbound-load.ts")], {
        cwd: ROOT,
        env: { ...env, NODE_ENV: "development", LOG_LEVEL: "warn", OUTBOUND_LOAD: args.outbound },
        stdio: ["ignore", "inherit", "inherit"],
      });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    console.log(
      `each case: ${warmupMs / 1000} s warm-up, ${durationMs / 1000} s measured in ${rounds} slices taking turns with the other cases; ${os.cpus().length} cores shared by server, load generator and PostgreSQL\n`,
    );

    let message = 1_000;
    let resource = 0;
    const shots: Record<CaseName, () => Shot> = {
      bare: () => ({ path: "/api/webhooks/bench-baseline", headers: googleHeaders(String(message++)) }),
      google: () => ({ path: "/api/webhooks/google", headers: googleHeaders(String(message++)) }),
      graph: () => ({
        path: "/api/webhooks/microsoft",
        headers: { "content-type": "application/json; charset=utf-8" },
        body: JSON.stringify({
          value: Array.from({ length: batchSize }, () => {
            const eventId = `AAMkAD-${resource++}`;
            return {
              subscriptionId: seeded.graphSubscriptionId,
              clientState: seeded.graphClientState,
              changeType: "updated",
              resource: `Users/bench/Events/${eventId}`,
              subscriptionExpirationDateTime: "2030-01-01T00:00:00Z",
              tenantId: "bench-tenant",
              resourceData: { "@odata.type": "#Microsoft.Graph.Event", "@odata.id": `Users/bench/Events/${eventId}`, "@odata.etag": 'W/"1"', id: eventId },
            };
          }),
        }),
      }),
    };
    function googleHeaders(messageNumber: string): Record<string, string> {
      return {
        "x-goog-channel-id": seeded.googleChannelId,
        "x-goog-message-number": messageNumber,
        "x-goog-resource-id": seeded.googleResourceId,
        "x-goog-resource-state": "exists",
        "x-goog-resource-uri": "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json",
        "x-goog-channel-token": seeded.googleToken,
        "x-goog-channel-expiration": new Date(Date.now() + 86_400_000).toUTCString(),
        "user-agent": "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)",
      };
    }

    // The cases take turns in short slices rather than one long run each: whatever
    // else the machine is doing then weighs on every case alike, and the ratios
    // stay comparable even when the absolute figures drift.
    const results: Stats[] = [];
    const active = (["bare", "google", "graph"] as const).filter((name) => cases.has(name));
    const sliceMs = durationMs / rounds;
    for (const connections of connectionLevels) {
      const slices = new Map<CaseName, Slice[]>(active.map((name) => [name, []]));
      for (let round = 0; round < rounds; round += 1) {
        for (const name of active) {
          // The first slice of a case warms it up fully; later ones only reopen connections.
          const warmup = round === 0 ? warmupMs : Math.min(300, warmupMs);
          slices.get(name)!.push(await drive(port, connections, shots[name], warmup, sliceMs));
        }
      }
      for (const name of active) {
        const stats = summarize(name, connections, slices.get(name)!, durationMs);
        results.push(stats);
        console.log(
          `  ${name.padEnd(6)} ${String(connections).padStart(4)} conn: ${stats.rps.toFixed(0)} req/s, p50 ${stats.p50.toFixed(1)} ms, p99 ${stats.p99.toFixed(1)} ms, errors ${stats.errors}`,
        );
      }
    }

    console.log("");
    printTable(results);

    // Every 2xx promised a stored row; the database must agree exactly.
    const counts = await sql<{ provider: string; status: string; n: string }>(
      url,
      `SELECT provider::text, status::text, count(*) AS n FROM webhook_events GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    const stored = (provider: string) => counts.filter((row) => row.provider === provider).reduce((sum, row) => sum + Number(row.n), 0);
    const answered = (name: CaseName) => results.filter((stats) => stats.name === name).reduce((sum, stats) => sum + stats.ok2xxTotal, 0);
    console.log("\nstored vs acknowledged (warm-up included):");
    if (cases.has("google")) report("google", answered("google"), stored("google"));
    if (cases.has("graph")) report(`graph (${batchSize} items/batch)`, answered("graph") * batchSize, stored("microsoft"));
    if (sink) console.log(`  hand-offs received by the Inngest stand-in: ${sink.received()}`);
    console.log(`  by status: ${counts.map((row) => `${row.provider}/${row.status}=${row.n}`).join(", ") || "(none)"}`);
    if (args["keep-db"]) console.log(`\nkept database: ${url}`);
  } finally {
    await cleanup();
  }
}

function report(label: string, acknowledged: number, stored: number): void {
  const verdict = acknowledged === stored ? "OK" : "MISMATCH";
  console.log(`  ${label}: ${acknowledged} acknowledged, ${stored} stored: ${verdict}`);
  if (acknowledged !== stored) process.exitCode = 1;
}

function printTable(results: Stats[]): void {
  const bare = new Map(results.filter((stats) => stats.name === "bare").map((stats) => [stats.connections, stats]));
  const rows = [["case", "conn", "req/s", "p50 ms", "p99 ms", "errors", "req/s vs bare", "p99 vs bare"]];
  for (const stats of results) {
    const yardstick = bare.get(stats.connections);
    rows.push([
      stats.name === "graph" ? `graph x${batchSize}` : stats.name,
      String(stats.connections),
      stats.rps.toFixed(0),
      stats.p50.toFixed(1),
      stats.p99.toFixed(1),
      String(stats.errors),
      yardstick ? (stats.rps / yardstick.rps).toFixed(2) : "-",
      yardstick ? (stats.p99 / yardstick.p99).toFixed(2) : "-",
    ]);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const [index, row] of rows.entries()) {
    console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  "));
    if (index === 0) console.log(widths.map((width) => "-".repeat(width)).join("  "));
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
