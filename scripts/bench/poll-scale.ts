// npx tsx scripts/bench/poll-scale.ts [--calendars 100000] [--connections 10000] [--push 0.8]
//
// The poll at scale, simulated (not a timed test): `--calendars` synced calendars across
// `--connections` connections in a fresh database, `--push` of them with a healthy push
// subscription (expiring over the next week). Then one simulated hour of the poll
// cron, minute by minute, through the real claim (lib/sync/poll.ts) with the clock
// moved, after the warm-up minutes in which every calendar has its first poll. It
// prints the calendars each minute hands to sync (each is one provider call: an
// incremental sync that finds nothing lists once), the database time per batch, the
// largest step output and send, the hourly renewal plan, and the same cron run once
// for real through the Inngest function factory (@inngest/test runs its steps).
// Prints figures; asserts nothing.
import { parseArgs } from "node:util";
import { attachBenchDatabase, createBenchDatabase, distribution, format, formatTable, isEntryPoint, prepareBenchEnvironment } from "./support";

const MINUTE = 60_000;

export interface PollScaleOptions {
  calendars: number;
  connections: number;
  pushShare: number;
  log?: (line: string) => void;
}

export interface PollScaleResult {
  database: string;
  seedMs: number;
  perMinute: number[];
  batchMs: number[];
  largestStepBytes: number;
  largestSendBytes: number;
  batchesPerMinuteMax: number;
  renewalPlan: { first: number; second: number };
  inngest: { steps: number; sends: number; calendars: number; largestStepBytes: number; largestSendBytes: number; ms: number };
}

async function seed(options: PollScaleOptions, start: Date): Promise<void> {
  const { db } = await import("@/lib/db/client");
  const database = await db();
  const organizations = Math.max(1, Math.round(options.connections / 10));
  const perConnection = Math.ceil(options.calendars / options.connections);
  await database.$transaction(
    async (tx) => {
      // Seeding only: the change log's triggers would add a change per calendar.
      await tx.$executeRawUnsafe(`SET LOCAL session_replication_role = replica`);
      await tx.$executeRawUnsafe(
        `INSERT INTO organizations (name, slug, updated_at) SELECT 'Org ' || g, 'poll-scale-' || g, now() FROM generate_series(1, $1::int) g`,
        organizations,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO calendar_connections (organization_id, provider, provider_account_id, account_email, scopes, updated_at)
         SELECT o.id, 'google', 'acct-' || o.slug || '-' || g, 'p' || g || '@' || o.slug || '.example', '{}', now()
           FROM organizations o CROSS JOIN generate_series(1, $1::int) g WHERE o.slug LIKE 'poll-scale-%'`,
        Math.ceil(options.connections / organizations),
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO calendars (organization_id, connection_id, provider_calendar_id, name, sync_enabled, updated_at)
         SELECT k.organization_id, k.id, 'cal-' || g || '-' || k.id, 'Calendar ' || g, true, now()
           FROM calendar_connections k CROSS JOIN generate_series(1, $1::int) g`,
        perConnection,
      );
      // Healthy push for a share of them, expiring evenly over the next 7 days (Google's longest channel).
      await tx.$executeRawUnsafe(
        `INSERT INTO webhook_subscriptions (organization_id, connection_id, calendar_id, provider, external_id, secret_hash, status, expires_at, updated_at)
         SELECT c.organization_id, c.connection_id, c.id, 'google', 'ch-' || c.id, repeat('a', 64), 'active',
                $1::timestamptz + (random() * interval '7 days'), now()
           FROM calendars c WHERE random() < $2::float8`,
        start,
        options.pushShare,
      );
      // As the migration does for calendars already synced: a slot in the short interval.
      await tx.$executeRawUnsafe(`UPDATE calendars SET next_poll_at = calsync_poll_slot(id, $1::timestamptz, 300000)`, start);
    },
    { timeout: 30 * MINUTE },
  );
  await database.$executeRawUnsafe(`ANALYZE`);
}

