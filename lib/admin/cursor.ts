import { invalid } from "@/lib/http/errors";

/**
 * Keyset pagination over (timestamp, id), newest first. The cursor is opaque to
 * callers so its shape can change; it only names the last row of the page before,
 * which keeps pages stable while new rows arrive at the top.
 */
export interface CursorPosition {
  at: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id]), "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): CursorPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("the cursor is not valid", { cursor: "not a cursor this server issued" });
  }
  if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === "string" && typeof parsed[1] === "string" && UUID.test(parsed[1])) {
    const at = new Date(parsed[0]);
    if (!Number.isNaN(at.getTime())) return { at, id: parsed[1] };
  }
  throw invalid("the cursor is not valid", { cursor: "not a cursor this server issued" });
}

/**
 * Rows strictly after `cursor` in (field desc, id desc) order, as a Prisma filter.
 * Timestamps are stored to the millisecond, which the ISO form keeps exactly.
 */
export function afterCursor<F extends string>(field: F, cursor: CursorPosition | null) {
  if (!cursor) return {};
  return { OR: [{ [field]: { lt: cursor.at } }, { [field]: cursor.at, id: { lt: cursor.id } }] } as { OR: Array<Record<string, unknown>> };
}

/** The page (at most `limit` rows) and the cursor of the next one: fetch `limit + 1` rows to know. */
export function pageOf<T>(rows: T[], limit: number, position: (row: T) => CursorPosition): { rows: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const page = rows.slice(0, limit);
  return { rows: page, nextCursor: encodeCursor(position(page[page.length - 1]!)) };
}
