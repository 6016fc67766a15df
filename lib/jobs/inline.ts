import {
  CRON_JOBS,
  EVENT_JOBS,
  retryDelayMs,
  type CronJob,
  type CronName,
  type FollowUp,
  type HandlerResult,
  type JobHandlers,
  type JobName,
  type JobPayloads,
  type RetryPolicy,
  stampRequestedAt,
} from "@/lib/jobs/catalog";
import { isRetryable } from "@/lib/jobs/retry";
import { logger } from "@/lib/log";
import { ProviderError } from "@/lib/providers/errors";
import { reportQueueDepth } from "@/lib/telemetry/metrics";
import { detachedFromTrace } from "@/lib/telemetry/tracing";

// The in-process job driver: the embedded default has no Inngest server, so this
// gives the catalog's coalescing, concurrency and retry policy the same meaning inside
// one Node process. Nothing here is durable; what a restart loses is found again by
// lib/jobs/recovery.ts (pending webhook events, overdue polls).

type TimerHandle = unknown;

export interface InlineDriverOptions {
  handlers: JobHandlers;
  now?: () => number;
  setTimer?: (callback: () => void, ms: number) => TimerHandle;
  clearTimer?: (handle: TimerHandle) => void;
  /** Jitter source for retry delays (tests pin it). */
  random?: () => number;
  /**
   * Runs in flight across all jobs. The catalog's limits are per key; without a
   * ceiling, a start-up catch-up over hundreds of calendars would hit the
   * providers (and a one-connection embedded database) all at once.
   */
  maxConcurrentRuns?: number;
}

export interface InlineDriver {
  dispatch<N extends JobName>(name: N, data: JobPayloads[N]): void;
  dispatchMany(items: readonly FollowUp[]): void;
  /** Starts every cron of the catalog; a second call (or a hot reload) replaces the timers rather than adding to them. */
  startCrons(): void;
  /** Runs one cron now, outside its schedule (start-up catch-up); skipped while a run of it is in progress. */
  runCron(name: CronName): void;
  /** Resolves once nothing is waiting for its interval, queued, running or waiting to retry. Cron schedules do not count. */
  idle(): Promise<void>;
  /** Clears every timer and drops queued work; runs already executing finish on their own. */
  stop(): void;
}

export const DEFAULT_MAX_CONCURRENT_RUNS = 5;

interface Run {
  label: string;
  /** Runs sharing this key count against one `limit`. */
  laneKey: string;
  limit: number;
  /** Set for coalesced event jobs: the key's state in `coalescing`. */
  coalesceKey?: string;
  /** False while queued: a queued coalesced run still takes later requests in. */
  started?: boolean;
  retry: RetryPolicy;
  event?: { name: JobName; data: JobPayloads[JobName] };
  cron?: CronName;
}

/** One key of a coalesced job (the catalog's `coalesce`). */
interface CoalesceState {
  /** When the key's last run, or its last retry attempt, started. */
  lastStartAt: number | null;
  /** The key's run, queued, running or waiting out a retry. */
  active: Run | null;
  /** The one trailing run: every request since `active` started, carried as the last one. Its timer is set once `active` is done. */
  trailing: { name: JobName; data: JobPayloads[JobName]; timer: TimerHandle | null } | null;
}

/** An event job seen without its payload type: keys are plain strings read from the payload. */
interface AnyEventJob {
  id: string;
  event: JobName;
  coalesce?: { key: string; minIntervalMs: number };
  concurrency?: { key: string; limit: number };
  retry: RetryPolicy;
}

const catalogEventJobs: readonly AnyEventJob[] = Object.values(EVENT_JOBS);
const eventJobs: ReadonlyMap<JobName, AnyEventJob> = new Map(catalogEventJobs.map((job) => [job.event, job]));

// One set of cron timers per process, whichever module instance started them: Next.js
// may evaluate this module more than once (hot reload, separate bundles for
// instrumentation and routes), and module-level state would double every schedule.
const cronHolder = globalThis as unknown as { __calsyncCronTimers?: { stop(): void } };

