import { z } from "zod";

// Query-string building blocks the admin routes share. Lists accept a status as a
// comma-separated set ("failed,dead"), so one link can name a whole category.

export const WEBHOOK_EVENT_STATUSES = ["pending", "processed", "ignored", "duplicate", "failed", "dead"] as const;
export const SYNC_RUN_STATUSES = ["running", "succeeded", "failed"] as const;

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** The query string as a plain object (a repeated name keeps its last value). */
export function searchParamsOf(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}

export function statusSet<const T extends readonly [string, ...string[]]>(statuses: T) {
  return z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== ""),
    )
    .pipe(z.array(z.enum(statuses)).max(statuses.length));
}

export const pageQuery = {
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
};

export const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

export const idParams = z.object({ id: z.uuid() });
