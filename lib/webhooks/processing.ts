import { envNumber, type Env } from "@/lib/config";
import { db, type Database } from "@/lib/db/client";
import { LIFECYCLE_EVENTS, retryDelayMs, type FollowUp, type HandlerResult, type RetryPolicy } from "@/lib/jobs/catalog";
import { isRetryable } from "@/lib/jobs/retry";
import { logger } from "@/lib/log";
import { ProviderError } from "@/lib/providers/errors";

// What happens to a recorded notification after it is stored. Processing one is the
// sync run that covers it: a notification carries no change data, so "processed"
// means a run of its calendar started after it arrived and succeeded.
//
//   pending ──run succeeds──▶ processed
//      │                          ▲
//      └──run fails──▶ failed ────┘ (a later covering run succeeds)
//                        │  ▲
//                        │  └─ retry due: the cron asks for another sync
//                        └──▶ dead (attempts used up, a failure retrying cannot fix,
//                                   or nothing left to sync it with); replayable
//
// An attempt is counted once per scheduled try. The job driver also retries a
// failed sync within seconds; those runs cover the same events, and counting each
// would turn a one-minute blip into a dead letter. So a `failed` event whose next
// attempt is not due yet only has its error refreshed.

/** Notifications that are not about calendar contents: the lifecycle job handles them, not a sync run. */

export const DEFAULT_WEBHOOK_MAX_ATTEMPTS = 5;

/**
 * Spacing of scheduled retries: 1-2 min, 2-4, 4-8, 8-16 (full jitter, a provider's
 * Retry-After wins when longer), so with the default five attempts a notification
 * is given up on after 15 to 30 minutes of failing syncs, long enough to ride out
 * a provider's blip, short enough that a real problem shows up the same hour (the
 * poll keeps the calendar itself converging meanwhile). `retries` is not
 * read: WEBHOOK_MAX_ATTEMPTS decides when to stop.
 */
export const WEBHOOK_EVENT_RETRY: RetryPolicy = { retries: DEFAULT_WEBHOOK_MAX_ATTEMPTS - 1, baseDelayMs: 2 * 60_000, maxDelayMs: 60 * 60_000 };

/** WEBHOOK_MAX_ATTEMPTS (5): failed covering runs, counted as above, before an event is dead. */
export function webhookMaxAttempts(env: Env = process.env): number {
  return envNumber(env, "WEBHOOK_MAX_ATTEMPTS", DEFAULT_WEBHOOK_MAX_ATTEMPTS, { integer: true, min: 1 });
}

/** What a sync run covers: its calendar, and its connection's mailbox-wide (Graph) notifications. */
export interface Coverage {
  calendarId: string;
  connectionId: string;
  /** Notifications received up to this instant are covered by the run. */
  runStartedAt: Date;
}

/** SQL condition: event `e` is covered by a run described by the three parameters. */
function covered(startedAt: string, calendarId: string, connectionId: string): string {
  return `e.received_at <= ${startedAt}::timestamptz
      AND coalesce(e.change_type, '') <> ALL (ARRAY[${LIFECYCLE_EVENTS.map((type) => `'${type}'`).join(", ")}])
      AND (e.calendar_id = ${calendarId}::uuid
           OR (e.calendar_id IS NULL
               AND e.subscription_id IN (SELECT s.id FROM webhook_subscriptions s WHERE s.connection_id = ${connectionId}::uuid)))`;
}

/**
 * The statement that marks what a successful run covered as processed: pending
 * events, and failed ones awaiting a retry. For the engine's success transaction,
 * so the cursor and the events it accounts for commit together. Dead events stay
 * dead until someone replays them.
 */
export function markCoveredProcessed(database: Pick<Database, "$executeRawUnsafe">, coverage: Coverage) {
  return database.$executeRawUnsafe(
    `UPDATE webhook_events e SET status = 'processed', processed_at = now(), next_attempt_at = NULL
      WHERE e.status IN ('pending', 'failed') AND ${covered("$1", "$2", "$3")}`,
    coverage.runStartedAt,
    coverage.calendarId,
    coverage.connectionId,
  );
}

/**
 * Whether a notification a run of this calendar would cover is still pending, i.e.
 * acknowledged and not yet covered by a succeeded run. Read in the database, on its
 * own clock: the engine asks before it answers a request "already covered".
 */
export async function hasPendingNotifications(database: Database, scope: Omit<Coverage, "runStartedAt">): Promise<boolean> {
  const rows = await database.$queryRawUnsafe<Array<{ pending: boolean }>>(
    `SELECT EXISTS (SELECT 1 FROM webhook_events e WHERE e.status = 'pending' AND ${covered("now()", "$1", "$2")}) AS pending`,
    scope.calendarId,
    scope.connectionId,
  );
  return rows[0]?.pending ?? false;
}

export interface FailureMarking {
  /** Events now waiting for a scheduled retry. */
  failed: number;
  /** Events given up on by this failure. */
  dead: number;
}

/** SQL condition: event `e` is due for an attempt at $5 (a fresh one always is). */
const DUE = `(e.status = 'pending' OR e.next_attempt_at IS NULL OR e.next_attempt_at <= $5::timestamptz)`;

/**
 * Records a failed covering run on the events it covered (see the header for what
 * counts as an attempt). A failure retrying cannot fix (the grant is gone, the
 * calendar no longer exists) makes them dead at once: they wait for a person, and
 * a replay once the cause is fixed.
 */
