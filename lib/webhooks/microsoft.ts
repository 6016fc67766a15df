import { createHash } from "node:crypto";
import { z } from "zod";
import { LIFECYCLE_EVENTS, type LifecycleEvent } from "@/lib/jobs/catalog";
import { invalid, invalidFromIssues } from "@/lib/http/errors";
import { statementBatcher } from "@/lib/webhooks/batch";
import { utf8 } from "@/lib/http/body";
import type { HandOff } from "@/lib/webhooks/handoff";
import type { Intake } from "@/lib/webhooks/intake";
import { secretHash } from "@/lib/subscriptions/identity";
import { redactHeaders, redactJson } from "@/lib/webhooks/redact";
import { knownExternalIds, REPLACED_ID_GRACE_SECONDS, replacedIdRoutes, retiredMatch, subscriptionRoutes } from "@/lib/webhooks/routing";
import type { RecordedStatus } from "@/lib/webhooks/routing";

/**
 * Microsoft Graph change and lifecycle notifications. One POST may batch items of
 * several subscriptions; each item is verified on its own (subscription id plus
 * clientState), and only verified items are stored and acted on.
 */

// ---- validation handshake -------------------------------------------------------

/**
 * The `validationToken` of a subscription-validation request, decoded, or null.
 * URLSearchParams decoding is what Graph expects back: `%xx` decoded and `+` read
 * as a space (Graph encodes a literal plus as %2B). The token is opaque: echoed
 * exactly, never interpreted, never rendered as HTML.
 */
export function validationTokenOf(requestUrl: string): string | null {
  const query = requestUrl.indexOf("?");
  if (query < 0) return null;
  return new URLSearchParams(requestUrl.slice(query + 1)).get("validationToken");
}

// ---- payloads -----------------------------------------------------------------

const text = (max: number) => z.string().min(1).max(max);
// Null when the subscription was created without one: never verifies.
const clientState = z.string().max(256).nullable().optional();

export const changeNotificationSchema = z.looseObject({
  subscriptionId: text(256),
  clientState,
  changeType: text(64),
  resource: text(2048),
  resourceData: z.record(z.string(), z.unknown()).optional(),
  tenantId: z.string().max(128).optional(),
  subscriptionExpirationDateTime: z.string().max(64).optional(),
});

export const lifecycleNotificationSchema = z.looseObject({
  subscriptionId: text(256),
  clientState,
  lifecycleEvent: z.enum(LIFECYCLE_EVENTS),
  tenantId: z.string().max(128).optional(),
  subscriptionExpirationDateTime: z.string().max(64).optional(),
});

// A Graph POST is a batch; far more items than this is not Graph.
const MAX_ITEMS = 1_000;
const envelopeSchema = z.looseObject({ value: z.array(z.unknown()).min(1).max(MAX_ITEMS) });

export type GraphKind = "change" | "lifecycle";

/** A batch item that passed the schema, in the shape the statement stores. */
export interface GraphItem {
  ord: number;
  externalId: string;
  clientState: string | null;
  changeType: string;
  resource: string | null;
  dedupKey: string;
  /** The item as received, secrets redacted. */
  body: unknown;
}

/**
 * Parses a batch body. Throws invalid (400) when the body is not a batch at all or
 * no item has the expected shape; otherwise items that do not parse are counted
 * as malformed and left out, so one odd item does not cost the good ones a retry.
 */
export function parseGraphBatch(kind: GraphKind, body: Uint8Array, intake: Pick<Intake, "count">): GraphItem[] {
  const textBody = utf8(body);
  let json: unknown;
  try {
    json = textBody === null ? undefined : JSON.parse(textBody);
  } catch {
    json = undefined;
  }
  if (json === undefined) throw invalid("body is not JSON");
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw invalidFromIssues("not a Microsoft Graph notification batch", envelope.error.issues);

  const items: GraphItem[] = [];
  let malformed = 0;
  let firstIssues: z.core.$ZodIssue[] | undefined;
  envelope.data.value.forEach((raw, ord) => {
    const item = kind === "change" ? changeItem(raw, ord) : lifecycleItem(raw, ord);
    if ("issues" in item) {
      malformed += 1;
      firstIssues ??= item.issues;
    } else items.push(item);
  });
  intake.count("malformed", malformed);
  if (items.length === 0) throw invalidFromIssues("no notification in the batch has the expected shape", firstIssues ?? []);
  return items;
}

