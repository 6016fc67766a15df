// Every background job, declared once: its event, payload, schedule, coalescing,
// concurrency and retry policy, and the types a job's work returns. Both drivers
// (Inngest and inline) read this file, so they cannot drift apart. This is the bottom
// of lib/: it imports nothing but a type of the schema's and the settings reader, and it never names the work itself. Which lib/
// function runs each job is decided once, at the composition root (inngest/).

import { syncMinIntervalMs } from "@/lib/config";
import type { SyncTrigger } from "@/lib/db/generated/enums";

// The schema's enum is the one list of triggers (sync_runs.trigger stores it).
export type { SyncTrigger };

/** Graph's lifecycle notifications (Google has no equivalent): the one list, used by the job and the webhook route. */
export const LIFECYCLE_EVENTS = ["reauthorizationRequired", "subscriptionRemoved", "missed"] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/**
 * What every payload may carry besides its own fields: the W3C `traceparent` of the
 * span that asked for the job (lib/telemetry/tracing.ts), so the run joins the trace
 * of the webhook or job that caused it. Optional: absent when tracing is off. A
 * coalesced run carries the last request it took in, and so that request's trace.
 *
 * And, for a coalesced job, `requestedAt`: when it was handed to a driver (ISO),
 * stamped by the driver (`stampRequestedAt`). A run that already started at or after
 * it covers it; absent, the request counts as never covered.
 */
// A type, not an interface: Inngest's event schemas want an index signature.
export type TraceCarrier = {
  trace?: string;
  requestedAt?: string;
};

interface JobFields {
  /** Sync one calendar (incremental unless `mode` says full). */
  "calendar/sync.requested": { organizationId: string; calendarId: string; trigger: SyncTrigger; mode?: "incremental" | "full" };
  /** A calendar was just connected: first full sync of its enabled calendars, then push registration. */
  "connection/connected": { organizationId: string; connectionId: string };
  /** Read a connected account's calendar list again (new and removed calendars). */
  "connection/calendars.refresh": { organizationId: string; connectionId: string };
  /** A Graph lifecycle notification (or an equivalent Google event) to act on. */
  "subscription/lifecycle": {
    organizationId: string;
    subscriptionId: string;
    lifecycleEvent: LifecycleEvent;
  };
  /** A sync appended changes to the organization's change log: its webhook endpoints get delivery jobs. */
  "outbound/changes.appended": { organizationId: string };
  /** Send one webhook endpoint what follows its cursor, in order (lib/outbound). */
  "outbound/deliver.requested": { organizationId: string; endpointId: string };
}

export type JobPayloads = { [N in keyof JobFields]: JobFields[N] & TraceCarrier };

export type JobName = keyof JobPayloads;

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  /** Exponential backoff: base * 2^(attempt-1), capped, with full jitter; a provider's Retry-After wins when longer. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface EventJob<N extends JobName = JobName> {
  kind: "event";
  /** Stable function id (Inngest function id). */
  id: string;
  event: N;
  /**
   * Leading edge and a minimum interval, per key: a request for a quiet key (idle,
   * and its last run started at least `minIntervalMs` ago) runs at once; requests
   * that arrive while a run is going or within the interval are covered by exactly
   * one trailing run, which starts when the run ends and the interval has passed
   * (whichever is later), and takes in every request that arrives before it starts.
   * The trailing run carries the last request's payload: whatever must survive
   * coalescing lives in the database, not in the payload (a full resync clears the
   * calendar's cursor; a notification is a row). The work itself answers a request
   * that a run started at or after its `requestedAt` already covered with a no-op:
   * that is what lets Inngest's throttle, which queues every request, give the same
   * result (inngest/functions.ts).
   */
  coalesce?: { key: keyof JobPayloads[N] & string; minIntervalMs: number };
  /** At most `limit` runs per key at a time. */
  concurrency?: { key: keyof JobPayloads[N] & string; limit: number };
  retry: RetryPolicy;
}

export interface CronJob {
  kind: "cron";
  id: string;
  /** Standard 5-field cron (UTC). */
  cron: string;
  /** The same schedule as an interval, for the inline driver's timer. */
  everyMs: number;
  /**
   * Work done in bounded batches: the handler is called again while it answers
   * `more`, up to `max` times per run, each call its own step (Inngest) with its own
   * send of follow-ups. Bounded so one run stays inside Inngest's documented limits
   * (https://www.inngest.com/docs/usage-limits/inngest): 1,000 steps per function,
   * 4 MB returned per step, 32 MB of run state, 5,000 events and 256 KB (free plan;
   * 512 KB to 3 MB on others) per send.
   */
  batches?: { max: number };
  retry: RetryPolicy;
}

