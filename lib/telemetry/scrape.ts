import { createHash, timingSafeEqual } from "node:crypto";
import { Counter, Gauge, Registry } from "prom-client";
import type { Env } from "@/lib/config";
import { db } from "@/lib/db/client";
import { notFound, unauthorized } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { breakerStates, type CircuitState } from "@/lib/providers/breaker";
import { metrics } from "@/lib/telemetry/metrics";
import { WEBHOOK_OUTCOMES, webhookMetrics, type WebhookProvider } from "@/lib/webhooks/metrics";

// What /api/metrics answers: the recorded metrics (lib/telemetry/metrics.ts) plus
// values read when Prometheus asks: the webhook counters lib/webhooks keeps anyway,
// the breakers' states, and the push subscriptions from the database. The
// subscription query spans every organization on purpose, and returns counts only:
// no organization, connection or address ever becomes a label.

/** Upper bounds, in seconds, of the time-to-expiry bands of live subscriptions. */
export const EXPIRY_BANDS: ReadonlyArray<{ label: string; seconds: number }> = [
  { label: "1h", seconds: 60 * 60 },
  { label: "6h", seconds: 6 * 60 * 60 },
  { label: "24h", seconds: 24 * 60 * 60 },
  { label: "72h", seconds: 72 * 60 * 60 },
];
const CIRCUIT_STATES: readonly CircuitState[] = ["closed", "half_open", "open"];

interface SubscriptionRow {
  provider: string;
  status: string;
  /** width_bucket over EXPIRY_BANDS: 0 already expired, 1 within the first band, ..., length: later; null when not live. */
  band: number | null;
  count: number;
  soonest: number | null;
}

function bandLabel(band: number | null): string {
  if (band === null) return "none";
  if (band === 0) return "past";
  return EXPIRY_BANDS[band - 1]?.label ?? "later";
}

async function subscriptionRows(): Promise<SubscriptionRow[]> {
  const database = await db();
  const bounds = [0, ...EXPIRY_BANDS.map((band) => band.seconds)];
  // Every organization at once (see above): counts per provider, status and band.
  return database.$queryRaw<SubscriptionRow[]>`
    SELECT provider::text AS provider, status::text AS status, band, count(*)::int AS count, min(seconds_left)::float8 AS soonest
    FROM (
      SELECT provider, status,
        CASE WHEN status = 'active' AND expires_at IS NOT NULL THEN EXTRACT(EPOCH FROM expires_at - now()) END AS seconds_left,
        CASE WHEN status = 'active' AND expires_at IS NOT NULL THEN width_bucket(EXTRACT(EPOCH FROM expires_at - now())::float8, ${bounds}::float8[]) END AS band
      FROM webhook_subscriptions
    ) AS subscriptions
    GROUP BY provider, status, band`;
}

interface SubscriptionSummary {
  byStatus: Array<[{ provider: string; status: string }, number]>;
  byBand: Array<[{ provider: string; within: string }, number]>;
  soonest: Map<string, number>;
}

function summarizeSubscriptions(rows: SubscriptionRow[]): SubscriptionSummary {
  const byStatus = new Map<string, [{ provider: string; status: string }, number]>();
  const byBand: SubscriptionSummary["byBand"] = [];
  const soonest = new Map<string, number>();
  for (const row of rows) {
    const key = `${row.provider}:${row.status}`;
    const entry = byStatus.get(key) ?? [{ provider: row.provider, status: row.status }, 0];
    entry[1] += row.count;
    byStatus.set(key, entry);
    if (row.band === null) continue;
    byBand.push([{ provider: row.provider, within: bandLabel(row.band) }, row.count]);
    const current = soonest.get(row.provider);
    if (row.soonest !== null && (current === undefined || row.soonest < current)) soonest.set(row.provider, row.soonest);
  }
  return { byStatus: [...byStatus.values()], byBand, soonest };
}

const NO_SUBSCRIPTIONS: SubscriptionSummary = { byStatus: [], byBand: [], soonest: new Map() };

interface ScrapeCollectors {
  registry: Registry;
  /** Forgets the previous scrape's subscription query, so this one reads afresh. */
  beginScrape(): void;
}

