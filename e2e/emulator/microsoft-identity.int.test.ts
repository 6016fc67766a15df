// Microsoft identity platform v2: per-tenant discovery and keys, authorization code
// with PKCE through the consent page, refresh-token rotation and revocation.
import { createPublicKey, verify } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Emulator } from "./server";
import { consent, MICROSOFT_SCOPES, microsoftSignIn, REDIRECT_URI, startTestEmulator } from "./test-support";
import { fetchTrustingCa } from "./trust";

let emu: Emulator;
let trustedFetch: ReturnType<typeof fetchTrustingCa>;

beforeAll(async () => {
  emu = await startTestEmulator();
  trustedFetch = fetchTrustingCa(emu.caCertPem);
});
afterAll(() => emu.stop());
beforeEach(() => emu.reset());

const client = () => emu.info.clients.find((candidate) => candidate.provider === "microsoft")!;

async function refresh(refreshToken: string, scope = "Calendars.Read offline_access") {
  const response = await trustedFetch(emu.microsoft.tokenUrl, {
    method: "POST",
    body: new URLSearchParams({
      client_id: client().clientId,
      client_secret: client().clientSecret,
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      scope,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function verifyJwt(token: string, jwks: { keys: Array<Record<string, unknown>> }): Record<string, unknown> {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const { kid, alg } = JSON.parse(Buffer.from(header, "base64url").toString()) as { kid: string; alg: string };
  expect(alg).toBe("RS256");
  const jwk = jwks.keys.find((key) => key.kid === kid)!;
  const key = createPublicKey({ key: jwk as never, format: "jwk" });
  expect(verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, "base64url"))).toBe(true);
  return JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
}

describe("Microsoft discovery", () => {
  it("serves per-tenant metadata over HTTPS with the tenant issuer; `common` keeps the {tenantid} placeholder", async () => {
    const tenant = emu.microsoft.defaultTenantId;
    const metadata = (await (await trustedFetch(emu.microsoft.discoveryUrl)).json()) as Record<string, string>;
    expect(metadata.issuer).toBe(`${emu.microsoft.origin}/${tenant}/v2.0`);
    expect(metadata.authorization_endpoint).toBe(emu.microsoft.authorizeUrl);
    expect(metadata.token_endpoint).toBe(emu.microsoft.tokenUrl);
    expect(metadata.jwks_uri).toBe(emu.microsoft.jwksUrl);
    const common = (await (await trustedFetch(`${emu.microsoft.origin}/common/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(common.issuer).toBe(`${emu.microsoft.origin}/{tenantid}/v2.0`);
    const unknown = await trustedFetch(`${emu.microsoft.origin}/00000000-0000-0000-0000-000000000000/v2.0/.well-known/openid-configuration`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error_codes: number[] }).error_codes).toEqual([90002]);
  });
});

describe("Microsoft authorization code flow", () => {
  it("issues tokens with PKCE; the id token is RS256-signed with tid, oid, preferred_username, email, name, nonce", async () => {
    const tokens = await microsoftSignIn(emu, { nonce: "n-0S6" });
    expect(tokens.token_type).toBe("Bearer");
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope.split(" ").sort()).toEqual(["https://graph.microsoft.com/Calendars.Read", "https://graph.microsoft.com/User.Read"]);
    const jwks = (await (await trustedFetch(emu.microsoft.jwksUrl)).json()) as { keys: Array<Record<string, unknown>> };
    const claims = verifyJwt(tokens.id_token!, jwks);
    const bob = (await emu.control.state()).accounts.find((account) => account.email === "bob@contoso.example")!;
    expect(claims).toMatchObject({
      iss: `${emu.microsoft.origin}/${emu.microsoft.defaultTenantId}/v2.0`,
      aud: client().clientId,
      tid: emu.microsoft.defaultTenantId,
      oid: bob.subject,
      preferred_username: "bob@contoso.example",
      email: "bob@contoso.example",
      name: "Bob Contoso",
      nonce: "n-0S6",
      ver: "2.0",
    });
    expect(claims.sub).not.toBe(bob.subject);
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
  });

  it("returns a new refresh token on every refresh and keeps the old one valid until revoked", async () => {
    const tokens = await microsoftSignIn(emu);
    const first = await refresh(tokens.refresh_token!);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toBeTruthy();
    expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
    expect((await refresh(tokens.refresh_token!)).status).toBe(200);
    expect(await emu.control.revokeRefreshToken(tokens.refresh_token!)).toBe(true);
    const revoked = await refresh(tokens.refresh_token!);
    expect(revoked.status).toBe(400);
    expect(revoked.body.error).toBe("invalid_grant");
    expect(String(revoked.body.error_description)).toMatch(/^AADSTS50173:/);
    expect((await refresh(first.body.refresh_token as string)).status).toBe(200);
    await emu.control.revokeGrant("microsoft", "bob@contoso.example");
    expect((await refresh(first.body.refresh_token as string)).body.error).toBe("invalid_grant");
  });

  it("denies with access_denied, error_description and state", async () => {
    const url = `${emu.microsoft.authorizeUrl}?client_id=${client().clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=${encodeURIComponent(MICROSOFT_SCOPES)}&state=deny-me`;
    const back = await consent(url, { deny: true }, trustedFetch);
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("error_description")).toMatch(/^AADSTS65004/);
    expect(back.searchParams.get("state")).toBe("deny-me");
  });

  it("rejects a wrong verifier (AADSTS501481) and a reused code (AADSTS54005)", async () => {
    const verifier = "a".repeat(50);
    const challenge = (await import("node:crypto")).createHash("sha256").update(verifier).digest("base64url");
    const url = `${emu.microsoft.authorizeUrl}?client_id=${client().clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=${encodeURIComponent(MICROSOFT_SCOPES)}&code_challenge=${challenge}&code_challenge_method=S256`;
    const back = await consent(url, { email: "bob@contoso.example" }, trustedFetch);
    const exchange = (codeVerifier: string) =>
      trustedFetch(emu.microsoft.tokenUrl, {
        method: "POST",
        body: new URLSearchParams({
          client_id: client().clientId,
          client_secret: client().clientSecret,
          grant_type: "authorization_code",
          code: back.searchParams.get("code")!,
          redirect_uri: REDIRECT_URI,
          code_verifier: codeVerifier,
        }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { error: string; error_codes?: number[] } }));
    await expect(exchange("b".repeat(50))).resolves.toMatchObject({ status: 400, body: { error: "invalid_grant", error_codes: [501481] } });
    await expect(exchange(verifier)).resolves.toMatchObject({ status: 200 });
    await expect(exchange(verifier)).resolves.toMatchObject({ status: 400, body: { error: "invalid_grant", error_codes: [54005] } });
  });

  it("withholds offline_access when unticked (no refresh token) and fails the token endpoint on demand", async () => {
    const tokens = await microsoftSignIn(emu, { untick: ["offline_access"] });
    expect(tokens.refresh_token).toBeUndefined();
    await emu.control.failNext({ endpoint: "microsoft.token", status: 503 });
    const failed = await refresh("anything");
    expect(failed.status).toBe(503);
    expect(failed.body.error).toBe("temporarily_unavailable");
  });
});
