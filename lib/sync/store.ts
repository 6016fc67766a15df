import { rawTransaction, type RawSql } from "@/lib/db/raw";
import type { Database } from "@/lib/db/client";
import type { EventChange, EventRecord, SeriesRecord } from "@/lib/providers/port";
import type { ApiAttendee } from "@/lib/api/v1/schemas";
import { iso } from "@/lib/format";
import { scrubEventHistory } from "@/lib/privacy/history";
import { applyPrivacy, DEFAULT_PRIVACY, isPrivate, type PrivacySettings } from "@/lib/privacy/policy";

// Writes one page of changes in raw transactions of WRITE_CHUNK events each: a
// batched upsert (one statement, arrays unnested server-side) and a batched delete. Unchanged rows are not
// rewritten, so `updated` counts real changes and a poll that finds nothing writes
// nothing.

type Tx = Parameters<Parameters<Database["$transaction"]>[0]>[0];
type Executor = Pick<Database, "$queryRawUnsafe" | "$executeRawUnsafe"> | Pick<Tx, "$queryRawUnsafe" | "$executeRawUnsafe"> | RawSql;

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
  "description_text",
  "description_html",
  "location",
  "location_address",
  "location_latitude",
  "location_longitude",
  "web_link",
  "is_all_day",
  "start_at",
  "end_at",
  "start_date",
  "end_date",
  "start_time_zone",
  "end_time_zone",
  "status",
  "busy_status",
  "visibility",
  "event_type",
  "organizer_email",
  "organizer_name",
  "attendee_count",
  "attendees",
  "self_response",
  "conference_provider",
  "conference_url",
  "conference_dial_in",
  "provider_created_at",
  "provider_updated_at",
  "recurring_series_id",
  "original_start_at",
  "raw",
] as const;
type Column = (typeof COLUMNS)[number];

const CASTS: Partial<Record<Column, string>> = {
  location_latitude: "::double precision",
  location_longitude: "::double precision",
  is_all_day: "::boolean",
  start_at: "::timestamptz",
  end_at: "::timestamptz",
  start_date: "::date",
  end_date: "::date",
  status: '::"EventStatus"',
  busy_status: '::"BusyStatus"',
  visibility: '::"EventVisibility"',
  attendee_count: "::integer",
  attendees: "::jsonb",
  conference_provider: '::"ConferenceProvider"',
  provider_created_at: "::timestamptz",
  provider_updated_at: "::timestamptz",
  original_start_at: "::timestamptz",
  raw: "::jsonb",
};

/** Each column's text from the one typed record (every value travels as text). */
const VALUES: Record<Column, (event: EventRecord) => string | null> = {
  provider_event_id: (event) => event.providerEventId,
  ical_uid: (event) => event.iCalUid,
  title: (event) => event.title,
  description_text: (event) => event.descriptionText,
  description_html: (event) => event.descriptionHtml,
  location: (event) => event.location,
  location_address: (event) => event.locationAddress,
  location_latitude: (event) => (event.locationLatitude === null ? null : String(event.locationLatitude)),
  location_longitude: (event) => (event.locationLongitude === null ? null : String(event.locationLongitude)),
  web_link: (event) => event.webLink,
  is_all_day: (event) => String(event.isAllDay),
  start_at: (event) => event.startAt.toISOString(),
  end_at: (event) => event.endAt.toISOString(),
  start_date: (event) => event.startDate,
  end_date: (event) => event.endDate,
  start_time_zone: (event) => event.startTimeZone,
  end_time_zone: (event) => event.endTimeZone,
  status: (event) => event.status,
  busy_status: (event) => event.busyStatus,
  visibility: (event) => event.visibility,
  event_type: (event) => event.eventType,
  organizer_email: (event) => event.organizerEmail,
  organizer_name: (event) => event.organizerName,
  attendee_count: (event) => String(event.attendeeCount),
  attendees: (event) => JSON.stringify(event.attendees.map(apiAttendee)),
  self_response: (event) => event.selfResponse,
  conference_provider: (event) => event.conference?.provider ?? null,
  conference_url: (event) => event.conference?.joinUrl ?? null,
  conference_dial_in: (event) => event.conference?.dialIn ?? null,
  provider_created_at: (event) => iso(event.providerCreatedAt),
  provider_updated_at: (event) => iso(event.providerUpdatedAt),
  recurring_series_id: (event) => event.recurringSeriesId,
  original_start_at: (event) => iso(event.originalStartAt),
  raw: (event) => event.rawJson,
};