// JSON can carry "\u0000" and unpaired UTF-16 surrogates ("\ud800"); PostgreSQL
// text cannot hold the first and jsonb refuses both. No Graph payload contains
// either, and one such item must not fail the statement that stores the whole
// batch (a 500, which Graph retries for hours and which spends no failure budget):
// it is malformed like any other item we cannot store.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether PostgreSQL can store every string (keys included) of a redacted, depth-bounded body. */
function storable(value: unknown): boolean {
  if (typeof value === "string") return !UNSTORABLE.test(value);
  if (Array.isArray(value)) return value.every(storable);
  if (value && typeof value === "object") return Object.entries(value).every(([key, inner]) => !UNSTORABLE.test(key) && storable(inner));
  return true;
}

const storableBody = z.custom<unknown>(storable, "contains text PostgreSQL cannot store (NUL or an unpaired surrogate)");

/** The item as stored (secrets redacted), or the issue that keeps it out. */
function storedBody(raw: unknown): { body: unknown } | { issues: z.core.$ZodIssue[] } {
  // Redacted first: redactJson also bounds the depth, so this check cannot recurse without end.
  const body = redactJson(raw);
  const checked = storableBody.safeParse(body);
  return checked.success ? { body } : { issues: checked.error.issues };
}

function changeItem(raw: unknown, ord: number): GraphItem | { issues: z.core.$ZodIssue[] } {
  const parsed = changeNotificationSchema.safeParse(raw);
  if (!parsed.success) return { issues: parsed.error.issues };
  const stored = storedBody(raw);
  if ("issues" in stored) return stored;
  const item = parsed.data;
  const etag = typeof item.resourceData?.["@odata.etag"] === "string" ? (item.resourceData["@odata.etag"] as string) : "";
  return {
    ord,
    externalId: item.subscriptionId,
    clientState: item.clientState ?? null,
    changeType: item.changeType,
    resource: item.resource,
    // The etag makes a redelivery (same etag) a duplicate while a second real
    // change to the same event within the window (new etag) is not: marking that
    // one duplicate would skip its sync until the next poll.
    // Without an etag, the same change within the window's time slot is a redelivery.
    dedupKey: dedupKey("graph", [item.subscriptionId, item.changeType, item.resource, etag || windowSlot()]),
    body: stored.body,
  };
}

function lifecycleItem(raw: unknown, ord: number): GraphItem | { issues: z.core.$ZodIssue[] } {
  const parsed = lifecycleNotificationSchema.safeParse(raw);
  if (!parsed.success) return { issues: parsed.error.issues };
  const stored = storedBody(raw);
  if ("issues" in stored) return stored;
  const item = parsed.data;
  return {
    ord,
    externalId: item.subscriptionId,
    clientState: item.clientState ?? null,
    changeType: item.lifecycleEvent,
    resource: null,
    dedupKey: dedupKey("graph-lifecycle", [item.subscriptionId, item.lifecycleEvent, windowSlot()]),
    body: stored.body,
  };
}

/**
 * The duplicate window as a time slot: keys are unique in the database, so "the same
 * notification within the window" is "the same key in this slot". A redelivery
 * straddling a slot boundary is stored twice; that costs at most one more sync.
 */
function windowSlot(now = Date.now()): string {
  return `slot-${Math.floor(now / (GRAPH_DUPLICATE_WINDOW_SECONDS * 1000))}`;
}

/** Hashed so that a long resource path never exceeds what a btree index entry may hold. */
function dedupKey(prefix: string, parts: string[]): string {
  return `${prefix}:${createHash("sha256").update(parts.join("\u0000")).digest("base64url")}`;
}

// ---- recording ------------------------------------------------------------------

/** Same subscription, resource, change type (and etag) within this window: a redelivery. */
export const GRAPH_DUPLICATE_WINDOW_SECONDS = 30;

/**
 * One statement for the whole batch:
 * - `item`: the parsed items, passed as one JSON parameter;
 * - `matched`: each item joined to the subscription its id names (current, or a
 *   replaced id within grace) whose secret hash equals the hash of its clientState
 *   (digests compared in SQL: see the note in google.ts). Unverified items drop out;
 * - `ranked`: the status of each: duplicate when the same key came earlier in
 *   this batch; for change notifications `ignored` when the connection has no
 *   synced calendar (nothing would take the event up); otherwise pending;
 * - `touched`: last_notification_at, at most once a second per subscription,
 *   skipping a row another statement is updating (see google.ts);
 * - the insert, keyed by the unique dedup_key: an item whose key is already stored
 *   (or is being stored by a concurrent copy, which the insert waits for) conflicts
 *   and is then stored as a duplicate by `redelivered`;
 * - one row per verified item with its final status and the calendars to sync;
 * - `retired`: of the items that did not verify, those naming, with their own
 *   clientState, a subscription we stopped or deleted, or a replaced id, past its
 *   grace period (lib/webhooks/routing.ts): status `retired`, nothing stored.
 */
