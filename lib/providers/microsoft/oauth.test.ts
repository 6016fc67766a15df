import { describe, expect, it } from "vitest";
import { sandboxMicrosoft } from "../config";
import { authorityUrl, microsoftAuthorizationUrl, missingMicrosoftScopes, tenantIdFromIdToken } from "./oauth";

const settings = { ...sandboxMicrosoft("https://login.example"), tenant: "organizations" };

describe("microsoftAuthorizationUrl", () => {
  it("asks the tenant's v2 authorize endpoint for a code with PKCE, consent and our scopes", () => {
    const url = new URL(
      microsoftAuthorizationUrl(settings, {
        state: "s-1",
        codeChallenge: "c".repeat(43),
        redirectUri: "https://app.example/cb",
        loginHint: "bob@contoso.example",
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe("https://login.example/organizations/oauth2/v2.0/authorize");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: settings.clientId,
      response_type: "code",
      redirect_uri: "https://app.example/cb",
      response_mode: "query",
      scope: "openid email offline_access Calendars.Read User.Read MailboxSettings.Read",
      state: "s-1",
      prompt: "consent",
      code_challenge: "c".repeat(43),
      code_challenge_method: "S256",
      login_hint: "bob@contoso.example",
    });
  });

  it("sends the browser to the sandbox's HTTP page, the server's token call to HTTPS", () => {
    const sandbox = { ...sandboxMicrosoft("https://localhost:4011", "http://localhost:4010"), tenant: "t-1" };
    expect(new URL(microsoftAuthorizationUrl(sandbox, { state: "s", codeChallenge: "c", redirectUri: "http://app/cb" })).origin).toBe("http://localhost:4010");
    expect(authorityUrl(sandbox, "token")).toBe("https://localhost:4011/t-1/oauth2/v2.0/token");
  });

  it("leaves login_hint out when none is given", () => {
    const url = new URL(microsoftAuthorizationUrl(settings, { state: "s", codeChallenge: "c", redirectUri: "https://app.example/cb" }));
    expect(url.searchParams.has("login_hint")).toBe(false);
  });
});

describe("missingMicrosoftScopes", () => {
  it("accepts Calendars.Read or Calendars.ReadWrite, short or fully qualified, in any case", () => {
    expect(missingMicrosoftScopes(["https://graph.microsoft.com/Calendars.Read", "https://graph.microsoft.com/User.Read"])).toEqual([]);
    expect(missingMicrosoftScopes(["calendars.read"])).toEqual([]);
    expect(missingMicrosoftScopes(["https://graph.microsoft.com/Calendars.ReadWrite"])).toEqual([]);
  });

  it("reports Calendars.Read when only other permissions were granted, and never offline_access", () => {
    expect(missingMicrosoftScopes(["https://graph.microsoft.com/User.Read"])).toEqual(["Calendars.Read"]);
    expect(missingMicrosoftScopes(["https://graph.microsoft.com/Calendars.Read.Shared"])).toEqual(["Calendars.Read"]);
    expect(missingMicrosoftScopes([])).toEqual(["Calendars.Read"]);
  });
});

describe("tenantIdFromIdToken", () => {
  const jwt = (claims: object) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;

  it("reads the tid claim", () => {
    expect(tenantIdFromIdToken(jwt({ tid: "3c5d6a1e-7a1b-4d2e-9f10-ca15c0e00001", oid: "x" }))).toBe("3c5d6a1e-7a1b-4d2e-9f10-ca15c0e00001");
  });

  it("answers null for missing tokens, missing claims and garbage", () => {
    expect(tenantIdFromIdToken(null)).toBeNull();
    expect(tenantIdFromIdToken(jwt({ oid: "x" }))).toBeNull();
    expect(tenantIdFromIdToken("not.a-jwt!.x")).toBeNull();
    expect(tenantIdFromIdToken("nodots")).toBeNull();
  });
});
