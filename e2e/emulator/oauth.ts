// The OAuth 2.0 machinery both identity providers share: client registry,
// pending authorization requests and the consent page, authorization codes
// with PKCE, grants, refresh and access tokens, revocation. Provider modules
// (google/oauth.ts, microsoft/identity.ts) map its outcomes onto their own
// parameters and error bodies.

import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestContext } from "./http";
import { randomToken } from "./opaque";
import type { Account, CalendarStore, Clock } from "./state";
import type { AutoConsent, OAuthClientInput, Provider } from "./types";

export interface OAuthClient {
  provider: Provider;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface AuthorizationRequest {
  id: string;
  provider: Provider;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: "S256" | "plain";
  /** Google access_type=offline; Microsoft offline_access (decided by the provider module). */
  offline: boolean;
  /** prompt=consent: a fresh consent, hence a fresh refresh token on Google. */
  forceConsent: boolean;
  /** Google include_granted_scopes=true: add the previous grant's scopes. */
  includeGrantedScopes: boolean;
  /** Microsoft tenant segment of the authorize URL. */
  tenant?: string;
  responseMode: "query" | "form_post";
  loginHint?: string;
  createdAt: number;
}

export interface Grant {
  id: string;
  provider: Provider;
  accountId: string;
  clientId: string;
  scopes: string[];
  revoked: boolean;
  refreshTokenIssued: boolean;
}

interface AuthorizationCode {
  code: string;
  request: AuthorizationRequest;
  grant: Grant;
  scopes: string[];
  issueRefreshToken: boolean;
  expiresAt: number;
  redeemed: boolean;
}

interface RefreshTokenRecord {
  token: string;
  grant: Grant;
  scopes: string[];
  revoked: boolean;
}

export interface AccessTokenRecord {
  token: string;
  provider: Provider;
  grant: Grant;
  accountId: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

export interface IssuedTokens {
  accessToken: AccessTokenRecord;
  refreshToken?: string;
  scopes: string[];
  account: Account;
  /** Present on code exchange: the nonce of the authorization request. */
  nonce?: string;
}

/** Why a token request failed; provider modules turn these into their own bodies. */
export type TokenFailure =
  | "invalid_client_unknown"
  | "invalid_client_secret"
  | "code_unknown"
  | "code_expired"
  | "code_redeemed"
  | "code_wrong_client"
  | "redirect_mismatch"
  | "pkce_missing_verifier"
  | "pkce_mismatch"
  | "pkce_unexpected_verifier"
  | "refresh_unknown"
  | "refresh_revoked"
  | "scope_not_granted";

export class TokenError extends Error {
  constructor(readonly failure: TokenFailure) {
    super(failure);
  }
}

export type BearerCheck = { ok: true; token: AccessTokenRecord; account: Account } | { ok: false; reason: "missing" | "invalid" | "expired" };

export interface OAuthSettings {
  accessTokenTtlSeconds: number;
  authCodeTtlSeconds: number;
}

const TOKEN_PREFIXES: Record<Provider, { access: string; refresh: string; code: string }> = {
  google: { access: "ya29.emu-", refresh: "1//emu-", code: "4/emu-" },
  microsoft: { access: "EwB.emu-", refresh: "M.C5.emu-", code: "M.C5_BAY.emu-" },
};

export class OAuthServer {
  private readonly clients = new Map<string, OAuthClient>();
  private readonly requests = new Map<string, AuthorizationRequest>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly grants: Grant[] = [];
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly consentDefaults = new Map<Provider, Set<string>>();
  private autoConsents: Array<AutoConsent & { remaining: number }> = [];

  constructor(
    private readonly store: CalendarStore,
    private readonly clock: Clock,
    readonly settings: OAuthSettings,
  ) {}

  reset(): void {
    this.clients.clear();
    this.requests.clear();
    this.codes.clear();
    this.grants.length = 0;
    this.refreshTokens.clear();
    this.accessTokens.clear();
    this.consentDefaults.clear();
    this.autoConsents = [];
  }

  // ---- clients --------------------------------------------------------------

  registerClient(input: OAuthClientInput): void {
    this.clients.set(`${input.provider}:${input.clientId}`, {
      provider: input.provider,
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      redirectUris: input.redirectUris ?? [],
    });
  }

  listClients(): OAuthClientInput[] {
    return [...this.clients.values()].map((client) => ({ ...client, redirectUris: [...client.redirectUris] }));
  }

  findClient(provider: Provider, clientId: string): OAuthClient | undefined {
    return this.clients.get(`${provider}:${clientId}`);
  }

  redirectUriAllowed(client: OAuthClient, redirectUri: string): boolean {
    if (client.redirectUris.length > 0) return client.redirectUris.includes(redirectUri);
    try {
      const url = new URL(redirectUri);
      return (url.protocol === "http:" || url.protocol === "https:") && url.hash === "";
    } catch {
      return false;
    }
  }

