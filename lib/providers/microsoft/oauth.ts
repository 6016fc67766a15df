import type { MicrosoftSettings } from "../config";
import { ProviderError } from "../errors";
import type { AuthorizationRequest, ProviderTokens } from "../port";
import { tokenFailure, type TokenErrorBody } from "./errors";

// Microsoft identity platform v2 (authorization code + PKCE, refresh). The Graph
// SDK does no OAuth, so these are plain form posts to the tenant's token endpoint.

/**
 * What we ask for: an id_token (for the tenant id), a refresh token
 * (offline_access), read access to calendars and the signed-in user's profile
 * (GET /me), and, optionally, the mailbox settings: MailboxSettings.Read gives
 * the mailbox's time zone, so Microsoft calendars get their real zone (all-day
 * events on the right dates); unticked, calendars read as UTC and sync still
 * works. Short Graph names resolve to https://graph.microsoft.com/….
 */
export const MICROSOFT_SCOPES = ["openid", "email", "offline_access", "Calendars.Read", "User.Read", "MailboxSettings.Read"] as const;

/** Graph permissions that satisfy the calendar read requirement (a write grant includes read). */
const CALENDAR_READ_GRANTS = new Set(["calendars.read", "calendars.readwrite"]);

export function authorityUrl(settings: MicrosoftSettings, endpoint: "authorize" | "token"): string {
  const base = endpoint === "authorize" ? (settings.browserLoginBaseUrl ?? settings.loginBaseUrl) : settings.loginBaseUrl;
  return `${base.replace(/\/+$/, "")}/${encodeURIComponent(settings.tenant)}/oauth2/v2.0/${endpoint}`;
}

export function microsoftAuthorizationUrl(settings: MicrosoftSettings, request: AuthorizationRequest): string {
  const url = new URL(authorityUrl(settings, "authorize"));
  const params: Record<string, string> = {
    client_id: settings.clientId,
    response_type: "code",
    redirect_uri: request.redirectUri,
    response_mode: "query",
    scope: MICROSOFT_SCOPES.join(" "),
    state: request.state,
    // Consent every time: a reconnect after a narrowed grant must be able to widen it again.
    prompt: "consent",
    code_challenge: request.codeChallenge,
    code_challenge_method: "S256",
  };
  if (request.loginHint) params.login_hint = request.loginHint;
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * The required scopes missing from a grant (as the token response's `scope`
 * lists it). Only Calendars.Read is checked, by the last path segment and
 * case-insensitively, because Microsoft reports Graph permissions fully
 * qualified (`https://graph.microsoft.com/Calendars.Read`); Calendars.ReadWrite
 * covers it. offline_access is deliberately not required here: neither
 * Microsoft nor the emulator echo OpenID scopes (openid, email, offline_access)
 * in `scope`, so it would always look missing. Whether it was granted shows in
 * the token response itself: a refresh token comes back only when it was.
 * User.Read is not required either: we need it once, for GET /me at connect
 * time, and exchangeCode fails there if it was withheld.
 */
export function missingMicrosoftScopes(granted: string[]): string[] {
  const names = new Set(granted.map((scope) => (scope.split("/").pop() ?? "").toLowerCase()));
  return [...CALENDAR_READ_GRANTS].some((name) => names.has(name)) ? [] : ["Calendars.Read"];
}

/**
 * The `tid` claim of an id_token, without verifying the signature: the token
 * came straight from the token endpoint over TLS in answer to our own request,
 * which is the authentication OpenID Connect allows for the code flow. Null when
 * absent or unreadable (the tenant id is informational).
 */
export function tenantIdFromIdToken(idToken: string | null | undefined): string | null {
  const payload = idToken?.split(".")[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
    const tid = claims && typeof claims === "object" ? (claims as { tid?: unknown }).tid : undefined;
    return typeof tid === "string" && tid !== "" ? tid : null;
  } catch {
    return null;
  }
}

export interface TokenResponse {
  tokens: ProviderTokens;
  idToken: string | null;
}

function readTokenResponse(body: unknown, now: number): TokenResponse {
  const record = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
  const accessToken = record.access_token;
  const expiresIn = Number(record.expires_in);
  if (typeof accessToken !== "string" || accessToken === "" || !Number.isFinite(expiresIn)) {
    throw new ProviderError("failed", "Microsoft token endpoint answered without an access token or lifetime");
  }
  const scope = typeof record.scope === "string" ? record.scope : "";
  return {
    tokens: {
      accessToken,
      refreshToken: typeof record.refresh_token === "string" && record.refresh_token !== "" ? record.refresh_token : null,
      expiresAt: new Date(now + expiresIn * 1000),
      scopes: scope.split(/\s+/).filter(Boolean),
    },
    idToken: typeof record.id_token === "string" ? record.id_token : null,
  };
}

/** POSTs a grant to the token endpoint; `action` names it in error messages. */
export async function requestTokens(
  settings: MicrosoftSettings,
  grant: Record<string, string>,
  fetchImpl: typeof fetch,
  action: string,
): Promise<TokenResponse> {
  const form = new URLSearchParams({
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
    scope: MICROSOFT_SCOPES.join(" "),
    ...grant,
  });
  const startedAt = Date.now();
  let response: Response;
  try {
    response = await fetchImpl(authorityUrl(settings, "token"), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: form.toString(),
    });
  } catch (error) {
    throw new ProviderError("unavailable", `Microsoft ${action}: no response (network)`, { cause: error });
  }
  const text = await response.text().catch(() => "");
  let body: unknown = null;
  try {
    body = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    body = null;
  }
  if (!response.ok) throw tokenFailure(response.status, body as TokenErrorBody | null, response.headers, action);
  return readTokenResponse(body, startedAt);
}
