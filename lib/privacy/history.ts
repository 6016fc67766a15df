import { BUSY_TITLE, PRIVATE_VISIBILITIES } from "./policy";

// The change log keeps each event as it was written, so an event that was public
// when first mirrored keeps its title there after it turns private. What a
// busy-only or "nothing" organization does not keep must leave that history too:
// on a settings change (lib/privacy/settings.ts) and when the sync path finds an
// event private (lib/sync/store.ts), every change of that event is scrubbed to what
// busy-only keeps. Rows a consumer already read are theirs; nothing more is served.

/** The columns applyPrivacy (lib/privacy/policy.ts) clears for a busy-only event, besides its title ("Busy"), attendee count (0) and attendee list ([]). */
export const BUSY_ONLY_CLEARED = [
  "description_text",
  "description_html",
  "location",
  "location_address",
  "location_latitude",
  "location_longitude",
  "web_link",
  "organizer_email",
  "organizer_name",
  "conference_provider",
  "conference_url",
  "conference_dial_in",
  "raw",
] as const;

const PRIVATE_VALUES_SQL = [...PRIVATE_VISIBILITIES].map((visibility) => `'${visibility}'`).join(", ");
/** An events row (or its to_jsonb) that is private: `visibility IN ('private', 'confidential')`. */
export const PRIVATE_SQL = `visibility IN (${PRIVATE_VALUES_SQL})`;

/** What a busy-only events row holds besides NULLs in BUSY_ONLY_CLEARED ($2 is BUSY_TITLE). */
export const BUSY_ONLY_SET_SQL = `title = $2, attendee_count = 0, attendees = '[]'`;

const SCRUBBED = `resource || jsonb_build_object(${BUSY_ONLY_CLEARED.map((column) => `'${column}', NULL`).join(", ")}, 'title', $2::text, 'attendee_count', 0, 'attendees', '[]'::jsonb)`;
// Only rows that still hold something: a second scrub rewrites nothing.
const NOT_YET_SCRUBBED = `(resource->>'title' IS DISTINCT FROM $2::text OR ${BUSY_ONLY_CLEARED.map((column) => `resource->>'${column}' IS NOT NULL`).join(" OR ")} OR (resource->>'attendee_count')::int <> 0 OR resource->'attendees' <> '[]'::jsonb)`;

// A meeting's changes carry its copies' titles and attendees: those of a meeting with
// a scrubbed copy keep its times and copies only. $3 is the scrubbed events' ids.
const MEETING_SCRUBBED = `resource || jsonb_build_object('title', $2::text, 'organizerEmail', NULL, 'organizerName', NULL, 'attendees', '[]'::jsonb)`;
const MEETING_NOT_YET_SCRUBBED = `(resource->>'title' IS DISTINCT FROM $2::text OR resource->>'organizerEmail' IS NOT NULL OR resource->>'organizerName' IS NOT NULL OR resource->'attendees' <> '[]'::jsonb)`;
const MEETING_HOLDS_SCRUBBED = `EXISTS (SELECT 1 FROM jsonb_array_elements(resource->'copies') copy WHERE copy->>'eventId' = ANY($3::text[]))`;

async function scrubMeetingHistory(sql: Sql, organizationId: string, eventIds: readonly string[]): Promise<number> {
  if (eventIds.length === 0) return 0;
  return sql.$executeRawUnsafe(
    `UPDATE changes SET resource = ${MEETING_SCRUBBED}
     WHERE organization_id = $1::uuid AND type LIKE 'meeting.%' AND ${MEETING_NOT_YET_SCRUBBED} AND ${MEETING_HOLDS_SCRUBBED}`,
    organizationId,
    BUSY_TITLE,
    [...eventIds],
  );
}

/** A client or a transaction: what runs one statement. */
interface Sql {
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
  $queryRawUnsafe<T>(query: string, ...values: unknown[]): Promise<T>;
}

/**
 * Scrubs every change of each event that any of its changes shows private: what a
 * settings change does (events it deletes leave a deletion that shows them private).
 * An event that was private once stays scrubbed in history even if it is public
 * again: the safe side. Returns the rows rewritten.
 */
export async function scrubPrivateHistory(sql: Sql, organizationId: string): Promise<number> {
  const privateIds = await sql.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT DISTINCT p.resource_id::text AS id FROM changes p WHERE p.organization_id = $1::uuid AND p.type LIKE 'event.%' AND p.resource->>'visibility' IN (${PRIVATE_VALUES_SQL})`,
    organizationId,
  );
  return scrubEventHistory(
    sql,
    organizationId,
    privateIds.map((row) => row.id),
  );
}

/**
 * Scrubs every change of these events (ids of `events` rows), which the sync path has
 * just found private: an event that was public until now, and under "nothing" one it
 * has just deleted, whose deletion carries the row as it was.
 */
export async function scrubEventHistory(sql: Sql, organizationId: string, eventIds: readonly string[]): Promise<number> {
  if (eventIds.length === 0) return 0;
  const events = await sql.$executeRawUnsafe(
    `UPDATE changes SET resource = ${SCRUBBED}
     WHERE organization_id = $1::uuid AND resource_id = ANY($3::uuid[]) AND type LIKE 'event.%' AND ${NOT_YET_SCRUBBED}`,
    organizationId,
    BUSY_TITLE,
    [...eventIds],
  );
  return events + (await scrubMeetingHistory(sql, organizationId, eventIds));
}