export async function markCoveredFailed(
  input: Coverage & { error: unknown; now?: Date; maxAttempts?: number; random?: () => number },
): Promise<FailureMarking> {
  const now = input.now ?? new Date();
  const maxAttempts = input.maxAttempts ?? webhookMaxAttempts();
  const random = input.random ?? Math.random;
  const retryAfterMs = input.error instanceof ProviderError ? input.error.retryAfterMs : null;
  // Delay before attempt n+1, indexed by n (attempts already made): one draw per
  // attempt number is jitter enough, since events of a calendar retry together anyway.
  const delays = Array.from({ length: maxAttempts }, (_, made) => retryDelayMs(WEBHOOK_EVENT_RETRY, made + 1, retryAfterMs, random));
  const database = await db();
  const counts = await database.$queryRawUnsafe<Array<{ failed: number; dead: number }>>(
    `WITH marked AS (
       UPDATE webhook_events e SET
         attempts = CASE WHEN $8::boolean OR ${DUE} THEN e.attempts + 1 ELSE e.attempts END,
         error = $4,
         status = (CASE WHEN $8::boolean OR (${DUE} AND e.attempts + 1 >= $6::int) THEN 'dead' ELSE 'failed' END)::"WebhookEventStatus",
         next_attempt_at = CASE WHEN $8::boolean OR (${DUE} AND e.attempts + 1 >= $6::int) THEN NULL
                                WHEN ${DUE} THEN $5::timestamptz + (($7::text::jsonb ->> e.attempts)::bigint) * interval '1 millisecond'
                                ELSE e.next_attempt_at END
        WHERE e.status IN ('pending', 'failed') AND ${covered("$1", "$2", "$3")}
       RETURNING e.status
     )
     SELECT (count(*) FILTER (WHERE status = 'failed'))::int AS failed, (count(*) FILTER (WHERE status = 'dead'))::int AS dead FROM marked`,
    input.runStartedAt,
    input.calendarId,
    input.connectionId,
    describeFailure(input.error),
    now,
    maxAttempts,
    JSON.stringify(delays),
    !isRetryable(input.error),
  );
  const marking = counts[0] ?? { failed: 0, dead: 0 };
  if (marking.dead > 0) logger.warn("webhook_events.dead", { calendarId: input.calendarId, dead: marking.dead, error: describeFailure(input.error) });
  return marking;
}

/** What the event row keeps about a failure: the message alone (no stack, no cause), bounded. */
function describeFailure(err: unknown): string {
  if (err instanceof ProviderError) return `${err.kind}${err.status === null ? "" : ` (${err.status})`}: ${err.message}`.slice(0, 1000);
  if (err instanceof Error) return err.message.slice(0, 1000);
  return String(err).slice(0, 1000);
}

// ---- the retry cron ---------------------------------------------------------------

/**
 * Calendars a due `failed` event names: its own calendar, or for a Graph
 * notification (calendar_id null; it names the mailbox) every synced calendar of
 * its subscription's connection. Only calendars a sync would not skip.
 */
const TARGETS = `
  SELECT e.id AS event_id, c.id AS calendar_id, c.organization_id
    FROM webhook_events e
    JOIN calendars c ON c.id = e.calendar_id AND c.organization_id = e.organization_id
    JOIN calendar_connections cc ON cc.id = c.connection_id
   WHERE e.status = 'failed' AND e.next_attempt_at <= $1::timestamptz AND c.sync_enabled AND cc.status = 'active'
  UNION ALL
  SELECT e.id, c.id, c.organization_id
    FROM webhook_events e
    JOIN webhook_subscriptions s ON s.id = e.subscription_id
    JOIN calendars c ON c.connection_id = s.connection_id AND c.organization_id = e.organization_id
    JOIN calendar_connections cc ON cc.id = c.connection_id
   WHERE e.status = 'failed' AND e.next_attempt_at <= $1::timestamptz AND e.calendar_id IS NULL AND e.provider = 'microsoft'
     AND c.sync_enabled AND cc.status = 'active'`;

export interface RetryPlan {
  calendars: Array<{ organizationId: string; calendarId: string }>;
  /** Due events with nothing left to sync them with (calendar off or gone, connection not active), now dead. */
  deadLettered: number;
}

/**
 * Finds failed events whose retry is due and the calendars to sync for them. A
 * system-wide scan on purpose (the cron acts for every organization); each
 * calendar comes back with its own organization.
 */
export async function planWebhookRetries(options: { now?: Date } = {}): Promise<RetryPlan> {
  const now = options.now ?? new Date();
  const database = await db();
  const deadLettered = await database.$executeRawUnsafe(
    `UPDATE webhook_events e SET status = 'dead', next_attempt_at = NULL,
            error = 'no synced calendar left to retry on (calendar sync off or removed, or the connection is not active)'
      WHERE e.status = 'failed' AND e.next_attempt_at <= $1::timestamptz
        AND NOT EXISTS (SELECT 1 FROM (${TARGETS}) t WHERE t.event_id = e.id)`,
    now,
  );
  const rows = await database.$queryRawUnsafe<Array<{ calendar_id: string; organization_id: string }>>(
    `SELECT DISTINCT t.organization_id::text AS organization_id, t.calendar_id::text AS calendar_id FROM (${TARGETS}) t
      ORDER BY 1, 2`,
    now,
  );
  if (deadLettered > 0) logger.warn("webhook_events.dead", { reason: "nothing left to sync", dead: deadLettered });
  return { calendars: rows.map((row) => ({ organizationId: row.organization_id, calendarId: row.calendar_id })), deadLettered };
}

/** The `retry-webhook-events` cron: one webhook-triggered sync per calendar with a due retry. */
export async function retryWebhookEventsJob(options: { now?: Date } = {}): Promise<HandlerResult> {
  const plan = await planWebhookRetries(options);
  const followUps: FollowUp[] = plan.calendars.map((calendar) => ({ name: "calendar/sync.requested", data: { ...calendar, trigger: "webhook" } }));
  return { followUps, summary: { calendars: plan.calendars.length, deadLettered: plan.deadLettered } };
}