function recordSql(kind: GraphKind): string {
  const calendars =
    kind === "change"
      ? `(SELECT coalesce(array_agg(c.id::text ORDER BY c.id), '{}'::text[])
            FROM calendars c
           WHERE c.connection_id = s.connection_id AND c.sync_enabled AND cc.status = 'active')`
      : `'{}'::text[]`;
  const ignoredWhen = kind === "change" ? `cardinality(m.calendar_ids) = 0` : `false`;
  return `
WITH item AS (
  SELECT * FROM jsonb_to_recordset($1::text::jsonb)
    AS i(ord int, external_id text, secret_hash text, change_type text, resource text, dedup_key text, body jsonb, headers jsonb, request_id text)
),
matched AS (
  SELECT i.*, s.id AS subscription_id, s.organization_id, ${calendars} AS calendar_ids
    FROM item i
    JOIN LATERAL (
      SELECT s.id, s.organization_id, s.connection_id FROM webhook_subscriptions s
       WHERE s.external_id = i.external_id AND s.provider = 'microsoft' AND s.secret_hash = i.secret_hash
         AND ${subscriptionRoutes("s", "$2")}
      UNION ALL
      SELECT s.id, s.organization_id, s.connection_id FROM replaced_subscription_ids r
        JOIN webhook_subscriptions s ON s.id = r.subscription_id AND s.provider = 'microsoft'
       WHERE r.external_id = i.external_id AND r.secret_hash = i.secret_hash AND ${replacedIdRoutes("r", "$2")}
      LIMIT 1
    ) s ON true
    JOIN calendar_connections cc ON cc.id = s.connection_id
),
ranked AS (
  SELECT m.*,
         CASE WHEN row_number() OVER (PARTITION BY m.dedup_key ORDER BY m.ord) > 1
              THEN 'duplicate'
              WHEN ${ignoredWhen} THEN 'ignored'
              ELSE 'pending' END AS status
    FROM matched m
),
touched AS (
  UPDATE webhook_subscriptions s SET last_notification_at = now()
    FROM (SELECT w.id FROM webhook_subscriptions w
           WHERE w.id IN (SELECT subscription_id FROM matched)
             AND (w.last_notification_at IS NULL OR w.last_notification_at < now() - interval '1 second')
             FOR NO KEY UPDATE OF w SKIP LOCKED) due
   WHERE s.id = due.id
),
inserted AS (
  INSERT INTO webhook_events
    (organization_id, subscription_id, provider, external_id, change_type, resource, dedup_key,
     headers, body, status, error, request_id)
  SELECT r.organization_id, r.subscription_id, 'microsoft', r.external_id, r.change_type, r.resource,
         CASE WHEN r.status = 'duplicate' THEN NULL ELSE r.dedup_key END,
         r.headers, r.body, r.status::"WebhookEventStatus",
         CASE WHEN r.status = 'ignored' THEN 'not handed off: no synced calendar or connection inactive' END,
         r.request_id
    FROM ranked r
  ON CONFLICT (dedup_key) DO NOTHING
  RETURNING dedup_key
),
redelivered AS (
  -- Items whose key was already stored (a redelivery, or a copy that arrived at the
  -- same instant and won the race): kept, without a key, as duplicates.
  INSERT INTO webhook_events
    (organization_id, subscription_id, provider, external_id, change_type, resource, dedup_key,
     headers, body, status, request_id)
  SELECT r.organization_id, r.subscription_id, 'microsoft', r.external_id, r.change_type, r.resource, NULL,
         r.headers, r.body, 'duplicate', r.request_id
    FROM ranked r
   WHERE r.status <> 'duplicate' AND NOT EXISTS (SELECT 1 FROM inserted i WHERE i.dedup_key = r.dedup_key)
  RETURNING id
)
SELECT r.ord,
       CASE WHEN r.status <> 'duplicate' AND NOT EXISTS (SELECT 1 FROM inserted i WHERE i.dedup_key = r.dedup_key)
            THEN 'duplicate' ELSE r.status END AS status,
       r.organization_id, r.subscription_id::text AS subscription_id, r.change_type, r.calendar_ids
  FROM ranked r
UNION ALL
SELECT i.ord, 'retired', NULL::uuid, NULL::text, i.change_type, '{}'::text[]
  FROM item i
 WHERE NOT EXISTS (SELECT 1 FROM matched m WHERE m.ord = i.ord)
   AND ${retiredMatch("microsoft", "i.external_id", "i.secret_hash", "$2")}
 ORDER BY ord`;
}

const RECORD_SQL: Record<GraphKind, string> = { change: recordSql("change"), lifecycle: recordSql("lifecycle") };

