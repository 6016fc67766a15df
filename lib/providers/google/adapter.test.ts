import { describe, expect, it } from "vitest";
import { sandboxGoogle } from "../config";
import { isProviderError } from "../errors";
import { createGoogleProvider } from "./adapter";

// The parts of the adapter that need no server: the consent URL, the scope check
// and the fixed traits. Everything that talks HTTP is in adapter.int.test.ts.

const settings = sandboxGoogle("http://localhost:4010");
const provider = createGoogleProvider(settings);
const CALENDAR_READONLY = "https://www.googleapis.com/auth/calendar.readonly";

describe("Google provider traits", () => {
  it("watches one calendar per channel, replaces channels, and asks for at most 7 days", () => {
    expect(provider).toMatchObject({
      name: "google",
      displayName: "Google",
      pushScope: "calendar",
      renewal: "replace",
      maxPushLifetimeMs: 7 * 24 * 3600 * 1000,
    });
  });
});

describe("authorizationUrl", () => {
  it("asks for offline calendar read access with consent, PKCE S256 and incremental scopes", () => {
    const url = new URL(
      provider.authorizationUrl({
        state: "st-1",
        codeChallenge: "c".repeat(43),
        redirectUri: "https://app.example/api/oauth/google/callback",
        loginHint: "alice@example.com",
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(settings.authUrl);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toEqual({
      client_id: settings.clientId,
      redirect_uri: "https://app.example/api/oauth/google/callback",
      response_type: "code",
      scope: `openid email profile ${CALENDAR_READONLY}`,
      access_type: "offline",
      prompt: "consent",
      include_granted_scopes: "true",
      state: "st-1",
      code_challenge: "c".repeat(43),
      code_challenge_method: "S256",
      login_hint: "alice@example.com",
    });
  });

  it("leaves login_hint out when none is given, and never puts the client secret in the URL", () => {
    const url = provider.authorizationUrl({ state: "st-2", codeChallenge: "d".repeat(43), redirectUri: "http://127.0.0.1:3000/cb" });
    expect(new URL(url).searchParams.has("login_hint")).toBe(false);
    expect(url).not.toContain(settings.clientSecret);
  });
});

describe("missingScopes", () => {
  it("accepts calendar.readonly or full calendar access, and names calendar.readonly otherwise", () => {
    expect(provider.missingScopes(["openid", CALENDAR_READONLY])).toEqual([]);
    expect(provider.missingScopes(["https://www.googleapis.com/auth/calendar"])).toEqual([]);
    expect(
      provider.missingScopes(["openid", "https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/calendar.events.readonly"]),
    ).toEqual([CALENDAR_READONLY]);
    expect(provider.missingScopes([])).toEqual([CALENDAR_READONLY]);
  });
});

describe("extendPush / stopPush without a round trip", () => {
  it("refuses to extend a channel (Google has no renew call)", async () => {
    const error = await provider
      .extendPush("token", { externalId: "ch-1", resourceId: "r-1" }, new Date(Date.now() + 3600_000))
      .catch((caught: unknown) => caught);
    expect(isProviderError(error, "rejected")).toBe(true);
    expect((error as Error).message).toBe("Google channels cannot be extended; create a new channel");
  });

  it("refuses to stop a channel without its resourceId", async () => {
    const error = await provider.stopPush("token", { externalId: "ch-1", resourceId: null }).catch((caught: unknown) => caught);
    expect(isProviderError(error, "rejected")).toBe(true);
  });
});
