import { z } from "zod";
import { invalidFromIssues, notFound, rateLimited, unauthorized } from "@/lib/http/errors";
import { statementBatcher } from "@/lib/webhooks/batch";
import type { HandOff } from "@/lib/webhooks/handoff";
import type { Intake } from "@/lib/webhooks/intake";
import { secretHash } from "@/lib/subscriptions/identity";
import { redactHeaders } from "@/lib/webhooks/redact";
import { knownExternalIds, REPLACED_ID_GRACE_SECONDS, replacedIdRoutes, retiredMatch, subscriptionRoutes, type RecordedStatus } from "@/lib/webhooks/routing";

/**
 * Google Calendar push notifications (events.watch channels). A notification
 * carries no change data, only "something changed on this calendar": the work is
 * an incremental sync, handed to the job system after the notification is stored.
 */

const text = (max: number) => z.string().min(1).max(max);

/** The largest int64, Google's type for X-Goog-Message-Number and PostgreSQL's int8. */
export const MAX_MESSAGE_NUMBER = 9_223_372_036_854_775_807n;

export const googleHeadersSchema = z.object({
  "x-goog-channel-id": text(256),
  // An int64 at Google, stored in an int8 column and kept as text until SQL casts
  // it, so no digit is lost to a JavaScript number on the way.
  "x-goog-message-number": z
    .string()
    .regex(/^\d{1,19}$/, "expected a decimal message number")
    // zod runs this even when the pattern failed: only digits reach BigInt.
    .refine((value) => !/^\d{1,19}$/.test(value) || BigInt(value) <= MAX_MESSAGE_NUMBER, "message number exceeds the int64 range"),
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
  if (!parsed.success) throw invalidFromIssues("not a Google Calendar notification", parsed.error.issues);
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
  /** Null for a `retired` notification, which is not stored. */
  eventId: string | null;
  organizationId: string | null;
  subscriptionId: string | null;
  calendarId: string | null;
  status: RecordedStatus;
  /** The job to start, for a `pending` event only. */
  handOff: HandOff<"calendar/sync.requested"> | null;
}

/**
 * The hot path, as a group statement (lib/webhooks/batch.ts): notifications
 * arriving together are verified and stored by one statement, each request
 * answering only after it committed.
 *
 * - `item`: the notifications, one JSON parameter;
 * - `target`: each item's subscription named by the channel id, current or a
 *   replaced id still within its grace period, verified against THAT row's secret
 *   hash and resource id. A row whose resource id is still NULL is a channel whose
 *   `watch` has not answered yet (Google sends `sync` before it may); there the
 *   token alone verifies. Unverified items drop out.
 *   The secret is compared as a SHA-256 hex digest inside SQL. The comparison is
 *   not constant-time, but what leaks through timing is how many leading digest
 *   characters of the attacker's own guess match the stored digest; that says
 *   nothing usable about the secret (finding an input for a chosen digest prefix
 *   does not bring the next guess closer), so equality on digests is safe.
 * - `touched`: last_notification_at, at most once a second per subscription,
 *   SKIP LOCKED so that a statement holding that row lock never makes others wait.
 * - `fresh`: the insert, keyed by (channel id, message number) in the unique
 *   dedup_key: a redelivery conflicts with the stored row, and of two copies
 *   arriving at the same instant the second waits for the first on the index and
 *   then conflicts (in one batch, the first of two wins). Its status says whether a
 *   sync should follow.
 * - `copy`: items whose insert conflicted, stored as `duplicate` without a key.
 * - one row per verified item (its `ord`);
 * - `retired`: of the items that did not verify, those naming, with their own
 *   token, a channel we stopped or replaced past its grace period
 *   (lib/webhooks/routing.ts): a row each with status `retired`, nothing stored.
 *
 * An item with no row back failed verification; only then, and only while its
 * source is within its failure budget, is a second query spent on telling forged
 * from unknown.
 */
const RECORD_SQL = `
WITH item AS (
  SELECT * FROM jsonb_to_recordset($1::text::jsonb)
    AS i(ord int, channel_id text, secret_hash text, resource_id text, message_number text, state text, dedup_key text, headers jsonb, request_id text)
),
target AS (
  SELECT i.*, s.subscription_id, s.organization_id, s.calendar_id, s.syncable
    FROM item i
    JOIN LATERAL (
      SELECT s.id AS subscription_id, s.organization_id, s.calendar_id,
             coalesce(c.sync_enabled AND cc.status = 'active', false) AS syncable
        FROM webhook_subscriptions s
        JOIN calendar_connections cc ON cc.id = s.connection_id
        LEFT JOIN calendars c ON c.id = s.calendar_id
       WHERE s.external_id = i.channel_id AND s.provider = 'google' AND s.secret_hash = i.secret_hash
         AND (s.resource_id = i.resource_id OR s.resource_id IS NULL)
         AND ${subscriptionRoutes("s", "$2")}
      UNION ALL
      SELECT s.id, s.organization_id, s.calendar_id,
             coalesce(c.sync_enabled AND cc.status = 'active', false)
        FROM replaced_subscription_ids r
        JOIN webhook_subscriptions s ON s.id = r.subscription_id AND s.provider = 'google'
        JOIN calendar_connections cc ON cc.id = s.connection_id
        LEFT JOIN calendars c ON c.id = s.calendar_id
       WHERE r.external_id = i.channel_id AND r.secret_hash = i.secret_hash
         AND (r.resource_id = i.resource_id OR r.resource_id IS NULL)
         AND ${replacedIdRoutes("r", "$2")}
      LIMIT 1
    ) s ON true
),
touched AS (
  UPDATE webhook_subscriptions s SET last_notification_at = now()
    FROM (SELECT w.id FROM webhook_subscriptions w
           WHERE w.id IN (SELECT subscription_id FROM target)
             AND (w.last_notification_at IS NULL OR w.last_notification_at < now() - interval '1 second')
             FOR NO KEY UPDATE OF w SKIP LOCKED) due
   WHERE s.id = due.id
),
fresh AS (
  INSERT INTO webhook_events
    (organization_id, subscription_id, calendar_id, provider, external_id, message_number,
     change_type, dedup_key, headers, status, error, request_id)
  SELECT t.organization_id, t.subscription_id, t.calendar_id, 'google', t.channel_id, t.message_number::bigint,
         t.state, t.dedup_key, t.headers,
         (CASE WHEN t.state = 'sync' OR NOT t.syncable THEN 'ignored' ELSE 'pending' END)::"WebhookEventStatus",
         CASE WHEN t.state <> 'sync' AND NOT t.syncable
              THEN 'not handed off: calendar not synced or connection inactive' END,
         t.request_id
    FROM target t
  ON CONFLICT (dedup_key) DO NOTHING
  RETURNING id, request_id, status::text AS status
),
copy AS (
  INSERT INTO webhook_events
    (organization_id, subscription_id, calendar_id, provider, external_id, message_number,
     change_type, dedup_key, headers, status, request_id)
  SELECT t.organization_id, t.subscription_id, t.calendar_id, 'google', t.channel_id, t.message_number::bigint,
         t.state, NULL, t.headers, 'duplicate', t.request_id
    FROM target t
   WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.request_id = t.request_id)
  RETURNING id, request_id, status::text AS status
),
retired AS (
  SELECT i.ord FROM item i
   WHERE NOT EXISTS (SELECT 1 FROM target t WHERE t.ord = i.ord)
     AND ${retiredMatch("google", "i.channel_id", "i.secret_hash", "$2")}
)
SELECT t.ord, r.id, t.organization_id, t.subscription_id, t.calendar_id, r.status
  FROM target t
  JOIN (SELECT * FROM fresh UNION ALL SELECT * FROM copy) r ON r.request_id = t.request_id
UNION ALL
SELECT x.ord, NULL::uuid, NULL::uuid, NULL::uuid, NULL::uuid, 'retired' FROM retired x`;

interface RecordedRow {
  ord: number;
  id: string | null;
  organization_id: string | null;
  subscription_id: string | null;
  calendar_id: string | null;
  status: RecordedStatus;
}

export function googleDedupKey(channelId: string, messageNumber: string): string {
  return `google:${channelId}:${messageNumber}`;
}

const recorder = statementBatcher<RecordedRow>({ name: "webhooks.google.record-group", text: RECORD_SQL, values: [REPLACED_ID_GRACE_SECONDS] });

/**
 * Verifies and stores one notification. When it does not verify, throws
 * unauthorized (401) or notFound (404); or, from a source past its failure budget,
 * rateLimited (429) without the lookup that tells the two apart.
 */
export async function recordGoogleNotification(
  notification: GoogleNotification,
  headers: Headers,
  intake: Pick<Intake, "requestId" | "overBudget">,
): Promise<GoogleRecorded> {
  const row =
    notification.channelToken === undefined
      ? undefined
      : (
          await recorder.run([
            {
              ord: 0,
              channel_id: notification.channelId,
              secret_hash: secretHash(notification.channelToken),
              resource_id: notification.resourceId,
              message_number: notification.messageNumber,
              state: notification.resourceState,
              dedup_key: googleDedupKey(notification.channelId, notification.messageNumber),
              headers: redactHeaders(headers),
              request_id: intake.requestId,
            },
          ])
        )[0];
  if (!row) {
    const waitMs = await intake.overBudget();
    if (waitMs !== null) throw rateLimited(Math.ceil(waitMs / 1000));
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
      row.status === "pending" && row.calendar_id && row.organization_id
        ? { name: "calendar/sync.requested", data: { organizationId: row.organization_id, calendarId: row.calendar_id, trigger: "webhook" } }
        : null,
  };
}
