import { NonRetriableError, RetryAfterError, cron, type InngestFunction } from "inngest";
import { inngest, jobEvents } from "@/inngest/client";
import { handlers } from "@/inngest/handlers";
import {
  CRON_JOBS,
  EVENT_JOBS,
  type CronJob,
  type CronName,
  type EventJob,
  type FollowUp,
  type HandlerResult,
  type JobHandlers,
  type JobName,
  type JobPayloads,
  type RetryPolicy,
  stampRequestedAt,
} from "@/lib/jobs/catalog";
import { isRetryable } from "@/lib/jobs/retry";
import { ProviderError } from "@/lib/providers/errors";

// One thin Inngest function per catalog entry, derived from the catalog so the two
// drivers cannot disagree about keys, windows, limits or schedules. The work is the
// handler the composition root maps to the entry (inngest/handlers.ts); a function
// only wraps it in a step and turns its follow-ups into events.

type Retries = NonNullable<InngestFunction.Options["retries"]>;

function retries(policy: RetryPolicy): Retries {
  if (!Number.isInteger(policy.retries) || policy.retries < 0 || policy.retries > 20) {
    throw new Error(`Inngest allows 0 to 20 retries, the catalog asks for ${policy.retries}`);
  }
  return policy.retries as Retries;
}

/** Inngest takes whole seconds here; rounding up keeps a window at least as long as declared. */
function seconds(ms: number): `${number}s` {
  return `${Math.ceil(ms / 1000)}s`;
}

/**
 * How a handler failure reaches Inngest: a wait the provider asked for becomes
 * RetryAfterError, a failure retrying cannot fix becomes NonRetriableError (the same
 * rule as the inline driver). Provider errors are re-created without their cause,
 * because Inngest stores what it is thrown and an SDK error can carry request headers.
 */
export function toInngestError(err: unknown): unknown {
  if (!(err instanceof ProviderError)) return err;
  const message = `${err.kind}${err.status === null ? "" : ` (${err.status})`}: ${err.message}`;
  if (!isRetryable(err)) return new NonRetriableError(message);
  if (err.transient && err.retryAfterMs !== null) return new RetryAfterError(message, err.retryAfterMs);
  const plain = new Error(message);
  plain.name = err.name;
  return plain;
}

async function runHandler(work: () => Promise<HandlerResult>): Promise<HandlerResult> {
  try {
    return await work();
  } catch (err) {
    throw toInngestError(err);
  }
}

/** Follow-ups as events: JSON round-tripped by the step, so only name and data are kept; coalesced ones stamped as they are sent. */
function followUpEvents(result: { followUps?: unknown }): FollowUp[] {
  const items = (result.followUps ?? []) as FollowUp[];
  return stampRequestedAt(items.map(({ name, data }) => ({ name, data }) as FollowUp));
}

/**
 * The catalog's `coalesce` (leading edge, one trailing run, a minimum interval) from
 * Inngest's flow control. Its throttle "allows you to specify how many function runs
 * can start within a time period. When the limit is reached, new function runs over
 * the throttling limit will be enqueued for the future. Throttling is FIFO", and
 * with limit 1 and no burst its GCRA "will admit a single request for every window"
 * (inngest.com/docs/guides/throttling): the first request for a quiet key starts at
 * once, later ones start one per interval, and none is dropped. A concurrency limit
 * of 1 on the same key keeps a started run from overlapping the one before it
 * ("a concurrency limit of 1 controls executing steps": inngest.com/docs/durable-execution/flow-control/singleton). What
 * makes the queued runs one trailing sync is the work: a request that a sync
 * started at or after its `requestedAt` already covered is answered with no provider
 * call (lib/sync/engine.ts), so of everything that came during or just after the
 * leading sync only the first queued run syncs, and it covers the rest.
 * Not the others: debounce is trailing only ("period" after the last event), rate
 * limiting discards the events over its limit, and a singleton in "skip" mode drops
 * a request that arrives while a run is going: each would delay or lose the
 * trailing sync a notification needs.
 */
function throttleOf(coalesce: { key: string; minIntervalMs: number }) {
  return { key: `event.data.${coalesce.key}`, limit: 1, period: seconds(coalesce.minIntervalMs) };
}

function eventFunction<N extends JobName>(job: EventJob<N>, handler: (data: JobPayloads[N]) => Promise<HandlerResult>) {
  return inngest.createFunction(
    {
      id: job.id,
      triggers: [jobEvents[job.event]],
      retries: retries(job.retry),
      ...(job.coalesce && { throttle: throttleOf(job.coalesce) }),
      ...(job.concurrency && { concurrency: { key: `event.data.${job.concurrency.key}`, limit: job.concurrency.limit } }),
    },
    async ({ event, step }) => {
      const data = event.data as JobPayloads[N];
      const result = await step.run(job.id, () => runHandler(() => handler(data)));
      const followUps = followUpEvents(result);
      if (followUps.length > 0) await step.sendEvent("follow-ups", followUps);
      return result.summary ?? {};
    },
  );
}

/** Numeric fields of the batches' summaries added up, the rest as the last batch said. */
function mergeSummaries(summaries: ReadonlyArray<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const summary of summaries) {
    for (const [key, value] of Object.entries(summary)) {
      const previous = merged[key];
      merged[key] = typeof value === "number" && typeof previous === "number" ? previous + value : value;
    }
  }
  return merged;
}

/**
 * A cron run: one step per batch, each followed by its own send, so neither a step's
 * output nor a send grows with the number of calendars (the catalog's `batches`
 * bounds both). The first batch keeps the step names of an unbatched cron.
 */
function cronFunction(job: CronJob, handler: () => Promise<HandlerResult>) {
  const maxBatches = job.batches?.max ?? 1;
  return inngest.createFunction({ id: job.id, triggers: [cron(job.cron)], retries: retries(job.retry) }, async ({ step }) => {
    const summaries: Array<Record<string, unknown>> = [];
    for (let batch = 1; batch <= maxBatches; batch += 1) {
      const suffix = batch === 1 ? "" : `-${batch}`;
      const result = await step.run(`${job.id}${suffix}`, () => runHandler(handler));
      const followUps = followUpEvents(result);
      if (followUps.length > 0) await step.sendEvent(`follow-ups${suffix}`, followUps);
      summaries.push(result.summary ?? {});
      if (!result.more) break;
    }
    return maxBatches === 1 ? (summaries[0] ?? {}) : { ...mergeSummaries(summaries), batches: summaries.length };
  });
}

/** The functions for a set of handlers: the real ones in production, stand-ins in tests. One per catalog entry, in catalog order. */
export function createFunctions(handlers: JobHandlers) {
  // Each entry is paired with the handler of its own event; the catalog's types make
  // that pairing total, so widening the handler here loses nothing.
  const events = (Object.values(EVENT_JOBS) as unknown as EventJob[]).map((job) =>
    eventFunction(job, handlers.events[job.event] as (data: JobPayloads[JobName]) => Promise<HandlerResult>),
  );
  const crons = (Object.entries(CRON_JOBS) as Array<[CronName, CronJob]>).map(([name, job]) => cronFunction(job, handlers.crons[name]));
  return [...events, ...crons];
}

/** The production functions: every catalog entry with the work the root maps to it. */
export const functions = createFunctions(handlers);
