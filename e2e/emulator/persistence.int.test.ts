import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { connectAccount, serveWebhookRoutes, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { installJobSender } from "@/lib/jobs/dispatch";
import { syncCalendar } from "@/lib/sync/engine";
import { registerPush } from "@/lib/subscriptions/lifecycle";
import type { Emulator } from "./server";

// The emulator keeps its state in a file: stopped and started again on the same
// ports with the same file, the app's connections keep working as if nothing
// happened (same account ids, tokens refresh, sync cursors stay valid, channels and
// subscriptions live), a field the store has never heard of survives, and a reset
// starts fresh. Real app code against the real emulator, through the real SDKs.

const database = setupTestDatabase();
const dir = mkdtempSync(path.join(os.tmpdir(), "calsync-emulator-state-"));
const stateFile = path.join(dir, "state.json");
let emu: Emulator;
let restoreJobs: () => void;
let webhooks: Awaited<ReturnType<typeof serveWebhookRoutes>>;

beforeAll(async () => {
  restoreJobs = installJobSender(async () => {});
  // Graph validates a subscription's address while creating it: the webhook routes must answer.
  webhooks = await serveWebhookRoutes();
  emu = await startAppEmulator({ stateFile, certDir: dir });
});
afterAll(async () => {
  restoreJobs?.();
  await webhooks?.close();
  await stopAppEmulator(emu);
  rmSync(dir, { recursive: true, force: true });
});

async function restart(): Promise<void> {
  const ports = { port: Number(new URL(emu.httpOrigin).port), httpsPort: Number(new URL(emu.httpsOrigin).port) };
  await stopAppEmulator(emu);
  emu = await startAppEmulator({ ...ports, stateFile, certDir: dir });
}

describe("emulator state across a restart", () => {
  it("keeps accounts, calendars, events, grants, tokens, cursors, channels and subscriptions", async () => {
    const person = await signIn("persist@calsync.test");
    const organizationId = person.viewer.organizationId;
    const db = await database.db();
    const ids: Record<string, string> = {};
    for (const [provider, email] of [
      ["google", "alice@example.com"],
      ["microsoft", "bob@contoso.example"],
    ] as const) {
      const connectionId = await connectAccount(emu, person, provider, email);
      ids[provider] = connectionId;
      const calendar = await db.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
      expect((await syncCalendar({ organizationId, calendarId: calendar.id, trigger: "initial" })).status).toBe("succeeded");
      await registerPush(connectionId, organizationId);
    }
    const before = await emu.control.state();
    // A field the store has never heard of (a later event model's), set on a stored event.
    const googleCalendar = before.calendars.find((calendar) => calendar.accountEmail === "alice@example.com" && calendar.primary)!;
    const stored = emu.core.services.store.storedEvents(googleCalendar.id)[0]!;
    (stored as unknown as Record<string, unknown>).conferenceData = { entryPoints: [{ uri: "https://meet.example/abc" }], at: new Map([["x", 1]]) };

    await restart();

    const after = await emu.control.state();
    expect(after.accounts).toEqual(before.accounts);
    expect(after.calendars).toEqual(before.calendars);
    expect(after.events).toEqual(before.events);
    expect(after.channels.map((channel) => [channel.id, channel.state])).toEqual(before.channels.map((channel) => [channel.id, channel.state]));
    expect(after.channels.some((channel) => channel.state === "live")).toBe(true);
    expect(after.subscriptions.map((subscription) => [subscription.id, subscription.state])).toEqual(
      before.subscriptions.map((subscription) => [subscription.id, subscription.state]),
    );
    expect(after.subscriptions.length).toBeGreaterThan(0);
    const kept = emu.core.services.store.getStoredEvent(googleCalendar.id, stored.id) as unknown as Record<string, unknown>;
    expect(kept.conferenceData).toEqual({ entryPoints: [{ uri: "https://meet.example/abc" }], at: new Map([["x", 1]]) });

    // The app's cursors and tokens still work: a change made after the restart arrives incrementally.
    for (const provider of ["google", "microsoft"] as const) {
      const calendar = await db.calendar.findFirstOrThrow({ where: { connectionId: ids[provider], isPrimary: true } });
      const providerCalendar = after.calendars.find((candidate) => candidate.id === calendar.providerCalendarId)!;
      const start = new Date(Date.now() + 86_400_000);
      await emu.control.createEvent(providerCalendar.id, {
        summary: `after restart ${provider}`,
        start: start.toISOString(),
        end: new Date(start.getTime() + 3_600_000).toISOString(),
      });
      // Access tokens survive too; expire them so the refresh token is exercised as well.
      await emu.control.expireAccessTokens(undefined, provider);
      const outcome = await syncCalendar({ organizationId, calendarId: calendar.id, trigger: "manual" });
      expect(outcome).toMatchObject({ status: "succeeded", mode: "incremental", created: 1 });
      expect(await db.event.count({ where: { calendarId: calendar.id, title: `after restart ${provider}` } })).toBe(1);
      expect((await db.calendarConnection.findUniqueOrThrow({ where: { id: ids[provider] } })).status).toBe("active");
    }
    // The same CA: an app process that trusted it keeps trusting it.
    expect(readFileSync(emu.caCertPath, "utf8")).toBe(emu.caCertPem);
  });

  it("a reset starts fresh, and the fresh state is what the next start finds", async () => {
    const accountsBefore = (await emu.control.state()).accounts;
    // The emulator page's "Start fresh" button.
    const pressed = await fetch(`${emu.httpOrigin}/_emulator/ui/reset`, { method: "POST", redirect: "manual" });
    expect(pressed.status).toBe(303);
    const fresh = await emu.control.state();
    expect(fresh.channels).toEqual([]);
    expect(fresh.subscriptions).toEqual([]);
    // New accounts (new ids) from the seed.
    expect(fresh.accounts.map((account) => account.email).sort()).toEqual(
      accountsBefore
        .map((account) => account.email)
        .filter((email) => ["alice@example.com", "bob@contoso.example"].includes(email))
        .sort(),
    );
    expect(fresh.accounts.map((account) => account.id)).not.toEqual(expect.arrayContaining(accountsBefore.map((account) => account.id)));
    await restart();
    expect((await emu.control.state()).accounts).toEqual(fresh.accounts);
  });

  it("a state file from another version, or a broken one, is not loaded: the seed is", async () => {
    const { restoreState, serializeState } = await import("./persistence");
    const parts = emu.core.persistedParts();
    const text = serializeState(parts);
    expect(restoreState(parts, text.replace('"version":1', '"version":99'))).toBe(false);
    expect(restoreState(parts, "{not json")).toBe(false);
    expect(restoreState(parts, JSON.stringify({ version: 1, state: {} }))).toBe(false);
    expect(restoreState(parts, text)).toBe(true);
  });
});
