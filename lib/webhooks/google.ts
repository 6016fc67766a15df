import { z } from "zod";
import { notFound, unauthorized } from "@/lib/http/errors";
import { rawQuery } from "@/lib/db/raw";
import type { HandOff } from "@/lib/webhooks/handoff";
import { invalidFrom } from "@/lib/webhooks/intake";
import { redactHeaders, secretHash } from "@/lib/webhooks/redact";
import { knownExternalIds, REPLACED_ID_GRACE_SECONDS, replacedIdRoutes, type RecordedStatus } from "@/lib/webhooks/routing";

/**
 * Google Calendar push notifications (events.watch channels). A notification
 * carries no change data, only "something changed on this calendar": the work is
 * an incremental sync, handed to the job system after the notification is stored.
 */

const text = (max: number) => z.string().min(1).max(max);

export const googleHeadersSchema = z.object({
  "x-goog-channel-id": text(256),
  // Int8 column; Google's numbers are far smaller, 18 digits keeps any value in range.
  "x-goog-message-number": z.string().regex(/^\d{1,18}$/, "expected a decimal message number"),
  "x-goog-resource-id": text(512),
  "x-goog-resource-state": z.enum(["sync", "exists", "not_exists"]),
  "x-goog-resource-uri": text(2048),
  // Absent means unverifiable, which the lookup reports as forged or unknown.
  "x-goog-channel-token": z.string().max(256).optional(),
  "x-goog-channel-expiration": z.string().max(128).optional(),
});

export interface GoogleNotification {
  channelId: string;
  messageNumber: string;
  resourceId: string;
  resourceState: "sync" | "exists" | "not_exists";
  resourceUri: string;
  channelToken?: string;
  channelExpiration?: string;
}

export function parseGoogleHeaders(headers: Headers): GoogleNotification {
  const raw: Record<string, string | undefined> = {};
  for (const name of Object.keys(googleHeadersSchema.shape)) raw[name] = headers.get(name) ?? undefined;
  const parsed = googleHeadersSchema.safeParse(raw);
  if (!parsed.success) throw invalidFrom("not a Google Calendar notification", parsed.error.issues);
  const h = parsed.data;
  return {
    channelId: h["x-goog-channel-id"],
    messageNumber: h["x-goog-message-number"],
    resourceId: h["x-goog-resource-id"],
    resourceState: h["x-goog-resource-state"],
    resourceUri: h["x-goog-resource-uri"],
    channelToken: h["x-goog-channel-token"],
    channelExpiration: h["x-goog-channel-expiration"],
  };
}

export interface GoogleRecorded {
  eventId: string;
  organizationId: string;
  subscriptionId: string;
  calendarId: string | null;
  status: RecordedStatus;
  /** The job to start, for a `pending` event only. */
  handOff: HandOff<"calendar/sync.requested"> | null;
}

/**
 * The whole hot path in one statement, so a notification costs one round trip:
 *
 * - `target`: the subscription named by the channel id, either current or a
 *   replaced id still within its grace period, verified against THAT row's secret
 *   hash and resource id. A row whose resource id is still NULL is a channel whose
 *   `watch` has not answered yet (Google sends `sync` before it may); there the
 *   token alone verifies.
 *   The secret is compared as a SHA-256 hex digest inside SQL. The comparison is
 *   not constant-time, but what leaks through timing is how many leading digest
 *   characters of the attacker's own guess match the stored digest; that says
 *   nothing usable about the secret (finding an input for a chosen digest prefix
 *   does not bring the next guess closer), so equality on digests is safe.
 * - `fresh`: the insert, keyed by (channel id, message number) in the unique
 *   dedup_key: a redelivery conflicts with the stored row, and of two copies
 *   arriving at the same instant the second waits for the first on the index and
 *   then conflicts. Its status says whether a sync should follow.
 * - `copy`: only when `fresh` conflicted: the redelivery, stored as `duplicate`
 *   without a key (it hands off nothing).
 * - `touched`: last_notification_at, at most once a second per subscription, so
 *   a burst does not queue every insert behind one row lock held until commit;
 *   SKIP LOCKED because while one statement holds that lock (until its commit is
 *   flushed), the others have nothing to add and must not wait for it.
 *
 * No row back means verification failed; only then is a second query spent on
 * telling forged from unknown.
 */
