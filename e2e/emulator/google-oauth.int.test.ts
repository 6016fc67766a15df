// Google OAuth 2.0 / OpenID Connect through google-auth-library's OAuth2Client.
import { createHash } from "node:crypto";
import { CodeChallengeMethod, gaxios } from "google-auth-library";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "./server";
import { consent, GOOGLE_SCOPES, googleCalendarApi, googleOAuthClient, googleSignIn, REDIRECT_URI, startTestEmulator } from "./test-support";

// gaxios is google-auth-library's HTTP layer; its error class is what googleapis throws.
const GaxiosError = gaxios.GaxiosError;
type GaxiosError = gaxios.GaxiosError;

const CALENDAR_READONLY = "https://www.googleapis.com/auth/calendar.readonly";
let emu: Emulator;

beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.stop());
beforeEach(() => emu.reset());

async function tokenError(promise: Promise<unknown>): Promise<{ status?: number; data: unknown }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GaxiosError);
  const gaxios = error as GaxiosError;
  return { status: gaxios.response?.status, data: gaxios.response?.data };
}

describe("Google OpenID discovery and keys", () => {
  it("publishes discovery under the issuer with matching endpoints", async () => {
    const response = await fetch(`${emu.google.issuer}/.well-known/openid-configuration`);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.issuer).toBe(emu.google.issuer);
    expect(body.authorization_endpoint).toBe(emu.google.authUrl);
    expect(body.token_endpoint).toBe(emu.google.tokenUrl);
    expect(body.jwks_uri).toBe(emu.google.jwksUrl);
    expect(body.code_challenge_methods_supported).toContain("S256");
  });

  it("signs id tokens that OAuth2Client.verifyIdToken accepts (PEM certs), with the OpenID claims", async () => {
    const { client, tokens } = await googleSignIn(emu, { nonce: "nonce-1" });
    const ticket = await client.verifyIdToken({ idToken: tokens.id_token!, audience: client._clientId! });
    const payload = ticket.getPayload()!;
    expect(payload.iss).toBe(emu.google.issuer);
    expect(payload.aud).toBe(client._clientId);
    expect(payload.email).toBe("alice@example.com");
    expect(payload.email_verified).toBe(true);
    expect(payload.name).toBe("Alice Example");
    expect(payload.nonce).toBe("nonce-1");
    expect(payload.sub).toMatch(/^\d{21}$/);
    expect(payload.exp - payload.iat).toBe(3600);
    const atHash = createHash("sha256").update(tokens.access_token!).digest().subarray(0, 16).toString("base64url");
    expect(payload.at_hash).toBe(atHash);
    const jwks = (await (await fetch(emu.google.jwksUrl)).json()) as { keys: Array<{ kid: string; alg: string }> };
    const header = JSON.parse(Buffer.from(tokens.id_token!.split(".")[0]!, "base64url").toString()) as { kid: string; alg: string };
    expect(header.alg).toBe("RS256");
    expect(jwks.keys[0]).toMatchObject({ alg: "RS256", kid: header.kid });
  });
});

