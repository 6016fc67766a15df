import { envNumber, type Env } from "@/lib/config";
import { db } from "@/lib/db/client";
import type { HandlerResult } from "@/lib/jobs/catalog";
import { logger } from "@/lib/log";
import { webhookMaxAttempts } from "@/lib/webhooks/processing";

// The webhook log grows with every notification a provider sends; it is kept for
// WEBHOOK_RETENTION_DAYS and then deleted in small batches, so no statement holds
// locks on a large share of a table the webhook routes insert into all the time.
//
// Everything old goes (processed, ignored, duplicate, dead, and pending ones too:
// after weeks of polls a pending row is either covered or belongs to a
// calendar that no longer syncs) except failed events still due a retry, whose
// row is the only record that a sync is owed.

export const DEFAULT_WEBHOOK_RETENTION_DAYS = 30;
export const DEFAULT_PURGE_BATCH_SIZE = 1_000;
const DAY_MS = 24 * 60 * 60_000;

/** WEBHOOK_RETENTION_DAYS (30): how long webhook events are kept. */
export function webhookRetentionDays(env: Env = process.env): number {
  return envNumber(env, "WEBHOOK_RETENTION_DAYS", DEFAULT_WEBHOOK_RETENTION_DAYS, { above: 0 });
}

export interface PurgeOptions {
  /** Events received before this instant go. */
  olderThan: Date;
  batchSize?: number;
  /** Only this organization's events (an operator's command); all of them otherwise (the cron). */
  organizationId?: string;
  /** Called after each batch with the running total deleted. */
  onProgress?: (deleted: number) => void;
}

export async function purgeWebhookEvents(options: PurgeOptions): Promise<{ deleted: number; batches: number }> {
  const batchSize = options.batchSize ?? DEFAULT_PURGE_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const database = await db();
  const values: unknown[] = [options.olderThan, webhookMaxAttempts(), batchSize];
  // Built rather than `($4 IS NULL OR ...)`, so the planner can use the
  // (organization_id, received_at) index when one organization is purged.
  let scope = "";
  if (options.organizationId !== undefined) {
    values.push(options.organizationId);
    scope = "AND organization_id = $4::uuid";
  }
  const statement = `
    DELETE FROM webhook_events WHERE id IN (
      SELECT id FROM webhook_events
       WHERE received_at < $1::timestamptz ${scope}
         AND NOT (status = 'failed' AND attempts < $2::int)
       LIMIT $3::int)`;

  let deleted = 0;
  let batches = 0;
  for (;;) {
    const count = await database.$executeRawUnsafe(statement, ...values);
    if (count === 0) break;
    deleted += count;
    batches += 1;
    options.onProgress?.(deleted);
    if (count < batchSize) break;
  }
  return { deleted, batches };
}

/** The daily `cleanup-webhook-events` cron. */
export async function cleanupWebhookEventsJob(options: { now?: Date } = {}): Promise<HandlerResult> {
  const now = options.now ?? new Date();
  const days = webhookRetentionDays();
  const olderThan = new Date(now.getTime() - days * DAY_MS);
  const result = await purgeWebhookEvents({ olderThan });
  if (result.deleted > 0) logger.info("webhook_events.purged", { ...result, olderThan: olderThan.toISOString(), retentionDays: days });
  return { summary: { ...result, olderThan: olderThan.toISOString(), retentionDays: days } };
}