export function createInlineDriver(options: InlineDriverOptions): InlineDriver {
  const { handlers } = options;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  const clearTimer = options.clearTimer ?? ((handle: TimerHandle) => clearTimeout(handle as ReturnType<typeof setTimeout>));
  const random = options.random ?? Math.random;
  const maxConcurrentRuns = options.maxConcurrentRuns ?? DEFAULT_MAX_CONCURRENT_RUNS;

  const coalescing = new Map<string, CoalesceState>();
  let trailingCount = 0;
  const queue: Run[] = [];
  const runningByLane = new Map<string, number>();
  let running = 0;
  const retryTimers = new Map<TimerHandle, () => void>();
  const idleWaiters: Array<() => void> = [];
  const cronStops: Array<() => void> = [];
  let stopped = false;
  // The job queue depth gauge of /api/metrics reads this driver until it stops.
  const stopReporting = reportQueueDepth(() => ({ trailing: trailingCount, queued: queue.length, running, retrying: retryTimers.size }));

  function busy(): boolean {
    return trailingCount > 0 || queue.length > 0 || running > 0 || retryTimers.size > 0;
  }

  function settle(): void {
    if (busy()) return;
    for (const resolve of idleWaiters.splice(0)) resolve();
  }

  function keyValue(data: object, key: string): string {
    return String((data as Record<string, unknown>)[key]);
  }

  function dispatch<N extends JobName>(name: N, payload: JobPayloads[N]): void {
    if (stopped) {
      logger.warn("job dropped: inline driver stopped", { job: name });
      return;
    }
    const job = eventJobs.get(name);
    if (!job) throw new Error(`No job is declared for event "${name}"`);
    const [stamped] = stampRequestedAt([{ name, data: payload } as FollowUp], new Date(now()));
    const data = stamped!.data;
    const laneKey = job.concurrency ? `${job.id}:${keyValue(data, job.concurrency.key)}` : job.id;
    const run: Run = { label: job.id, laneKey, limit: job.concurrency?.limit ?? Number.POSITIVE_INFINITY, retry: job.retry, event: { name, data } };
    if (job.coalesce) coalesce(`${job.id}:${keyValue(data, job.coalesce.key)}`, job.coalesce.minIntervalMs, run);
    else enqueue(run);
  }

  /**
   * The catalog's `coalesce` for one request: the leading edge when the key is quiet,
   * else into the one run that has not started yet (queued, or the trailing one),
   * carried as the last request, as on Inngest the throttled run that does the work
   * is the first one not yet covered.
   */
  function coalesce(key: string, minIntervalMs: number, run: Run): void {
    const state = coalescing.get(key) ?? { lastStartAt: null, active: null, trailing: null };
    coalescing.set(key, state);
    if (state.active && !state.active.started) {
      state.active.event = run.event;
      return;
    }
    if (state.trailing) {
      state.trailing.data = run.event!.data;
      return;
    }
    if (!state.active && (state.lastStartAt === null || now() - state.lastStartAt >= minIntervalMs)) {
      state.active = { ...run, coalesceKey: key, started: false };
      enqueue(state.active);
      return;
    }
    state.trailing = { name: run.event!.name, data: run.event!.data, timer: null };
    trailingCount += 1;
    if (!state.active) scheduleTrailing(key, state, minIntervalMs, run);
  }

  /** The trailing run starts once the key's run is done and its interval has passed. */
  function scheduleTrailing(key: string, state: CoalesceState, minIntervalMs: number, template: Run): void {
    const trailing = state.trailing!;
    trailing.timer = setTimer(
      () => {
        state.trailing = null;
        trailingCount -= 1;
        state.active = { ...template, coalesceKey: key, started: false, event: { name: trailing.name, data: trailing.data } };
        enqueue(state.active);
      },
      Math.max(0, (state.lastStartAt ?? 0) + minIntervalMs - now()),
    );
  }

  /** A coalesced run is over (retries included): its key's trailing run may be scheduled. */
  function coalescedRunDone(run: Run): void {
    const state = run.coalesceKey === undefined ? undefined : coalescing.get(run.coalesceKey);
    if (!state || state.active !== run) return;
    state.active = null;
    const job = eventJobs.get(run.event!.name)!;
    if (state.trailing) scheduleTrailing(run.coalesceKey!, state, job.coalesce!.minIntervalMs, run);
    else if (coalescing.size > 10_000) forgetQuietKeys(job.coalesce!.minIntervalMs);
  }

  /** A key with nothing pending whose interval has passed behaves as if it were never seen. */
  function forgetQuietKeys(minIntervalMs: number): void {
    for (const [key, state] of coalescing) {
      if (!state.active && !state.trailing && (state.lastStartAt === null || now() - state.lastStartAt >= minIntervalMs)) coalescing.delete(key);
    }
  }

  function enqueue(run: Run): void {
    if (stopped) return;
    queue.push(run);
    pump();
  }

  function pump(): void {
    for (let index = 0; index < queue.length && running < maxConcurrentRuns;) {
      const run = queue[index]!;
      const inLane = runningByLane.get(run.laneKey) ?? 0;
      if (inLane >= run.limit) {
        index += 1;
        continue;
      }
      queue.splice(index, 1);
      run.started = true;
      runningByLane.set(run.laneKey, inLane + 1);
      running += 1;
      void execute(run);
    }
    settle();
  }

  function invoke(run: Run): Promise<HandlerResult> {
    if (run.cron) return handlers.crons[run.cron]();
    const { name, data } = run.event!;
    // The union of handler signatures cannot be called with a union payload; the
    // catalog pairs every name with its payload, so this is the same function.
    const handler = handlers.events[name] as (payload: JobPayloads[JobName]) => Promise<HandlerResult>;
    return handler(data);
  }

  /** Resolves false when the driver was stopped before the delay ran out. */
  function wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const handle = setTimer(() => {
        retryTimers.delete(handle);
        resolve(true);
      }, ms);
      retryTimers.set(handle, () => resolve(false));
    });
  }

  async function execute(run: Run): Promise<void> {
    const context = { job: run.label, ...(run.event ? { data: run.event.data } : {}) };
    // A batched cron calls its handler again while it has more, each batch retried on its own, as on Inngest.
    const maxBatches = run.cron ? ((CRON_JOBS[run.cron] as CronJob).batches?.max ?? 1) : 1;
    let batch = 1;
    try {
      for (let attempt = 1; ; attempt += 1) {
        // The interval is counted from the latest attempt: a retry is a sync too.
        if (run.coalesceKey !== undefined) coalescing.get(run.coalesceKey)!.lastStartAt = now();
        try {
          // The payload's traceparent, not this call stack, says which trace the run joins.
          const result = await Promise.resolve().then(() => detachedFromTrace(() => invoke(run)));
          logger.debug("job finished", { ...context, attempt, batch, summary: result.summary ?? {} });
          if (result.followUps?.length) dispatchMany(result.followUps);
          if (result.more && batch < maxBatches && !stopped) {
            batch += 1;
            attempt = 0;
            continue;
          }
          return;
        } catch (err) {
          const retriesLeft = run.retry.retries - (attempt - 1);
          if (!isRetryable(err) || retriesLeft <= 0 || stopped) {
            logger.error("job failed", { ...context, attempt, retried: attempt - 1, error: describe(err) });
            return;
          }
          const retryAfterMs = err instanceof ProviderError ? err.retryAfterMs : null;
          const delayMs = retryDelayMs(run.retry, attempt, retryAfterMs, random);
          logger.warn("job attempt failed; retrying", { ...context, attempt, delayMs, error: describe(err) });
          if (!(await wait(delayMs))) return;
        }
      }
    } finally {
      coalescedRunDone(run);
      running -= 1;
      const inLane = (runningByLane.get(run.laneKey) ?? 1) - 1;
      if (inLane > 0) runningByLane.set(run.laneKey, inLane);
      else runningByLane.delete(run.laneKey);
      pump();
    }
  }

  function dispatchMany(items: readonly FollowUp[]): void {
    for (const item of items) dispatch(item.name, item.data);
  }

  function startCrons(): void {
    cronHolder.__calsyncCronTimers?.stop();
    const handles = new Map<CronName, TimerHandle>();
    const timers = {
      active: true,
      stop: () => {
        timers.active = false;
        for (const handle of handles.values()) clearTimer(handle);
        handles.clear();
        if (cronHolder.__calsyncCronTimers === timers) cronHolder.__calsyncCronTimers = undefined;
      },
    };
    const schedule = (name: CronName, job: CronJob) => {
      const handle = setTimer(() => {
        if (!timers.active) return;
        schedule(name, job);
        tick(name, job);
      }, job.everyMs);
      // A pending schedule alone should not keep a script or test process alive.
      (handle as { unref?: () => void } | null)?.unref?.();
      handles.set(name, handle);
    };
    for (const [name, job] of Object.entries(CRON_JOBS) as Array<[CronName, CronJob]>) schedule(name, job);
    cronHolder.__calsyncCronTimers = timers;
    cronStops.push(timers.stop);
  }

  function tick(name: CronName, job: CronJob): void {
    const laneKey = `cron:${job.id}`;
    // A poll still running when the next one is due is not doubled up: the next tick
    // covers whatever this one could not.
    if (runningByLane.has(laneKey) || queue.some((run) => run.laneKey === laneKey)) {
      logger.warn("cron skipped: previous run still in progress", { job: job.id });
      return;
    }
    enqueue({ label: job.id, laneKey, limit: 1, retry: job.retry, cron: name });
  }

  function idle(): Promise<void> {
    if (!busy()) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  function stop(): void {
    stopped = true;
    stopReporting();
    for (const stopCrons of cronStops.splice(0)) stopCrons();
    for (const state of coalescing.values()) if (state.trailing?.timer) clearTimer(state.trailing.timer);
    coalescing.clear();
    trailingCount = 0;
    queue.length = 0;
    for (const [handle, abandon] of retryTimers) {
      clearTimer(handle);
      abandon();
    }
    retryTimers.clear();
    settle();
  }

  const runCron = (name: CronName): void => tick(name, CRON_JOBS[name]);

  return { dispatch, dispatchMany, startCrons, runCron, idle, stop };
}

/** What a log line may say about a failure: no stack, no cause chain (causes can carry request details). */
function describe(err: unknown): Record<string, unknown> {
  if (err instanceof ProviderError) {
    return { name: err.name, kind: err.kind, status: err.status, code: err.code, retryAfterMs: err.retryAfterMs, message: err.message };
  }
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { message: String(err) };
}