  /** Client authentication at the token endpoint: client_secret_post or client_secret_basic. */
  authenticateClient(provider: Provider, ctx: RequestContext, form: URLSearchParams): OAuthClient {
    let clientId = form.get("client_id") ?? undefined;
    let clientSecret = form.get("client_secret") ?? undefined;
    const basic = /^Basic (.+)$/i.exec(ctx.header("authorization") ?? "");
    if (basic?.[1]) {
      const decoded = Buffer.from(basic[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, " "));
      clientId = decode(decoded.slice(0, colon));
      clientSecret = decode(decoded.slice(colon + 1));
    }
    const client = clientId ? this.findClient(provider, clientId) : undefined;
    if (!client) throw new TokenError("invalid_client_unknown");
    if (clientSecret === undefined || !safeEqual(clientSecret, client.clientSecret)) throw new TokenError("invalid_client_secret");
    return client;
  }

  // ---- consent --------------------------------------------------------------

  beginAuthorization(input: Omit<AuthorizationRequest, "id" | "createdAt">): AuthorizationRequest {
    const request: AuthorizationRequest = { ...input, id: randomToken("authz-", 24), createdAt: this.clock.now() };
    this.requests.set(request.id, request);
    return request;
  }

  pendingRequest(id: string): AuthorizationRequest | undefined {
    return this.requests.get(id);
  }

  setConsentDefaults(provider: Provider, withholdScopes: string[]): void {
    this.consentDefaults.set(provider, new Set(withholdScopes));
  }

  withheldByDefault(provider: Provider): Set<string> {
    return this.consentDefaults.get(provider) ?? new Set();
  }

  setAutoConsent(rule: AutoConsent | null): void {
    if (!rule) {
      this.autoConsents = [];
      return;
    }
    this.autoConsents = this.autoConsents.filter((existing) => existing.provider !== rule.provider);
    this.autoConsents.push({ ...rule, remaining: rule.times ?? Number.POSITIVE_INFINITY });
  }

  /** A standing automatic answer for this provider, consumed once. */
  takeAutoConsent(provider: Provider): AutoConsent | undefined {
    const rule = this.autoConsents.find((candidate) => candidate.provider === provider && candidate.remaining > 0);
    if (!rule) return undefined;
    rule.remaining -= 1;
    return rule;
  }

  /** The account's live grant to the client, if any. */
  liveGrant(provider: Provider, accountId: string, clientId: string): Grant | undefined {
    return this.grants.find((grant) => grant.provider === provider && grant.accountId === accountId && grant.clientId === clientId && !grant.revoked);
  }

  /** The user allowed: record the grant and mint a code. */
  approve(request: AuthorizationRequest, account: Account, grantedScopes: string[]): string {
    this.requests.delete(request.id);
    let grant = this.liveGrant(request.provider, account.id, request.clientId);
    const scopes = request.includeGrantedScopes && grant ? union(grant.scopes, grantedScopes) : grantedScopes;
    const issueRefreshToken = request.offline && (!grant || !grant.refreshTokenIssued || request.forceConsent || request.provider === "microsoft");
    if (!grant) {
      grant = {
        id: randomToken("grant-", 16),
        provider: request.provider,
        accountId: account.id,
        clientId: request.clientId,
        scopes,
        revoked: false,
        refreshTokenIssued: false,
      };
      this.grants.push(grant);
    }
    grant.scopes = union(grant.scopes, scopes);
    const code = randomToken(TOKEN_PREFIXES[request.provider].code, 60);
    this.codes.set(code, {
      code,
      request,
      grant,
      scopes,
      issueRefreshToken,
      expiresAt: this.clock.now() + this.settings.authCodeTtlSeconds * 1000,
      redeemed: false,
    });
    return code;
  }

  deny(request: AuthorizationRequest): void {
    this.requests.delete(request.id);
  }

  // ---- tokens ---------------------------------------------------------------

  redeemCode(client: OAuthClient, form: URLSearchParams): IssuedTokens {
    const record = this.codes.get(form.get("code") ?? "");
    if (!record) throw new TokenError("code_unknown");
    if (record.redeemed) throw new TokenError("code_redeemed");
    if (record.expiresAt < this.clock.now()) throw new TokenError("code_expired");
    if (record.request.clientId !== client.clientId) throw new TokenError("code_wrong_client");
    if ((form.get("redirect_uri") ?? "") !== record.request.redirectUri) throw new TokenError("redirect_mismatch");
    const verifier = form.get("code_verifier") ?? undefined;
    checkPkce(record.request, verifier);
    record.redeemed = true;
    const grant = record.grant;
    const account = this.accountOf(grant);
    let refreshToken: string | undefined;
    if (record.issueRefreshToken && !grant.revoked) {
      refreshToken = this.mintRefreshToken(grant, record.scopes);
    }
    return { accessToken: this.mintAccessToken(grant, record.scopes), refreshToken, scopes: record.scopes, account, nonce: record.request.nonce };
  }

