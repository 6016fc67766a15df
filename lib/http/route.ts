import { NextResponse } from "next/server";
import type { z } from "zod";
import { logger } from "@/lib/log";
import { AppError, errorResponse, invalid, toAppError } from "./errors";

// The shape of every JSON route handler: run, and turn whatever was thrown into the
// one error response. Unexpected failures are logged here, once, without secrets.

export function apiRoute<C>(name: string, handler: (request: Request, context: C) => Promise<Response>) {
  return async (request: Request, context: C): Promise<Response> => {
    try {
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
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) fields[issue.path.join(".") || "(root)"] = issue.message;
  throw invalid("the request is not valid", fields);
}

export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw invalid("the body is not JSON");
  }
}
