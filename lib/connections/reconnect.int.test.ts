import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupTestDatabase } from "@/scripts/test/database";
import { addMember, request, signIn, startAppEmulator, stopAppEmulator, type SignedIn } from "@/scripts/test/app";
import { consent } from "@/e2e/emulator/test-support";
import { fetchTrustingCa } from "@/e2e/emulator/trust";
import type { Emulator } from "@/e2e/emulator/server";
import { installJobSender } from "@/lib/jobs/dispatch";
import type { ConnectionsResponse } from "@/lib/api/types";
import { GET as listConnections } from "@/app/api/connections/route";
import { CURRENT_ORGANIZATION_COOKIE } from "@/lib/auth/organizations";
import { disconnectConnection } from "./disconnect";
import { finishConnect, startConnect } from "./flow";
import { stateCookieName } from "@/lib/oauth/state";

// Reconnect never duplicates: a card's Reconnect renews that connection and refuses
// consent from another account (naming it), connecting again after a disconnect is
// "connected" with the old calendar choices, every live connection (needs-reconnect
// ones too) is on the onboarding list, and "already connected elsewhere" names the
// organization only to its members. Real flow, real consent page, real database.

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;

const ACCOUNTS = {
  google: { email: "alice@example.com", other: "carol@example.com" },
  microsoft: { email: "bob@contoso.example", other: "dave@contoso.example" },
} as const;
type ProviderName = keyof typeof ACCOUNTS;

beforeAll(async () => {
  emu = await startAppEmulator();
  restoreJobs = installJobSender(async () => {});
  await emu.control.addAccount({ provider: "google", email: ACCOUNTS.google.other, name: "Carol" });
  await emu.control.addAccount({ provider: "microsoft", email: ACCOUNTS.microsoft.other, name: "Dave" });
});
afterAll(async () => {
  restoreJobs?.();
  await stopAppEmulator(emu);
});

/** One connect as `person` (optionally a card's reconnect), consenting as `email`: the callback's result and detail. */
async function connectAs(person: SignedIn, provider: ProviderName, email: string, options: { reconnect?: string; cookie?: string } = {}) {
  const cookie = options.cookie ?? person.cookie;
  const started = await startConnect(
    request(`/api/oauth/${provider}/start${options.reconnect ? `?connection=${options.reconnect}` : ""}`, { cookie }),
    provider,
  );
  const authUrl = started.headers.get("location")!;
  const stateCookie = new RegExp(`${stateCookieName(provider)}=([^;]+)`).exec(started.headers.get("set-cookie") ?? "")?.[1];
  const back = await consent(authUrl, { email }, provider === "microsoft" ? fetchTrustingCa(emu.caCertPem) : fetch);
  const finished = await finishConnect(
    request(`/api/oauth/${provider}/callback${back.search}`, { cookie: `${cookie}; ${stateCookieName(provider)}=${stateCookie}` }),
    provider,
  );
  const location = new URL(finished.headers.get("location")!);
  return {
    result: location.searchParams.get("result"),
    detail: location.searchParams.get("detail"),
    loginHint: new URL(authUrl).searchParams.get("login_hint"),
  };
}

async function liveConnections(person: SignedIn, provider: ProviderName) {
  const db = await database.db();
  return db.calendarConnection.findMany({
    where: { organizationId: person.viewer.organizationId, provider, status: { not: "revoked" } },
    orderBy: { createdAt: "asc" },
  });
}

