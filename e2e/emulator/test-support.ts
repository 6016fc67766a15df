// Helpers for the emulator's own conformance tests: a fast-configured
// emulator, webhook receivers, a consent-page driver, and SDK clients wired to
// the emulator the way the app will wire them.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { AuthenticationHandler, Client, RetryHandler, RetryHandlerOptions } from "@microsoft/microsoft-graph-client";
import { CodeChallengeMethod, OAuth2Client, type Credentials } from "google-auth-library";
import { google } from "googleapis";
import { startEmulator, type Emulator, type StartEmulatorOptions } from "./server";
import { CaTrustingHttpMessageHandler, fetchTrustingCa } from "./trust";
import type { EmulatorSettings } from "./context";

/** Short delays so retries, batching and timeouts cost milliseconds in tests. */
export const FAST_SETTINGS: Partial<EmulatorSettings> = {
  retryBaseDelayMs: 20,
  maxDeliveryAttempts: 4,
  graphBatchWindowMs: 15,
  graphNotificationTimeoutMs: 3_000,
  graphValidationTimeoutMs: 500,
  googlePushTimeoutMs: 2_000,
};

export function startTestEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  return startEmulator({ port: 0, httpsPort: 0, ...options, settings: { ...FAST_SETTINGS, ...options.settings } });
}

// ---- webhook receivers ------------------------------------------------------------

export interface ReceivedRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

export interface ReceiverAnswer {
  status?: number;
  body?: string;
  contentType?: string;
  delayMs?: number;
}

type Responder = (request: ReceivedRequest) => ReceiverAnswer;

/** Answers Graph validation like a correct app: the decoded token, text/plain, 200. */
export const answerValidation = (request: ReceivedRequest): ReceiverAnswer | undefined => {
  const token = request.query.get("validationToken");
  return token === null ? undefined : { status: 200, body: token, contentType: "text/plain" };
};

