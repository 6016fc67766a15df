import { encode } from "next-auth/jwt";
import type { OAuthConfig } from "next-auth/providers/oauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listConnections } from "@/app/api/connections/route";
import type { Emulator } from "@/e2e/emulator/server";
import type { ConnectionsResponse } from "@/lib/api/types";
import { googleSignIn, microsoftSignIn } from "@/e2e/emulator/test-support";
import { setupTestDatabase } from "@/scripts/test/database";
import { connectAccount, request, startAppEmulator, stopAppEmulator, type SignedIn } from "@/scripts/test/app";
import { authOptions, authSecret } from "./options";
import { loadViewer, recordSignIn } from "./organizations";

// Sign-in as next-auth runs it once the provider has answered: the ID token's claims
// go through the provider's profile() and then the jwt callback (recordSignIn), against
// ID tokens the emulator issued and PostgreSQL. An email address never joins an
// identity to a user whose own address nobody verified.

const database = setupTestDatabase();
let emu: Emulator;

beforeAll(async () => {
  emu = await startAppEmulator();
});
afterAll(() => stopAppEmulator(emu));

const claimsOf = (idToken: string | null | undefined) => JSON.parse(Buffer.from(idToken!.split(".")[1]!, "base64url").toString()) as Record<string, unknown>;

/** What next-auth's OAuth callback does with verified claims (core/lib/oauth/callback.js getProfile, then callbacks.jwt). */
async function signInWith(provider: "google" | "microsoft", claims: Record<string, unknown>): Promise<SignedIn> {
  const options = authOptions();
  const config = options.providers.find((candidate) => candidate.id === provider) as OAuthConfig<Record<string, unknown>>;
  const user = await config.profile!(claims as never, {});
  user.email = user.email?.toLowerCase();
  const account = { provider, type: "oauth" as const, providerAccountId: String(user.id) };
  const token = await options.callbacks!.jwt!({ token: { sub: String(user.id) }, user: user as never, account, profile: claims as never, trigger: "signIn" });
  const viewer = await loadViewer(await db(), token.uid as string);
  if (!viewer) throw new Error("sign-in created no membership");
  return { viewer, cookie: `next-auth.session-token=${await encode({ token, secret: authSecret() })}` };
}

const db = () => database.db();

async function connectionsSeenBy(person: SignedIn): Promise<string[]> {
  const response = await listConnections(request("/api/connections", { cookie: person.cookie }), { params: Promise.resolve({}) } as never);
  expect(response.status).toBe(200);
  const body = (await response.json()) as ConnectionsResponse;
  return body.providers.flatMap((provider) => provider.connections.map((connection) => connection.id));
}