const RECORD_SQL = `
WITH target AS (
  SELECT s.id AS subscription_id, s.organization_id, s.calendar_id,
         coalesce(c.sync_enabled AND cc.status = 'active', false) AS syncable
    FROM webhook_subscriptions s
    JOIN calendar_connections cc ON cc.id = s.connection_id
    LEFT JOIN calendars c ON c.id = s.calendar_id
   WHERE s.external_id = $1 AND s.provider = 'google' AND s.secret_hash = $2
     AND (s.resource_id = $3 OR s.resource_id IS NULL)
  UNION ALL
  SELECT s.id, s.organization_id, s.calendar_id,
         coalesce(c.sync_enabled AND cc.status = 'active', false)
    FROM replaced_subscription_ids r
    JOIN webhook_subscriptions s ON s.id = r.subscription_id AND s.provider = 'google'
    JOIN calendar_connections cc ON cc.id = s.connection_id
    LEFT JOIN calendars c ON c.id = s.calendar_id
   WHERE r.external_id = $1 AND r.secret_hash = $2
     AND (r.resource_id = $3 OR r.resource_id IS NULL)
     AND ${replacedIdRoutes("r", "$9")}
   LIMIT 1
),
touched AS (
  UPDATE webhook_subscriptions s SET last_notification_at = now()
    FROM (SELECT w.id FROM webhook_subscriptions w JOIN target t ON w.id = t.subscription_id
           WHERE w.last_notification_at IS NULL OR w.last_notification_at < now() - interval '1 second'
             FOR NO KEY UPDATE OF w SKIP LOCKED) due
   WHERE s.id = due.id
),
fresh AS (
  INSERT INTO webhook_events
    (organization_id, subscription_id, calendar_id, provider, external_id, message_number,
     change_type, dedup_key, headers, status, error, request_id)
  SELECT t.organization_id, t.subscription_id, t.calendar_id, 'google', $1, $4::text::bigint,
         $5::text, $6, $7::text::jsonb,
         (CASE WHEN $5::text = 'sync' OR NOT t.syncable THEN 'ignored' ELSE 'pending' END)::"WebhookEventStatus",
         CASE WHEN $5::text <> 'sync' AND NOT t.syncable
              THEN 'not handed off: calendar not synced or connection inactive' END,
         $8
    FROM target t
  ON CONFLICT (dedup_key) DO NOTHING
  RETURNING id, organization_id, subscription_id, calendar_id, status::text AS status
),
copy AS (
  INSERT INTO webhook_events
    (organization_id, subscription_id, calendar_id, provider, external_id, message_number,
     change_type, dedup_key, headers, status, request_id)
  SELECT t.organization_id, t.subscription_id, t.calendar_id, 'google', $1, $4::text::bigint,
         $5::text, NULL, $7::text::jsonb, 'duplicate', $8
    FROM target t
   WHERE NOT EXISTS (SELECT 1 FROM fresh)
  RETURNING id, organization_id, subscription_id, calendar_id, status::text AS status
)
SELECT * FROM fresh UNION ALL SELECT * FROM copy`;

interface RecordedRow {
  id: string;
  organization_id: string;
  subscription_id: string;
  calendar_id: string | null;
  status: RecordedStatus;
}

export function googleDedupKey(channelId: string, messageNumber: string): string {
  return `google:${channelId}:${messageNumber}`;
}

/** Verifies and stores one notification; throws unauthorized (401) or notFound (404) when it does not verify. */
export async function recordGoogleNotification(notification: GoogleNotification, headers: Headers, requestId: string): Promise<GoogleRecorded> {
  const rows =
    notification.channelToken === undefined
      ? []
      : await rawQuery<RecordedRow>({
          name: "webhooks.google.record",
          text: RECORD_SQL,
          values: [
            notification.channelId,
            secretHash(notification.channelToken),
            notification.resourceId,
            notification.messageNumber,
            notification.resourceState,
            googleDedupKey(notification.channelId, notification.messageNumber),
            JSON.stringify(redactHeaders(headers)),
            requestId,
            REPLACED_ID_GRACE_SECONDS,
          ],
        });
  const row = rows[0];
  if (!row) {
    const known = await knownExternalIds("google", [notification.channelId]);
    throw known.size > 0 ? unauthorized("channel token or resource id does not match") : notFound("unknown channel");
  }
  return {
    eventId: row.id,
    organizationId: row.organization_id,
    subscriptionId: row.subscription_id,
    calendarId: row.calendar_id,
    status: row.status,
    handOff:
      row.status === "pending" && row.calendar_id
        ? { name: "calendar/sync.requested", data: { organizationId: row.organization_id, calendarId: row.calendar_id, trigger: "webhook" } }
        : null,
  };
}
