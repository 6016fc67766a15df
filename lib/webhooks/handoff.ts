import { after } from "next/server";
import { EVENT_JOBS, type JobPayloads } from "@/lib/jobs/catalog";
import { dispatchMany } from "@/lib/jobs/dispatch";
import { logger } from "@/lib/log";
import { currentTraceparent, detachedFromTrace } from "@/lib/telemetry/tracing";
import type { Intake } from "@/lib/webhooks/intake";

type HandOffName = "calendar/sync.requested" | "subscription/lifecycle";

export type HandOff<N extends HandOffName = HandOffName> = { [K in N]: { name: K; data: JobPayloads[K] } }[N];

// Graph counts an answer after 2.9 s as slow and starts dropping at 15% slow; a
// stuck job backend must not push the answer that far. The events are already
// committed, so giving up here loses nothing.
const HANDOFF_TIMEOUT_MS = 1_500;

/**
 * Sync requests for one calendar are sent at most once per this window; one that
 * comes sooner is sent at the end of the window instead (trailing). Every recorded
 * notification is thus followed by a hand-off sent after it was committed, and the
 * sync that hand-off starts (or the trailing sync the job layer folds it into)
 * covers it. A burst of notifications costs one job-system request per window per
 * calendar instead of one each (on Inngest, an HTTP request per notification was
 * most of a webhook's cost). The window is the sync's minimum interval: the job
 * layer starts no sync sooner anyway, and on Inngest every request sent waits its
 * turn in the throttle's queue, so sending them faster than syncs can start would
 * only line up no-ops ahead of the next notification.
 */
export const HANDOFF_WINDOW_MS = EVENT_JOBS.calendarSync.coalesce.minIntervalMs;

interface Slot {
  sentAt: number;
  trailing: HandOff<"calendar/sync.requested"> | null;
}

// On globalThis like the job driver: one throttle per process, across bundles.
const holder = globalThis as unknown as { __calsyncHandOffSlots?: Map<string, Slot> };
const slots = (holder.__calsyncHandOffSlots ??= new Map<string, Slot>());

/** Forgets the throttle's state (tests). */
export function resetHandOffThrottle(): void {
  slots.clear();
}

function sweep(now: number): void {
  if (slots.size < 10_000) return;
  for (const [key, slot] of slots) if (!slot.trailing && now - slot.sentAt > 60_000) slots.delete(key);
}

/** Splits jobs into those to send now and those a trailing send will carry. */
function throttle(jobs: readonly HandOff[], now: number): HandOff[] {
  sweep(now);
  const immediate: HandOff[] = [];
  for (const job of jobs) {
    if (job.name !== "calendar/sync.requested") {
      immediate.push(job);
      continue;
    }
    const key = job.data.calendarId;
    const slot = slots.get(key);
    if (!slot || now - slot.sentAt >= HANDOFF_WINDOW_MS) {
      slots.set(key, { sentAt: now, trailing: null });
      immediate.push(job);
    } else if (slot.trailing) {
      slot.trailing = traced(job);
    } else {
      slot.trailing = traced(job);
      scheduleTrailing(key, slot, slot.sentAt + HANDOFF_WINDOW_MS - now);
    }
  }
  return immediate;
}

/**
 * A trailing send runs after the request that asked for it: the job keeps that
 * request's trace (the last one's, like a coalesced run), not the timer's.
 */
function traced(job: HandOff<"calendar/sync.requested">): HandOff<"calendar/sync.requested"> {
  const trace = currentTraceparent();
  return trace === undefined ? job : { ...job, data: { ...job.data, trace } };
}

function scheduleTrailing(key: string, slot: Slot, delayMs: number): void {
  const sent = new Promise<void>((resolve) => {
    const timer = setTimeout(
      () => {
        const job = slot.trailing;
        slot.trailing = null;
        slot.sentAt = Date.now();
        if (!job) return resolve();
        // The job names its request's trace; the timer's context is some earlier request's.
        withTimeout(
          detachedFromTrace(() => dispatchMany([job])),
          HANDOFF_TIMEOUT_MS,
        )
          .catch((err: unknown) => {
            // The notifications it carried stay pending; the poll covers them.
            logger.error("trailing webhook hand-off failed; the events stay pending for recovery", {
              calendarId: key,
              error: err instanceof Error ? err : String(err),
            });
          })
          .finally(resolve);
      },
      Math.max(0, delayMs),
    );
    timer.unref?.();
  });
  try {
    // On serverless hosts the instance may be frozen after the answer; `after`
    // keeps it alive until the trailing send is done. Outside a request (tests,
    // scripts) there is nothing to extend and the timer runs on its own.
    after(sent);
  } catch {
    // not in a request scope
  }
}

/**
 * Hands recorded notifications to the job system, after they are committed, in
 * one dispatch (one Inngest request for a whole Graph batch), throttled per
 * calendar (above). Never fails the request: an event whose hand-off failed stays
 * `pending`, and start-up recovery or the poll picks it up
 * (lib/jobs/recovery.ts).
 */
export async function handOff(intake: Pick<Intake, "requestId" | "provider" | "count">, jobs: readonly HandOff[]): Promise<boolean> {
  if (jobs.length === 0) return true;
  const immediate = throttle(jobs, Date.now());
  if (immediate.length === 0) return true;
  try {
    await withTimeout(dispatchMany(immediate), HANDOFF_TIMEOUT_MS);
    return true;
  } catch (err) {
    logger.error("webhook hand-off failed; the events stay pending for recovery", {
      requestId: intake.requestId,
      provider: intake.provider,
      jobs: immediate.map((job) => job.name),
      organizationIds: [...new Set(immediate.map((job) => job.data.organizationId))],
      error: err instanceof Error ? err : String(err),
    });
    intake.count("handoffFailed", immediate.length);
    return false;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
