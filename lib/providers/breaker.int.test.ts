import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { installJobSender } from "@/lib/jobs/dispatch";
import { isRetryable } from "@/lib/jobs/retry";
import { logger } from "@/lib/log";
import { withAccessToken } from "@/lib/oauth/tokens";
import { breakerStates, createBreakers, replaceProviderBreakers } from "@/lib/providers/breaker";
import { ProviderError } from "@/lib/providers/errors";
import { syncCalendar } from "@/lib/sync/engine";
import { connectAccount, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";

// The breaker in front of a provider that keeps answering 503 for one account: it
// opens after the threshold, the provider then sees no calls at all from that
// connection while another account syncs as usual, and after the cooldown one
// probe finds the provider back and closes it. The breaker's clock is injected, so
// "after the cooldown" costs no waiting.

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;
let clock = Date.now();

const ALICE = "alice@example.com";

function soon(days: number, hour = 10): string {
  const date = new Date(Date.now() + days * 24 * 60 * 60_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString().replace(".000Z", "Z");
}
const BOB = "bob@contoso.example";

beforeAll(async () => {
  emu = await startAppEmulator();
  restoreJobs = installJobSender(async () => {});
  // Cooldowns above the engine's 30 s inline wait, so a sync hands the wait back
  // to its caller (the job driver) at once instead of sleeping through it here.
  replaceProviderBreakers(createBreakers({ failureThreshold: 3, cooldownMs: 60_000, maxCooldownMs: 300_000, now: () => clock }));
});
afterAll(async () => {
  restoreJobs?.();
  replaceProviderBreakers(null);
  await stopAppEmulator(emu);
});

describe("circuit breaker per connection, against the emulator", () => {
  let organizationId: string;
  let alice: { connectionId: string; calendarId: string };
  let bob: { connectionId: string; calendarId: string };

  beforeAll(async () => {
    const person = await signIn("breaker@calsync.test");
    organizationId = person.viewer.organizationId;
    const db = await database.db();
    const connected = async (provider: "google" | "microsoft", email: string) => {
      const connectionId = await connectAccount(emu, person, provider, email);
      const calendar = await db.calendar.findFirstOrThrow({ where: { connectionId, isPrimary: true } });
      return { connectionId, calendarId: calendar.id };
    };
    alice = await connected("google", ALICE);
    bob = await connected("microsoft", BOB);
    for (const account of [alice, bob])
      expect(await syncCalendar({ organizationId, calendarId: account.calendarId, trigger: "initial" })).toMatchObject({ status: "succeeded" });
  });

  const aliceCalls = async () => (await emu.control.calls()).byAccount[ALICE]?.["google.events.list"] ?? 0;
  const syncAlice = () => syncCalendar({ organizationId, calendarId: alice.calendarId, trigger: "webhook" });
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error("expected a failure");
      },
      (err: unknown) => err as ProviderError,
    );

  it("opens after consecutive 503s; while open the provider sees nothing from that connection, and others are unaffected", async () => {
    vi.spyOn(logger, "warn").mockImplementation(() => {});
    await emu.control.failNext({ endpoint: "google.events.list", status: 503, count: 1_000, retryAfterSeconds: 0, accountEmail: ALICE });
    const before = await aliceCalls();

    // The engine's own inline retries reach the provider three times; the fourth try is refused by the breaker.
    const first = await failure(syncAlice());
    expect(await aliceCalls()).toBe(before + 3);
    expect(first).toBeInstanceOf(ProviderError);
    expect(first).toMatchObject({ kind: "unavailable", code: "circuit_open", retryAfterMs: 60_000 });
    expect(first.message).toContain("circuit open");
    // What the job drivers act on: retry, after the breaker's wait.
    expect(isRetryable(first)).toBe(true);
    expect(breakerStates()).toEqual([{ connectionId: alice.connectionId, state: "open", failures: 3, openedAt: new Date(clock) }]);

    clock += 20_000;
    for (let i = 0; i < 5; i += 1) {
      const refused = await failure(syncAlice());
      expect(refused).toMatchObject({ code: "circuit_open", retryAfterMs: 40_000 });
    }
    const direct = await failure(withAccessToken({ id: alice.connectionId, provider: "google" }, (token, provider) => provider.listCalendars(token)));
    expect(direct.code).toBe("circuit_open");
    expect(await aliceCalls()).toBe(before + 3);
    const runs = await (await database.db()).syncRun.findMany({ where: { calendarId: alice.calendarId, trigger: "webhook" }, orderBy: { startedAt: "asc" } });
    expect(runs.map((run) => run.status)).toEqual(Array.from({ length: 6 }, () => "failed"));
    expect(runs.slice(1).every((run) => run.providerCalls === 1 && run.error?.includes("circuit open"))).toBe(true);

    // Bob's connection has a circuit of its own.
    await emu.control.createEvent(await emu.control.primaryCalendarId(BOB, "microsoft"), { summary: "Bob is fine", start: soon(2), end: soon(2, 11) });
    expect(await syncCalendar({ organizationId, calendarId: bob.calendarId, trigger: "webhook" })).toMatchObject({ status: "succeeded", created: 1 });
    expect(breakerStates().map((state) => state.connectionId)).toEqual([alice.connectionId]);
  });

  it("after the cooldown one probe goes through; a failed probe reopens it for twice as long", async () => {
    vi.spyOn(logger, "warn").mockImplementation(() => {});
    const before = await aliceCalls();
    clock += 40_000;
    expect(breakerStates()).toMatchObject([{ state: "half_open" }]);
    const probed = await failure(syncAlice());
    expect(await aliceCalls()).toBe(before + 1);
    expect(probed).toMatchObject({ code: "circuit_open", retryAfterMs: 120_000 });
    expect(breakerStates()).toMatchObject([{ connectionId: alice.connectionId, state: "open", failures: 4 }]);
  });

  it("recovers: once the provider is back, the probe closes the circuit and syncs flow again", async () => {
    vi.spyOn(logger, "info").mockImplementation(() => {});
    await emu.control.clearFaults();
    const calendar = await emu.control.primaryCalendarId(ALICE, "google");
    await emu.control.createEvent(calendar, { summary: "After the outage", start: soon(3), end: soon(3, 11) });
    const before = await aliceCalls();
    // Still open: the provider being back changes nothing until the cooldown ends.
    expect((await failure(syncAlice())).code).toBe("circuit_open");
    expect(await aliceCalls()).toBe(before);

    clock += 120_000;
    expect(await syncAlice()).toMatchObject({ status: "succeeded", created: 1 });
    expect(await aliceCalls()).toBeGreaterThan(before);
    expect(breakerStates()).toEqual([]);
    expect(await (await database.db()).event.findFirst({ where: { calendarId: alice.calendarId, title: "After the outage" } })).not.toBeNull();
  });
});