  /** Refresh grant. `rotate`: Microsoft returns a new refresh token every time (the old one stays valid). */
  refresh(client: OAuthClient, form: URLSearchParams, options: { rotate: boolean; requestedScopes?: string[] }): IssuedTokens {
    const record = this.refreshTokens.get(form.get("refresh_token") ?? "");
    if (!record || record.grant.clientId !== client.clientId) throw new TokenError("refresh_unknown");
    if (record.revoked || record.grant.revoked) throw new TokenError("refresh_revoked");
    let scopes = record.scopes;
    if (options.requestedScopes && options.requestedScopes.length > 0) {
      const missing = options.requestedScopes.filter((scope) => !record.scopes.includes(scope));
      if (missing.length > 0) throw new TokenError("scope_not_granted");
      scopes = options.requestedScopes;
    }
    const refreshToken = options.rotate ? this.mintRefreshToken(record.grant, record.scopes) : undefined;
    return { accessToken: this.mintAccessToken(record.grant, scopes), refreshToken, scopes, account: this.accountOf(record.grant) };
  }

  private mintRefreshToken(grant: Grant, scopes: string[]): string {
    const token = randomToken(TOKEN_PREFIXES[grant.provider].refresh, 64);
    this.refreshTokens.set(token, { token, grant, scopes, revoked: false });
    grant.refreshTokenIssued = true;
    return token;
  }

  private mintAccessToken(grant: Grant, scopes: string[]): AccessTokenRecord {
    const token = randomToken(TOKEN_PREFIXES[grant.provider].access, 80);
    const record: AccessTokenRecord = {
      token,
      provider: grant.provider,
      grant,
      accountId: grant.accountId,
      clientId: grant.clientId,
      scopes,
      expiresAt: this.clock.now() + this.settings.accessTokenTtlSeconds * 1000,
    };
    this.accessTokens.set(token, record);
    return record;
  }

  private accountOf(grant: Grant): Account {
    const account = this.store.accounts.get(grant.accountId);
    if (!account) throw new TokenError("refresh_revoked");
    return account;
  }

  /** Validates `Authorization: Bearer ...` for a provider's API. */
  checkBearer(provider: Provider, authorization: string | undefined): BearerCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match?.[1]) return { ok: false, reason: "missing" };
    const record = this.accessTokens.get(match[1]);
    if (!record || record.provider !== provider || record.grant.revoked) return { ok: false, reason: "invalid" };
    if (record.expiresAt <= this.clock.now()) return { ok: false, reason: "expired" };
    const account = this.store.accounts.get(record.accountId);
    if (!account) return { ok: false, reason: "invalid" };
    return { ok: true, token: record, account };
  }

  accessTokenRecord(token: string): AccessTokenRecord | undefined {
    return this.accessTokens.get(token);
  }

  // ---- revocation and expiry (control API, Google /revoke) ------------------

  /** A refresh or access token whose grant (and, for a refresh token, itself) is not revoked. */
  isLiveGrantToken(token: string): boolean {
    const refresh = this.refreshTokens.get(token);
    if (refresh) return !refresh.revoked && !refresh.grant.revoked;
    const access = this.accessTokens.get(token);
    return access !== undefined && !access.grant.revoked;
  }

  /** Revokes one refresh token; with `wholeGrant` the grant and all its tokens (Google's /revoke). */
  revokeToken(token: string, options: { wholeGrant: boolean }): boolean {
    const refresh = this.refreshTokens.get(token);
    const access = this.accessTokens.get(token);
    const grant = refresh?.grant ?? access?.grant;
    if (!grant) return false;
    if (options.wholeGrant) grant.revoked = true;
    else if (refresh) refresh.revoked = true;
    else grant.revoked = true;
    return true;
  }

  /** Revokes every grant of an account (optionally only one client's). Returns how many. */
  revokeGrants(accountId: string, clientId?: string): number {
    let count = 0;
    for (const grant of this.grants) {
      if (grant.accountId === accountId && !grant.revoked && (!clientId || grant.clientId === clientId)) {
        grant.revoked = true;
        count += 1;
      }
    }
    return count;
  }

  /** Makes live access tokens expire now (all, or one account's). */
  expireAccessTokens(accountId?: string): number {
    let count = 0;
    for (const record of this.accessTokens.values()) {
      if (!accountId || record.accountId === accountId) {
        record.expiresAt = Math.min(record.expiresAt, this.clock.now());
        count += 1;
      }
    }
    return count;
  }
}

function checkPkce(request: AuthorizationRequest, verifier: string | undefined): void {
  if (!request.codeChallenge) {
    if (verifier) throw new TokenError("pkce_unexpected_verifier");
    return;
  }
  if (!verifier) throw new TokenError("pkce_missing_verifier");
  const computed = request.codeChallengeMethod === "plain" ? verifier : createHash("sha256").update(verifier).digest("base64url");
  if (!safeEqual(computed, request.codeChallenge)) throw new TokenError("pkce_mismatch");
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}
