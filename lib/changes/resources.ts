import type { Database } from "@/lib/db/client";
import { CalendarSchema, ConnectionSchema, EventSchema, type ApiCalendar, type ApiEvent, type EventsPage } from "@/lib/api/v1/schemas";
import { invalid } from "@/lib/http/errors";

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

/** The snake_case column names an update changed, as the API names them. */
export const fieldNames = (columns: string[]): string[] => columns.map(fieldName);

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
    `SELECT to_jsonb(e) AS row FROM events e
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
  const nextCursor = rows.length > filter.limit && last ? Buffer.from(`${last.startAt}|${last.id}`).toString("base64url") : null;
  return { events, nextCursor };
}

/** The organization's calendars that are mirrored. */
export async function listCalendars(database: Database, organizationId: string): Promise<ApiCalendar[]> {
  const rows = await database.$queryRawUnsafe<Array<{ row: Row }>>(
    `SELECT to_jsonb(c) - 'sync_cursor' AS row FROM calendars c WHERE c.organization_id = $1::uuid AND c.sync_enabled ORDER BY c.name, c.id`,
    organizationId,
  );
  return rows.map(({ row }) => calendarFromRow(row));
}
