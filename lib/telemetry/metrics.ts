import { Counter, Gauge, Histogram, Registry } from "prom-client";

// The process's Prometheus metrics, declared once. The code that does the work
// records into them (a counter increment or a histogram observation: synchronous,
// no I/O); /api/metrics renders them (lib/telemetry/scrape.ts adds the values read
// at scrape time). Labels are bounded sets (provider, outcome, status, state):
// never an organization, a calendar, a connection or an email.

export interface QueueDepth {
  /** Trailing runs waiting for their key's run to end and its minimum interval to pass (the catalog's `coalesce`). */
  trailing: number;
  queued: number;
  running: number;
  /** Runs waiting out a retry delay. */
  retrying: number;
}

interface Metrics {
  registry: Registry;
  webhookIngestSeconds: Histogram<"provider">;
  syncRuns: Counter<"trigger" | "outcome">;
  syncRunSeconds: Histogram<"outcome">;
  providerCalls: Counter<"provider" | "operation" | "status">;
  /** The inline drivers of this process (normally one), read at scrape time. */
  queueDepthSources: Set<() => QueueDepth>;
}

function create(): Metrics {
  const registry = new Registry();
  const queueDepthSources = new Set<() => QueueDepth>();
  const metrics: Metrics = {
    registry,
    queueDepthSources,
    webhookIngestSeconds: new Histogram({
      name: "calsync_webhook_ingest_duration_seconds",
      help: "Time from a webhook request's arrival to its answer, by provider.",
      labelNames: ["provider"],
      // A notification must be answered within about 3 s (Graph counts 2.9 s as slow).
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    syncRuns: new Counter({
      name: "calsync_sync_runs_total",
      help: "Calendar sync runs, by trigger and outcome (succeeded, skipped, failed).",
      labelNames: ["trigger", "outcome"],
      registers: [registry],
    }),
    syncRunSeconds: new Histogram({
      name: "calsync_sync_run_duration_seconds",
      help: "Duration of calendar sync runs, by outcome.",
      labelNames: ["outcome"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    providerCalls: new Counter({
      name: "calsync_provider_calls_total",
      help: "Calls to Google and Microsoft, by provider, operation and status (ok, or the ProviderError kind).",
      labelNames: ["provider", "operation", "status"],
      registers: [registry],
    }),
  };
  new Gauge({
    name: "calsync_job_queue_depth",
    help: "Jobs on the inline driver of this process, by state. Absent when background work runs on Inngest.",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      this.reset();
      if (queueDepthSources.size === 0) return;
      const total: QueueDepth = { trailing: 0, queued: 0, running: 0, retrying: 0 };
      for (const source of queueDepthSources) {
        const depth = source();
        for (const state of Object.keys(total) as Array<keyof QueueDepth>) total[state] += depth[state];
      }
      for (const [state, value] of Object.entries(total)) this.set({ state }, value);
    },
  });
  return metrics;
}

// On globalThis: Next.js evaluates this module once per bundle (each route,
// instrumentation), and the scrape must see what the webhook routes counted.
const holder = globalThis as unknown as { __calsyncMetrics?: Metrics };

export function metrics(): Metrics {
  holder.__calsyncMetrics ??= create();
  return holder.__calsyncMetrics;
}

/** Makes `depth` part of the queue depth gauge; returns the function that removes it. */
export function reportQueueDepth(depth: () => QueueDepth): () => void {
  const sources = metrics().queueDepthSources;
  sources.add(depth);
  return () => void sources.delete(depth);
}
