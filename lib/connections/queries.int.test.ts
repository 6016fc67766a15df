import { describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { signIn } from "@/scripts/test/app";
import { eventRecord } from "@/scripts/test/event-records";
import { upsertEvents } from "@/lib/sync/store";
import { connectionSummaries } from "./queries";

// First-sync progress on the onboarding card: while an account syncs, its summary
// counts the events mirrored so far (its own, not another organization's); once it
// has synced, it counts nothing.

const database = setupTestDatabase();

describe("connection summaries", () => {
  it("count the events mirrored so far while an account's first sync runs, and stop once it is done", async () => {
    const person = await signIn("progress@queries.test");
    const other = await signIn("other@queries.test");
    const db = await database.db();
    const organizationId = person.viewer.organizationId;
    const connection = await db.calendarConnection.create({
      data: { organizationId, provider: "google", providerAccountId: "g-progress", accountEmail: "progress@queries.test", scopes: [] },
    });
    const calendar = await db.calendar.create({
      data: { organizationId, connectionId: connection.id, providerCalendarId: "primary-progress", name: "Progress", syncEnabled: true },
    });
    const start = new Date(Date.now() + 86_400_000);
    const records = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, index) =>
        eventRecord({
          providerEventId: `${prefix}-${index}`,
          startAt: new Date(start.getTime() + index * 3_600_000),
          endAt: new Date(start.getTime() + (index + 1) * 3_600_000),
        }),
      );
    await upsertEvents(db, { organizationId, calendarId: calendar.id }, records("p", 6));
    // Another organization's events in a calendar of its own count for it alone.
    const foreign = await db.calendarConnection.create({
      data: { organizationId: other.viewer.organizationId, provider: "google", providerAccountId: "g-other", accountEmail: "other@queries.test", scopes: [] },
    });
    const foreignCalendar = await db.calendar.create({
      data: { organizationId: other.viewer.organizationId, connectionId: foreign.id, providerCalendarId: "primary-other", name: "Other", syncEnabled: true },
    });
    await upsertEvents(db, { organizationId: other.viewer.organizationId, calendarId: foreignCalendar.id }, records("o", 4));

    const summaryOf = async () => (await connectionSummaries(organizationId)).flatMap((provider) => provider.connections).find((c) => c.id === connection.id)!;
    expect(await summaryOf()).toMatchObject({ syncing: true, mirroredWhileSyncing: 6 });

    await db.calendar.update({ where: { id: calendar.id }, data: { lastSyncedAt: new Date() } });
    expect(await summaryOf()).toMatchObject({ syncing: false, mirroredWhileSyncing: null });
  });
});