describe.each(["google", "microsoft"] as const)("%s reconnect", (provider) => {
  const account = ACCOUNTS[provider];
  let owner: SignedIn;
  let connectionId: string;

  beforeAll(async () => {
    owner = await signIn(`reconnect-${provider}@calsync.test`);
    const db = await database.db();
    await db.calendarConnection.updateMany({ where: { provider }, data: { status: "revoked" } });
    expect((await connectAs(owner, provider, account.email)).result).toBe("connected");
    connectionId = (await liveConnections(owner, provider))[0]!.id;
  });

  it("renews the card's connection with the same account, hinting that account to the provider", async () => {
    const db = await database.db();
    await db.calendarConnection.update({ where: { id: connectionId }, data: { status: "needs_reconnect", lastError: "invalid_grant" } });
    const outcome = await connectAs(owner, provider, account.email, { reconnect: connectionId });
    expect(outcome.result).toBe("reconnected");
    expect(outcome.loginHint).toBe(account.email);
    const live = await liveConnections(owner, provider);
    expect(live.map((connection) => [connection.id, connection.status])).toEqual([[connectionId, "active"]]);
  });

  it("refuses consent with a different account on a card's reconnect, naming it, and adds nothing", async () => {
    const db = await database.db();
    const before = await db.calendarConnection.findUniqueOrThrow({ where: { id: connectionId } });
    const outcome = await connectAs(owner, provider, account.other, { reconnect: connectionId });
    expect(outcome.result).toBe("different_account");
    expect(outcome.detail).toBe(account.other);
    const live = await liveConnections(owner, provider);
    expect(live.map((connection) => connection.id)).toEqual([connectionId]);
    // The card's own connection is untouched: same tokens, same account.
    const after = await db.calendarConnection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(after.accessToken).toBe(before.accessToken);
    expect(after.accountEmail).toBe(account.email);
  });

  it("connects the other account as a new one when asked to, and lists both, needs-reconnect ones included", async () => {
    expect((await connectAs(owner, provider, account.other)).result).toBe("connected");
    const db = await database.db();
    const live = await liveConnections(owner, provider);
    expect(live.map((connection) => connection.accountEmail)).toEqual([account.email, account.other]);
    await db.calendarConnection.update({ where: { id: live[0]!.id }, data: { status: "needs_reconnect" } });
    const response = await listConnections(request("/api/connections", { cookie: owner.cookie }), undefined as never);
    const body = (await response.json()) as ConnectionsResponse;
    const cards = body.providers.find((summary) => summary.provider === provider)!.connections;
    expect(cards.map((card) => [card.accountEmail, card.status])).toEqual([
      [account.email, "needs_reconnect"],
      [account.other, "active"],
    ]);
    // Each card says who connected it.
    expect(cards.every((card) => card.connectedBy?.email === owner.viewer.email)).toBe(true);
    await disconnectConnection(live[1]!.id, owner.viewer.organizationId);
    await db.calendarConnection.update({ where: { id: live[0]!.id }, data: { status: "active" } });
  });

  it("connecting again after a disconnect says connected, not renewed, and keeps the calendars' choices", async () => {
    const db = await database.db();
    const calendars = await db.calendar.findMany({ where: { connectionId }, orderBy: { providerCalendarId: "asc" } });
    expect(calendars.length).toBeGreaterThanOrEqual(2);
    const secondary = calendars.find((calendar) => !calendar.isPrimary)!;
    const primary = calendars.find((calendar) => calendar.isPrimary)!;
    await db.calendar.update({ where: { id: secondary.id }, data: { syncEnabled: true } });
    await db.calendar.update({ where: { id: primary.id }, data: { syncEnabled: false } });
    await disconnectConnection(connectionId, owner.viewer.organizationId);
    expect((await connectAs(owner, provider, account.email)).result).toBe("connected");
    const again = await liveConnections(owner, provider);
    expect(again.map((connection) => connection.id)).toEqual([connectionId]);
    const choices = await db.calendar.findMany({ where: { connectionId }, select: { id: true, syncEnabled: true } });
    expect(choices).toEqual(
      expect.arrayContaining([
        { id: secondary.id, syncEnabled: true },
        { id: primary.id, syncEnabled: false },
      ]),
    );
  });

  it("'already connected elsewhere' names the organization to its members only", async () => {
    // A member of the owner's organization with an organization of their own.
    const colleague = await signIn(`colleague-${provider}@calsync.test`);
    const db = await database.db();
    await db.membership.create({ data: { organizationId: owner.viewer.organizationId, userId: colleague.viewer.userId, role: "member" } });
    await db.organization.update({ where: { id: owner.viewer.organizationId }, data: { name: `Reconnect ${provider} team` } });
    const inTheirOwn = `${colleague.cookie}; ${CURRENT_ORGANIZATION_COOKIE}=${colleague.viewer.organizationId}`;
    const named = await connectAs(colleague, provider, account.email, { cookie: inTheirOwn });
    expect(named).toMatchObject({ result: "already_connected_in_yours", detail: `Reconnect ${provider} team` });

    const outsider = await signIn(`outsider-${provider}@calsync.test`);
    const unnamed = await connectAs(outsider, provider, account.email);
    expect(unnamed.result).toBe("already_connected_elsewhere");
    expect(unnamed.detail).toBeNull();
    expect(await db.calendarConnection.count({ where: { organizationId: { in: [colleague.viewer.organizationId, outsider.viewer.organizationId] } } })).toBe(0);
  });

  it("a reconnect naming another organization's connection is a plain connect there (no hint, no binding)", async () => {
    const stranger = await addMember((await signIn(`lonely-${provider}@calsync.test`)).viewer.organizationId, `lonely2-${provider}@calsync.test`, "owner");
    const started = await startConnect(request(`/api/oauth/${provider}/start?connection=${connectionId}`, { cookie: stranger.cookie }), provider);
    expect(new URL(started.headers.get("location")!).searchParams.get("login_hint")).toBeNull();
    const db = await database.db();
    const state = await db.oAuthState.findFirstOrThrow({ where: { userId: stranger.viewer.userId }, orderBy: { createdAt: "desc" } });
    expect(state.connectionId).toBeNull();
  });
});