export async function runPollScale(options: PollScaleOptions): Promise<PollScaleResult> {
  const log = options.log ?? (() => {});
  prepareBenchEnvironment();
  const bench = await createBenchDatabase();
  const detach = await attachBenchDatabase(bench.env);
  try {
    const { pollJob } = await import("@/lib/sync/poll");
    const { renewalPlan } = await import("@/lib/subscriptions/lifecycle");
    const { CRON_JOBS } = await import("@/lib/jobs/catalog");
    // Tomorrow on the hour, so every slot lies ahead of the database's own clock.
    const start = new Date(Math.ceil(Date.now() / (60 * MINUTE)) * 60 * MINUTE + 24 * 60 * MINUTE);
    const seedStarted = performance.now();
    await seed(options, start);
    const seedMs = performance.now() - seedStarted;
    log(`seeded ${options.calendars} calendars in ${format.ms(seedMs)}`);

    const perMinute: number[] = [];
    const batchMs: number[] = [];
    let largestStepBytes = 0;
    let largestSendBytes = 0;
    let batchesPerMinuteMax = 0;
    const maxBatches = CRON_JOBS.poll.batches.max;
    const minuteOf = async (minute: number): Promise<number> => {
      const now = new Date(start.getTime() + minute * MINUTE);
      let claimed = 0;
      let batches = 0;
      for (; batches < maxBatches;) {
        const began = performance.now();
        const result = await pollJob({ now });
        batchMs.push(performance.now() - began);
        batches += 1;
        claimed += result.followUps?.length ?? 0;
        largestStepBytes = Math.max(largestStepBytes, Buffer.byteLength(JSON.stringify(result)));
        largestSendBytes = Math.max(largestSendBytes, Buffer.byteLength(JSON.stringify(result.followUps ?? [])));
        if (!result.more) break;
      }
      batchesPerMinuteMax = Math.max(batchesPerMinuteMax, batches);
      return claimed;
    };
    // Warm-up: the minutes in which each calendar has its first poll (slots in (start, start + 5 min]) and moves to its cadence.
    const warmUp: number[] = [];
    for (let minute = 0; minute <= 5; minute += 1) warmUp.push(await minuteOf(minute));
    log(`warm-up minutes: ${warmUp.join(", ")}`);
    batchMs.length = 0;
    for (let minute = 6; minute < 66; minute += 1) perMinute.push(await minuteOf(minute));

    const first = (await renewalPlan({ now: new Date(start.getTime() + 60 * MINUTE) })).length;
    const second = (await renewalPlan({ now: new Date(start.getTime() + 120 * MINUTE) })).length;

    // The same cron once through the Inngest function factory, on the real clock.
    const { db } = await import("@/lib/db/client");
    await (
      await db()
    ).$executeRawUnsafe(`UPDATE calendars SET next_poll_at = now() - interval '1 second' WHERE id IN (SELECT id FROM calendars ORDER BY id LIMIT 20000)`);
    const { InngestTestEngine } = await import("@inngest/test");
    const { createFunctions } = await import("@/inngest/functions");
    const { handlers } = await import("@/inngest/handlers");
    const fn = createFunctions(handlers).find((candidate) => candidate.opts.id === CRON_JOBS.poll.id)!;
    const sends = Array.from({ length: maxBatches }, (_, index) => ({
      id: index === 0 ? "follow-ups" : `follow-ups-${index + 1}`,
      handler: () => ({ ids: [] }),
    }));
    const began = performance.now();
    const { result, ctx } = await new InngestTestEngine({ function: fn }).execute({ steps: sends });
    const ms = performance.now() - began;
    const runs = (ctx.step.run as unknown as { mock: { results: Array<{ value: unknown }> } }).mock.results;
    const sent = (ctx.step.sendEvent as unknown as { mock: { calls: unknown[][] } }).mock.calls;
    const stepOutputs = await Promise.all(runs.map(async (entry) => Buffer.byteLength(JSON.stringify(await entry.value))));
    const inngest = {
      steps: runs.length,
      sends: sent.length,
      calendars: Number((result as Record<string, unknown>).calendars ?? 0),
      largestStepBytes: Math.max(0, ...stepOutputs),
      largestSendBytes: Math.max(0, ...sent.map((call) => Buffer.byteLength(JSON.stringify(call[1])))),
      ms,
    };
    return {
      database: bench.description,
      seedMs,
      perMinute,
      batchMs,
      largestStepBytes,
      largestSendBytes,
      batchesPerMinuteMax,
      renewalPlan: { first, second },
      inngest,
    };
  } finally {
    await detach();
    await bench.drop();
  }
}

export function pollScaleReport(options: PollScaleOptions, result: PollScaleResult): string {
  const minutes = distribution(result.perMinute);
  const batches = distribution(result.batchMs);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  return [
    `Poll at scale: ${options.calendars} calendars, ${options.connections} connections, ${Math.round(options.pushShare * 100)}% with healthy push; ${result.database}`,
    formatTable(
      ["figure", "value"],
      [
        ["provider calls per minute (one simulated hour), min / mean / max", `${Math.min(...result.perMinute)} / ${Math.round(minutes.mean)} / ${minutes.max}`],
        ["provider calls in the hour", String(result.perMinute.reduce((sum, count) => sum + count, 0))],
        ["database time per poll batch, p50 / p95 / max", `${format.ms(batches.p50)} / ${format.ms(batches.p95)} / ${format.ms(batches.max)}`],
        ["batches in the busiest minute", String(result.batchesPerMinuteMax)],
        ["largest step output / largest send", `${kb(result.largestStepBytes)} / ${kb(result.largestSendBytes)}`],
        ["renewal plan at the first / second hourly run", `${result.renewalPlan.first} / ${result.renewalPlan.second}`],
        [
          "Inngest function (20,000 due): steps, sends, calendars",
          `${result.inngest.steps}, ${result.inngest.sends}, ${result.inngest.calendars} in ${format.ms(result.inngest.ms)}`,
        ],
        ["Inngest function: largest step output / send", `${kb(result.inngest.largestStepBytes)} / ${kb(result.inngest.largestSendBytes)}`],
      ],
    ),
  ].join("\n");
}

if (isEntryPoint(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      calendars: { type: "string", default: "100000" },
      connections: { type: "string", default: "10000" },
      push: { type: "string", default: "0.8" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(`Usage: npx tsx scripts/bench/poll-scale.ts [--calendars 100000] [--connections 10000] [--push 0.8]
One simulated hour of the poll over that many synced calendars (--push: the share with healthy push).
Database: PostgreSQL (fresh calsync_bench_<random>) when DATABASE_URL or TEST_DATABASE_URL is set, else in-memory PGlite.`);
    process.exit(0);
  }
  const options: PollScaleOptions = {
    calendars: Number(values.calendars),
    connections: Number(values.connections),
    pushShare: Number(values.push),
    log: (line) => console.error(line),
  };
  const result = await runPollScale(options);
  console.log(pollScaleReport(options, result));
  process.exit(0);
}