/** An attendee as the row's list holds it: the /api/v1 shape, field for field, and nothing else the record may carry. */
const apiAttendee = ({ email, name, response, optional, organizer, resource, self }: ApiAttendee): ApiAttendee => ({
  email,
  name,
  response,
  optional,
  organizer,
  resource,
  self,
});

const UPDATABLE = COLUMNS.filter((column) => column !== "provider_event_id");

/** The meeting an event is a copy of: its iCalUID and, for an instance, its original start ('' for a single event). */
export function meetingKeyOf(event: EventRecord): { iCalUid: string; occurrenceKey: string } | null {
  return event.iCalUid ? { iCalUid: event.iCalUid, occurrenceKey: event.originalStartAt?.toISOString() ?? "" } : null;
}

// One meeting per key and organization, made before the events that point at it. In
// key order, so two calendars of one organization creating the same meetings at once
// queue behind each other instead of deadlocking; a statement of its own, so the
// upsert's snapshot sees meetings another transaction committed while this waited.
const CREATE_MEETINGS_SQL = `
  INSERT INTO meetings (organization_id, ical_uid, occurrence_key)
  SELECT DISTINCT $1::uuid, t.ical_uid, t.occurrence_key FROM unnest($2::text[], $3::text[]) AS t(ical_uid, occurrence_key)
  ORDER BY 2, 3
  ON CONFLICT (organization_id, ical_uid, occurrence_key) DO NOTHING`;

// Every value travels as text and is cast in SQL: one array type for all columns
// behaves the same through the pg and PGlite adapters. meeting_id is looked up by
// each event's meeting key (a meeting left without copies goes in the database:
// migration "meetings_in_change_log"). The lookup is LATERAL, one index probe per row: during a first
// sync the planner's statistics say the tables are empty, and a plain join then
// hashes every meeting of the organization and every event of the calendar for
// each page (quadratic over a large calendar).
const UPSERT_SQL = `
  WITH input AS (
    SELECT * FROM unnest(${COLUMNS.map((_, index) => `$${index + 3}::text[]`).join(", ")}, $${COLUMNS.length + 3}::text[])
      AS t(${COLUMNS.join(", ")}, occurrence_key)
  ),
  keyed AS (
    SELECT input.*, m.id AS meeting_id FROM input
    LEFT JOIN LATERAL (
      SELECT m.id FROM meetings m WHERE m.organization_id = $1::uuid AND m.ical_uid = input.ical_uid AND m.occurrence_key = input.occurrence_key LIMIT 1
    ) m ON true
  ),
  upserted AS (
    INSERT INTO events (organization_id, calendar_id, ${COLUMNS.join(", ")}, meeting_id, updated_at)
    SELECT $1::uuid, $2::uuid, ${COLUMNS.map((column) => `keyed.${column}${CASTS[column] ?? ""}`).join(", ")}, keyed.meeting_id, now()
    FROM keyed
    ON CONFLICT (calendar_id, provider_event_id) DO UPDATE SET
      ${UPDATABLE.map((column) => `${column} = EXCLUDED.${column}`).join(",\n      ")},
      meeting_id = EXCLUDED.meeting_id,
      updated_at = now()
    WHERE (${UPDATABLE.map((column) => `events.${column}`).join(", ")}, events.meeting_id) IS DISTINCT FROM (${UPDATABLE.map((column) => `EXCLUDED.${column}`).join(", ")}, EXCLUDED.meeting_id)
    RETURNING id, provider_event_id, (xmax = 0) AS inserted
  )
  SELECT id, provider_event_id, inserted FROM upserted`;

