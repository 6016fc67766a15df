import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeRawPool, rawTransaction, type RawSql } from "@/lib/db/raw";
import { setupTestDatabase } from "@/scripts/test/database";

// The meeting views a statement recomputes read the touched meetings' copies by
// index, whatever the size of the events table and whatever its statistics say. A
// sync writes 500 events a statement; a plan that reads the table whole for each
// one is quadratic over a first sync (it was: migration "meeting_copies_probe").
// The events table here holds 20,000 rows of another calendar, never analyzed, the
// state of a table in the middle of a large first sync.

const database = setupTestDatabase();
const OTHER_EVENTS = 20_000;
let organizationId: string;
let calendarId: string;
let touched: string[];

afterAll(() => closeRawPool());

beforeAll(async () => {
  const client = await database.db();
  const tag = randomUUID().slice(0, 8);
  organizationId = (await client.organization.create({ data: { name: "Views", slug: `views-${tag}` } })).id;
  const connection = await client.calendarConnection.create({
    data: { organizationId, provider: "google", providerAccountId: `g-${tag}`, accountEmail: `views-${tag}@example.com`, scopes: [] },
  });
  const calendar = (providerCalendarId: string) =>
    client.calendar.create({ data: { organizationId, connectionId: connection.id, providerCalendarId, name: providerCalendarId, syncEnabled: true } });
  const other = await calendar(`other-${tag}`);
  calendarId = (await calendar(`mine-${tag}`)).id;
  await rawTransaction(
    async (sql) => {
      // 20,000 events in 100 meetings of the other calendar, then 500 new meetings of one copy each in this one.
      await sql.$executeRawUnsafe(
        `INSERT INTO meetings (organization_id, ical_uid, occurrence_key) SELECT $1::uuid, 'other-' || g, '' FROM generate_series(1, 100) g`,
        organizationId,
      );
      await sql.$executeRawUnsafe(
        `INSERT INTO events (organization_id, calendar_id, provider_event_id, ical_uid, title, start_at, end_at, updated_at, meeting_id)
         SELECT $1::uuid, $2::uuid, 'other-' || g, 'other-' || (g % 100 + 1), 'Other ' || g, now() + g * interval '1 minute', now() + g * interval '1 minute' + interval '30 minutes', now(),
                (SELECT id FROM meetings WHERE organization_id = $1::uuid AND ical_uid = 'other-' || (g % 100 + 1))
         FROM generate_series(1, $3::int) g`,
        organizationId,
        other.id,
        OTHER_EVENTS,
      );
      await sql.$executeRawUnsafe(
        `INSERT INTO meetings (organization_id, ical_uid, occurrence_key) SELECT $1::uuid, 'mine-' || g, '' FROM generate_series(1, 500) g`,
        organizationId,
      );
      await sql.$executeRawUnsafe(
        `INSERT INTO events (organization_id, calendar_id, provider_event_id, ical_uid, title, start_at, end_at, updated_at, meeting_id)
         SELECT $1::uuid, $2::uuid, 'mine-' || g, 'mine-' || g, 'Mine ' || g, now() + g * interval '1 hour', now() + g * interval '1 hour' + interval '30 minutes', now(),
                (SELECT id FROM meetings WHERE organization_id = $1::uuid AND ical_uid = 'mine-' || g)
         FROM generate_series(1, 500) g`,
        organizationId,
        calendarId,
      );
    },
    { timeoutMs: 60_000 },
  );
  const rows = await client.meeting.findMany({ where: { organizationId, iCalUid: { startsWith: "mine-" } }, select: { id: true } });
  touched = rows.map((row) => row.id);
}, 60_000);

/** Rows of `events` read by sequential scans so far in this transaction. */
async function eventsReadInSequence(sql: RawSql): Promise<number> {
  const [row] = await sql.$queryRawUnsafe<Array<{ read: number }>>(
    `SELECT coalesce(seq_tup_read, 0)::int AS read FROM pg_stat_xact_user_tables WHERE relname = 'events'`,
  );
  return row?.read ?? 0;
}

async function viewsOfTouched(): Promise<{ views: number; copies: number; scanned: number }> {
  return rawTransaction(
    async (sql) => {
      const before = await eventsReadInSequence(sql);
      const [result] = await sql.$queryRawUnsafe<Array<{ views: number; copies: number }>>(
        `SELECT count(*)::int AS views, coalesce(sum(jsonb_array_length(view -> 'copies')), 0)::int AS copies FROM calsync_meeting_views($1::uuid[])`,
        touched,
      );
      return { views: result?.views ?? 0, copies: result?.copies ?? 0, scanned: (await eventsReadInSequence(sql)) - before };
    },
    { timeoutMs: 60_000 },
  );
}

describe("meeting views at scale", () => {
  it("read only the touched meetings' copies of a large, never-analyzed events table", async () => {
    expect(touched).toHaveLength(500);
    const { views, copies, scanned } = await viewsOfTouched();
    expect(views).toBe(500);
    expect(copies).toBe(500);
    expect(scanned).toBe(0);
  });

  it("and the same once the table has statistics", async () => {
    await rawTransaction((sql) => sql.$executeRawUnsafe(`ANALYZE events`), { timeoutMs: 60_000 });
    const { views, scanned } = await viewsOfTouched();
    expect(views).toBe(500);
    expect(scanned).toBe(0);
  });
});
