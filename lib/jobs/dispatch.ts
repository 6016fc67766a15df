import type { JobName, JobPayloads } from "@/lib/jobs/catalog";
import { jobDriverName, type JobDriverName } from "@/lib/jobs/driver";
import { handlers, type FollowUp } from "@/lib/jobs/handlers";
import { createInlineDriver, type InlineDriver } from "@/lib/jobs/inline";

// The one way app code starts background work. Routes call `dispatch`; they never
// talk to Inngest or the inline driver themselves, so switching drivers is a matter
// of configuration. The webhook routes import this module: it must not pull in the
// provider SDKs, and the Inngest client is loaded only when Inngest is the driver.

export type JobSender = (items: readonly FollowUp[]) => Promise<void>;

// On globalThis, like the database client: Next.js can evaluate this module in more
// than one bundle (instrumentation, each route) and on every hot reload, and there
// must still be one inline driver, one set of debounce timers, per process.
const holder = globalThis as unknown as {
  __calsyncJobDriver?: JobDriverName;
  __calsyncInlineDriver?: InlineDriver;
  __calsyncJobSender?: JobSender;
};

/** Which driver this process uses; decided on first use and kept. */
export function activeJobDriver(): JobDriverName {
  holder.__calsyncJobDriver ??= jobDriverName();
  return holder.__calsyncJobDriver;
}

/** The process's inline driver (created on first use, with the real handlers). */
export function inlineDriver(): InlineDriver {
  holder.__calsyncInlineDriver ??= createInlineDriver({ handlers });
  return holder.__calsyncInlineDriver;
}

async function sendToInngest(items: readonly FollowUp[]): Promise<void> {
  const { inngest } = await import("@/inngest/client");
  await inngest.send(items.map(({ name, data }) => ({ name, data })));
}

/**
 * Starts `name` with `data` on the active driver. Resolves once the job is accepted
 * (queued in this process, or stored by Inngest), not when it has run; rejects when
 * Inngest cannot be reached, so a webhook route can answer 5xx and be retried.
 */
export async function dispatch<N extends JobName>(name: N, data: JobPayloads[N]): Promise<void> {
  await dispatchMany([{ name, data } as FollowUp]);
}

export async function dispatchMany(items: readonly FollowUp[]): Promise<void> {
  if (items.length === 0) return;
  if (holder.__calsyncJobSender) return holder.__calsyncJobSender(items);
  if (activeJobDriver() === "inngest") return sendToInngest(items);
  inlineDriver().dispatchMany(items);
}

/**
 * Routes every dispatch to `sender` instead of a driver, for tests that assert what
 * was dispatched without running the jobs. Returns the function that undoes it.
 */
export function replaceJobSender(sender: JobSender): () => void {
  const previous = holder.__calsyncJobSender;
  holder.__calsyncJobSender = sender;
  return () => {
    holder.__calsyncJobSender = previous;
  };
}
