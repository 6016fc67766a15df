// npx tsx scripts/bench/poll-scale.ts [--calendars 100000] [--connections 10000] [--push 0.8] [--renewal-days 8]
//
// The poll at scale, simulated (not a timed test): `--calendars` synced calendars across
// `--connections` connections in a fresh database, `--push` of them with a healthy push
// subscription (expiring over the next week; the others refused push, so polled only).
// Then one simulated hour of the poll cron, minute by minute, through the real claim
// (lib/sync/poll.ts) with the clock moved, after the warm-up minutes in which every
// calendar has its first poll. It prints the calendars each minute hands to sync (each
// is one provider call: an incremental sync that finds nothing lists once), the
// database time per batch, the largest step output and send, and the same cron run
// once for real through the Inngest function factory (@inngest/test runs its steps).
//
// Then `--renewal-days` of the hourly renewal cron, run by run, through the real claims
// (claimDueRenewals, claimConnectionsMissingPush in lib/subscriptions/lifecycle.ts) with
// the clock moved, up to the catalog's batches per run. There is no provider here: a
// claimed subscription is renewed as a successful Google renewal leaves it (a week's
// expiry and the slot that follows from it). It prints the renewals per run (each one
// to three provider calls), the largest batch, the database time per claim, and
// whether any subscription expired before its renewal. The seed's expiries fall evenly
// over the week from the start, so about a tenth of them are past their slot at once:
// the backlog of a fresh migration, not a steady state.
// Prints figures; asserts nothing.
import { parseArgs } from "node:util";
import { RENEWAL_MARGIN_MS, RENEWAL_SPREAD_MS } from "@/lib/subscriptions/schedule";
import { attachBenchDatabase, createBenchDatabase, distribution, format, formatTable, isEntryPoint, prepareBenchEnvironment } from "./support";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface PollScaleOptions {
  calendars: number;
  connections: number;
  pushShare: number;
  /** Simulated days of the hourly renewal cron (default 8: every seeded expiry, and the first renewals coming round again). */
  renewalDays?: number;
  log?: (line: string) => void;
}

export interface RenewalScaleResult {
  subscriptions: number;
  /** Renewals in each hourly run, in order. */
  perRun: number[];
  /** Batches each run took (at most the catalog's). */
  batchesPerRun: number[];
  /** The runs capped at the catalog's capacity (batches x batch size) before the first that was not: the backlog draining. */
  backlogRuns: number;
  largestBatch: number;
  capacity: number;
  claimMs: number[];
  missingPushMs: number[];
  /** Connections the missing-push pass took in each run (the weekly retry of calendars that refused push). */
  registrationsPerRun: number[];
  /** Live subscriptions found past their expiry at a run: renewal came too late for them. */
  expiredUnrenewed: number;
  /** What the previous job would have renewed in its first hourly run: everything inside the 24-hour margin. */
  insideMarginAtFirstRun: number;
}

export interface PollScaleResult {
  database: string;
  seedMs: number;
  perMinute: number[];
  batchMs: number[];
  largestStepBytes: number;
  largestSendBytes: number;
  batchesPerMinuteMax: number;
  renewal: RenewalScaleResult;
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
      // Healthy push for a share of them, expiring evenly over the next 7 days (Google's longest channel),
      // each with its renewal slot as the renewal_schedule migration gives existing subscriptions.
      await tx.$executeRawUnsafe(
        `INSERT INTO webhook_subscriptions (organization_id, connection_id, calendar_id, provider, external_id, secret_hash, status, expires_at, updated_at)
         SELECT c.organization_id, c.connection_id, c.id, 'google', 'ch-' || c.id, repeat('a', 64), 'active',
                $1::timestamptz + (random() * interval '7 days'), now()
           FROM calendars c WHERE random() < $2::float8`,
        start,
        options.pushShare,
      );
      await tx.$executeRawUnsafe(
        `UPDATE webhook_subscriptions SET renew_at = calsync_renew_at(id, expires_at, $1::bigint, $2::bigint)`,
        RENEWAL_MARGIN_MS,
        RENEWAL_SPREAD_MS,
      );
      // The others refused push (polled only), at some time in the past week: the renewal
      // cron's registration pass asks again a week after each refusal.
      await tx.$executeRawUnsafe(
        `UPDATE calendars c SET push_unsupported_at = $1::timestamptz - random() * interval '7 days'
          WHERE NOT EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.calendar_id = c.id)`,
        start,
      );
      // As the migration does for calendars already synced: a slot in the short interval.
      await tx.$executeRawUnsafe(`UPDATE calendars SET next_poll_at = calsync_poll_slot(id, $1::timestamptz, 300000)`, start);
    },
    { timeout: 30 * MINUTE },
  );
  await database.$executeRawUnsafe(`ANALYZE`);
}