function createScrapeCollectors(): ScrapeCollectors {
  const registry = new Registry();
  new Counter({
    name: "calsync_webhook_notifications_total",
    help: "Webhook notifications by provider and outcome (lib/webhooks/metrics.ts; a Graph batch counts each notification). Since the process started.",
    labelNames: ["provider", "outcome"],
    registers: [registry],
    collect() {
      this.reset();
      const counted = webhookMetrics();
      for (const provider of Object.keys(counted) as WebhookProvider[]) {
        for (const outcome of WEBHOOK_OUTCOMES) this.inc({ provider, outcome }, counted[provider][outcome]);
      }
    },
  });
  new Gauge({
    name: "calsync_provider_breaker_circuits",
    help: "Connections whose circuit breaker is not plainly closed, by state (closed: failing but not yet open).",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      const states = breakerStates();
      for (const state of CIRCUIT_STATES) this.set({ state }, states.filter((snapshot) => snapshot.state === state).length);
    },
  });
  // One query per scrape, shared by the gauges below (each collect awaits it). When
  // the database cannot answer, the scrape still shows this process's metrics and
  // says so here, rather than failing whole when it is most needed.
  let summary: Promise<SubscriptionSummary & { ok: boolean }> | null = null;
  const summarize = () =>
    (summary ??= subscriptionRows().then(
      (rows) => ({ ...summarizeSubscriptions(rows), ok: true }),
      (err: unknown) => {
        logger.warn("metrics.subscriptions_unreadable", { error: err instanceof Error ? err : String(err) });
        return { ...NO_SUBSCRIPTIONS, ok: false };
      },
    ));
  new Gauge({
    name: "calsync_subscriptions_read_success",
    help: "1 when this scrape could read the subscriptions from the database, 0 when it could not (the subscription gauges are then empty).",
    registers: [registry],
    async collect() {
      this.set((await summarize()).ok ? 1 : 0);
    },
  });
  new Gauge({
    name: "calsync_subscriptions",
    help: "Push subscriptions by provider and status, across all organizations.",
    labelNames: ["provider", "status"],
    registers: [registry],
    async collect() {
      const { byStatus } = await summarize();
      this.reset();
      for (const [labels, count] of byStatus) this.set(labels, count);
    },
  });
  new Gauge({
    name: "calsync_subscriptions_expiring",
    help: "Live push subscriptions by provider and how soon they expire (past, within 1h, 6h, 24h, 72h, later).",
    labelNames: ["provider", "within"],
    registers: [registry],
    async collect() {
      const { byBand } = await summarize();
      this.reset();
      for (const [labels, count] of byBand) this.set(labels, count);
    },
  });
  new Gauge({
    name: "calsync_subscription_soonest_expiry_seconds",
    help: "Seconds until the first live push subscription of each provider expires (negative: renewal is late).",
    labelNames: ["provider"],
    registers: [registry],
    async collect() {
      const { soonest } = await summarize();
      this.reset();
      for (const [provider, seconds] of soonest) this.set({ provider }, Math.round(seconds));
    },
  });
  return {
    registry,
    beginScrape: () => {
      summary = null;
    },
  };
}

/**
 * Lets a scrape through when it carries `Authorization: Bearer <METRICS_TOKEN>`.
 * Without METRICS_TOKEN the endpoint does not exist (404); a missing or wrong token
 * is 401. The comparison takes the same time whatever the token (digests of equal
 * length, compared in constant time).
 */
export function authorizeScrape(request: Request, env: Env = process.env): void {
  const expected = env.METRICS_TOKEN?.trim();
  if (!expected) throw notFound();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
  const digest = (value: string) => createHash("sha256").update(value).digest();
  if (!match || !timingSafeEqual(digest(match[1]!), digest(expected))) throw unauthorized("a valid metrics token is required");
}

// On globalThis like the recorded metrics: one set of collectors per process.
const holder = globalThis as unknown as { __calsyncScrapeCollectors?: ScrapeCollectors };

/** The Prometheus text exposition of this process, and its content type. */
export async function scrapeMetrics(): Promise<{ body: string; contentType: string }> {
  const collectors = (holder.__calsyncScrapeCollectors ??= createScrapeCollectors());
  collectors.beginScrape();
  const merged = Registry.merge([metrics().registry, collectors.registry]);
  return { body: await merged.metrics(), contentType: merged.contentType };
}
