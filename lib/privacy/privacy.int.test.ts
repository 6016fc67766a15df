import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { GET as upcoming } from "@/app/api/events/upcoming/route";
import { GET as meetingHoursRoute } from "@/app/api/admin/meeting-hours/route";
import { PATCH as patchPrivacy } from "@/app/api/admin/privacy/route";
import { installJobSender } from "@/lib/jobs/dispatch";
import type { JobPayloads } from "@/lib/jobs/catalog";
import { syncCalendar } from "@/lib/sync/engine";
import { connectAccount, mirrorDiff, request, signIn, startAppEmulator, stopAppEmulator, type SignedIn } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { BUSY_TITLE } from "./policy";
import { updatePrivacySettings } from "./settings";

// Busy-only privacy, per provider: once the organization asks for it, no title,
// description, location, attendee or raw item of a private event is in any table,
// any API answer or any log line, whether the event was mirrored before the change
// (rewritten at once, then resynced to the same) or arrives after it. "Nothing"
// removes private events; declined events can be skipped.

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;
const requested: Array<JobPayloads["calendar/sync.requested"]> = [];

const SECRETS = ["Secret merger talks", "Project Falcon", "Room Sapphire", "insider@acme.example", "meetingcode-falcon"] as const;
const ACCOUNTS = { google: "alice@example.com", microsoft: "bob@contoso.example" } as const;

beforeAll(async () => {
  emu = await startAppEmulator();
  restoreJobs = installJobSender(async (items) => {
    for (const item of items) if (item.name === "calendar/sync.requested") requested.push(item.data as JobPayloads["calendar/sync.requested"]);
  });
});
afterAll(async () => {
  restoreJobs?.();
  await stopAppEmulator(emu);
});

/**
 * Every row of every table, as text: where a secret could hide. Tenant tables are
 * read for this organization only (the other provider's run keeps its own events
 * whole on purpose); the rest (users, sessions, ...) whole.
 */
async function everyTableText(organizationId: string): Promise<string> {
  const db = await database.db();
  const tables = await db.$queryRawUnsafe<Array<{ table_name: string; tenant: boolean }>>(
    `SELECT t.table_name, EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name = t.table_name AND c.column_name = 'organization_id') AS tenant
     FROM information_schema.tables t WHERE t.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND t.table_name <> '_prisma_migrations'`,
  );
  expect(tables.map((table) => table.table_name)).toEqual(
    expect.arrayContaining(["events", "event_attendees", "event_series", "meetings", "sync_runs", "webhook_events", "users"]),
  );
  let text = "";
  for (const { table_name, tenant } of tables) {
    const rows = tenant
      ? await db.$queryRawUnsafe<Array<{ row: string }>>(`SELECT t::text AS row FROM "${table_name}" t WHERE t.organization_id = $1::uuid`, organizationId)
      : await db.$queryRawUnsafe<Array<{ row: string }>>(`SELECT t::text AS row FROM "${table_name}" t`);
    text += rows.map((row) => row.row).join("\n");
  }
  return text;
}