/**
 * The hourly renewal cron for `days`, from `start`: each run claims batch after batch
 * (the catalog's size and limit) while batches come back full, as both drivers do,
 * renewing each claimed subscription as a provider that always succeeds would.
 */
async function simulateRenewals(start: Date, days: number, log: (line: string) => void): Promise<RenewalScaleResult> {
  const { db } = await import("@/lib/db/client");
  const { CRON_JOBS, RENEWAL_BATCH_SIZE } = await import("@/lib/jobs/catalog");
  const { claimConnectionsMissingPush, claimDueRenewals, PUSH_UNSUPPORTED_RETRY_MS, renewalPlan } = await import("@/lib/subscriptions/lifecycle");
  const database = await db();
  const maxBatches = CRON_JOBS.renew.batches.max;
  const subscriptions = await database.webhookSubscription.count({ where: { status: "active" } });
  // Google's lifetime: what a renewal at `now` gets.
  const lifetimeMs = 7 * DAY;
  const insideMarginAtFirstRun = (await renewalPlan({ now: start })).length;
  const perRun: number[] = [];
  const batchesPerRun: number[] = [];
  const claimMs: number[] = [];
  const missingPushMs: number[] = [];
  const registrationsPerRun: number[] = [];
  let largestBatch = 0;
  let expiredUnrenewed = 0;
  for (let hour = 0; hour < days * 24; hour += 1) {
    const now = new Date(start.getTime() + hour * HOUR);
    const [late] = await database.$queryRawUnsafe<Array<{ expired: number }>>(
      `SELECT count(*)::int AS expired FROM webhook_subscriptions WHERE status = 'active' AND expires_at <= $1::timestamptz`,
      now,
    );
    expiredUnrenewed = Math.max(expiredUnrenewed, late?.expired ?? 0);
    let renewed = 0;
    let registrations = 0;
    let batches = 0;
    for (; batches < maxBatches;) {
      const began = performance.now();
      const due = await claimDueRenewals({ now, limit: RENEWAL_BATCH_SIZE });
      claimMs.push(performance.now() - began);
      batches += 1;
      largestBatch = Math.max(largestBatch, due.length);
      if (due.length > 0) {
        await database.$executeRawUnsafe(
          `UPDATE webhook_subscriptions
              SET expires_at = $2::timestamptz, last_renewed_at = $1::timestamptz,
                  renew_at = calsync_renew_at(id, $2::timestamptz, $4::bigint, $5::bigint)
            WHERE id = ANY($3::uuid[])`,
          now,
          new Date(now.getTime() + lifetimeMs),
          due.map((item) => item.subscriptionId),
          RENEWAL_MARGIN_MS,
          RENEWAL_SPREAD_MS,
        );
      }
      renewed += due.length;
      if (due.length < RENEWAL_BATCH_SIZE) {
        // The rest of the batch goes to connections missing push: their refused calendars, asked again, refuse again.
        const scanned = performance.now();
        const connections = await claimConnectionsMissingPush({ now, limit: RENEWAL_BATCH_SIZE - due.length });
        missingPushMs.push(performance.now() - scanned);
        registrations += connections.length;
        if (connections.length > 0) {
          await database.$executeRawUnsafe(
            `UPDATE calendars SET push_unsupported_at = $1::timestamptz
              WHERE connection_id = ANY($2::uuid[]) AND push_unsupported_at < $1::timestamptz - $3::bigint * interval '1 millisecond'`,
            now,
            connections.map((connection) => connection.connectionId),
            PUSH_UNSUPPORTED_RETRY_MS,
          );
        }
        if (due.length + connections.length < RENEWAL_BATCH_SIZE) break;
      }
    }
    perRun.push(renewed);
    registrationsPerRun.push(registrations);
    batchesPerRun.push(batches);
    if (hour % 24 === 23)
      log(
        `renewal day ${(hour + 1) / 24}: ${perRun.slice(-24).reduce((sum, count) => sum + count, 0)} renewals, busiest run ${Math.max(...perRun.slice(-24))}`,
      );
  }
  const capacity = maxBatches * RENEWAL_BATCH_SIZE;
  const firstUncapped = perRun.findIndex((count, run) => count + registrationsPerRun[run]! < capacity);
  return {
    subscriptions,
    perRun,
    batchesPerRun,
    backlogRuns: firstUncapped === -1 ? perRun.length : firstUncapped,
    largestBatch,
    capacity,
    claimMs,
    missingPushMs,
    registrationsPerRun,
    expiredUnrenewed,
    insideMarginAtFirstRun,
  };
}

