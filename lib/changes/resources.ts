import type { Database } from "@/lib/db/client";
import {
  CalendarSchema,
  ConnectionSchema,
  EventSchema,
  MeetingSchema,
  type ApiCalendar,
  type ApiEvent,
  type ApiMeeting,
  type EventsPage,
  type MeetingsPage,
} from "@/lib/api/v1/schemas";
import { invalid, notFound } from "@/lib/http/errors";

// Mirrored rows as /api/v1 shows them. One mapping from a row as PostgreSQL's
// to_jsonb gives it (snake_case keys; what the change log stores, and what the
// events listing selects), so an event read from /api/v1/events and one carried by
// a change are the same JSON.

type Row = Record<string, unknown>;

// Columns whose Prisma field is not their plain camelCase (a test checks every
// column of events, calendars and connections against the Prisma fields).
const IRREGULAR_FIELDS: Record<string, string> = { ical_uid: "iCalUid" };

export const fieldName = (column: string) => IRREGULAR_FIELDS[column] ?? column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** snake_case keys to camelCase; `*_at` instants to ISO strings in UTC. */
export function fromRow(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    out[fieldName(key)] = key.endsWith("_at") && typeof value === "string" ? new Date(value).toISOString() : value;
  }
  return out;
}

export const eventFromRow = (row: Row): ApiEvent => EventSchema.parse(fromRow(row));
export const calendarFromRow = (row: Row): ApiCalendar => CalendarSchema.parse(fromRow(row));
export const connectionFromRow = (row: Row) => ConnectionSchema.parse(fromRow(row));
/** A meeting's view is stored in the API's shape already (the migration "meetings_in_change_log" builds it). */
export const meetingFromView = (view: unknown): ApiMeeting => MeetingSchema.parse(view);

/** The snake_case column names an update changed, as the API names them. */
export const fieldNames = (columns: string[]): string[] => columns.map(fieldName);

const encodeCursor = (startAt: string, id: string) => Buffer.from(`${startAt}|${id}`).toString("base64url");

function decodeCursor(cursor: string): { startAt: string; id: string } {
  const [startAt, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!startAt || !id || Number.isNaN(Date.parse(startAt)) || !/^[0-9a-f-]{36}$/.test(id))
    throw invalid("the cursor is not one this API gave", { cursor: "unknown cursor" });
  return { startAt, id };
}

export interface EventFilter {
  calendarId?: string;
  from?: string;
  to?: string;
  updatedSince?: string;
  cursor?: string;
  limit: number;
}

/** One organization's events in start order, a page at a time (keyset on start, id). */
export async function listEvents(database: Database, organizationId: string, filter: EventFilter): Promise<EventsPage> {
  const after = filter.cursor ? decodeCursor(filter.cursor) : null;
  const rows = await database.$queryRawUnsafe<Array<{ row: Row }>>(
    `SELECT to_jsonb(e) - 'raw' AS row FROM events e
     WHERE e.organization_id = $1::uuid
       AND ($2::uuid IS NULL OR e.calendar_id = $2::uuid)
       AND ($3::timestamptz IS NULL OR e.end_at > $3::timestamptz)
       AND ($4::timestamptz IS NULL OR e.start_at < $4::timestamptz)
       AND ($5::timestamptz IS NULL OR e.updated_at > $5::timestamptz)
       AND ($6::timestamptz IS NULL OR (e.start_at, e.id) > ($6::timestamptz, $7::uuid))
     ORDER BY e.start_at, e.id
     LIMIT $8`,
    organizationId,
    filter.calendarId ?? null,
    filter.from ?? null,
    filter.to ?? null,
    filter.updatedSince ?? null,
    after?.startAt ?? null,
    after?.id ?? null,
    filter.limit + 1,
  );
  const events = rows.slice(0, filter.limit).map(({ row }) => eventFromRow(row));
  const last = events.at(-1);
  const nextCursor = rows.length > filter.limit && last ? encodeCursor(last.startAt, last.id) : null;
  return { events, nextCursor };
}

export interface MeetingFilter {
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

/** One organization's meetings in start order, a page at a time (keyset on start, id); only meetings with a copy. */
export async function listMeetings(database: Database, organizationId: string, filter: MeetingFilter): Promise<MeetingsPage> {
  const after = filter.cursor ? decodeCursor(filter.cursor) : null;
  const rows = await database.$queryRawUnsafe<Array<{ view: unknown }>>(
    `SELECT m.view FROM meetings m
     WHERE m.organization_id = $1::uuid AND m.view IS NOT NULL
       AND EXISTS (SELECT 1 FROM events e WHERE e.meeting_id = m.id AND e.organization_id = $1::uuid)
       AND ($2::timestamptz IS NULL OR m.end_at > $2::timestamptz)
       AND ($3::timestamptz IS NULL OR m.start_at < $3::timestamptz)
       AND ($4::timestamptz IS NULL OR (m.start_at, m.id) > ($4::timestamptz, $5::uuid))
     ORDER BY m.start_at, m.id
     LIMIT $6`,
    organizationId,
    filter.from ?? null,
    filter.to ?? null,
    after?.startAt ?? null,
    after?.id ?? null,
    filter.limit + 1,
  );
  const meetings = rows.slice(0, filter.limit).map(({ view }) => meetingFromView(view));
  const last = meetings.at(-1);
  const nextCursor = rows.length > filter.limit && last ? encodeCursor(last.startAt, last.id) : null;
  return { meetings, nextCursor };
}

/** One meeting of the organization; 404 for another organization's, or one whose last copy went. */
export async function meetingById(database: Database, organizationId: string, meetingId: string): Promise<ApiMeeting> {
  const [row] = await database.$queryRawUnsafe<Array<{ view: unknown }>>(
    `SELECT m.view FROM meetings m
     WHERE m.id = $2::uuid AND m.organization_id = $1::uuid AND m.view IS NOT NULL
       AND EXISTS (SELECT 1 FROM events e WHERE e.meeting_id = m.id AND e.organization_id = $1::uuid)`,
    organizationId,
    meetingId,
  );
  if (!row) throw notFound("no such meeting");
  return meetingFromView(row.view);
}

/** The organization's calendars that are mirrored. */
export async function listCalendars(database: Database, organizationId: string): Promise<ApiCalendar[]> {
  const rows = await database.$queryRawUnsafe<Array<{ row: Row }>>(
    `SELECT to_jsonb(c) - 'sync_cursor' AS row FROM calendars c WHERE c.organization_id = $1::uuid AND c.sync_enabled ORDER BY c.name, c.id`,
    organizationId,
  );
  return rows.map(({ row }) => calendarFromRow(row));
}
