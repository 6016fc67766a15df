import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "@/e2e/emulator/server";
import { installJobSender } from "@/lib/jobs/dispatch";
import { AccessTokenCache, accessTokenFor, ConnectionUnusableError } from "@/lib/oauth/tokens";
import { providerFor } from "@/lib/providers";
import { connectAccount, signIn, startAppEmulator, stopAppEmulator } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";
import { disconnectConnection } from "./disconnect";

// Disconnecting against the emulator: the grant revoked at Google (its tokens stop
// working there), Microsoft's self-service answer, and no process, this one or
// another, handing out the disconnected connection's access token afterwards.

const database = setupTestDatabase();
let emu: Emulator;
let restoreJobs: () => void;

beforeAll(async () => {
  emu = await startAppEmulator();
  restoreJobs = installJobSender(async () => {});
});
afterAll(async () => {
  restoreJobs?.();
  await stopAppEmulator(emu);
});

async function storedTokens(connectionId: string) {
  const db = await database.db();
  return db.calendarConnection.findUniqueOrThrow({ where: { id: connectionId }, select: { accessToken: true, refreshToken: true, status: true } });
}

describe("disconnect", () => {
  it("revokes the Google grant: its refresh and access tokens stop working at Google", async () => {
    const person = await signIn("revoke-google@calsync.test");
    const connectionId = await connectAccount(emu, person, "google", "alice@example.com");
    const { accessToken, refreshToken } = await storedTokens(connectionId);
    const google = providerFor("google");
    // Working before: the checks below could fail.
    expect((await google.listCalendars(accessToken!)).length).toBeGreaterThan(0);

    expect((await disconnectConnection(connectionId, person.viewer.organizationId)).grant).toBe("revoked");

    await expect(google.listCalendars(accessToken!)).rejects.toMatchObject({ kind: "unauthorized" });
    await expect(google.refreshTokens(refreshToken!)).rejects.toMatchObject({ kind: "reauthorization_required" });
    expect(await storedTokens(connectionId)).toMatchObject({ accessToken: null, refreshToken: null, status: "revoked" });
    // Google answers 400 invalid_token for a token already revoked; that is still "revoked".
    const again = await fetch(emu.google.revokeUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: refreshToken! }),
    });
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: "invalid_token" });
    expect(await google.revokeGrant(refreshToken!)).toBe("revoked");
  });

  it("has nothing to revoke at Microsoft: says the person revokes it themselves, and forgets the tokens", async () => {
    const person = await signIn("revoke-microsoft@calsync.test");
    const connectionId = await connectAccount(emu, person, "microsoft", "bob@contoso.example");
    expect(providerFor("microsoft").revocation).toMatchObject({ kind: "self_service" });
    expect((await disconnectConnection(connectionId, person.viewer.organizationId)).grant).toBe("self_service");
    expect(await storedTokens(connectionId)).toMatchObject({ accessToken: null, refreshToken: null, status: "revoked" });
  });

  it("another process's cache never hands out the access token of a connection disconnected (or refreshed) elsewhere", async () => {
    const person = await signIn("cache-google@calsync.test");
    const db = await database.db();
    await db.calendarConnection.updateMany({ where: { provider: "google", status: { not: "revoked" } }, data: { status: "revoked" } });
    const connectionId = await connectAccount(emu, person, "google", "alice@example.com");
    // Two processes, each with its own memory: neither can clear the other's.
    const processA = new AccessTokenCache();
    const processB = new AccessTokenCache();
    const token = await accessTokenFor(connectionId, { cache: processA });
    expect(await processA.get(connectionId)).toBe(token);

    // B refreshes (a sync's 401): A's remembered token is not the row's any more.
    const refreshed = await accessTokenFor(connectionId, { force: true, staleToken: token, cache: processB });
    expect(refreshed).not.toBe(token);
    expect(await processA.get(connectionId)).toBeNull();
    expect(await accessTokenFor(connectionId, { cache: processA })).toBe(refreshed);
    expect(await processA.get(connectionId)).toBe(refreshed);

    // Disconnected through this process's code path, which clears only its own cache.
    await disconnectConnection(connectionId, person.viewer.organizationId);
    expect(await processA.get(connectionId)).toBeNull();
    await expect(accessTokenFor(connectionId, { cache: processA })).rejects.toBeInstanceOf(ConnectionUnusableError);
  });
});