function expectNoSecret(text: string) {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

/** Runs `work` with every log line captured (at debug level). */
async function logsOf(work: () => Promise<unknown>): Promise<string> {
  const lines: string[] = [];
  const previousLevel = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = "debug";
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    await work();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    if (previousLevel === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = previousLevel;
  }
  return lines.join("");
}

describe.each(["google", "microsoft"] as const)("%s: private events under each setting", (provider) => {
  let owner: SignedIn;
  let organizationId: string;
  let calendarId: string;
  let providerCalendarId: string;
  const soon = (hours: number) => new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + hours * 3_600_000).toISOString().replace(".000Z", "Z");
  const secretMeeting = (summary: string = SECRETS[0]) => ({
    summary,
    description: `<p>${SECRETS[1]}</p>`,
    location: SECRETS[2],
    start: soon(26),
    end: soon(27),
    visibility: "private" as const,
    attendees: [
      { email: SECRETS[3], responseStatus: "accepted" as const },
      { email: "colleague@example.com", responseStatus: "accepted" as const },
    ],
    conference: { type: "zoom" as const, joinUrl: `https://acme.zoom.us/j/123?pwd=${SECRETS[4]}` },
  });

  beforeAll(async () => {
    await emu.reset();
    owner = await signIn(`privacy-${provider}@calsync.test`);
    organizationId = owner.viewer.organizationId;
    const connectionId = await connectAccount(emu, owner, provider, ACCOUNTS[provider]);
    const calendar = await (await database.db()).calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
    calendarId = calendar.id;
    providerCalendarId = calendar.providerCalendarId;
  });

  const sync = () => syncCalendar({ organizationId, calendarId, trigger: "webhook" });
  const runRequestedSyncs = async () => {
    const mine = requested.splice(0).filter((job) => job.calendarId === calendarId);
    expect(mine.length).toBeGreaterThan(0);
    for (const job of mine) await syncCalendar(job);
  };

  it("keeps a private event whole under 'everything' (the default)", async () => {
    await emu.control.createEvent(providerCalendarId, secretMeeting());
    await sync();
    const text = await everyTableText(organizationId);
    expect(text).toContain(SECRETS[0]);
    expect(text).toContain(SECRETS[3]);
  });

  it("busy-only: the change scrubs every table at once, and the resync it asks for writes the same", async () => {
    const response = await patchPrivacy(
      request("/api/admin/privacy", {
        method: "PATCH",
        cookie: owner.cookie,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ privateEvents: "busy_only", keepDeclined: true }),
      }),
      undefined as never,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ settings: { privateEvents: "busy_only" }, rewritten: 1, resynced: 1 });
    expectNoSecret(await everyTableText(organizationId));
    const columns = {
      title: true,
      descriptionText: true,
      descriptionHtml: true,
      location: true,
      webLink: true,
      organizerEmail: true,
      attendeeCount: true,
      conferenceUrl: true,
      raw: true,
      startAt: true,
      endAt: true,
      busyStatus: true,
      visibility: true,
    };
    const scrubbed = await (await database.db()).event.findFirstOrThrow({ where: { calendarId, visibility: "private" }, select: columns });
    expect(scrubbed).toMatchObject({
      title: BUSY_TITLE,
      descriptionText: null,
      location: null,
      attendeeCount: 0,
      raw: null,
      conferenceUrl: null,
      visibility: "private",
      busyStatus: "busy",
    });

    const logs = await logsOf(runRequestedSyncs);
    expectNoSecret(logs);
    expectNoSecret(await everyTableText(organizationId));
    // The rewrite in SQL and the sync path's policy agree on every column.
    expect(await (await database.db()).event.findFirstOrThrow({ where: { calendarId, visibility: "private" }, select: columns })).toEqual(scrubbed);
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });
  });

  it("busy-only: a private event arriving later is never stored whole, nor answered by the API, nor logged", async () => {
    await emu.control.createEvent(providerCalendarId, secretMeeting("Secret merger talks, round 2"));
    const logs = await logsOf(sync);
    expectNoSecret(logs);
    expectNoSecret(await everyTableText(organizationId));
    const answer = await (await upcoming(request("/api/events/upcoming", { cookie: owner.cookie }), undefined as never)).text();
    expect(answer).toContain(BUSY_TITLE);
    expectNoSecret(answer);
    expectNoSecret(await (await meetingHoursRoute(request("/api/admin/meeting-hours?weeks=2", { cookie: owner.cookie }), undefined as never)).text());
    expect(await (await database.db()).event.count({ where: { calendarId, title: BUSY_TITLE } })).toBe(2);
  });

  // The change log keeps each event as it was written: one that was public when
  // first mirrored must not keep its public past there once it turns private.
  const turnsPrivate = async (label: string) => {
    const secrets = [`${label} kickoff`, `${label} budget`, `${label} room`];
    const created = await emu.control.createEvent(providerCalendarId, {
      summary: secrets[0]!,
      description: secrets[1],
      location: secrets[2],
      start: soon(40),
      end: soon(41),
    });
    await sync();
    const db = await database.db();
    const stored = await db.event.findFirstOrThrow({ where: { calendarId, title: secrets[0] }, select: { id: true } });
    expect(await db.change.count({ where: { organizationId, resourceId: stored.id } })).toBeGreaterThan(0);
    expect(await everyTableText(organizationId)).toContain(secrets[0]);
    await emu.control.updateEvent(providerCalendarId, created.id, { summary: `${secrets[0]} (moved)`, visibility: "private" });
    const logs = await logsOf(sync);
    const text = await everyTableText(organizationId);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    return { db, eventId: stored.id };
  };

  it("busy-only: an event that was public and turns private leaves no public past in the change log", async () => {
    const { db, eventId } = await turnsPrivate("Orion");
    const history = await db.change.findMany({ where: { organizationId, resourceId: eventId }, orderBy: { seq: "asc" } });
    expect(history.map((change) => change.type)).toEqual(["event.created", "event.updated"]);
    for (const change of history) expect(change.resource).toMatchObject({ title: BUSY_TITLE, description_text: null, location: null, attendees: [] });
    // Its meeting's changes carried the same title: scrubbed too, times and copies kept.
    const meetingHistory = await db.$queryRawUnsafe<Array<{ type: string; resource: Record<string, unknown> }>>(
      `SELECT type, resource FROM changes WHERE organization_id = $1::uuid AND type LIKE 'meeting.%'
         AND resource->'copies' @> jsonb_build_array(jsonb_build_object('eventId', $2::text)) ORDER BY seq`,
      organizationId,
      eventId,
    );
    expect(meetingHistory.map((change) => change.type)).toEqual(["meeting.created", "meeting.updated"]);
    for (const change of meetingHistory)
      expect(change.resource).toMatchObject({ title: BUSY_TITLE, organizerEmail: null, attendees: [], startAt: expect.any(String) });
  });

  it("nothing: private events go at once; declined ones go when they are to be skipped", async () => {
    await emu.control.createEvent(providerCalendarId, {
      summary: "Declined offsite",
      start: soon(30),
      end: soon(31),
      organizer: { email: "boss@example.com" },
      attendees: [{ email: ACCOUNTS[provider], responseStatus: "declined" }],
    });
    await sync();
    expect(await (await database.db()).event.count({ where: { calendarId, title: "Declined offsite", selfResponse: "declined" } })).toBe(1);

    const { rewritten } = await updatePrivacySettings(organizationId, { privateEvents: "nothing", keepDeclined: false });
    // Three private events (two secret meetings, the one that turned private) and the declined one.
    expect(rewritten).toBe(4);
    const db = await database.db();
    expect(await db.event.count({ where: { calendarId, visibility: { in: ["private", "confidential"] } } })).toBe(0);
    expect(await db.event.count({ where: { calendarId, title: "Declined offsite" } })).toBe(0);
    await runRequestedSyncs();
    expect(await db.event.count({ where: { calendarId, visibility: { in: ["private", "confidential"] } } })).toBe(0);
    expect(await db.event.count({ where: { calendarId, title: "Declined offsite" } })).toBe(0);
    expect(await db.event.count({ where: { calendarId } })).toBeGreaterThan(0);
    expect(await mirrorDiff(calendarId)).toEqual({ missing: [], extra: [], different: [] });

    // Back to everything: the resync brings the private and declined events back whole.
    await updatePrivacySettings(organizationId, { privateEvents: "everything", keepDeclined: true });
    await runRequestedSyncs();
    expect(await db.event.count({ where: { calendarId, title: SECRETS[0] } })).toBe(1);
    expect(await db.event.count({ where: { calendarId, title: "Declined offsite" } })).toBe(1);
  });

  it("nothing: an event that was public and turns private goes, and so does its public past", async () => {
    await updatePrivacySettings(organizationId, { privateEvents: "nothing", keepDeclined: true });
    await runRequestedSyncs();
    const { db, eventId } = await turnsPrivate("Vega");
    expect(await db.event.count({ where: { id: eventId } })).toBe(0);
    const history = await db.change.findMany({ where: { organizationId, resourceId: eventId }, orderBy: { seq: "asc" } });
    expect(history.map((change) => change.type)).toEqual(["event.created", "event.deleted"]);
    for (const change of history) expect(change.resource).toMatchObject({ title: BUSY_TITLE });
    await updatePrivacySettings(organizationId, { privateEvents: "everything", keepDeclined: true });
    await runRequestedSyncs();
  });
});
