import type { FollowUp, JobName, JobPayloads } from "@/lib/jobs/catalog";
import { ATTR, currentTraceparent, inSpan, SPAN } from "@/lib/telemetry/tracing";

// The one way lib/ starts background work. Domain code calls `dispatch`; it never
// talks to Inngest or the inline driver itself. Which driver receives the jobs is
// decided once per process by the composition root (inngest/), which installs a
// sender here: this module knows nothing above it, so the webhook routes that import
// it load neither the provider SDKs nor the Inngest client.

export type JobSender = (items: readonly FollowUp[]) => Promise<void>;

// On globalThis, like the database client: Next.js can evaluate this module in more
// than one bundle (instrumentation, each route) and on every hot reload, and they
// must all see the sender instrumentation installed.
const holder = globalThis as unknown as { __calsyncJobSender?: JobSender };

export class NoJobSenderError extends Error {
  constructor() {
    super("No job sender is installed: start the process through the composition root (installJobs in inngest/), or install one in the test");
    this.name = "NoJobSenderError";
  }
}

/**
 * Makes `sender` receive every dispatch in this process. The composition root calls
 * it at start-up; a test calls it to see what was dispatched without running the
 * jobs. Returns the function that puts the previous sender back.
 */
export function installJobSender(sender: JobSender): () => void {
  const previous = holder.__calsyncJobSender;
  holder.__calsyncJobSender = sender;
  return () => {
    holder.__calsyncJobSender = previous;
  };
}

export function jobSenderInstalled(): boolean {
  return holder.__calsyncJobSender !== undefined;
}

/**
 * Starts `name` with `data` on the installed sender. Resolves once the job is
 * accepted (queued in this process, or stored by Inngest), not when it has run;
 * rejects when Inngest cannot be reached, so a webhook route can answer 5xx and be
 * retried, and when no sender was installed, so a miswired process fails loudly.
 */
export async function dispatch<N extends JobName>(name: N, data: JobPayloads[N]): Promise<void> {
  await dispatchMany([{ name, data } as FollowUp]);
}

/**
 * Every dispatch is a `job.dispatch` span, and each job carries that span's
 * traceparent (unless it already carries one, e.g. a trailing hand-off stamped by
 * the request it belongs to): the run continues the trace, on either driver.
 */
export async function dispatchMany(items: readonly FollowUp[]): Promise<void> {
  if (items.length === 0) return;
  const sender = holder.__calsyncJobSender;
  if (!sender) throw new NoJobSenderError();
  const names = [...new Set(items.map((item) => item.name))].join(",");
  return inSpan(SPAN.jobDispatch, { [ATTR.job]: names, [ATTR.jobCount]: items.length }, () => {
    const trace = currentTraceparent();
    return sender(trace === undefined ? items : items.map((item) => withTrace(item, trace)));
  });
}

function withTrace(item: FollowUp, trace: string): FollowUp {
  return item.data.trace === undefined ? ({ ...item, data: { ...item.data, trace } } as FollowUp) : item;
}
