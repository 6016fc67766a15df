// Microsoft identity platform v2 per tenant: /{tenant}/oauth2/v2.0/{authorize,token},
// /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/discovery/v2.0/keys,
// and Graph's /oidc/userinfo. Served on the HTTPS origin, except that discovery
// names the HTTP origin's authorize page: it is the one a browser opens, and a
// stock browser must not meet the emulator's self-made certificate (every route
// is served on both listeners).

import { createHash, randomUUID } from "node:crypto";
import { continueAuthorization, type AuthorizationProfile } from "../consent";
import type { EmulatorServices } from "../context";
import { microsoftIdentityError } from "../errors";
import { escapeHtml, type RequestContext, type RouteDefinition } from "../http";
import { signJwt } from "../jwt";
import { TokenError, type AuthorizationRequest, type IssuedTokens, type TokenFailure } from "../oauth";
import type { Account } from "../state";

const GRAPH_RESOURCE = "https://graph.microsoft.com/";
/** OpenID scopes are not Graph permissions: they are never prefixed. */
const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);
/** The consumer (personal account) tenant. */
export const CONSUMERS_TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad";
const ID_TOKEN_TTL_SECONDS = 3600;

/** Short Graph permission names resolve to `https://graph.microsoft.com/<name>`. */
export function normalizeMicrosoftScope(scope: string): string {
  if (OIDC_SCOPES.has(scope) || /^https?:\/\//.test(scope)) return scope;
  return GRAPH_RESOURCE + scope;
}

/** A token's Graph permissions, by short name, for checks (`Calendars.Read`). */
export function graphPermissions(scopes: string[]): Set<string> {
  return new Set(scopes.filter((scope) => scope.startsWith(GRAPH_RESOURCE)).map((scope) => scope.slice(GRAPH_RESOURCE.length).toLowerCase()));
}

export function microsoftIssuer(services: EmulatorServices, tenantId: string): string {
  return `${services.origins.https}/${tenantId}/v2.0`;
}

function knownTenants(services: EmulatorServices): Set<string> {
  const tenants = new Set([services.settings.defaultTenantId]);
  for (const account of services.store.accounts.values()) if (account.tenantId) tenants.add(account.tenantId);
  return tenants;
}

function accountsInTenant(services: EmulatorServices, tenant: string): Account[] {
  const microsoftAccounts = [...services.store.accounts.values()].filter((account) => account.provider === "microsoft");
  if (tenant === "common") return microsoftAccounts;
  if (tenant === "organizations") return microsoftAccounts.filter((account) => account.tenantId !== CONSUMERS_TENANT_ID);
  if (tenant === "consumers") return microsoftAccounts.filter((account) => account.tenantId === CONSUMERS_TENANT_ID);
  return microsoftAccounts.filter((account) => account.tenantId === tenant);
}

function tenantExists(services: EmulatorServices, tenant: string): boolean {
  return ["common", "organizations", "consumers"].includes(tenant) || knownTenants(services).has(tenant);
}

export function microsoftAuthorizationProfile(services: EmulatorServices): AuthorizationProfile {
  return {
    provider: "microsoft",
    label: "Microsoft",
    fixedScopes: ["openid"],
    accountsFor: (request) => accountsInTenant(services, request.tenant ?? "common"),
    successParams: (request, code) => ({ code, state: request.state, session_state: randomUUID() }),
    errorParams: (request, error) =>
      error === "access_denied"
        ? { error: "access_denied", error_description: "AADSTS65004: User declined to consent to access the app.", state: request.state }
        : {
            error: "interaction_required",
            error_description: "AADSTS50058: A silent sign-in request was sent but no user is signed in.",
            state: request.state,
          },
  };
}

export function microsoftIdentityRoutes(services: EmulatorServices): RouteDefinition[] {
  const profile = microsoftAuthorizationProfile(services);
  return [
    {
      method: "GET",
      path: "/:tenant/oauth2/v2.0/authorize",
      endpoint: "microsoft.authorize",
      family: "microsoft-identity",
      handler: (ctx) => beginAuthorization(ctx, services, profile),
    },
    { method: "POST", path: "/:tenant/oauth2/v2.0/token", endpoint: "microsoft.token", family: "microsoft-identity", handler: (ctx) => token(ctx, services) },
    {
      method: "GET",
      path: "/:tenant/v2.0/.well-known/openid-configuration",
      endpoint: "microsoft.discovery",
      family: "microsoft-identity",
      handler: (ctx) => discovery(ctx, services),
    },
    {
      method: "GET",
      path: "/:tenant/discovery/v2.0/keys",
      endpoint: "microsoft.jwks",
      family: "microsoft-identity",
      handler: (ctx) => ctx.sendJson(200, { keys: [services.keys.microsoft.publicJwk] }),
    },
    { method: "GET", path: "/oidc/userinfo", endpoint: "microsoft.userinfo", family: "graph", handler: (ctx) => userInfo(ctx, services) },
  ];
}

function requireTenant(services: EmulatorServices, tenant: string): void {
  if (!tenantExists(services, tenant)) {
    throw microsoftIdentityError(
      400,
      "invalid_tenant",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }
}

function discovery(ctx: RequestContext, services: EmulatorServices): void {
  const tenant = ctx.params.tenant ?? "common";
  requireTenant(services, tenant);
  const origin = services.origins.https;
  const isMultiTenant = ["common", "organizations", "consumers"].includes(tenant);
  // Multi-tenant metadata carries a literal {tenantid} placeholder in the issuer, as the real one does.
  const issuerTenant = isMultiTenant ? (tenant === "consumers" ? CONSUMERS_TENANT_ID : "{tenantid}") : tenant;
  ctx.sendJson(200, {
    token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ["query", "fragment", "form_post"],
    subject_types_supported: ["pairwise"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
    scopes_supported: ["openid", "profile", "email", "offline_access"],
    issuer: `${origin}/${issuerTenant}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${origin}/oidc/userinfo`,
    authorization_endpoint: `${services.origins.http}/${tenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
    claims_supported: [
      "sub",
      "iss",
      "cloud_instance_name",
      "cloud_instance_host_name",
      "cloud_graph_host_name",
      "msgraph_host",
      "aud",
      "exp",
      "iat",
      "auth_time",
      "acr",
      "nonce",
      "preferred_username",
      "name",
      "tid",
      "ver",
      "at_hash",
      "c_hash",
      "email",
    ],
    kerberos_endpoint: `${origin}/${tenant}/kerberos`,
    tenant_region_scope: "EU",
    cloud_instance_name: "microsoftonline.com",
    cloud_graph_host_name: "graph.windows.net",
    msgraph_host: new URL(origin).host,
    rbac_url: "https://pas.windows.net",
    code_challenge_methods_supported: ["plain", "S256"],
  });
}

function errorPage(ctx: RequestContext, aadsts: number, message: string): void {
  ctx.sendHtml(
    400,
    `<!doctype html><title>Sign in to your account</title><h1>Sorry, but we're having trouble signing you in.</h1><p>AADSTS${aadsts}: ${escapeHtml(message)}</p>`,
  );
}

function beginAuthorization(ctx: RequestContext, services: EmulatorServices, profile: AuthorizationProfile): void {
  const tenant = ctx.params.tenant ?? "common";
  if (!tenantExists(services, tenant)) return errorPage(ctx, 90002, `Tenant '${tenant}' not found.`);
  const clientId = ctx.query("client_id");
  if (!clientId) return errorPage(ctx, 900144, "The request body must contain the following parameter: 'client_id'.");
  const client = services.oauth.findClient("microsoft", clientId);
  if (!client) return errorPage(ctx, 700016, `Application with identifier '${clientId}' was not found in the directory.`);
  const redirectUri = ctx.query("redirect_uri");
  if (!redirectUri || !services.oauth.redirectUriAllowed(client, redirectUri)) {
    return errorPage(
      ctx,
      50011,
      `The redirect URI '${redirectUri ?? ""}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
    );
  }
  const back = (error: string, description: string) => {
    const target = new URL(redirectUri);
    target.searchParams.set("error", error);
    target.searchParams.set("error_description", description);
    const state = ctx.query("state");
    if (state !== undefined) target.searchParams.set("state", state);
    ctx.redirect(target.toString());
  };
  if (ctx.query("response_type") !== "code")
    return back("unsupported_response_type", "AADSTS700054: response_type 'id_token' is not enabled for the application.");
  const scopeText = ctx.query("scope");
  if (!scopeText) return back("invalid_request", "AADSTS900144: The request body must contain the following parameter: 'scope'.");
  const method = ctx.query("code_challenge_method");
  const challenge = ctx.query("code_challenge");
  if (method !== undefined && method !== "S256" && method !== "plain")
    return back("invalid_request", "AADSTS5000751: The code_challenge_method is not supported.");
  const scopes = [...new Set(scopeText.split(/\s+/).filter(Boolean).map(normalizeMicrosoftScope))];
  const request: AuthorizationRequest = services.oauth.beginAuthorization({
    provider: "microsoft",
    clientId,
    redirectUri,
    scopes,
    state: ctx.query("state"),
    nonce: ctx.query("nonce"),
    codeChallenge: challenge,
    codeChallengeMethod: challenge ? ((method as "S256" | "plain" | undefined) ?? "plain") : undefined,
    offline: scopes.includes("offline_access"),
    forceConsent: ctx.query("prompt") === "consent",
    // Tokens carry the scopes of this request (as consented), not everything consented earlier.
    includeGrantedScopes: false,
    tenant,
    responseMode: ctx.query("response_mode") === "form_post" ? "form_post" : "query",
    loginHint: ctx.query("login_hint"),
  });
  continueAuthorization(ctx, services.oauth, profile, request, ctx.query("prompt"));
}

const FAILURES: Record<TokenFailure, [number, string, number, string]> = {
  invalid_client_unknown: [400, "unauthorized_client", 700016, "Application was not found in the directory."],
  invalid_client_secret: [
    401,
    "invalid_client",
    7000215,
    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
  ],
  code_unknown: [400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."],
  code_expired: [400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity."],
  code_redeemed: [
    400,
    "invalid_grant",
    54005,
    "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
  ],
  code_wrong_client: [400, "invalid_grant", 700005, "Provided Authorization Code is intended to use against other tenant or application."],
  redirect_mismatch: [400, "invalid_grant", 500112, "The reply address does not match the reply address provided when requesting Authorization code."],
  pkce_missing_verifier: [400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."],
  pkce_mismatch: [400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."],
  pkce_unexpected_verifier: [400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."],
  refresh_unknown: [400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."],
  refresh_revoked: [
    400,
    "invalid_grant",
    50173,
    "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
  ],
  scope_not_granted: [
    400,
    "invalid_grant",
    65001,
    "The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.",
  ],
};

async function token(ctx: RequestContext, services: EmulatorServices): Promise<void> {
  const tenant = ctx.params.tenant ?? "common";
  requireTenant(services, tenant);
  const form = await ctx.form();
  const grantType = form.get("grant_type");
  try {
    if (grantType !== "authorization_code" && grantType !== "refresh_token") {
      throw microsoftIdentityError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grantType ?? ""}'.`);
    }
    const required = grantType === "authorization_code" ? ["code", "redirect_uri"] : ["refresh_token"];
    const missing = required.find((name) => !form.get(name));
    if (missing) throw microsoftIdentityError(400, "invalid_request", 900144, `The request body must contain the following parameter: '${missing}'.`);
    const client = services.oauth.authenticateClient("microsoft", ctx, form);
    const requestedScopes = (form.get("scope") ?? "")
      .split(/\s+/)
      .filter((scope) => scope && !OIDC_SCOPES.has(scope))
      .map(normalizeMicrosoftScope);
    const issued =
      grantType === "authorization_code" ? services.oauth.redeemCode(client, form) : services.oauth.refresh(client, form, { rotate: true, requestedScopes });
    // Only a grant that includes offline_access yields refresh tokens.
    const offlineGranted =
      grantType === "authorization_code" ? issued.scopes.includes("offline_access") : issued.accessToken.grant.scopes.includes("offline_access");
    if (!offlineGranted) issued.refreshToken = undefined;
    ctx.sendJson(200, tokenResponse(services, issued, client.clientId), { "cache-control": "no-store, no-cache", pragma: "no-cache" });
  } catch (error) {
    if (error instanceof TokenError) {
      const [status, code, aadsts, text] = FAILURES[error.failure];
      throw microsoftIdentityError(status, code, aadsts, text);
    }
    throw error;
  }
}

function tokenResponse(services: EmulatorServices, issued: IssuedTokens, clientId: string): Record<string, unknown> {
  const lifetime = Math.max(0, Math.floor((issued.accessToken.expiresAt - services.clock.now()) / 1000));
  const body: Record<string, unknown> = {
    token_type: "Bearer",
    // As in Microsoft's documented responses: the Graph permissions, fully qualified; OpenID scopes are not echoed.
    scope: issued.scopes.filter((scope) => !OIDC_SCOPES.has(scope)).join(" "),
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: issued.accessToken.token,
  };
  if (issued.refreshToken) body.refresh_token = issued.refreshToken;
  if (issued.scopes.includes("openid")) {
    const account = issued.account;
    const tenantId = account.tenantId ?? services.settings.defaultTenantId;
    const now = Math.floor(services.clock.now() / 1000);
    body.id_token = signJwt(services.keys.microsoft, {
      aud: clientId,
      iss: microsoftIssuer(services, tenantId),
      iat: now,
      nbf: now,
      exp: now + ID_TOKEN_TTL_SECONDS,
      ...(issued.scopes.includes("email") ? { email: account.email } : {}),
      ...(issued.scopes.includes("profile") ? { name: account.name, preferred_username: account.email } : {}),
      ...(issued.nonce !== undefined ? { nonce: issued.nonce } : {}),
      oid: account.subject,
      // `sub` is pairwise: stable per user and application, different from oid.
      sub: createHash("sha256").update(`${account.subject}|${clientId}`).digest("base64url").slice(0, 43),
      tid: tenantId,
      uti: randomUUID().replace(/-/g, "").slice(0, 22),
      ver: "2.0",
    });
  }
  return body;
}

function userInfo(ctx: RequestContext, services: EmulatorServices): void {
  const check = services.oauth.checkBearer("microsoft", ctx.header("authorization"));
  if (!check.ok) {
    ctx.sendJson(401, { error: { code: "InvalidAuthenticationToken", message: "Access token validation failure." } });
    return;
  }
  const { account, token: record } = check;
  ctx.sendJson(200, {
    sub: createHash("sha256").update(`${account.subject}|${record.clientId}`).digest("base64url").slice(0, 43),
    name: account.name,
    family_name: account.name.split(" ").slice(1).join(" "),
    given_name: account.name.split(" ")[0],
    picture: `${services.origins.https}/v1.0/me/photo/$value`,
    email: account.email,
  });
}
