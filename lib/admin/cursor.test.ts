import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/http/errors";
import { afterCursor, decodeCursor, encodeCursor, pageOf } from "./cursor";

const id = "5b1f6c1e-8d1b-4c8e-9a51-0f7f2b8f3a10";

describe("cursor", () => {
  it("round-trips a position to the millisecond", () => {
    const at = new Date("2025-03-04T14:37:12.345Z");
    const decoded = decodeCursor(encodeCursor({ at, id }));
    expect(decoded.at.toISOString()).toBe(at.toISOString());
    expect(decoded.id).toBe(id);
  });

  it("is URL-safe", () => {
    expect(encodeCursor({ at: new Date(), id })).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("refuses anything it did not issue as a 400", () => {
    const forged = [
      "garbage",
      Buffer.from("[1,2]").toString("base64url"),
      Buffer.from(JSON.stringify(["not a date", id])).toString("base64url"),
      Buffer.from(JSON.stringify([new Date().toISOString(), "1; DROP TABLE"])).toString("base64url"),
      Buffer.from(JSON.stringify({ at: new Date().toISOString(), id })).toString("base64url"),
    ];
    for (const cursor of forged) {
      let caught: unknown;
      try {
        decodeCursor(cursor);
      } catch (err) {
        caught = err;
      }
      expect(caught, cursor).toBeInstanceOf(AppError);
      expect((caught as AppError).status).toBe(400);
    }
  });

  it("filters strictly after the position, ties broken by id", () => {
    const at = new Date("2025-03-04T14:00:00.000Z");
    expect(afterCursor("receivedAt", null)).toEqual({});
    expect(afterCursor("receivedAt", { at, id })).toEqual({ OR: [{ receivedAt: { lt: at } }, { receivedAt: at, id: { lt: id } }] });
  });

  it("knows there is a next page only when more than a page came back", () => {
    const rows = [1, 2, 3].map((n) => ({ n, at: new Date(1_000 * n), id }));
    expect(pageOf(rows, 3, (row) => row)).toEqual({ rows, nextCursor: null });
    const page = pageOf(rows, 2, (row) => row);
    expect(page.rows.map((row) => row.n)).toEqual([1, 2]);
    expect(decodeCursor(page.nextCursor!).at.getTime()).toBe(2_000);
  });
});
