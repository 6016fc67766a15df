import { NextResponse } from "next/server";
import type { z } from "zod";
import { logger } from "@/lib/log";
import { readBodyLimited, utf8 } from "./body";
import { AppError, errorResponse, invalid, invalidFromIssues, toAppError } from "./errors";
import { MUTATING_METHODS, refuseCrossSite, refuseNonJsonBody } from "./same-origin";

// The shape of every JSON route handler: refuse cross-site writes, run, and turn
// whatever was thrown into the one error response. Unexpected failures are logged
// here, once, without secrets.

/** The largest JSON body a route reads (413 beyond); the API's bodies are a few hundred bytes. */
export const JSON_BODY_LIMIT = 64 * 1024;

export function apiRoute<C>(name: string, handler: (request: Request, context: C) => Promise<Response>) {
  return async (request: Request, context: C): Promise<Response> => {
    try {
      // Before the handler: a refused request reaches neither the session nor the database.
      if (MUTATING_METHODS.has(request.method)) {
        refuseCrossSite(request.headers);
        refuseNonJsonBody(request.headers);
      }
      return await handler(request, context);
    } catch (err) {
      const appError = toAppError(err);
      if (!(err instanceof AppError)) {
        logger.error("api.failed", { route: name, kind: appError.kind, error: err instanceof Error ? { name: err.name, message: err.message } : String(err) });
      }
      return errorResponse(err);
    }
  };
}

export function json<T>(body: T, init: { status?: number } = {}): NextResponse {
  return NextResponse.json(body, { status: init.status ?? 200, headers: { "Cache-Control": "no-store" } });
}

/** Parses with zod; a failure is a 400 naming each bad field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidFromIssues("the request is not valid", parsed.error.issues);
}

/** The body as JSON, read up to JSON_BODY_LIMIT bytes (counted as they arrive, not as declared). */
export async function readJson(request: Request): Promise<unknown> {
  const text = utf8(await readBodyLimited(request, JSON_BODY_LIMIT));
  if (text === null) throw invalid("the body is not UTF-8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid("the body is not JSON");
  }
}
