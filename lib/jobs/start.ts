import type { Env } from "@/lib/config";
import { activeJobDriver, inlineDriver } from "@/lib/jobs/dispatch";
import { recoverPendingWork, type RecoveryResult } from "@/lib/jobs/recovery";
import { logger } from "@/lib/log";

export type BackgroundWorkStatus =
  | { started: true; recovered: RecoveryResult | null }
  | { started: false; reason: "inngest" | "disabled" | "build" | "already-started" };

// Per process, not per module instance: register() may run in a module graph of its
// own, and a second start would add a second catch-up on top of the first.
const holder = globalThis as unknown as { __calsyncBackgroundStarted?: boolean };

function flagSet(value: string | undefined): boolean {
  const trimmed = value?.trim().toLowerCase() ?? "";
  return trimmed !== "" && trimmed !== "0" && trimmed !== "false";
}

/**
 * Starts what the inline driver does on its own: the cron timers, and one catch-up
 * over work a previous process acknowledged but did not finish. Under Inngest both
 * live in Inngest (cron triggers, durable queues), so there is nothing to start.
 * `CALSYNC_DISABLE_CRONS` turns it off for processes that must not sync (CLI
 * commands, a second web instance sharing the database). `env` supplies those flags;
 * the driver is the one the whole process uses (lib/jobs/dispatch.ts).
 */
export async function startBackgroundWork(env: Env = process.env): Promise<BackgroundWorkStatus> {
  if (env.NEXT_PHASE === "phase-production-build") return { started: false, reason: "build" };
  if (activeJobDriver() !== "inline") return { started: false, reason: "inngest" };
  if (flagSet(env.CALSYNC_DISABLE_CRONS)) return { started: false, reason: "disabled" };
  if (holder.__calsyncBackgroundStarted) return { started: false, reason: "already-started" };
  holder.__calsyncBackgroundStarted = true;

  inlineDriver().startCrons();
  // Crons first: a failed catch-up must not also cost the schedules.
  try {
    const recovered = await recoverPendingWork();
    if (recovered.webhook > 0 || recovered.poll > 0) logger.info("background work recovered", { ...recovered });
    return { started: true, recovered };
  } catch (err) {
    logger.error("start-up catch-up failed; the next poll covers it", { error: err instanceof Error ? err : String(err) });
    return { started: true, recovered: null };
  }
}