describe("Google authorization code flow", () => {
  it("shows the seeded accounts, returns state and a code, and checks PKCE at the token endpoint", async () => {
    const client = googleOAuthClient(emu);
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const authUrl = client.generateAuthUrl({
      scope: GOOGLE_SCOPES,
      access_type: "offline",
      state: "xyz",
      code_challenge: codeChallenge,
      code_challenge_method: CodeChallengeMethod.S256,
    });
    const page = await (await fetch(authUrl)).text();
    expect(page).toContain("alice@example.com");
    expect(page).toContain(`data-testid="scope-${CALENDAR_READONLY}"`);
    const back = await consent(authUrl, { email: "alice@example.com" });
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get("state")).toBe("xyz");
    const code = back.searchParams.get("code")!;
    const wrongVerifier = await tokenError(client.getToken({ code, codeVerifier: `${codeVerifier}x` }));
    expect(wrongVerifier).toEqual({ status: 400, data: { error: "invalid_grant", error_description: "Invalid code verifier." } });
    // The failed attempt did not burn the code.
    const { tokens } = await client.getToken({ code, codeVerifier });
    expect(tokens.refresh_token).toMatch(/^1\/\//);
    expect(tokens.scope?.split(" ")).toEqual(expect.arrayContaining(["openid", CALENDAR_READONLY, "https://www.googleapis.com/auth/userinfo.email"]));
    const reused = await tokenError(client.getToken({ code, codeVerifier }));
    expect(reused.status).toBe(400);
    expect(reused.data).toMatchObject({ error: "invalid_grant" });
  });

  it("answers access_denied with the state when the user denies", async () => {
    const client = googleOAuthClient(emu);
    const back = await consent(client.generateAuthUrl({ scope: GOOGLE_SCOPES, state: "s1" }), { deny: true });
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe("s1");
    expect(back.searchParams.has("code")).toBe(false);
  });

  it("issues a refresh token only with access_type=offline, only the first time, and again with prompt=consent", async () => {
    const online = await googleSignIn(emu, { offline: false });
    expect(online.tokens.refresh_token).toBeUndefined();
    const first = await googleSignIn(emu);
    expect(first.tokens.refresh_token).toBeDefined();
    const second = await googleSignIn(emu);
    expect(second.tokens.refresh_token).toBeUndefined();
    const forced = await googleSignIn(emu, { prompt: "consent" });
    expect(forced.tokens.refresh_token).toBeDefined();
    expect(forced.tokens.refresh_token).not.toBe(first.tokens.refresh_token);
  });

  it("lets the user untick a scope; the API then answers 403 insufficientPermissions", async () => {
    const { client, tokens } = await googleSignIn(emu, { untick: [CALENDAR_READONLY] });
    expect(tokens.scope?.split(" ")).not.toContain(CALENDAR_READONLY);
    const calendar = googleCalendarApi(emu, client);
    const error = await calendar.calendarList.list().catch((caught: GaxiosError) => caught);
    expect(error).toBeInstanceOf(GaxiosError);
    expect((error as GaxiosError).response?.status).toBe(403);
    expect(((error as GaxiosError).response?.data as { error: { errors: Array<{ reason: string }> } }).error.errors[0]?.reason).toBe("insufficientPermissions");
  });

  it("narrows scopes through the control-API consent defaults and auto-consent knobs", async () => {
    await emu.control.setConsentDefaults({ provider: "google", withholdScopes: [CALENDAR_READONLY] });
    const narrowed = await googleSignIn(emu);
    expect(narrowed.tokens.scope).not.toContain(CALENDAR_READONLY);
    await emu.control.setConsentDefaults({ provider: "google", withholdScopes: [] });
    await emu.control.setAutoConsent({ provider: "google", email: "alice@example.com", deny: true, times: 1 });
    const client = googleOAuthClient(emu);
    const response = await fetch(client.generateAuthUrl({ scope: GOOGLE_SCOPES, state: "auto" }), { redirect: "manual" });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(location.searchParams.get("error")).toBe("access_denied");
    expect(location.searchParams.get("state")).toBe("auto");
  });

  it("rejects a wrong client secret with invalid_client and an unknown client on its error page", async () => {
    const client = googleOAuthClient(emu);
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    const back = await consent(
      client.generateAuthUrl({ scope: GOOGLE_SCOPES, code_challenge: codeChallenge, code_challenge_method: CodeChallengeMethod.S256 }),
      { email: "alice@example.com" },
    );
    const wrong = googleOAuthClient(emu, { clientSecret: "nope" });
    const error = await tokenError(wrong.getToken({ code: back.searchParams.get("code")!, codeVerifier }));
    expect(error).toEqual({ status: 401, data: { error: "invalid_client", error_description: "Unauthorized" } });
    const unknown = await fetch(`${emu.google.authUrl}?client_id=nobody&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code&scope=openid`);
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toContain("invalid_client");
  });
});