/** A tiny HTTP server recording what the emulator sends. */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  responder: Responder = (request) => answerValidation(request) ?? { status: 202 };
  private server?: http.Server;
  url = "";

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const url = new URL(req.url ?? "/", "http://receiver");
        const request: ReceivedRequest = {
          method: req.method ?? "",
          url: req.url ?? "",
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          receivedAt: Date.now(),
        };
        this.requests.push(request);
        const answer = this.responder(request);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(answer.status ?? 200, { "content-type": answer.contentType ?? "text/plain" });
          res.end(answer.body ?? "");
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    this.server.listen(0, "127.0.0.1");
    await new Promise((resolve) => this.server!.once("listening", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Requests that are not Graph validation handshakes. */
  notifications(): ReceivedRequest[] {
    return this.requests.filter((request) => !request.query.has("validationToken"));
  }

  async waitFor(predicate: (requests: ReceivedRequest[]) => boolean, timeoutMs = 4_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.requests)) {
      if (Date.now() > deadline) throw new Error(`Receiver timed out; got ${this.requests.length} request(s): ${this.requests.map((r) => r.url).join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.requests;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

// ---- consent page ---------------------------------------------------------------

// In a module of its own so that callers that only click through consent (the app's
// test helpers, the benchmarks' child processes) do not load the SDKs imported here.
import { consent } from "./consent-client";

export { consent, type ConsentChoice } from "./consent-client";

// ---- SDK clients ------------------------------------------------------------------

export const REDIRECT_URI = "http://127.0.0.1:3999/api/oauth/callback";
export const GOOGLE_SCOPES = ["openid", "email", "profile", "https://www.googleapis.com/auth/calendar.readonly"];

export function googleOAuthClient(emu: Emulator, overrides: { clientSecret?: string; forceRefreshOnFailure?: boolean } = {}): OAuth2Client {
  const client = emu.info.clients.find((candidate) => candidate.provider === "google")!;
  return new OAuth2Client({
    clientId: client.clientId,
    clientSecret: overrides.clientSecret ?? client.clientSecret,
    redirectUri: REDIRECT_URI,
    endpoints: {
      oauth2AuthBaseUrl: emu.google.authUrl,
      oauth2TokenUrl: emu.google.tokenUrl,
      oauth2RevokeUrl: emu.google.revokeUrl,
      tokenInfoUrl: emu.google.tokenInfoUrl,
      oauth2FederatedSignonPemCertsUrl: emu.google.pemCertsUrl,
      oauth2FederatedSignonJwkCertsUrl: emu.google.jwksUrl,
    },
    issuers: [emu.google.issuer],
    forceRefreshOnFailure: overrides.forceRefreshOnFailure,
  });
}

/** Full Google sign-in with PKCE through the consent page; returns the client holding the tokens. */
export async function googleSignIn(
  emu: Emulator,
  options: { email?: string; scopes?: string[]; offline?: boolean; prompt?: string; untick?: string[]; nonce?: string; forceRefreshOnFailure?: boolean } = {},
): Promise<{ client: OAuth2Client; tokens: Credentials }> {
  const client = googleOAuthClient(emu, { forceRefreshOnFailure: options.forceRefreshOnFailure });
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const authUrl = client.generateAuthUrl({
    scope: options.scopes ?? GOOGLE_SCOPES,
    access_type: options.offline === false ? "online" : "offline",
    prompt: options.prompt,
    state: "state-123",
    code_challenge: codeChallenge,
    code_challenge_method: CodeChallengeMethod.S256,
    ...(options.nonce ? { nonce: options.nonce } : {}),
  });
  const back = await consent(authUrl, { email: options.email ?? "alice@example.com", untick: options.untick });
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`No code: ${back}`);
  const { tokens } = await client.getToken({ code, codeVerifier });
  client.setCredentials(tokens);
  return { client, tokens };
}

export function googleCalendarApi(emu: Emulator, auth: OAuth2Client, retry = false) {
  return google.calendar({ version: "v3", rootUrl: emu.google.rootUrl, auth, retry });
}

export const MICROSOFT_SCOPES = "offline_access Calendars.Read User.Read openid profile email";

export interface MicrosoftTokens {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  scope: string;
  expires_in: number;
  token_type: string;
}

/** Microsoft sign-in with PKCE through the consent page (raw fetch: the Graph SDK does not do OAuth). */
export async function microsoftSignIn(
  emu: Emulator,
  options: { email?: string; scopes?: string; untick?: string[]; nonce?: string; tenant?: string } = {},
): Promise<MicrosoftTokens> {
  const trustingFetch = fetchTrustingCa(emu.caCertPem);
  const client = emu.info.clients.find((candidate) => candidate.provider === "microsoft")!;
  const verifier = "v".repeat(20) + Math.random().toString(36).slice(2).padEnd(30, "x");
  const { createHash } = await import("node:crypto");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const tenant = options.tenant ?? emu.microsoft.defaultTenantId;
  const authUrl = new URL(`${emu.microsoft.loginBaseUrl}/${tenant}/oauth2/v2.0/authorize`);
  for (const [name, value] of Object.entries({
    client_id: client.clientId,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope: options.scopes ?? MICROSOFT_SCOPES,
    state: "ms-state",
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...(options.nonce ? { nonce: options.nonce } : {}),
  })) {
    authUrl.searchParams.set(name, value);
  }
  const back = await consent(authUrl.toString(), { email: options.email ?? "bob@contoso.example", untick: options.untick }, trustingFetch);
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`No code: ${back}`);
  const response = await trustingFetch(`${emu.microsoft.loginBaseUrl}/${tenant}/oauth2/v2.0/token`, {
    method: "POST",
    body: new URLSearchParams({
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      scope: options.scopes ?? MICROSOFT_SCOPES,
    }),
  });
  if (response.status !== 200) throw new Error(`Token exchange failed: ${await response.text()}`);
  return (await response.json()) as MicrosoftTokens;
}

/**
 * The Graph SDK configured for the emulator: customHosts for the token to be
 * sent, real AuthenticationHandler and RetryHandler, and a final handler that
 * trusts the emulator's CA (in place of NODE_EXTRA_CA_CERTS, see trust.ts).
 */
export function graphClient(emu: Emulator, accessToken: () => string, retry = new RetryHandlerOptions(0, 1)): Client {
  const authProvider = { getAccessToken: async () => accessToken() };
  return Client.initWithMiddleware({
    baseUrl: emu.microsoft.graphBaseUrl,
    customHosts: new Set([emu.microsoft.graphHost]),
    middleware: [new AuthenticationHandler(authProvider), new RetryHandler(retry), new CaTrustingHttpMessageHandler(emu.caCertPem)],
  });
}
