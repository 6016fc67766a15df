import type { JobPayloads } from "@/lib/jobs/catalog";
import { dispatchMany } from "@/lib/jobs/dispatch";
import { logger } from "@/lib/log";
import type { Intake } from "@/lib/webhooks/intake";

type HandOffName = "calendar/sync.requested" | "subscription/lifecycle";

export type HandOff<N extends HandOffName = HandOffName> = { [K in N]: { name: K; data: JobPayloads[K] } }[N];

// Graph counts an answer after 2.9 s as slow and starts dropping at 15% slow; a
// stuck job backend must not push the answer that far. The events are already
// committed, so giving up here loses nothing.
const HANDOFF_TIMEOUT_MS = 1_500;

/**
 * Hands recorded notifications to the job system, after they are committed, in
 * one dispatch (one Inngest request for a whole Graph batch). Never fails the
 * request: an event whose hand-off failed stays `pending`, and start-up recovery
 * or the 15-minute poll picks it up (lib/jobs/recovery.ts).
 */
export async function handOff(intake: Pick<Intake, "requestId" | "provider" | "count">, jobs: readonly HandOff[]): Promise<boolean> {
  if (jobs.length === 0) return true;
  try {
    await withTimeout(dispatchMany(jobs), HANDOFF_TIMEOUT_MS);
    return true;
  } catch (err) {
    logger.error("webhook hand-off failed; the events stay pending for recovery", {
      requestId: intake.requestId,
      provider: intake.provider,
      jobs: jobs.map((job) => job.name),
      organizationIds: [...new Set(jobs.map((job) => job.data.organizationId))],
      error: err instanceof Error ? err : String(err),
    });
    intake.count("handoffFailed", jobs.length);
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