/**
 * The attendee rows of the events just written are replaced (a list is small and
 * changes as a whole); a new row has none to clear. Flat arrays, one entry per attendee.
 */
const CLEAR_ATTENDEES_SQL = `DELETE FROM event_attendees WHERE event_id = ANY($1::uuid[])`;
const INSERT_ATTENDEES_SQL = `
  INSERT INTO event_attendees (organization_id, event_id, position, email, name, response, optional, organizer, resource, self)
  SELECT $1::uuid, t.event_id, t.position, t.email, t.name, t.response::"AttendeeResponse", t.optional, t.organizer, t.resource, t.self
  FROM unnest($2::uuid[], $3::int[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::boolean[], $9::boolean[], $10::boolean[])
    AS t(event_id, position, email, name, response, optional, organizer, resource, self)`;

function columnValues(events: EventRecord[]): Array<Array<string | null>> {
  return [...COLUMNS.map((column) => events.map(VALUES[column])), events.map((event) => meetingKeyOf(event)?.occurrenceKey ?? null)];
}

export async function upsertEvents(
  tx: Executor,
  scope: { organizationId: string; calendarId: string },
  events: EventRecord[],
): Promise<{ created: number; updated: number }> {
  if (events.length === 0) return { created: 0, updated: 0 };
  const keys = events.map(meetingKeyOf).filter((key): key is NonNullable<typeof key> => key !== null);
  if (keys.length > 0)
    await tx.$executeRawUnsafe(
      CREATE_MEETINGS_SQL,
      scope.organizationId,
      keys.map((key) => key.iCalUid),
      keys.map((key) => key.occurrenceKey),
    );
  const rows = await tx.$queryRawUnsafe<Array<{ id: string; provider_event_id: string; inserted: boolean }>>(
    UPSERT_SQL,
    scope.organizationId,
    scope.calendarId,
    ...columnValues(events),
  );
  if (rows.length > 0) {
    const byId = new Map(events.map((event) => [event.providerEventId, event]));
    const updatedIds = rows.filter((row) => !row.inserted).map((row) => row.id);
    if (updatedIds.length > 0) await tx.$executeRawUnsafe(CLEAR_ATTENDEES_SQL, updatedIds);
    const columns: [string[], number[], string[], Array<string | null>, string[], boolean[], boolean[], boolean[], boolean[]] = [
      [],
      [],
      [],
      [],
      [],
      [],
      [],
      [],
      [],
    ];
    for (const row of rows) {
      byId.get(row.provider_event_id)?.attendees.forEach((attendee, position) => {
        columns[0].push(row.id);
        columns[1].push(position);
        columns[2].push(attendee.email);
        columns[3].push(attendee.name);
        columns[4].push(attendee.response);
        columns[5].push(attendee.optional);
        columns[6].push(attendee.organizer);
        columns[7].push(attendee.resource);
        columns[8].push(attendee.self);
      });
    }
    if (columns[0].length > 0) await tx.$executeRawUnsafe(INSERT_ATTENDEES_SQL, scope.organizationId, ...columns);
  }
  const created = rows.filter((row) => row.inserted).length;
  return { created, updated: rows.length - created };
}

