import type { Database } from "@/lib/db/client";
import type { EventChange, EventRecord } from "@/lib/providers/port";
import { iso } from "@/lib/format";

// Writes one page of changes in one transaction: a batched upsert (one statement,
// arrays unnested server-side) and a batched delete. Unchanged rows are not
// rewritten, so `updated` counts real changes and a poll that finds nothing writes
// nothing.

type Tx = Parameters<Parameters<Database["$transaction"]>[0]>[0];
type Executor = Pick<Database, "$queryRawUnsafe" | "$executeRawUnsafe"> | Pick<Tx, "$queryRawUnsafe" | "$executeRawUnsafe">;

export interface PageCounts {
  created: number;
  updated: number;
  deleted: number;
}

export interface SyncWindow {
  start: Date;
  /** Null: unbounded in the future (Google's incremental feed cannot be bounded). */
  end: Date | null;
}

/** Last change per event id wins: a page may mention an event twice. */
export function collapseChanges(changes: EventChange[]): { upserts: EventRecord[]; deletes: string[] } {
  const last = new Map<string, EventChange>();
  for (const change of changes) {
    const id = change.type === "upsert" ? change.event.providerEventId : change.providerEventId;
    last.delete(id);
    last.set(id, change);
  }
  const upserts: EventRecord[] = [];
  const deletes: string[] = [];
  for (const [id, change] of last) {
    if (change.type === "upsert") upserts.push(change.event);
    else deletes.push(id);
  }
  return { upserts, deletes };
}

/**
 * Inside the window we mirror; outside it an event is dropped, because a full sync
 * would not list it either (Google: end after timeMin; Graph: overlapping the view).
 */
export function inWindow(event: EventRecord, window: SyncWindow): boolean {
  if (event.endAt.getTime() <= window.start.getTime()) return false;
  if (window.end && event.startAt.getTime() >= window.end.getTime()) return false;
  return true;
}

const COLUMNS = [
  "provider_event_id",
  "ical_uid",
  "title",
  "is_all_day",
  "start_at",
  "end_at",
  "start_date",
  "end_date",
  "start_time_zone",
  "end_time_zone",
  "status",
  "organizer_email",
  "organizer_name",
  "attendee_count",
  "provider_updated_at",
  "recurring_series_id",
  "original_start_at",
] as const;

const CASTS: Record<(typeof COLUMNS)[number], string> = {
  provider_event_id: "",
  ical_uid: "",
  title: "",
  is_all_day: "::boolean",
  start_at: "::timestamptz",
  end_at: "::timestamptz",
  start_date: "::date",
  end_date: "::date",
  start_time_zone: "",
  end_time_zone: "",
  status: '::"EventStatus"',
  organizer_email: "",
  organizer_name: "",
  attendee_count: "::integer",
  provider_updated_at: "::timestamptz",
  recurring_series_id: "",
  original_start_at: "::timestamptz",
};

const UPDATABLE = COLUMNS.filter((column) => column !== "provider_event_id");

// Every value travels as text and is cast in SQL: one array type for all columns
// behaves the same through the pg and PGlite adapters.
const UPSERT_SQL = `
  INSERT INTO events (organization_id, calendar_id, ${COLUMNS.join(", ")}, updated_at)
  SELECT $1::uuid, $2::uuid, ${COLUMNS.map((column) => `t.${column}${CASTS[column]}`).join(", ")}, now()
  FROM unnest(${COLUMNS.map((_, index) => `$${index + 3}::text[]`).join(", ")}) AS t(${COLUMNS.join(", ")})
  ON CONFLICT (calendar_id, provider_event_id) DO UPDATE SET
    ${UPDATABLE.map((column) => `${column} = EXCLUDED.${column}`).join(",\n    ")},
    updated_at = now()
  WHERE (${UPDATABLE.map((column) => `events.${column}`).join(", ")}) IS DISTINCT FROM (${UPDATABLE.map((column) => `EXCLUDED.${column}`).join(", ")})
  RETURNING (xmax = 0) AS inserted`;

function columnValues(events: EventRecord[]): Array<Array<string | null>> {
  return [
    events.map((event) => event.providerEventId),
    events.map((event) => event.iCalUid),
    events.map((event) => event.title),
    events.map((event) => String(event.isAllDay)),
    events.map((event) => event.startAt.toISOString()),
    events.map((event) => event.endAt.toISOString()),
    events.map((event) => event.startDate),
    events.map((event) => event.endDate),
    events.map((event) => event.startTimeZone),
    events.map((event) => event.endTimeZone),
    events.map((event) => event.status),
    events.map((event) => event.organizerEmail),
    events.map((event) => event.organizerName),
    events.map((event) => String(event.attendeeCount)),
    events.map((event) => iso(event.providerUpdatedAt)),
    events.map((event) => event.recurringSeriesId),
    events.map((event) => iso(event.originalStartAt)),
  ];
}

export async function upsertEvents(tx: Executor, scope: { organizationId: string; calendarId: string }, events: EventRecord[]): Promise<{ created: number; updated: number }> {
  if (events.length === 0) return { created: 0, updated: 0 };
  const rows = await tx.$queryRawUnsafe<Array<{ inserted: boolean }>>(UPSERT_SQL, scope.organizationId, scope.calendarId, ...columnValues(events));
  const created = rows.filter((row) => row.inserted).length;
  return { created, updated: rows.length - created };
}

export async function deleteEvents(tx: Executor, calendarId: string, providerEventIds: string[]): Promise<number> {
  if (providerEventIds.length === 0) return 0;
  return tx.$executeRawUnsafe(`DELETE FROM events WHERE calendar_id = $1::uuid AND provider_event_id = ANY($2::text[])`, calendarId, providerEventIds);
}

/** After a full sync: whatever the provider no longer listed is gone. */
export async function deleteEventsNotIn(tx: Executor, calendarId: string, keep: string[]): Promise<number> {
  return tx.$executeRawUnsafe(`DELETE FROM events WHERE calendar_id = $1::uuid AND NOT (provider_event_id = ANY($2::text[]))`, calendarId, keep);
}

/** Applies one page atomically; returns what changed. `seen` collects kept ids for a full sync. */
export async function applyPage(
  database: Database,
  scope: { organizationId: string; calendarId: string },
  changes: EventChange[],
  window: SyncWindow,
  seen?: Set<string>,
): Promise<PageCounts> {
  const { upserts, deletes } = collapseChanges(changes);
  const keep: EventRecord[] = [];
  for (const event of upserts) {
    if (inWindow(event, window)) keep.push(event);
    else deletes.push(event.providerEventId);
  }
  for (const event of keep) seen?.add(event.providerEventId);
  for (const id of deletes) seen?.delete(id);
  if (keep.length === 0 && deletes.length === 0) return { created: 0, updated: 0, deleted: 0 };
  return database.$transaction(async (tx) => {
    const deleted = await deleteEvents(tx, scope.calendarId, deletes);
    const { created, updated } = await upsertEvents(tx, scope, keep);
    return { created, updated, deleted };
  });
}
