// Google's OAuth 2.0 / OpenID Connect endpoints. Paths mirror the real hosts
// folded onto one origin: accounts.google.com/o/oauth2/v2/auth,
// oauth2.googleapis.com/{token,revoke,tokeninfo}, openidconnect.googleapis.com/v1/userinfo,
// www.googleapis.com/oauth2/{v3/userinfo,v3/certs,v1/certs}.

import { continueAuthorization, type AuthorizationProfile } from "../consent";
import type { EmulatorServices } from "../context";
import { googleOAuthError } from "../errors";
import { escapeHtml, type RequestContext, type RouteDefinition } from "../http";
import { accessTokenHash, signJwt } from "../jwt";
import { TokenError, type IssuedTokens, type TokenFailure } from "../oauth";
import type { AuthorizationRequest } from "../oauth";
import { GOOGLE_SCOPES } from "./auth";

const USERINFO_EMAIL = "https://www.googleapis.com/auth/userinfo.email";
const USERINFO_PROFILE = "https://www.googleapis.com/auth/userinfo.profile";
/** Google rewrites the short OpenID scopes to their long names in what it grants. */
const SCOPE_ALIASES: Record<string, string> = { email: USERINFO_EMAIL, profile: USERINFO_PROFILE };
const ID_TOKEN_TTL_SECONDS = 3600;

export function googleIssuer(services: EmulatorServices): string {
  return services.origins.http;
}

export function googleAuthorizationProfile(services: EmulatorServices): AuthorizationProfile {
  return {
    provider: "google",
    label: "Google",
    fixedScopes: ["openid", USERINFO_EMAIL, USERINFO_PROFILE],
    accountsFor: () => [...services.store.accounts.values()].filter((account) => account.provider === "google"),
    successParams: (request, code, granted) => ({ state: request.state, code, scope: granted.join(" "), authuser: "0", prompt: "consent" }),
    errorParams: (request, error) => ({ error: error === "access_denied" ? "access_denied" : "consent_required", state: request.state }),
  };
}

export function googleOAuthRoutes(services: EmulatorServices): RouteDefinition[] {
  const profile = googleAuthorizationProfile(services);
  const authorize = (ctx: RequestContext) => beginAuthorization(ctx, services, profile);
  return [
    { method: "GET", path: "/o/oauth2/v2/auth", endpoint: "google.oauth.authorize", family: "google-oauth", handler: authorize },
    { method: "GET", path: "/o/oauth2/auth", endpoint: "google.oauth.authorize", family: "google-oauth", handler: authorize },
    { method: "POST", path: "/token", endpoint: "google.token", family: "google-oauth", handler: (ctx) => token(ctx, services) },
    { method: "POST", path: "/revoke", endpoint: "google.revoke", family: "google-oauth", handler: (ctx) => revoke(ctx, services) },
    { method: "GET", path: "/tokeninfo", endpoint: "google.tokeninfo", family: "google-oauth", handler: (ctx) => tokenInfo(ctx, services) },
    { method: "POST", path: "/tokeninfo", endpoint: "google.tokeninfo", family: "google-oauth", handler: (ctx) => tokenInfo(ctx, services) },
    { method: "GET", path: "/oauth2/v3/userinfo", endpoint: "google.userinfo", family: "google-oauth", handler: (ctx) => userInfo(ctx, services) },
    { method: "GET", path: "/v1/userinfo", endpoint: "google.userinfo", family: "google-oauth", handler: (ctx) => userInfo(ctx, services) },
    {
      method: "GET",
      path: "/.well-known/openid-configuration",
      endpoint: "google.discovery",
      family: "google-oauth",
      handler: (ctx) => ctx.sendJson(200, discovery(services)),
    },
    {
      method: "GET",
      path: "/oauth2/v3/certs",
      endpoint: "google.jwks",
      family: "google-oauth",
      handler: (ctx) => ctx.sendJson(200, { keys: [services.keys.google.publicJwk] }),
    },
    {
      method: "GET",
      path: "/oauth2/v1/certs",
      endpoint: "google.jwks",
      family: "google-oauth",
      handler: (ctx) => ctx.sendJson(200, { [services.keys.google.kid]: services.keys.google.certificatePem }, { "cache-control": "public, max-age=3600" }),
    },
  ];
}

function discovery(services: EmulatorServices): Record<string, unknown> {
  const origin = googleIssuer(services);
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/o/oauth2/v2/auth`,
    device_authorization_endpoint: `${origin}/device/code`,
    token_endpoint: `${origin}/token`,
    userinfo_endpoint: `${origin}/v1/userinfo`,
    revocation_endpoint: `${origin}/revoke`,
    jwks_uri: `${origin}/oauth2/v3/certs`,
    response_types_supported: ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    scopes_supported: ["openid", "email", "profile"],
    token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
    claims_supported: ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub"],
    code_challenge_methods_supported: ["plain", "S256"],
    grant_types_supported: [
      "authorization_code",
      "refresh_token",
      "urn:ietf:params:oauth:grant-type:device_code",
      "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ],
  };
}

/** Errors Google shows on its own page instead of redirecting (the redirect target is not trusted yet). */
function errorPage(ctx: RequestContext, status: number, error: string, detail: string): void {
  ctx.sendHtml(
    status,
    `<!doctype html><title>Error ${status}: ${escapeHtml(error)}</title><h1>Access blocked: this app's request is invalid</h1><p>Error ${status}: ${escapeHtml(error)}</p><p>${escapeHtml(detail)}</p>`,
  );
}