/** Series rules, one row per series of the calendar; rewritten only when the rule changed. */
export async function upsertSeries(tx: Executor, scope: { organizationId: string; calendarId: string }, series: SeriesRecord[]): Promise<void> {
  if (series.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO event_series (organization_id, calendar_id, provider_series_id, rrule, time_zone, rule, updated_at)
     SELECT $1::uuid, $2::uuid, t.id, ARRAY(SELECT jsonb_array_elements_text(t.rrule::jsonb)), t.zone, t.rule::jsonb, now()
     FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, rrule, zone, rule)
     ON CONFLICT (calendar_id, provider_series_id) DO UPDATE SET rrule = EXCLUDED.rrule, time_zone = EXCLUDED.time_zone, rule = EXCLUDED.rule, updated_at = now()
     WHERE (event_series.rrule, event_series.time_zone, event_series.rule) IS DISTINCT FROM (EXCLUDED.rrule, EXCLUDED.time_zone, EXCLUDED.rule)`,
    scope.organizationId,
    scope.calendarId,
    series.map((entry) => entry.providerSeriesId),
    series.map((entry) => JSON.stringify(entry.rrule)),
    series.map((entry) => entry.timeZone),
    series.map((entry) => JSON.stringify(entry.rule ?? null)),
  );
}

/** A series with no instance left in the mirror is gone from it. */
export async function deleteOrphanSeries(tx: Executor, calendarId: string): Promise<number> {
  return tx.$executeRawUnsafe(
    `DELETE FROM event_series s WHERE s.calendar_id = $1::uuid
       AND NOT EXISTS (SELECT 1 FROM events e WHERE e.calendar_id = s.calendar_id AND e.recurring_series_id = s.provider_series_id)`,
    calendarId,
  );
}

export async function deleteEvents(tx: Executor, calendarId: string, providerEventIds: string[]): Promise<number> {
  if (providerEventIds.length === 0) return 0;
  return tx.$executeRawUnsafe(`DELETE FROM events WHERE calendar_id = $1::uuid AND provider_event_id = ANY($2::text[])`, calendarId, providerEventIds);
}

/** A calendar still mirrored: chosen for sync and still listed by its provider. The one condition, in SQL and for Prisma. */
export const MIRRORED_SQL = "sync_enabled AND removed_at IS NULL";
export const MIRRORED_WHERE = { syncEnabled: true, removedAt: null } as const;

/**
 * The calendar stopped being mirrored (removed at the provider, or its sync turned
 * off: lib/connections/calendars.ts `stopMirroring`) while a sync of it ran. The
 * run ends there, writing nothing more; it is not a failure to retry.
 */
export class MirroringStoppedError extends Error {
  constructor() {
    super("the calendar stopped being mirrored during the sync (removed at the provider or its sync turned off)");
    this.name = "MirroringStoppedError";
  }
}

/**
 * A write of the calendar's mirror first takes a share lock on its row, still
 * mirrored. `stopMirroring` locks the row for update before it deletes the
 * events, so it waits for a chunk in flight and then deletes that chunk's events
 * too, or the chunk, coming second, finds the calendar off and writes nothing. Without it a
 * sync running through a removal wrote its remaining pages after the deletion.
 */
const MIRRORED_CALENDAR_SQL = `SELECT 1 FROM calendars WHERE id = $1::uuid AND organization_id = $2::uuid AND ${MIRRORED_SQL} FOR SHARE`;

async function lockMirroredCalendar(tx: Executor, scope: { organizationId: string; calendarId: string }): Promise<void> {
  const rows = await tx.$queryRawUnsafe<unknown[]>(MIRRORED_CALENDAR_SQL, scope.calendarId, scope.organizationId);
  if (rows.length === 0) throw new MirroringStoppedError();
}

/**
 * Events per write transaction. A page can hold 2,500 (Google's largest); written
 * whole, its transaction would hold the organization's change-log sequence lock
 * (every other calendar of the organization waits on it) for seconds on a busy
 * database and run into the interactive-transaction timeout. A page need not be
 * atomic: the cursor is stored only after the last page, so a run that stops
 * half-way repeats, and each id appears once in a collapsed page.
 */
const WRITE_CHUNK = 500;
/**
 * Write transactions of one page in flight at once. A chunk's inserts run while the
 * other chunk holds the organization's change-log sequence (the rest of its
 * transaction), and one writer's parameters are encoded while the other's run, so
 * the database is not left waiting on the process between chunks. Measured at
 * 100,000 events over a 150 ms network, three runs each: one writer 42.6-46.1 s,
 * two 34.1-35.0 s for the same database CPU, three 43.9 s (they queue behind the
 * lock). Before the meeting views stopped scanning the events table, two had only
 * added database CPU (README.md, "Performance").
 */
const WRITE_CONCURRENCY = 2;
/** Per statement of a chunk (PostgreSQL's statement_timeout): a chunk on a loaded database can take seconds, and failing it only repeats it. */
const WRITE_TIMEOUT_MS = 60_000;

// ---- the full-sync sweep: what the provider no longer lists is gone -------------------

/**
 * A full sync's record of what it has listed. The ids themselves are in
 * `sync_seen_events` (written with each page, in its transaction); the process
 * keeps only how many, so memory does not grow with the calendar, and the sweep can
 * tell a complete record from one the database lost (the table is unlogged).
 */
export interface FullSyncSweep {
  syncRunId: string;
  /** Distinct ids recorded so far, counted from the inserts that committed. */
  recorded: number;
}

export function startSweep(syncRunId: string): FullSyncSweep {
  return { syncRunId, recorded: 0 };
}

async function recordSeen(tx: Executor, sweep: FullSyncSweep, providerEventIds: string[]): Promise<number> {
  if (providerEventIds.length === 0) return 0;
  return tx.$executeRawUnsafe(
    `INSERT INTO sync_seen_events (sync_run_id, provider_event_id) SELECT $1::uuid, unnest($2::text[]) ON CONFLICT DO NOTHING`,
    sweep.syncRunId,
    providerEventIds,
  );
}

/** The sweep's bookkeeping goes (a failed run's too: it repeats from the start). */
export async function clearSweep(database: Database, sweep: FullSyncSweep): Promise<void> {
  await database.$executeRawUnsafe(`DELETE FROM sync_seen_events WHERE sync_run_id = $1::uuid`, sweep.syncRunId);
}

/**
 * After the last page of a full sync: every mirrored event of the calendar that no
 * page listed is deleted, in the database (an anti-join on the recorded ids).
 * Refuses, rather than deleting what it cannot vouch for, when the record is not
 * the one the run wrote.
 */
export async function sweepUnseen(database: Database, scope: { organizationId: string; calendarId: string }, sweep: FullSyncSweep): Promise<number> {
  const deleted = await database.$transaction(
    async (tx) => {
      const [stored] = await tx.$queryRawUnsafe<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM sync_seen_events WHERE sync_run_id = $1::uuid`,
        sweep.syncRunId,
      );
      if ((stored?.count ?? 0) !== sweep.recorded)
        throw new Error(`the full sync recorded ${sweep.recorded} listed events but ${stored?.count ?? 0} are stored; not sweeping (the run repeats)`);
      return tx.$executeRawUnsafe(
        `DELETE FROM events e WHERE e.organization_id = $1::uuid AND e.calendar_id = $2::uuid
         AND NOT EXISTS (SELECT 1 FROM sync_seen_events s WHERE s.sync_run_id = $3::uuid AND s.provider_event_id = e.provider_event_id)`,
        scope.organizationId,
        scope.calendarId,
        sweep.syncRunId,
      );
    },
    { timeout: WRITE_TIMEOUT_MS },
  );
  await clearSweep(database, sweep);
  return deleted;
}