// Group statements (lib/webhooks/batch.ts): batches arriving together are stored
// by one statement; in-batch duplicates are ranked across the whole group.
const RECORDERS = {
  change: statementBatcher<RecordedRow>({ name: "webhooks.graph.record-group.change", text: RECORD_SQL.change, values: [REPLACED_ID_GRACE_SECONDS] }),
  lifecycle: statementBatcher<RecordedRow>({ name: "webhooks.graph.record-group.lifecycle", text: RECORD_SQL.lifecycle, values: [REPLACED_ID_GRACE_SECONDS] }),
};

interface RecordedRow {
  ord: number;
  status: RecordedStatus;
  /** Null for `retired`. */
  organization_id: string | null;
  subscription_id: string | null;
  change_type: string;
  calendar_ids: string[];
}

export interface GraphRecorded {
  accepted: number;
  duplicate: number;
  ignored: number;
  retired: number;
  forged: number;
  unknown: number;
  /** Unverified items not told apart as forged or unknown: their source is past its budget. */
  throttled: number;
  /** Whether any item verified (retired ones included); if none did, the source's budget was spent. */
  verified: boolean;
  handOffs: HandOff[];
}

/**
 * Verifies and stores a parsed batch; unverified items are counted, never stored.
 * A batch of which nothing verifies spends one unit of the source's failure
 * budget but is not an error: the route answers it 202 like any other, as
 * Microsoft advises, so a forger learns nothing and Graph does not retry for
 * hours. Forged (a known subscription, wrong clientState) is told from unknown
 * by a second lookup, which a source past its budget is not given.
 */
export async function recordGraphBatch(
  kind: GraphKind,
  items: GraphItem[],
  headers: Headers,
  intake: Pick<Intake, "requestId" | "count" | "overBudget" | "spendBudget">,
): Promise<GraphRecorded> {
  const withSecret = items.filter((item) => item.clientState !== null);
  const storedHeaders = redactHeaders(headers);
  const rows = await RECORDERS[kind].run(
    withSecret.map((item) => ({
      ord: item.ord,
      external_id: item.externalId,
      secret_hash: secretHash(item.clientState!),
      change_type: item.changeType,
      resource: item.resource,
      dedup_key: item.dedupKey,
      body: item.body,
      headers: storedHeaders,
      request_id: intake.requestId,
    })),
  );

  const verified = new Set(rows.map((row) => row.ord));
  const failedIds = [...new Set(items.filter((item) => !verified.has(item.ord)).map((item) => item.externalId))];
  const failedItems = items.length - verified.size;
  const cheaply = failedItems > 0 && rows.length === 0 && (await intake.overBudget()) !== null;
  const known = failedIds.length > 0 && !cheaply ? await knownExternalIds("microsoft", failedIds) : new Set<string>();
  let forged = 0;
  let unknown = 0;
  for (const item of items) {
    if (verified.has(item.ord) || cheaply) continue;
    if (known.has(item.externalId)) forged += 1;
    else unknown += 1;
  }

  const recorded: GraphRecorded = {
    accepted: 0,
    duplicate: 0,
    ignored: 0,
    retired: 0,
    forged,
    unknown,
    throttled: cheaply ? failedItems : 0,
    verified: rows.length > 0,
    handOffs: [],
  };
  const planned = new Set<string>();
  for (const row of rows) {
    if (row.status === "pending") recorded.accepted += 1;
    else recorded[row.status] += 1;
    if (row.status !== "pending" || !row.organization_id || !row.subscription_id) continue;
    if (kind === "change") {
      for (const calendarId of row.calendar_ids) {
        // One sync per calendar however many of its events the batch names.
        if (planned.has(calendarId)) continue;
        planned.add(calendarId);
        recorded.handOffs.push({ name: "calendar/sync.requested", data: { organizationId: row.organization_id, calendarId, trigger: "webhook" } });
      }
    } else {
      const key = `${row.subscription_id}:${row.change_type}`;
      if (planned.has(key)) continue;
      planned.add(key);
      recorded.handOffs.push({
        name: "subscription/lifecycle",
        data: { organizationId: row.organization_id, subscriptionId: row.subscription_id, lifecycleEvent: row.change_type as LifecycleEvent },
      });
    }
  }
  intake.count("accepted", recorded.accepted);
  intake.count("duplicate", recorded.duplicate);
  intake.count("ignored", recorded.ignored);
  intake.count("retired", recorded.retired);
  intake.count("forged", forged);
  intake.count("unknown", unknown);
  intake.count("throttled", recorded.throttled);
  if (!recorded.verified) await intake.spendBudget();
  return recorded;
}