function beginAuthorization(ctx: RequestContext, services: EmulatorServices, profile: AuthorizationProfile): void {
  const clientId = ctx.query("client_id");
  if (!clientId) return errorPage(ctx, 400, "invalid_request", "Missing required parameter: client_id");
  const client = services.oauth.findClient("google", clientId);
  if (!client) return errorPage(ctx, 401, "invalid_client", "The OAuth client was not found.");
  const redirectUri = ctx.query("redirect_uri");
  if (!redirectUri) return errorPage(ctx, 400, "invalid_request", "Missing required parameter: redirect_uri");
  if (!services.oauth.redirectUriAllowed(client, redirectUri)) return errorPage(ctx, 400, "redirect_uri_mismatch", `redirect_uri=${redirectUri}`);
  const scopeText = ctx.query("scope");
  if (!scopeText) return errorPage(ctx, 400, "invalid_request", "Missing required parameter: scope");
  const method = ctx.query("code_challenge_method");
  const challenge = ctx.query("code_challenge");
  if (method !== undefined && method !== "S256" && method !== "plain") return errorPage(ctx, 400, "invalid_request", "Invalid code_challenge_method value.");
  if (challenge !== undefined && !/^[A-Za-z0-9\-._~]{43,128}$/.test(challenge)) return errorPage(ctx, 400, "invalid_request", "Invalid code_challenge value.");
  const scopes = [
    ...new Set(
      scopeText
        .split(/[\s+]+/)
        .filter(Boolean)
        .map((scope) => SCOPE_ALIASES[scope] ?? scope),
    ),
  ];
  const request: AuthorizationRequest = services.oauth.beginAuthorization({
    provider: "google",
    clientId,
    redirectUri,
    scopes,
    state: ctx.query("state"),
    nonce: ctx.query("nonce"),
    codeChallenge: challenge,
    codeChallengeMethod: challenge ? ((method as "S256" | "plain" | undefined) ?? "plain") : undefined,
    offline: ctx.query("access_type") === "offline",
    forceConsent: (ctx.query("prompt") ?? "").split(" ").includes("consent"),
    includeGrantedScopes: ctx.query("include_granted_scopes") === "true",
    responseMode: ctx.query("response_mode") === "form_post" ? "form_post" : "query",
    loginHint: ctx.query("login_hint"),
  });
  if (ctx.query("response_type") !== "code") {
    services.oauth.deny(request);
    const target = new URL(redirectUri);
    target.searchParams.set("error", "unsupported_response_type");
    if (request.state) target.searchParams.set("state", request.state);
    ctx.redirect(target.toString());
    return;
  }
  continueAuthorization(ctx, services.oauth, profile, request, ctx.query("prompt"));
}

const FAILURES: Record<TokenFailure, [number, string, string]> = {
  invalid_client_unknown: [401, "invalid_client", "The OAuth client was not found."],
  invalid_client_secret: [401, "invalid_client", "Unauthorized"],
  code_unknown: [400, "invalid_grant", "Malformed auth code."],
  code_expired: [400, "invalid_grant", "Bad Request"],
  code_redeemed: [400, "invalid_grant", "Bad Request"],
  code_wrong_client: [400, "invalid_grant", "Bad Request"],
  redirect_mismatch: [400, "redirect_uri_mismatch", "Bad Request"],
  pkce_missing_verifier: [400, "invalid_grant", "Missing code verifier."],
  pkce_mismatch: [400, "invalid_grant", "Invalid code verifier."],
  pkce_unexpected_verifier: [400, "invalid_grant", "code_verifier or verifier is not needed."],
  refresh_unknown: [400, "invalid_grant", "Bad Request"],
  refresh_revoked: [400, "invalid_grant", "Token has been expired or revoked."],
  scope_not_granted: [400, "invalid_scope", "Some requested scopes were invalid."],
};