describe("sign-in identities", () => {
  it("a Microsoft sign-in claiming someone's address, then that person's Google sign-in: two users, nothing shared", async () => {
    await emu.control.addAccount({ provider: "microsoft", email: "victim@example.com", name: "Mallory" });
    await emu.control.addAccount({ provider: "google", email: "victim@example.com", name: "Victim" });

    const microsoftClaims = claimsOf((await microsoftSignIn(emu, { email: "victim@example.com" })).id_token);
    expect(microsoftClaims.preferred_username).toBe("victim@example.com");
    const attacker = await signInWith("microsoft", microsoftClaims);

    const googleClaims = claimsOf((await googleSignIn(emu, { email: "victim@example.com" })).tokens.id_token);
    expect(googleClaims.email_verified).toBe(true);
    const victim = await signInWith("google", googleClaims);

    expect(victim.viewer.userId).not.toBe(attacker.viewer.userId);
    expect(victim.viewer.organizationId).not.toBe(attacker.viewer.organizationId);
    expect(victim.viewer.role).toBe("owner");

    const victimConnection = await connectAccount(emu, victim, "google", "victim@example.com");
    expect(await connectionsSeenBy(victim)).toEqual([victimConnection]);
    expect(await connectionsSeenBy(attacker)).toEqual([]);

    // Signing in again lands each on their own user; the Microsoft identity is keyed by tenant and object id.
    expect((await signInWith("microsoft", microsoftClaims)).viewer.userId).toBe(attacker.viewer.userId);
    expect((await signInWith("google", googleClaims)).viewer.userId).toBe(victim.viewer.userId);
    const accounts = await (
      await db()
    ).account.findMany({
      where: { userId: { in: [attacker.viewer.userId, victim.viewer.userId] } },
      select: { userId: true, provider: true, providerAccountId: true },
    });
    expect(accounts).toHaveLength(2);
    expect(accounts.find((row) => row.provider === "microsoft")).toEqual({
      userId: attacker.viewer.userId,
      provider: "microsoft",
      providerAccountId: `${microsoftClaims.tid}:${microsoftClaims.oid}`,
    });
  });

  it("a Microsoft sign-in with the address of an existing Google user gets a user of its own", async () => {
    await emu.control.addAccount({ provider: "google", email: "first@example.com", name: "First" });
    await emu.control.addAccount({ provider: "microsoft", email: "first@example.com", name: "Claimant" });
    const owner = await signInWith("google", claimsOf((await googleSignIn(emu, { email: "first@example.com" })).tokens.id_token));
    const claimant = await signInWith("microsoft", claimsOf((await microsoftSignIn(emu, { email: "first@example.com" })).id_token));
    expect(claimant.viewer.userId).not.toBe(owner.viewer.userId);
    expect(claimant.viewer.organizationId).not.toBe(owner.viewer.organizationId);
  });

  it("the same Microsoft object id in another tenant is another person", async () => {
    const claims = claimsOf((await microsoftSignIn(emu)).id_token);
    const home = await signInWith("microsoft", claims);
    const elsewhere = await signInWith("microsoft", { ...claims, tid: "11111111-2222-3333-4444-555555555555" });
    expect(elsewhere.viewer.userId).not.toBe(home.viewer.userId);
  });

  it("a Microsoft account stored under its object id alone (before tid:oid) keeps its user, rekeyed on the next sign-in", async () => {
    await emu.control.addAccount({ provider: "microsoft", email: "legacy@contoso.example", name: "Legacy" });
    const claims = claimsOf((await microsoftSignIn(emu, { email: "legacy@contoso.example" })).id_token);
    const { userId } = await recordSignIn(await db(), {
      provider: "microsoft",
      providerAccountId: String(claims.oid),
      email: "legacy@contoso.example",
      name: "Legacy",
      image: null,
      emailVerified: false,
    });
    const again = await signInWith("microsoft", claims);
    expect(again.viewer.userId).toBe(userId);
    const rows = await (await db()).account.findMany({ where: { userId }, select: { providerAccountId: true } });
    expect(rows).toEqual([{ providerAccountId: `${claims.tid}:${claims.oid}` }]);
  });

  it("Microsoft claims without tid/oid are refused, not keyed by something weaker", async () => {
    const claims = claimsOf((await microsoftSignIn(emu)).id_token);
    await expect(signInWith("microsoft", { ...claims, oid: undefined })).rejects.toThrow(/tid\/oid/);
    await expect(signInWith("microsoft", { ...claims, tid: undefined })).rejects.toThrow(/tid\/oid/);
  });

  it("two identities whose provider verified the same address, the first one verified too, are one user", async () => {
    const first = await recordSignIn(await db(), {
      provider: "google",
      providerAccountId: "g-1",
      email: "both@example.com",
      name: null,
      image: null,
      emailVerified: true,
    });
    const second = await recordSignIn(await db(), {
      provider: "google",
      providerAccountId: "g-2",
      email: "Both@Example.com",
      name: null,
      image: null,
      emailVerified: true,
    });
    expect(second).toEqual({ userId: first.userId, created: false });
    const unverified = await recordSignIn(await db(), {
      provider: "google",
      providerAccountId: "g-3",
      email: "both@example.com",
      name: null,
      image: null,
      emailVerified: false,
    });
    expect(unverified.userId).not.toBe(first.userId);
    // An unverified first user is never joined, even by a verified identity.
    const claimed = await recordSignIn(await db(), {
      provider: "microsoft",
      providerAccountId: "t:o",
      email: "late@example.com",
      name: null,
      image: null,
      emailVerified: false,
    });
    const real = await recordSignIn(await db(), {
      provider: "google",
      providerAccountId: "g-4",
      email: "late@example.com",
      name: null,
      image: null,
      emailVerified: true,
    });
    expect(real.userId).not.toBe(claimed.userId);
    expect(real.created).toBe(true);
  });
});