/** The series the page's upserts are instances of. */
export function seriesIdsOf(changes: EventChange[]): string[] {
  const ids = new Set<string>();
  for (const change of changes) if (change.type === "upsert" && change.event.recurringSeriesId) ids.add(change.event.recurringSeriesId);
  return [...ids];
}

/** Ids of the stored rows of these provider events (the calendar's unique index). */
async function storedEventIds(tx: Executor, calendarId: string, providerEventIds: string[]): Promise<string[]> {
  if (providerEventIds.length === 0) return [];
  const rows = await tx.$queryRawUnsafe<Array<{ id: string }>>(
    `SELECT id::text AS id FROM events WHERE calendar_id = $1::uuid AND provider_event_id = ANY($2::text[])`,
    calendarId,
    providerEventIds,
  );
  return rows.map((row) => row.id);
}

/**
 * Applies one page, in transactions of WRITE_CHUNK events; returns what changed. `sweep` records the kept ids
 * of a full sync; `series` are the rules of the page's series, fetched from their
 * masters; `scope.privacy` is the organization's privacy setting, applied to every
 * record first.
 */
export async function applyPage(
  scope: { organizationId: string; calendarId: string; privacy?: PrivacySettings },
  changes: EventChange[],
  window: SyncWindow,
  sweep?: FullSyncSweep,
  series: SeriesRecord[] = [],
): Promise<PageCounts> {
  const { upserts, deletes } = collapseChanges(changes);
  const keep: EventRecord[] = [];
  const privacy = scope.privacy ?? DEFAULT_PRIVACY;
  // Private events the organization keeps less of: their history goes the same way (lib/privacy/history.ts).
  const privateIds = new Set<string>();
  for (const listed of upserts) {
    if (privacy.privateEvents !== "everything" && isPrivate(listed)) privateIds.add(listed.providerEventId);
    // What the organization does not keep is as good as gone.
    const event = applyPrivacy(listed, privacy);
    if (event && inWindow(event, window)) keep.push(event);
    else deletes.push(listed.providerEventId);
  }
  const counts: PageCounts = { created: 0, updated: 0, deleted: 0 };
  const chunks = Math.max(Math.ceil(keep.length / WRITE_CHUNK), Math.ceil(deletes.length / WRITE_CHUNK), series.length > 0 ? 1 : 0);
  const writeChunk = async (chunk: number): Promise<void> => {
    const part = <T>(list: T[]): T[] => list.slice(chunk * WRITE_CHUNK, (chunk + 1) * WRITE_CHUNK);
    const kept = part(keep);
    // On the driver, not through Prisma: a chunk's parameters are megabytes (RawSql).
    const { written, recorded } = await rawTransaction(
      async (tx) => {
        await lockMirroredCalendar(tx, scope);
        // Looked up before the writes: a deleted event's row is gone after them.
        const privateRows = await storedEventIds(
          tx,
          scope.calendarId,
          [...kept.map((event) => event.providerEventId), ...part(deletes)].filter((id) => privateIds.has(id)),
        );
        const deleted = await deleteEvents(tx, scope.calendarId, part(deletes));
        const { created, updated } = await upsertEvents(tx, scope, kept);
        await scrubEventHistory(tx, scope.organizationId, privateRows);
        if (chunk === 0) await upsertSeries(tx, scope, series);
        const recorded = sweep
          ? await recordSeen(
              tx,
              sweep,
              kept.map((event) => event.providerEventId),
            )
          : 0;
        return { written: { created, updated, deleted }, recorded };
      },
      { timeoutMs: WRITE_TIMEOUT_MS },
    );
    counts.created += written.created;
    counts.updated += written.updated;
    counts.deleted += written.deleted;
    // Counted once committed: a chunk rolled back recorded nothing.
    if (sweep) sweep.recorded += recorded;
  };
  // The chunks of one collapsed page touch disjoint events, so they may commit in
  // any order; pages stay in order (an event can be listed again on a later page).
  let nextChunk = 0;
  let failed = false;
  const writer = async (): Promise<void> => {
    // After a failure the other writer finishes its chunk and takes no more: the run repeats anyway.
    while (!failed && nextChunk < chunks) {
      await writeChunk(nextChunk++).catch((err: unknown) => {
        failed = true;
        throw err;
      });
    }
  };
  const writers = Array.from({ length: Math.min(WRITE_CONCURRENCY, chunks) }, writer);
  // Every writer finishes (none is left running into the next page) before a failure surfaces.
  const results = await Promise.allSettled(writers);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failure) throw failure.reason;
  return counts;
}