async function token(ctx: RequestContext, services: EmulatorServices): Promise<void> {
  const form = await ctx.form();
  const grantType = form.get("grant_type");
  try {
    if (grantType !== "authorization_code" && grantType !== "refresh_token") {
      throw googleOAuthError(400, "unsupported_grant_type", `Invalid grant_type: ${grantType ?? ""}`);
    }
    const required = grantType === "authorization_code" ? ["code", "redirect_uri"] : ["refresh_token"];
    const missing = required.find((name) => !form.get(name));
    if (missing) throw googleOAuthError(400, "invalid_request", `Missing required parameter: ${missing}`);
    const client = services.oauth.authenticateClient("google", ctx, form);
    const issued =
      grantType === "authorization_code"
        ? services.oauth.redeemCode(client, form)
        : services.oauth.refresh(client, form, {
            rotate: false,
            requestedScopes: form
              .get("scope")
              ?.split(" ")
              .filter(Boolean)
              .map((scope) => SCOPE_ALIASES[scope] ?? scope),
          });
    ctx.sendJson(200, tokenResponse(services, issued, client.clientId), {
      "cache-control": "no-cache, no-store, max-age=0, must-revalidate",
      pragma: "no-cache",
    });
  } catch (error) {
    if (error instanceof TokenError) {
      const [status, code, description] = FAILURES[error.failure];
      throw googleOAuthError(status, code, description);
    }
    throw error;
  }
}

function tokenResponse(services: EmulatorServices, issued: IssuedTokens, clientId: string): Record<string, unknown> {
  const now = Math.floor(services.clock.now() / 1000);
  const body: Record<string, unknown> = {
    access_token: issued.accessToken.token,
    expires_in: Math.max(0, Math.floor((issued.accessToken.expiresAt - services.clock.now()) / 1000) - 1),
    scope: issued.scopes.join(" "),
    token_type: "Bearer",
  };
  if (issued.refreshToken) body.refresh_token = issued.refreshToken;
  if (issued.scopes.includes("openid")) {
    const account = issued.account;
    const [givenName, ...rest] = account.name.split(" ");
    body.id_token = signJwt(services.keys.google, {
      iss: googleIssuer(services),
      azp: clientId,
      aud: clientId,
      sub: account.subject,
      ...(issued.scopes.includes(USERINFO_EMAIL) ? { email: account.email, email_verified: true } : {}),
      at_hash: accessTokenHash(issued.accessToken.token),
      ...(issued.nonce !== undefined ? { nonce: issued.nonce } : {}),
      ...(issued.scopes.includes(USERINFO_PROFILE) ? { name: account.name, given_name: givenName, family_name: rest.join(" ") || undefined } : {}),
      iat: now,
      exp: now + ID_TOKEN_TTL_SECONDS,
    });
  }
  return body;
}

async function revoke(ctx: RequestContext, services: EmulatorServices): Promise<void> {
  const form = await ctx.form();
  // Google documents the token as a form field (and accepts it in the query too).
  const value = form.get("token") ?? ctx.query("token") ?? "";
  // Revoking any token of a grant (access or refresh) revokes the whole grant at
  // Google; a token of a grant already revoked is "expired or revoked" like an unknown one.
  if (!services.oauth.isLiveGrantToken(value) || !services.oauth.revokeToken(value, { wholeGrant: true })) {
    throw googleOAuthError(400, "invalid_token", "Token expired or revoked");
  }
  ctx.sendJson(200, {});
}

async function tokenInfo(ctx: RequestContext, services: EmulatorServices): Promise<void> {
  const form = ctx.method === "POST" ? await ctx.form() : new URLSearchParams();
  const bearer = /^Bearer\s+(\S+)$/i.exec(ctx.header("authorization") ?? "")?.[1];
  const value = ctx.query("access_token") ?? form.get("access_token") ?? bearer ?? "";
  const check = services.oauth.checkBearer("google", `Bearer ${value}`);
  if (!check.ok) throw googleOAuthError(400, "invalid_token", "Invalid Value");
  const { token: record, account } = check;
  ctx.sendJson(200, {
    azp: record.clientId,
    aud: record.clientId,
    sub: account.subject,
    scope: record.scopes.join(" "),
    exp: String(Math.floor(record.expiresAt / 1000)),
    expires_in: String(Math.floor((record.expiresAt - services.clock.now()) / 1000)),
    ...(record.scopes.includes(USERINFO_EMAIL) ? { email: account.email, email_verified: "true" } : {}),
    access_type: record.grant.refreshTokenIssued ? "offline" : "online",
  });
}

function userInfo(ctx: RequestContext, services: EmulatorServices): void {
  const check = services.oauth.checkBearer("google", ctx.header("authorization"));
  if (!check.ok) {
    ctx.sendJson(
      401,
      { error: "invalid_request", error_description: "Invalid Credentials" },
      { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    );
    return;
  }
  if (!check.token.scopes.some((scope) => GOOGLE_SCOPES.userinfo.includes(scope))) {
    ctx.sendJson(403, { error: "insufficient_scope", error_description: "Insufficient Permission" });
    return;
  }
  const { account, token: record } = check;
  const [givenName, ...rest] = account.name.split(" ");
  ctx.sendJson(200, {
    sub: account.subject,
    ...(record.scopes.includes(USERINFO_PROFILE)
      ? { name: account.name, given_name: givenName, family_name: rest.join(" ") || undefined, picture: `${ctx.origin}/_emulator/avatar.png` }
      : {}),
    ...(record.scopes.includes(USERINFO_EMAIL) ? { email: account.email, email_verified: true } : {}),
  });
}
