// The browser's side of calsync's JSON API: one fetch wrapper so every screen words
// failures the same way. Route handlers answer errors as ErrorBody (lib/api/types.ts).

import type { ErrorBody } from "@/lib/api/types";

/** A failed API call, carrying the server's explanation when it gave one. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    message: string,
    /** HTTP status; 0 when the server was never reached. */
    readonly status: number,
    /** ErrorBody `kind` ("not_found", "conflict", ...), "network", or null when unknown. */
    readonly kind: string | null = null,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
  }

  /** The session has ended: the fix is signing in again, not retrying. */
  get signedOut(): boolean {
    return this.status === 401;
  }
}

export function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string";
}

const byStatus: Record<number, string> = {
  401: "Your session has ended. Sign in again to continue.",
  403: "You are not allowed to do that.",
  404: "It no longer exists; it may have been removed in the meantime.",
  409: "That conflicts with a change made in the meantime. Reload and try again.",
  429: "Too many requests. Wait a moment and try again.",
  503: "calsync is temporarily unavailable. Try again in a moment.",
};

/**
 * One readable sentence for a failed response: the server's own message when it sent
 * one (capitalized, ended with a full stop), else a sentence chosen by status.
 */
export function errorMessage(body: unknown, status: number): string {
  if (status === 401) return byStatus[401]!;
  if (isErrorBody(body)) {
    const text = body.error.message.trim();
    if (text !== "" && text !== "internal error") {
      const sentence = text.charAt(0).toUpperCase() + text.slice(1);
      return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
    }
  }
  return byStatus[status] ?? (status >= 500 ? `calsync ran into a problem (HTTP ${status}). Try again in a moment.` : `The request failed (HTTP ${status}).`);
}

/** The message to show for anything a query or mutation threw. */
export function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Try again.";
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * fetch for the app's own JSON API. Resolves with the parsed body on 2xx; throws an
 * ApiError with a readable message otherwise, including when the network is down
 * or the answer is not JSON (a sign-in page served in place of data, for instance).
 * Aborts (React Query cancelling a request) are rethrown untouched.
 */
export async function fetchJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set("Accept", "application/json");
  if (init.body !== undefined && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");

  let response: Response;
  try {
    response = await fetch(url, { cache: "no-store", credentials: "same-origin", ...init, headers });
  } catch (err) {
    if (init.signal?.aborted || (err instanceof DOMException && err.name === "AbortError")) throw err;
    throw new ApiError("Cannot reach calsync. Check your network connection; we will keep trying.", 0, "network");
  }

  const text = await response.text();
  const body = text === "" ? null : parse(text);
  if (!response.ok) {
    const kind = isErrorBody(body) ? body.error.kind : null;
    const fields = isErrorBody(body) ? body.error.fields : undefined;
    throw new ApiError(errorMessage(body, response.status), response.status, kind, fields);
  }
  if (body === undefined) {
    // A redirect to the sign-in page lands here as 200 HTML.
    const signedOut = response.redirected && new URL(response.url, "http://x").pathname.startsWith("/signin");
    if (signedOut) throw new ApiError(byStatus[401]!, 401, "unauthorized");
    throw new ApiError("The server sent an unexpected answer. Reload the page and try again.", response.status, null);
  }
  return body as T;
}
