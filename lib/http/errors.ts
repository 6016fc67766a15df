import { NextResponse } from "next/server";
import { isDatabaseUnavailable } from "@/lib/db/errors";
import { ProviderError } from "@/lib/providers/errors";

/**
 * Typed failures and the one place they become HTTP statuses. Domain code in lib/
 * throws these; route handlers call `errorResponse(err)` and never pick a status
 * themselves. Messages are written for the caller and must not carry secrets.
 */
export type ErrorKind =
  | "ignored" // understood and deliberately not acted on (200: the sender must not retry)
  | "invalid" // malformed input (400)
  | "unauthorized" // missing or failed verification (401)
  | "forbidden" // authenticated, not allowed (403)
  | "not_found" // unknown, or not visible to this organization (404)
  | "conflict" // state does not allow it (409)
  | "gone" // no longer kept (410: a change-log cursor behind retention)
  | "too_large" // body over the limit (413)
  | "unsupported_media_type" // a body that is not the type the route reads (415)
  | "rate_limited" // slow down (429)
  | "unavailable" // a dependency is down; retry later (503)
  | "failed"; // our fault (500)

const statusOf: Record<ErrorKind, number> = {
  ignored: 200,
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  failed: 500,
};

export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: { retryAfterSeconds?: number; fields?: Record<string, string> },
  ) {
    super(message);
  }

  get status(): number {
    return statusOf[this.kind];
  }
}

export const ignored = (message: string) => new AppError("ignored", message);
export const invalid = (message: string, fields?: Record<string, string>) => new AppError("invalid", message, { fields });

/** Validation issues (zod's) that a caller is shown, at most: enough to fix a request, never an echo of a huge one. */
export const MAX_REPORTED_ISSUES = 10;

/** A 400 naming each bad field ("a.b": message), from a schema's issues. */
export function invalidFromIssues(message: string, issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>): AppError {
  const fields: Record<string, string> = {};
  for (const issue of issues.slice(0, MAX_REPORTED_ISSUES)) fields[issue.path.map(String).join(".") || "(root)"] = issue.message;
  return invalid(message, fields);
}
export const unauthorized = (message = "verification failed") => new AppError("unauthorized", message);
export const forbidden = (message = "not allowed") => new AppError("forbidden", message);
export const notFound = (message = "not found") => new AppError("not_found", message);
export const conflict = (message: string) => new AppError("conflict", message);
export const gone = (message: string) => new AppError("gone", message);
export const tooLarge = (limitBytes: number) => new AppError("too_large", `body exceeds ${limitBytes} bytes`);
export const unsupportedMediaType = (expected: string) => new AppError("unsupported_media_type", `send the body as ${expected}`);
export const rateLimited = (retryAfterSeconds: number) => new AppError("rate_limited", "too many requests", { retryAfterSeconds });
export const unavailable = (message: string, retryAfterSeconds?: number) => new AppError("unavailable", message, { retryAfterSeconds });

/** Any thrown value as an AppError: unknown errors are "failed", database outages "unavailable". */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) return unavailable("database unavailable", 5);
  if (err instanceof ProviderError) {
    if (err.transient)
      return unavailable("the calendar provider is unavailable; try again shortly", err.retryAfterMs ? Math.ceil(err.retryAfterMs / 1000) : 30);
    if (err.kind === "reauthorization_required") return conflict("the account must be reconnected first");
    if (err.kind === "not_found") return notFound("the provider no longer has it");
    return new AppError("failed", "the calendar provider refused the request");
  }
  return new AppError("failed", "internal error");
}

/** The JSON response for a failure: `{ error: { kind, message, fields? } }`, with Retry-After when known. */
export function errorResponse(err: unknown): NextResponse {
  const appError = toAppError(err);
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  if (appError.details?.retryAfterSeconds !== undefined) headers["Retry-After"] = String(appError.details.retryAfterSeconds);
  const body = { error: { kind: appError.kind, message: appError.message, ...(appError.details?.fields ? { fields: appError.details.fields } : {}) } };
  return NextResponse.json(body, { status: appError.status, headers });
}
