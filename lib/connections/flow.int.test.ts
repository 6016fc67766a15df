import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { request, signIn, startAppEmulator, stopAppEmulator, type SignedIn } from "@/scripts/test/app";
import { consent } from "@/e2e/emulator/test-support";
import { fetchTrustingCa } from "@/e2e/emulator/trust";
import type { Emulator } from "@/e2e/emulator/server";
import { installJobSender } from "@/lib/jobs/dispatch";
import type { FollowUp } from "@/lib/jobs/catalog";
import { disconnectConnection } from "@/lib/connections/disconnect";
import { finishConnect, startConnect } from "./flow";
import { stateCookieName } from "@/lib/oauth/state";

// Both connect callbacks against the emulator: the real adapters, the real consent
// page, the real database. Background jobs are captured, not run: this file is
// about what the callback decides and stores.

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;
const dispatched: FollowUp[] = [];

beforeAll(async () => {
  emu = await startAppEmulator();
  restoreJobs = installJobSender(async (items) => {
    dispatched.push(...items);
  });
});
afterAll(async () => {
  restoreJobs?.();
  await stopAppEmulator(emu);
});
beforeEach(() => {
  dispatched.length = 0;
});

const ACCOUNTS = {
  google: { email: "alice@example.com", calendarScope: "https://www.googleapis.com/auth/calendar.readonly", primary: "alice@example.com" },
  microsoft: { email: "bob@contoso.example", calendarScope: "https://graph.microsoft.com/Calendars.Read", primary: "Calendar" },
} as const;

type ProviderName = keyof typeof ACCOUNTS;

/** Starts a connect as `person`: the provider's consent URL and the state cookie the browser got. */
async function start(person: SignedIn, provider: ProviderName) {
  const response = await startConnect(request(`/api/oauth/${provider}/start`, { cookie: person.cookie }), provider);
  expect(response.status).toBe(303);
  const setCookie = response.headers.get("set-cookie") ?? "";
  const stateCookie = new RegExp(`${stateCookieName(provider)}=([^;]+)`).exec(setCookie)?.[1];
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=lax/i);
  return { authUrl: response.headers.get("location")!, stateCookie: stateCookie! };
}

async function callback(person: SignedIn, provider: ProviderName, back: URL, stateCookie: string | null) {
  const cookie = [person.cookie, stateCookie ? `${stateCookieName(provider)}=${stateCookie}` : null].filter(Boolean).join("; ");
  const response = await finishConnect(request(`/api/oauth/${provider}/callback${back.search}`, { cookie }), provider);
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get("location")!);
  expect(location.pathname).toBe("/onboarding/connect-calendar");
  expect(location.searchParams.get("provider")).toBe(provider);
  return location.searchParams.get("result");
}

function consentFetch(provider: ProviderName) {
  return provider === "microsoft" ? fetchTrustingCa(emu.caCertPem) : fetch;
}

