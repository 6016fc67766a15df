import { pollCadence } from "@/lib/config";
import { db } from "@/lib/db/client";
import { POLL_BATCH_SIZE, type FollowUp, type HandlerResult } from "@/lib/jobs/catalog";
import { MIRRORED_SQL } from "./store";

// The poll: the safety net under push, spread over time instead of all at once.
// - Each calendar has a slot at its own offset in its interval (calsync_poll_slot in
//   the poll_schedule migration), so a minute's poll holds about 1/60 of the calendars
//   polled hourly and 1/5 of those polled every 5 minutes: provider calls stay flat
//   however many calendars were connected at once.
// - The interval adapts (lib/config.ts pollCadence): long while the calendar's push is
//   healthy (the poll only checks that push still works), short without push (never
//   registered, refused by the provider, expired, suspect). A healthy slot never lies
//   beyond the subscription's expiry, and a subscription that stops being healthy makes
//   its calendars due at once (a trigger, same migration).
// - A connection whose quota said stop (lib/sync/poll-backoff.ts) is skipped until its
//   back-off ends; its calendars stay due and are picked up then.
// - Claiming advances the slot in the same statement (FOR UPDATE SKIP LOCKED), so two
//   overlapping polls never take the same calendar and a crash between claim and send
//   costs one interval, never a lost schedule.
// It is a system-wide scan by design (the cron acts for every organization); each
// request carries its calendar's organization.

export interface PolledCalendar {
  organizationId: string;
  calendarId: string;
  /** Whether the calendar had healthy push when claimed (its next slot is then the long one). */
  push: boolean;
}

export interface PollOptions {
  now?: Date;
  limit?: number;
  cadence?: { withPushMs: number; withoutPushMs: number };
}

/**
 * Claims up to `limit` synced calendars whose slot has come, or that have none yet
 * (a calendar gets its first slot when its first sync succeeds, see
 * scheduleFirstPoll: one without is one whose first sync has not worked), and moves
 * each to its next slot.
 */
export async function claimDuePolls(options: PollOptions = {}): Promise<PolledCalendar[]> {
  const now = options.now ?? new Date();
  const limit = options.limit ?? POLL_BATCH_SIZE;
  const cadence = options.cadence ?? pollCadence();
  const database = await db();
  return database.$queryRawUnsafe<PolledCalendar[]>(
    `WITH due AS (
       SELECT c.id, c.connection_id
         FROM calendars c
         JOIN calendar_connections k ON k.id = c.connection_id
        WHERE c.sync_enabled AND (c.next_poll_at IS NULL OR c.next_poll_at <= $1::timestamptz)
          AND k.status = 'active'
          AND (k.poll_backoff_until IS NULL OR k.poll_backoff_until <= $1::timestamptz)
        ORDER BY c.next_poll_at NULLS FIRST, c.id
        LIMIT $4
        FOR UPDATE OF c SKIP LOCKED
     ), healthy AS (
       SELECT due.id,
              (SELECT min(s.expires_at) FROM webhook_subscriptions s
                WHERE s.connection_id = due.connection_id
                  AND (s.calendar_id = due.id OR s.calendar_id IS NULL)
                  AND s.status = 'active' AND NOT s.suspect AND s.expires_at > $1::timestamptz) AS push_until
         FROM due
     )
     UPDATE calendars c
        SET next_poll_at = CASE
              WHEN healthy.push_until IS NULL THEN calsync_poll_slot(c.id, $1::timestamptz, $3::bigint)
              ELSE LEAST(calsync_poll_slot(c.id, $1::timestamptz, $2::bigint), healthy.push_until)
            END
       FROM healthy
      WHERE c.id = healthy.id
     RETURNING c.id::text AS "calendarId", c.organization_id::text AS "organizationId", healthy.push_until IS NOT NULL AS "push"`,
    now,
    cadence.withPushMs,
    cadence.withoutPushMs,
    limit,
  );
}

/**
 * A calendar's first slot, once its first sync succeeded: in the short interval, the
 * push it may get is not known yet. Without it, the calendars of an organization
 * connected at once would all be due at the next poll: one burst of calls. Only
 * while still mirrored: a calendar stopped since has no slot (stopMirroring).
 */
export async function scheduleFirstPoll(calendarId: string, now = new Date(), cadence = pollCadence()): Promise<void> {
  const database = await db();
  await database.$executeRawUnsafe(
    `UPDATE calendars SET next_poll_at = calsync_poll_slot(id, $2::timestamptz, $3::bigint) WHERE id = $1::uuid AND next_poll_at IS NULL AND ${MIRRORED_SQL}`,
    calendarId,
    now,
    cadence.withoutPushMs,
  );
}

/** One batch of the poll cron: the claimed calendars as sync requests, and whether more are due. */
export async function pollJob(options: PollOptions = {}): Promise<HandlerResult> {
  const limit = options.limit ?? POLL_BATCH_SIZE;
  const due = await claimDuePolls({ ...options, limit });
  const followUps: FollowUp[] = due.map((calendar) => ({
    name: "calendar/sync.requested",
    data: { organizationId: calendar.organizationId, calendarId: calendar.calendarId, trigger: "poll" },
  }));
  const withPush = due.filter((calendar) => calendar.push).length;
  return {
    followUps,
    summary: { calendars: due.length, withPush, withoutPush: due.length - withPush },
    more: due.length === limit,
  };
}