export async function runPollScale(options: PollScaleOptions): Promise<PollScaleResult> {
  const log = options.log ?? (() => {});
  prepareBenchEnvironment();
  const bench = await createBenchDatabase();
  const detach = await attachBenchDatabase(bench.env);
  try {
    const { pollJob } = await import("@/lib/sync/poll");
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

    const renewal = await simulateRenewals(start, options.renewalDays ?? 8, log);

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
      renewal,
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
        [
          "Inngest function (20,000 due): steps, sends, calendars",
          `${result.inngest.steps}, ${result.inngest.sends}, ${result.inngest.calendars} in ${format.ms(result.inngest.ms)}`,
        ],
        ["Inngest function: largest step output / send", `${kb(result.inngest.largestStepBytes)} / ${kb(result.inngest.largestSendBytes)}`],
      ],
    ),
    "",
    renewalReport(result.renewal),
  ].join("\n");
}

function renewalReport(renewal: RenewalScaleResult): string {
  const runs = distribution(renewal.perRun);
  const after = distribution(renewal.perRun.slice(renewal.backlogRuns + 1));
  const claims = distribution(renewal.claimMs);
  const scans = distribution(renewal.missingPushMs);
  const registrations = distribution(renewal.registrationsPerRun);
  const days = renewal.perRun.length / 24;
  return [
    `Renewal at scale: ${renewal.subscriptions} subscriptions, ${days} simulated days of the hourly cron (capacity ${renewal.capacity} a run)`,
    formatTable(
      ["figure", "value"],
      [
        ["inside the 24 h margin at the first run (what the previous job renewed in one run)", String(renewal.insideMarginAtFirstRun)],
        ["renewals per hourly run, first two / max / mean", `${renewal.perRun[0] ?? 0}, ${renewal.perRun[1] ?? 0} / ${runs.max} / ${Math.round(runs.mean)}`],
        [`runs held at capacity (${renewal.capacity}) by the seed's backlog`, String(renewal.backlogRuns)],
        [
          "renewals per hourly run after the backlog, min / mean / max",
          `${Math.min(...renewal.perRun.slice(renewal.backlogRuns + 1))} / ${Math.round(after.mean)} / ${after.max}`,
        ],
        ["largest renewal batch (one step) / batches in the busiest run", `${renewal.largestBatch} / ${Math.max(...renewal.batchesPerRun)}`],
        ["database time per renewal claim, p50 / p95 / max", `${format.ms(claims.p50)} / ${format.ms(claims.p95)} / ${format.ms(claims.max)}`],
        [
          "missing-push pass: connections taken per run, mean / max (refused calendars asked again weekly); database time p50 / max",
          `${Math.round(registrations.mean)} / ${registrations.max}; ${format.ms(scans.p50)} / ${format.ms(scans.max)}`,
        ],
        ["live subscriptions past their expiry at any run", String(renewal.expiredUnrenewed)],
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
      "renewal-days": { type: "string", default: "8" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(`Usage: npx tsx scripts/bench/poll-scale.ts [--calendars 100000] [--connections 10000] [--push 0.8] [--renewal-days 8]
One simulated hour of the poll over that many synced calendars (--push: the share with healthy push),
then --renewal-days of the hourly renewal cron over their subscriptions.
Database: PostgreSQL (fresh calsync_bench_<random>) when DATABASE_URL or TEST_DATABASE_URL is set, else in-memory PGlite.`);
    process.exit(0);
  }
  const options: PollScaleOptions = {
    calendars: Number(values.calendars),
    connections: Number(values.connections),
    pushShare: Number(values.push),
    renewalDays: Number(values["renewal-days"]),
    log: (line) => console.error(line),
  };
  const result = await runPollScale(options);
  console.log(pollScaleReport(options, result));
  process.exit(0);
}