describe.each(["google", "microsoft"] as const)("%s connect callback", (provider) => {
  const account = ACCOUNTS[provider];

  it("connects: tokens sealed at rest, calendars discovered, first sync and push handed off", async () => {
    const person = await signIn(`owner-${provider}@calsync.test`);
    const { authUrl, stateCookie } = await start(person, provider);
    const url = new URL(authUrl);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toBe(stateCookie);
    const back = await consent(authUrl, { email: account.email }, consentFetch(provider));
    expect(await callback(person, provider, back, stateCookie)).toBe("connected");

    const db = await database.db();
    const connection = await db.calendarConnection.findFirstOrThrow({ where: { organizationId: person.viewer.organizationId, provider } });
    expect(connection.accountEmail).toBe(account.email);
    expect(connection.status).toBe("active");
    expect(connection.accessToken).toBeTruthy();
    expect(connection.refreshToken).toBeTruthy();
    // The raw row holds ciphertext only.
    const [raw] = await db.$queryRawUnsafe<Array<{ access_token: string; refresh_token: string }>>(
      "SELECT access_token, refresh_token FROM calendar_connections WHERE id = $1::uuid",
      connection.id,
    );
    expect(raw!.access_token).toMatch(/^v1:/);
    expect(raw!.refresh_token).toMatch(/^v1:/);
    expect(raw!.access_token).not.toContain(connection.accessToken!);
    expect(raw!.refresh_token).not.toContain(connection.refreshToken!);

    const calendars = await db.calendar.findMany({ where: { connectionId: connection.id }, orderBy: { isPrimary: "desc" } });
    expect(calendars.length).toBeGreaterThanOrEqual(2);
    expect(calendars[0]).toMatchObject({ isPrimary: true, syncEnabled: true });
    expect(calendars.filter((calendar) => calendar.syncEnabled)).toHaveLength(1);
    expect(dispatched).toEqual([{ name: "connection/connected", data: { organizationId: person.viewer.organizationId, connectionId: connection.id } }]);
  });

  it("reconnecting the same account updates it in place", async () => {
    const person = await signIn(`again-${provider}@calsync.test`);
    for (const expected of ["connected", "reconnected"]) {
      const { authUrl, stateCookie } = await start(person, provider);
      const back = await consent(authUrl, { email: account.email }, consentFetch(provider));
      // The first test connected this account in another organization: free it first.
      if (expected === "connected") {
        const db = await database.db();
        await db.calendarConnection.updateMany({ where: { provider, accountEmail: account.email }, data: { status: "revoked" } });
      }
      expect(await callback(person, provider, back, stateCookie)).toBe(expected);
    }
    const db = await database.db();
    expect(await db.calendarConnection.count({ where: { organizationId: person.viewer.organizationId, provider } })).toBe(1);
  });

  it("refuses an account connected in another organization", async () => {
    const first = await signIn(`first-${provider}@calsync.test`);
    const second = await signIn(`second-${provider}@calsync.test`);
    const db = await database.db();
    await db.calendarConnection.deleteMany({ where: { provider } });
    let flow = await start(first, provider);
    expect(await callback(first, provider, await consent(flow.authUrl, { email: account.email }, consentFetch(provider)), flow.stateCookie)).toBe("connected");
    flow = await start(second, provider);
    expect(await callback(second, provider, await consent(flow.authUrl, { email: account.email }, consentFetch(provider)), flow.stateCookie)).toBe(
      "already_connected_elsewhere",
    );
    expect(await db.calendarConnection.count({ where: { organizationId: second.viewer.organizationId } })).toBe(0);
  });

  it("connecting an account disconnected in organization A in organization B leaves A's history in place", async () => {
    const first = await signIn(`history-a-${provider}@calsync.test`);
    const second = await signIn(`history-b-${provider}@calsync.test`);
    const db = await database.db();
    await db.calendarConnection.updateMany({ where: { provider, status: { not: "revoked" } }, data: { status: "revoked" } });
    let flow = await start(first, provider);
    expect(await callback(first, provider, await consent(flow.authUrl, { email: account.email }, consentFetch(provider)), flow.stateCookie)).toBe("connected");
    const organizationA = first.viewer.organizationId;
    const connectionA = await db.calendarConnection.findFirstOrThrow({ where: { organizationId: organizationA, provider } });
    const calendarsA = await db.calendar.findMany({ where: { connectionId: connectionA.id }, select: { id: true }, orderBy: { id: "asc" } });
    const calendarId = calendarsA[0]!.id;
    const run = await db.syncRun.create({ data: { organizationId: organizationA, calendarId, trigger: "initial", mode: "full", status: "succeeded" } });
    const subscription = await db.webhookSubscription.create({
      data: {
        organizationId: organizationA,
        connectionId: connectionA.id,
        calendarId,
        provider,
        externalId: `history-${provider}-${connectionA.id}`,
        secretHash: "x",
        status: "stopped",
      },
    });
    const event = await db.webhookEvent.create({
      data: {
        organizationId: organizationA,
        subscriptionId: subscription.id,
        calendarId,
        provider,
        externalId: subscription.externalId,
        headers: {},
        status: "processed",
      },
    });
    await disconnectConnection(connectionA.id, organizationA);

    flow = await start(second, provider);
    expect(await callback(second, provider, await consent(flow.authUrl, { email: account.email }, consentFetch(provider)), flow.stateCookie)).toBe("connected");

    // B has a row of its own; A's row, calendars, subscription, runs and webhook log are untouched.
    const connectionB = await db.calendarConnection.findFirstOrThrow({ where: { organizationId: second.viewer.organizationId, provider } });
    expect(connectionB.id).not.toBe(connectionA.id);
    expect(connectionB.status).toBe("active");
    expect(await db.calendarConnection.findUniqueOrThrow({ where: { id: connectionA.id } })).toMatchObject({
      organizationId: organizationA,
      status: "revoked",
    });
    expect(
      await db.calendar.findMany({ where: { connectionId: connectionA.id, organizationId: organizationA }, select: { id: true }, orderBy: { id: "asc" } }),
    ).toEqual(calendarsA);
    expect(await db.syncRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ organizationId: organizationA, calendarId });
    expect(await db.webhookSubscription.findUniqueOrThrow({ where: { id: subscription.id } })).toMatchObject({
      organizationId: organizationA,
      connectionId: connectionA.id,
    });
    expect(await db.webhookEvent.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({
      organizationId: organizationA,
      subscriptionId: subscription.id,
      calendarId,
    });

    // Live in B now: A cannot take it back while B has it.
    flow = await start(first, provider);
    expect(await callback(first, provider, await consent(flow.authUrl, { email: account.email }, consentFetch(provider)), flow.stateCookie)).toBe(
      "already_connected_elsewhere",
    );
    expect((await db.calendarConnection.findUniqueOrThrow({ where: { id: connectionA.id } })).status).toBe("revoked");
  });

  it("reports consent denied", async () => {
    const person = await signIn(`deny-${provider}@calsync.test`);
    const { authUrl, stateCookie } = await start(person, provider);
    const back = await consent(authUrl, { deny: true }, consentFetch(provider));
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(await callback(person, provider, back, stateCookie)).toBe("consent_denied");
    expect(dispatched).toEqual([]);
  });

  it("refuses missing, mismatched and replayed state", async () => {
    const person = await signIn(`state-${provider}@calsync.test`);
    const db = await database.db();
    await db.calendarConnection.deleteMany({ where: { provider } });
    const { authUrl, stateCookie } = await start(person, provider);
    const back = await consent(authUrl, { email: account.email }, consentFetch(provider));

    const withoutState = new URL(back);
    withoutState.searchParams.delete("state");
    expect(await callback(person, provider, withoutState, stateCookie)).toBe("state_missing");

    const forged = new URL(back);
    forged.searchParams.set("state", "forged-state-value");
    expect(await callback(person, provider, forged, stateCookie)).toBe("state_mismatch");

    // Another browser (no state cookie) cannot complete someone's flow...
    expect(await callback(person, provider, back, null)).toBe("state_mismatch");
    // ...and the state is spent: replaying the same response is refused as a replay.
    expect(await callback(person, provider, back, stateCookie)).toBe("state_replayed");
    expect(await db.calendarConnection.count({ where: { organizationId: person.viewer.organizationId } })).toBe(0);
  });

  it("refuses a replay of a successful callback", async () => {
    const person = await signIn(`replay-${provider}@calsync.test`);
    const db = await database.db();
    await db.calendarConnection.deleteMany({ where: { provider } });
    const { authUrl, stateCookie } = await start(person, provider);
    const back = await consent(authUrl, { email: account.email }, consentFetch(provider));
    expect(await callback(person, provider, back, stateCookie)).toBe("connected");
    expect(await callback(person, provider, back, stateCookie)).toBe("state_replayed");
  });

  it("reports a failed token exchange", async () => {
    const person = await signIn(`exchange-${provider}@calsync.test`);
    const { authUrl, stateCookie } = await start(person, provider);
    const back = await consent(authUrl, { email: account.email }, consentFetch(provider));
    await emu.control.failNext({ endpoint: `${provider}.token`, status: 500 });
    expect(await callback(person, provider, back, stateCookie)).toBe("exchange_failed");
    expect(dispatched).toEqual([]);
  });

  it("refuses a grant without calendar access", async () => {
    const person = await signIn(`scope-${provider}@calsync.test`);
    const db = await database.db();
    await db.calendarConnection.deleteMany({ where: { provider } });
    // Earlier tests granted calendar access, and providers add earlier grants to new
    // tokens (include_granted_scopes): start from an account that never consented.
    await emu.control.revokeGrant(provider, account.email);
    const { authUrl, stateCookie } = await start(person, provider);
    const back = await consent(authUrl, { email: account.email, untick: [account.calendarScope] }, consentFetch(provider));
    expect(await callback(person, provider, back, stateCookie)).toBe("scope_missing");
    expect(await db.calendarConnection.count({ where: { organizationId: person.viewer.organizationId } })).toBe(0);
  });

  it("rejects a provider error and malformed parameters without throwing", async () => {
    const person = await signIn(`malformed-${provider}@calsync.test`);
    expect(await callback(person, provider, new URL("http://x/?error=server_error&state=abc"), null)).toBe("provider_error");
    expect(await callback(person, provider, new URL(`http://x/?code=${"x".repeat(5000)}&state=abc`), null)).toBe("invalid_callback");
  });
});

describe("connect routes when signed out", () => {
  it("send the person to sign in", async () => {
    const response = await startConnect(request("/api/oauth/google/start"), "google");
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get("location")!).pathname).toBe("/signin");
  });
});
