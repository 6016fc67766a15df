import { NextResponse } from "next/server";
import { z } from "zod";
import { publicBaseUrl } from "@/lib/config";
import { completeConnection } from "@/lib/connections/connect";
import { db } from "@/lib/db/client";
import { getViewer } from "@/lib/auth/viewer";
import { readCookie } from "@/lib/http/cookies";
import { logger } from "@/lib/log";
import { providerFor } from "@/lib/providers";
import type { ProviderName } from "@/lib/providers/port";
import type { ConnectResult } from "./results";
import { STATE_TTL_MS, beginAuthorization, consumeAuthorization, stateCookieName } from "@/lib/oauth/state";
import { errorMessage } from "@/lib/format";

// The connect flow's two route handlers, shared by both providers: the route files
// under app/api/oauth/<provider>/ only name their provider.

export const ONBOARDING_PATH = "/onboarding/connect-calendar";

export function redirectUriFor(provider: ProviderName, base = publicBaseUrl()): string {
  return `${base}/api/oauth/${provider}/callback`;
}

function cookieOptions(provider: ProviderName, maxAgeSeconds: number) {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    secure: publicBaseUrl().startsWith("https://"),
    path: `/api/oauth/${provider}`,
    maxAge: maxAgeSeconds,
  };
}

function toOnboarding(provider: ProviderName, result: ConnectResult, detail?: string, connectionId?: string): NextResponse {
  const url = new URL(ONBOARDING_PATH, publicBaseUrl());
  url.searchParams.set("result", result);
  url.searchParams.set("provider", provider);
  if (detail) url.searchParams.set("detail", detail);
  // The page names the account from its own (organization-scoped) connection list.
  if (connectionId) url.searchParams.set("connection", connectionId);
  const response = NextResponse.redirect(url, 303);
  response.cookies.set(stateCookieName(provider), "", cookieOptions(provider, 0));
  return response;
}

function toSignIn(): NextResponse {
  const url = new URL("/signin", publicBaseUrl());
  url.searchParams.set("callbackUrl", ONBOARDING_PATH);
  return NextResponse.redirect(url, 303);
}

/** GET /api/oauth/<provider>/start[?connection=<id>]: off to the provider's consent screen. */
export async function startConnect(request: Request, providerName: ProviderName): Promise<Response> {
  const viewer = await getViewer(request);
  if (!viewer) return toSignIn();
  let provider;
  try {
    provider = providerFor(providerName);
  } catch {
    return toOnboarding(providerName, "not_configured");
  }
  const database = await db();
  const query = startQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  const { connection: reconnect, login_hint: hint } = query.success ? query.data : {};
  const previous = reconnect
    ? await database.calendarConnection.findFirst({
        where: { id: reconnect, organizationId: viewer.organizationId, provider: providerName },
        select: { id: true, accountEmail: true },
      })
    : null;
  const redirectUri = redirectUriFor(providerName);
  const { state, codeChallenge } = await beginAuthorization(database, {
    organizationId: viewer.organizationId,
    userId: viewer.userId,
    provider: providerName,
    redirectUri,
    // A reconnect is bound to its connection: consent with another account is refused, not added.
    connectionId: previous?.id ?? null,
  });
  const response = NextResponse.redirect(provider.authorizationUrl({ state, codeChallenge, redirectUri, loginHint: previous?.accountEmail ?? hint }), 303);
  response.cookies.set(stateCookieName(providerName), state, cookieOptions(providerName, STATE_TTL_MS / 1000));
  return response;
}

// Unknown or malformed parameters are ignored: the start is then a plain "connect".
const startQuery = z.object({ connection: z.uuid().optional(), login_hint: z.email().max(320).optional() });

const callbackQuery = z.object({
  code: z.string().min(1).max(4096).optional(),
  state: z.string().min(1).max(512).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
});

// Both providers say access_denied when the person declines; Microsoft adds
// consent_required / interaction_required when consent could not be asked.
const DENIED = new Set(["access_denied", "consent_required", "interaction_required"]);

/** GET /api/oauth/<provider>/callback: check state, finish, and send the person back with a result code. */
export async function finishConnect(request: Request, providerName: ProviderName): Promise<Response> {
  const viewer = await getViewer(request);
  if (!viewer) return toSignIn();
  const url = new URL(request.url);
  const parsed = callbackQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return toOnboarding(providerName, "invalid_callback");
  const query = parsed.data;
  const database = await db();
  const cookieState = readCookie(request, stateCookieName(providerName));
  if (query.error) {
    // Burn the state so the same response cannot be replayed into a success later.
    if (query.state) await consumeAuthorization(database, { state: query.state, cookieState, userId: viewer.userId, provider: providerName });
    logger.info("connect.provider_error", { provider: providerName, error: query.error });
    return toOnboarding(providerName, DENIED.has(query.error) ? "consent_denied" : "provider_error");
  }
  const check = await consumeAuthorization(database, { state: query.state ?? null, cookieState, userId: viewer.userId, provider: providerName });
  if (!check.ok) {
    logger.warn("connect.state_rejected", { provider: providerName, result: check.result });
    return toOnboarding(providerName, check.result);
  }
  if (!query.code) return toOnboarding(providerName, "invalid_callback");
  try {
    const { result, detail, connectionId } = await completeConnection({
      organizationId: viewer.organizationId,
      userId: viewer.userId,
      provider: providerName,
      code: query.code,
      codeVerifier: check.codeVerifier,
      redirectUri: check.redirectUri,
      reconnectConnectionId: check.connectionId,
    });
    logger.info("connect.finished", { provider: providerName, result });
    return toOnboarding(providerName, result, detail, connectionId);
  } catch (err) {
    logger.error("connect.failed", { provider: providerName, error: errorMessage(err) });
    return toOnboarding(providerName, "failed");
  }
}