const PROVIDER_RETRY: RetryPolicy = { retries: 5, baseDelayMs: 2_000, maxDelayMs: 5 * 60_000 };
/** The batched crons' (poll, discovery, renewal): a failed batch is retried soon, and the next run takes what it left anyway. */
const BATCHED_CRON_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 5_000, maxDelayMs: 60_000 };

export const EVENT_JOBS = {
  calendarSync: {
    kind: "event",
    id: "calendar-sync",
    event: "calendar/sync.requested",
    // The first notification for a quiet calendar syncs at once; a burst of 50 is
    // one leading and one trailing sync, a steady stream one sync per interval
    // (SYNC_MIN_INTERVAL_MS, 2 s).
    coalesce: { key: "calendarId", minIntervalMs: syncMinIntervalMs() },
    concurrency: { key: "calendarId", limit: 1 },
    retry: PROVIDER_RETRY,
  } satisfies EventJob<"calendar/sync.requested">,
  connectionSetup: {
    kind: "event",
    id: "connection-setup",
    event: "connection/connected",
    concurrency: { key: "connectionId", limit: 1 },
    retry: { retries: 3, baseDelayMs: 2_000, maxDelayMs: 60_000 },
  } satisfies EventJob<"connection/connected">,
  calendarListRefresh: {
    kind: "event",
    id: "calendar-list-refresh",
    event: "connection/calendars.refresh",
    concurrency: { key: "connectionId", limit: 1 },
    retry: { retries: 3, baseDelayMs: 5_000, maxDelayMs: 5 * 60_000 },
  } satisfies EventJob<"connection/calendars.refresh">,
  subscriptionLifecycle: {
    kind: "event",
    id: "subscription-lifecycle",
    event: "subscription/lifecycle",
    concurrency: { key: "subscriptionId", limit: 1 },
    retry: PROVIDER_RETRY,
  } satisfies EventJob<"subscription/lifecycle">,
  outboundFanOut: {
    kind: "event",
    id: "outbound-fan-out",
    event: "outbound/changes.appended",
    concurrency: { key: "organizationId", limit: 1 },
    retry: { retries: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  } satisfies EventJob<"outbound/changes.appended">,
  outboundDelivery: {
    kind: "event",
    id: "outbound-delivery",
    event: "outbound/deliver.requested",
    // One run per endpoint at a time: that is what keeps its deliveries in order.
    // A failed delivery is not a failed job: the endpoint's backoff lives in its row
    // (lib/outbound/deliver.ts) and the sweep cron resumes it.
    concurrency: { key: "endpointId", limit: 1 },
    retry: { retries: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  } satisfies EventJob<"outbound/deliver.requested">,
} as const;

/**
 * Calendars one poll batch claims (lib/sync/poll.ts). A batch's follow-ups are about
 * 170 bytes each as JSON, so 500 make an 83 KB step output and an 83 KB send
 * (measured, scripts/bench/poll-scale.ts): within 4 MB per step and 256 KB per send
 * (the free plan's, the smallest). 40 batches a minute (80 steps, about 7 MB of run
 * state) cover 20,000 calendars a minute: 100,000 calendars without push at the
 * 5-minute cadence.
 */
export const POLL_BATCH_SIZE = 500;

/**
 * Subscriptions (or connections missing push) one renewal batch takes
 * (lib/subscriptions/lifecycle.ts). Unlike a poll batch, a renewal calls the provider
 * inside the step, one subscription after another: a Google renewal is a watch and a
 * stop, a Graph one a PATCH (a recreate adds Graph's validation handshake, up to 10 s).
 * At about 0.3 s a call, 100 take about a minute, well inside the 300 s a step may run
 * (`maxDuration` of /api/inngest, vercel.json), and stay far below Google's 10,000
 * requests a minute per project and 600 per user. The step's output is its counts only.
 */
export const RENEWAL_BATCH_SIZE = 100;

export const CRON_JOBS = {
  /**
   * Every minute, the calendars whose slot has come (each calendar has its own offset
   * in its interval, so a minute holds about 1/60 of the hourly ones and 1/5 of the
   * 5-minute ones): a missed notification costs at most one interval.
   */
  poll: {
    kind: "cron",
    id: "poll-calendars",
    cron: "* * * * *",
    everyMs: 60_000,
    batches: { max: 40 },
    retry: BATCHED_CRON_RETRY,
  },
  /** Connections whose calendar list is due to be read again (lib/connections/setup.ts), in batches. */
  discoverCalendars: {
    kind: "cron",
    id: "discover-calendars",
    cron: "*/15 * * * *",
    everyMs: 15 * 60_000,
    batches: { max: 20 },
    retry: BATCHED_CRON_RETRY,
  },
  /**
   * Hourly, the subscriptions whose renewal slot has come (each has its own in the
   * margin before its expiry), oldest expiry first, then connections missing push
   * (lib/subscriptions/lifecycle.ts). Capacity: 50 batches of 100, 5,000 renewals a
   * run (50 steps), against about 560 an hour in a steady state for 100,000 calendars;
   * the 12-hour reserve before expiry (lib/subscriptions/schedule.ts) holds 60,000.
   */
  renew: {
    kind: "cron",
    id: "renew-subscriptions",
    cron: "0 * * * *",
    everyMs: 60 * 60_000,
    batches: { max: 50 },
    retry: BATCHED_CRON_RETRY,
  },
  /** Asks again for the syncs of notifications whose scheduled retry is due (lib/webhooks/processing). */
  retryWebhookEvents: {
    kind: "cron",
    id: "retry-webhook-events",
    cron: "* * * * *",
    everyMs: 60_000,
    retry: { retries: 1, baseDelayMs: 5_000, maxDelayMs: 30_000 },
  },
  /** Deletes webhook events past WEBHOOK_RETENTION_DAYS (lib/webhooks/retention), off-peak in UTC. */
  cleanupWebhookEvents: {
    kind: "cron",
    id: "cleanup-webhook-events",
    cron: "17 3 * * *",
    everyMs: 24 * 60 * 60_000,
    retry: { retries: 2, baseDelayMs: 60_000, maxDelayMs: 10 * 60_000 },
  },
  /** Webhook endpoints whose backoff ended, or with changes no sync announced (lib/outbound). */
  sweepDeliveries: {
    kind: "cron",
    id: "sweep-webhook-deliveries",
    cron: "* * * * *",
    everyMs: 60_000,
    retry: { retries: 1, baseDelayMs: 5_000, maxDelayMs: 30_000 },
  },
  /** Deletes changes past CHANGE_RETENTION_DAYS (lib/changes), off-peak in UTC. */
  pruneChanges: {
    kind: "cron",
    id: "prune-changes",
    cron: "37 3 * * *",
    everyMs: 24 * 60 * 60_000,
    retry: { retries: 2, baseDelayMs: 60_000, maxDelayMs: 10 * 60_000 },
  },
} as const satisfies Record<string, CronJob>;

/**
 * Stamps `requestedAt` on the coalesced jobs among `items` that do not carry it yet:
 * what each driver does as it accepts a job (the inline driver's dispatch; for
 * Inngest, the root's sender and a function's follow-ups), so the stamp is never
 * earlier than whatever asked for the job.
 */
export function stampRequestedAt(items: readonly FollowUp[], now: Date = new Date()): FollowUp[] {
  return items.map((item) =>
    item.data.requestedAt === undefined && coalescedEvents.has(item.name)
      ? ({ ...item, data: { ...item.data, requestedAt: now.toISOString() } } as FollowUp)
      : item,
  );
}

const coalescedEvents: ReadonlySet<JobName> = new Set(
  (Object.values(EVENT_JOBS) as Array<{ event: JobName; coalesce?: unknown }>).filter((job) => job.coalesce).map((job) => job.event),
);

/** Every event name, in catalog order. */
export const JOB_NAMES = Object.values(EVENT_JOBS).map((job) => job.event) as JobName[];

export type CronName = keyof typeof CRON_JOBS;

/** A job to start after another one finished: returned by the work, sent by the driver. */
export type FollowUp = { [N in JobName]: { name: N; data: JobPayloads[N] } }[JobName];

/**
 * What a job's work returns. Follow-ups are dispatched by the driver (Inngest:
 * step.sendEvent; inline: its own queue), so fan-out is visible and durable in Inngest.
 */
export interface HandlerResult {
  followUps?: FollowUp[];
  /** Anything worth showing in a run log (counts, ids). Must be JSON and carry no secrets. */
  summary?: Record<string, unknown>;
  /** A batched cron (CronJob.batches) has another batch waiting: call it again. */
  more?: boolean;
}

/** The work behind every catalog entry: given to the drivers by the composition root. */
export interface JobHandlers {
  events: { [N in JobName]: (data: JobPayloads[N]) => Promise<HandlerResult> };
  crons: { [K in CronName]: () => Promise<HandlerResult> };
}

/** Delay before retry `attempt` (1-based): exponential with full jitter, never shorter than the provider asked. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs: number | null = null, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}