describe("Google tokens", () => {
  it("refreshes through OAuth2Client and answers invalid_grant once the grant is revoked", async () => {
    const { client, tokens } = await googleSignIn(emu);
    const refreshed = await client.refreshAccessToken();
    expect(refreshed.credentials.access_token).not.toBe(tokens.access_token);
    expect(refreshed.credentials.refresh_token).toBe(tokens.refresh_token); // Google does not rotate
    expect(await emu.control.revokeGrant("google", "alice@example.com")).toBe(1);
    const error = await tokenError(client.refreshAccessToken());
    expect(error).toEqual({ status: 400, data: { error: "invalid_grant", error_description: "Token has been expired or revoked." } });
  });

  it("revokes through the /revoke endpoint (OAuth2Client.revokeToken) and the control API per refresh token", async () => {
    const { client, tokens } = await googleSignIn(emu);
    await client.revokeToken(tokens.refresh_token!);
    await expect(tokenError(client.refreshAccessToken())).resolves.toMatchObject({ status: 400, data: { error: "invalid_grant" } });
    const other = await googleSignIn(emu, { prompt: "consent" });
    expect(await emu.control.revokeRefreshToken(other.tokens.refresh_token!)).toBe(true);
    await expect(tokenError(other.client.refreshAccessToken())).resolves.toMatchObject({ status: 400, data: { error: "invalid_grant" } });
  });

  it("answers tokeninfo and both userinfo endpoints", async () => {
    const { client, tokens } = await googleSignIn(emu);
    const info = await client.getTokenInfo(tokens.access_token!);
    expect(info.email).toBe("alice@example.com");
    expect(info.scopes).toContain(CALENDAR_READONLY);
    for (const url of [emu.google.userInfoUrl, `${emu.google.origin}/v1/userinfo`]) {
      const response = await client.request<{ email: string; name: string; sub: string }>({ url });
      expect(response.data).toMatchObject({ email: "alice@example.com", name: "Alice Example", email_verified: true });
    }
    const anonymous = await fetch(emu.google.userInfoUrl);
    expect(anonymous.status).toBe(401);
  });

  it("expires access tokens; OAuth2Client (forceRefreshOnFailure) refreshes on the 401 and the call succeeds", async () => {
    // Without forceRefreshOnFailure, google-auth-library trusts its local expiry_date and surfaces the 401.
    const { client } = await googleSignIn(emu, { forceRefreshOnFailure: true });
    const calendar = googleCalendarApi(emu, client);
    await emu.control.resetCalls();
    expect(await emu.control.expireAccessTokens("alice@example.com")).toBeGreaterThan(0);
    const list = await calendar.calendarList.list();
    expect(list.status).toBe(200);
    const calls = await emu.control.calls();
    expect(calls.byEndpoint["google.token"]).toBe(1);
    expect(calls.byEndpoint["google.calendarList.list"]).toBe(2);
  });

  it("expires access tokens after the configured lifetime (clock moved forward)", async () => {
    const { tokens } = await googleSignIn(emu);
    await emu.control.advanceClock(3601);
    const response = await fetch(`${emu.google.origin}/calendar/v3/users/me/calendarList`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(((await response.json()) as { error: { status: string } }).error.status).toBe("UNAUTHENTICATED");
  });

  it("fails the token endpoint on demand (endpoint fault google.token); google-auth-library retries the POST", async () => {
    const { client } = await googleSignIn(emu);
    await emu.control.resetCalls();
    await emu.control.failNext({ endpoint: "google.token", status: 503 });
    await expect(client.refreshAccessToken()).resolves.toBeDefined();
    expect((await emu.control.calls()).byEndpoint["google.token"]).toBe(2);
    const raw = await fetch(emu.google.tokenUrl, { method: "POST", body: new URLSearchParams({ grant_type: "refresh_token" }) });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toEqual({ error: "invalid_request", error_description: "Missing required parameter: refresh_token" });
  });
});
