import { db } from "@/lib/db/client";
import { logger } from "@/lib/log";
import type { ProviderError } from "@/lib/providers/errors";

// A provider's quota is per account (Google per user and project, Graph per mailbox
// and app), so when a sync of one calendar runs out of it, polling the account's other
// calendars only spends more of what is gone. The connection backs off: the poll skips
// all of its calendars until the back-off ends (they stay due and are polled then),
// the wait doubles each time, and the next successful sync resets it (lib/sync/engine.ts).
// Push-triggered syncs still run: a notification says there is something to fetch.

/** The first back-off: one short poll interval. */
export const POLL_BACKOFF_BASE_MS = 5 * 60_000;
/** The longest: the long poll interval. */
export const POLL_BACKOFF_MAX_MS = 60 * 60_000;

/** The wait after the `level`-th quota error in a row (0-based), never shorter than the provider asked. */
export function pollBackoffMs(level: number, retryAfterMs: number | null): number {
  const doubled = Math.min(POLL_BACKOFF_MAX_MS, POLL_BACKOFF_BASE_MS * 2 ** Math.max(0, level));
  return Math.max(doubled, retryAfterMs ?? 0);
}

/** Backs the connection's poll off after `err` (a rate_limited ProviderError). Returns when it ends. */
export async function backOffPolls(connectionId: string, err: ProviderError, now = new Date()): Promise<Date> {
  const database = await db();
  const connection = await database.calendarConnection.findUnique({ where: { id: connectionId }, select: { pollBackoffLevel: true } });
  const level = connection?.pollBackoffLevel ?? 0;
  const until = new Date(now.getTime() + pollBackoffMs(level, err.retryAfterMs));
  await database.calendarConnection.update({ where: { id: connectionId }, data: { pollBackoffLevel: level + 1, pollBackoffUntil: until } });
  logger.warn("connection.poll_backoff", { connectionId, level: level + 1, until: until.toISOString(), code: err.code ?? undefined });
  return until;
}
