import { envFlag, type Env } from "@/lib/config";
import { stampRequestedAt, type FollowUp, type HandlerResult, type JobHandlers, type JobName, type JobPayloads } from "@/lib/jobs/catalog";
import { installJobSender } from "@/lib/jobs/dispatch";
import { jobDriverName, type JobDriverName } from "@/lib/jobs/driver";
import { createInlineDriver, type InlineDriver } from "@/lib/jobs/inline";
import { recoverPendingWork, type RecoveryResult } from "@/lib/jobs/recovery";
import { applyHeapGrowth } from "@/lib/heap";
import { logger } from "@/lib/log";
import { onAccessLost } from "@/lib/oauth/access-lost";

// The composition root: the one place above lib/ that wires background work.
// - It picks the driver (Inngest when configured, else the inline driver) and installs
//   its sender in lib/jobs/dispatch, which knows nothing above itself.
// - It gives the inline driver the handlers (inngest/handlers.ts: which lib/ function
//   runs each catalog entry); the Inngest functions (inngest/functions.ts) get the same map.
// - It connects cross-cutting effects that would otherwise import upward: lost access
//   to a connection stops its push (lib/oauth -> lib/subscriptions).
// instrumentation.ts, the CLI, the test harness and the benchmarks start here; the
// webhook routes never import it (a test walks their imports).
//
// The handlers (and through them the provider SDKs) are loaded on a job's first run,
// not when the root is: instrumentation installs the sender in every process, the
// webhook functions' cold start included, and those must stay light.

interface Wiring {
  driver: JobDriverName;
  inline?: InlineDriver;
}

// Per process, like the sender itself: Next.js may evaluate this module in more than
// one bundle, and there must still be one inline driver, one set of timers.
const holder = globalThis as unknown as { __calsyncJobs?: Wiring; __calsyncBackgroundStarted?: boolean };

// The one import site of the job code (see stopPushForLostAccess).
let jobCode: Promise<typeof import("./handlers")> | undefined;
function loadJobCode(): Promise<typeof import("./handlers")> {
  jobCode ??= import("./handlers");
  return jobCode;
}
const realHandlers = async (): Promise<JobHandlers> => (await loadJobCode()).handlers;

/** The real handlers, each loading the map on first use. */
const lazyHandlers: JobHandlers = {
  events: new Proxy({} as JobHandlers["events"], {
    get: (_target, name: string) => async (data: JobPayloads[JobName]) =>
      ((await realHandlers()).events[name as JobName] as (payload: JobPayloads[JobName]) => Promise<HandlerResult>)(data),
  }),
  crons: new Proxy({} as JobHandlers["crons"], {
    get: (_target, name: string) => async () => (await realHandlers()).crons[name as keyof JobHandlers["crons"]](),
  }),
};

async function sendToInngest(items: readonly FollowUp[]): Promise<void> {
  const { inngest } = await import("./client");
  await inngest.send(stampRequestedAt(items).map(({ name, data }) => ({ name, data })));
}

/**
 * Wires this process once: the driver `env` names gets the sender, lost access
 * stops push, and the heap is held near what is live (lib/heap.ts: a process that
 * may run a sync). A second call returns the first wiring (hot reloads, several bundles).
 */
export function installJobs(env: Env = process.env): JobDriverName {
  if (holder.__calsyncJobs) return holder.__calsyncJobs.driver;
  applyHeapGrowth(env);
  const driver = jobDriverName(env);
  const wiring: Wiring = { driver };
  if (driver === "inline") {
    const inline = createInlineDriver({ handlers: lazyHandlers });
    wiring.inline = inline;
    installJobSender(async (items) => inline.dispatchMany(items));
  } else {
    installJobSender(sendToInngest);
  }
  onAccessLost(async (lost) => (await loadJobCode()).stopPushForLostAccess(lost));
  holder.__calsyncJobs = wiring;
  return driver;
}

/** The driver this process was wired with (wiring it now if nothing did yet). */
export function activeJobDriver(): JobDriverName {
  return installJobs();
}

/** The process's inline driver; throws when the process runs on Inngest. */
export function inlineDriver(): InlineDriver {
  installJobs();
  const inline = holder.__calsyncJobs?.inline;
  if (!inline) throw new Error("This process runs background work on Inngest: there is no inline driver");
  return inline;
}

export type BackgroundWorkStatus =
  { started: true; recovered: RecoveryResult | null } | { started: false; reason: "inngest" | "disabled" | "build" | "already-started" };

/**
 * Starts what the inline driver does on its own: the cron timers, and one catch-up
 * over work a previous process acknowledged but did not finish. Under Inngest both
 * live in Inngest (cron triggers, durable queues), so there is nothing to start.
 * `CALSYNC_DISABLE_CRONS` turns it off for processes that must not sync (CLI
 * commands, a second web instance sharing the database). `env` supplies those flags;
 * the driver is the one the whole process was wired with (installJobs).
 */
export async function startBackgroundWork(env: Env = process.env): Promise<BackgroundWorkStatus> {
  if (env.NEXT_PHASE === "phase-production-build") return { started: false, reason: "build" };
  installJobs(env);
  if (activeJobDriver() !== "inline") return { started: false, reason: "inngest" };
  if (envFlag(env, "CALSYNC_DISABLE_CRONS")) return { started: false, reason: "disabled" };
  if (holder.__calsyncBackgroundStarted) return { started: false, reason: "already-started" };
  holder.__calsyncBackgroundStarted = true;

  inlineDriver().startCrons();
  // Crons first: a failed catch-up must not also cost the schedules.
  try {
    const recovered = await recoverPendingWork();
    // Overdue polls are already due: the poll claims them now instead of at its next minute.
    inlineDriver().runCron("poll");
    if (recovered.webhook > 0 || recovered.poll > 0) logger.info("background work recovered", { ...recovered });
    return { started: true, recovered };
  } catch (err) {
    logger.error("start-up catch-up failed; the next poll covers it", { error: err instanceof Error ? err : String(err) });
    return { started: true, recovered: null };
  }
}
